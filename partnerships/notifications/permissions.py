from partnerships.core.policy import allow
from partnerships.core.roles import EVERYONE

POLICY = {
    # each user's own list and own preference: the queries are scoped to the user
    "notifications.waiting": allow(EVERYONE),
    "notifications.settings": allow(EVERYONE),
}
