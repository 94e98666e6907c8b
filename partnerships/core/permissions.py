from partnerships.core.policy import PUBLIC, allow
from partnerships.core.roles import EVERYONE

POLICY = {
    "core.index": allow(EVERYONE),
    "core.set_language": PUBLIC,
    "core.health": PUBLIC,
}
