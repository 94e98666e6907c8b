from partnerships.core.policy import allow
from partnerships.core.roles import INTERNAL, Role

POLICY = {
    "numbering.patterns": allow(INTERNAL),
    "numbering.pattern_new": allow(Role.ADMIN),
    "numbering.pattern_edit": allow(Role.ADMIN),
}
