from partnerships.core.policy import allow
from partnerships.core.roles import EVERYONE

# Regions are public reference data (Kepmendagri); every signed-in user may look them up.
POLICY = {
    "regions.index": allow(EVERYONE),
    "regions.show": allow(EVERYONE),
    "regions.lookup": allow(EVERYONE),
}
