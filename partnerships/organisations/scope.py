"""Which offices, partners and officials a user may see: the scope every domain builds on.

It depends on nothing but the organisation models, so agreements, audit, the dashboard and the
pages of any domain can import it without a cycle.
"""

from sqlalchemy import Select, or_, select

from partnerships.core.roles import Role
from partnerships.extensions import db
from partnerships.organisations.models import ContactPerson, Office, Official, Partner


def office_subtree_ids(office_id: int) -> set[int]:
    """The office and every office below it (a Kanwil and its branches)."""
    found, frontier = {office_id}, {office_id}
    while frontier:
        frontier = set(db.session.scalars(select(Office.id).where(Office.parent_id.in_(frontier))))
        frontier -= found
        found |= frontier
    return found


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


def visible_contacts(user) -> Select:
    """Contact persons of the partners `user` may see (a partner user: its own only)."""
    partners = visible_partners(user).with_only_columns(Partner.id)
    return select(ContactPerson).where(
        ContactPerson.is_deleted.is_(False), ContactPerson.partner_id.in_(partners)
    )
