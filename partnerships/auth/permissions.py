from partnerships.core.policy import PUBLIC, allow
from partnerships.core.roles import EVERYONE, Role

POLICY = {
    "auth.login": PUBLIC,
    "auth.logout": allow(EVERYONE),
    "auth.password": allow(EVERYONE),
    "auth.users": allow(Role.ADMIN),
    "auth.user_new": allow(Role.ADMIN),
    "auth.user_edit": allow(Role.ADMIN),
    "auth.user_deactivate": allow(Role.ADMIN),
}
