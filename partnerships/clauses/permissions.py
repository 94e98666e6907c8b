from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, Role

POLICY = {
    "clauses.index": allow(EDITORS),
    "clauses.new": allow(Role.ADMIN),
    "clauses.edit": allow(Role.ADMIN),
    "clauses.delete": allow(Role.ADMIN),
}
