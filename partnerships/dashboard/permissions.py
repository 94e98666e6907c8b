from partnerships.core.policy import allow
from partnerships.core.roles import EVERYONE

POLICY = {
    "dashboard.index": allow(EVERYONE),
}
