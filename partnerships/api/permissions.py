from partnerships.core.policy import PUBLIC, allow
from partnerships.core.roles import EVERYONE, Role

# The API answers every signed-in role; what each sees is scoped by the domains' visible_*
# queries, and the one write (a partner's figure) is checked again in the view (can_submit).
POLICY = {
    "api.tokens": allow(EVERYONE),
    "api.token_revoke": allow(EVERYONE),
    "api-docs.openapi_json": PUBLIC,  # the description is no secret
    "api_v1.agreements": allow(EVERYONE),
    "api_v1.agreement": allow(EVERYONE),
    "api_v1.commitments_list": allow(EVERYONE),
    "api_v1.commitment": allow(EVERYONE),
    "api_v1.realisations": allow(EVERYONE),
    "api_v1.submit_realisation": allow(Role.PARTNER),
    "api_v1.events": allow(EVERYONE),
    "api_v1.event": allow(EVERYONE),
    "api_v1.documents": allow(EVERYONE),
    "api_v1.document": allow(EVERYONE),
}
