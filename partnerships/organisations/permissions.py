"""Who may reach the organisation pages, and which rows each user may see or change."""

from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, INTERNAL, Role
from partnerships.organisations.models import Official, Partner
from partnerships.organisations.scope import office_subtree_ids

# Re-exported for code written before scope.py existed; new code imports them from scope.
from partnerships.organisations.scope import visible_officials as visible_officials
from partnerships.organisations.scope import visible_partners as visible_partners

POLICY = {
    "organisations.offices": allow(INTERNAL),
    "organisations.office": allow(INTERNAL),
    "organisations.office_new": allow(Role.ADMIN),
    "organisations.office_edit": allow(Role.ADMIN),
    "organisations.partners": allow(EVERYONE),
    "organisations.partner": allow(EVERYONE),
    "organisations.partner_new": allow(EDITORS),
    "organisations.partner_edit": allow(EDITORS),
    "organisations.partner_delete": allow(EDITORS),
    "organisations.officials": allow(EVERYONE),
    "organisations.official_new": allow(EDITORS),
    "organisations.official_edit": allow(EDITORS),
    "organisations.official_delete": allow(EDITORS),
    # a partner's own users keep its address and contact persons ("Profil instansi")
    "organisations.profile": allow(Role.PARTNER),
    "organisations.contact_new": allow(Role.PARTNER),
    "organisations.contact_edit": allow(Role.PARTNER),
    "organisations.contact_delete": allow(Role.PARTNER),
}


def can_edit_partner(user, partner: Partner) -> bool:
    """Admins edit every partner; staff and managers those their office or a sub-office manages."""
    if user.role == Role.ADMIN:
        return True
    if user.role not in EDITORS or user.office_id is None:
        return False
    return partner.office_id in office_subtree_ids(user.office_id)


def can_edit_official(user, official: Official) -> bool:
    if official.partner is not None:
        return can_edit_partner(user, official.partner)
    return user.role == Role.ADMIN
