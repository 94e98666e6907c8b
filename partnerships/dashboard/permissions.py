from partnerships.core.policy import allow
from partnerships.core.roles import EVERYONE, INTERNAL

POLICY = {
    "dashboard.index": allow(EVERYONE),
    # figures of offices and partners: internal users, each within the scope it may choose
    "dashboard.export": allow(INTERNAL),
    "dashboard.scorecard_page": allow(INTERNAL),
    "dashboard.scorecard_export": allow(INTERNAL),
}
