"""Who may reach the organisation pages, and which rows each user may see or change."""

from sqlalchemy import Select, or_, select

from partnerships.core.policy import allow
from partnerships.core.roles import EDITORS, EVERYONE, INTERNAL, Role
from partnerships.organisations.models import Office, Official, Partner

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
}


def visible_partners(user) -> Select:
    """Partners `user` may see: a partner user only its own, everybody else all of them."""
    stmt = select(Partner).where(Partner.is_deleted.is_(False))
    if user.role == Role.PARTNER:
        stmt = stmt.where(Partner.id == user.partner_id)
    return stmt


def visible_officials(user) -> Select:
    """Officials `user` may see: those of a partner `user` may see, or (for internal users) of
    an office; an official of a deleted partner or office goes out of sight with it."""
    stmt = select(Official).where(Official.is_deleted.is_(False))
    partners = Official.partner_id.in_(visible_partners(user).with_only_columns(Partner.id))
    if user.role == Role.PARTNER:
        return stmt.where(partners)
    offices = Official.office_id.in_(select(Office.id).where(Office.is_deleted.is_(False)))
    return stmt.where(or_(partners, offices))


def can_edit_partner(user, partner: Partner) -> bool:
    """Admins edit every partner; staff and managers those their office or a sub-office manages."""
    from partnerships.organisations.services import office_subtree_ids

    if user.role == Role.ADMIN:
        return True
    if user.role not in EDITORS or user.office_id is None:
        return False
    return partner.office_id in office_subtree_ids(user.office_id)


def can_edit_official(user, official: Official) -> bool:
    if official.partner is not None:
        return can_edit_partner(user, official.partner)
    return user.role == Role.ADMIN
