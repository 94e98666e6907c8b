"""The queries the organisation pages need, each within what the user may see."""

from sqlalchemy import Select, func, or_, select

from partnerships.extensions import db
from partnerships.organisations.models import ContactPerson, Office, Official, Partner
from partnerships.organisations.scope import (
    offices_named,
    visible_contacts,
    visible_officials,
    visible_partners,
)


def offices() -> list[Office]:
    return list(db.session.scalars(select(Office).where(~Office.is_deleted).order_by(Office.name)))


def office_officials(office: Office) -> list[Official]:
    """The office's own officials, latest tenure first."""
    return list(
        db.session.scalars(
            select(Official)
            .where(Official.office_id == office.id, ~Official.is_deleted)
            .order_by(Official.tenure_start.desc())
        )
    )


def partners_of_office(user, office: Office) -> list[Partner]:
    """The partners `office` manages that `user` may see."""
    return list(
        db.session.scalars(
            visible_partners(user).where(Partner.office_id == office.id).order_by(Partner.name)
        )
    )


def partner_officials(user, partner: Partner) -> list[Official]:
    """The partner's officials that `user` may see, latest tenure first."""
    return list(
        db.session.scalars(
            visible_officials(user)
            .where(Official.partner_id == partner.id)
            .order_by(Official.tenure_start.desc())
        )
    )


def partner_contacts(user, partner: Partner) -> list[ContactPerson]:
    """The partner's contact persons, if `user` may see the partner; by name."""
    return list(
        db.session.scalars(
            visible_contacts(user)
            .where(ContactPerson.partner_id == partner.id)
            .order_by(ContactPerson.name, ContactPerson.id)
        )
    )


def find_partners(user, q: str = "", kind: str = "", office: str = "") -> Select:
    """Partners `user` may see whose name contains `q` or whose region code starts with it,
    optionally of one kind and managed by an office (its id, or part of its name, or its code,
    as the list's office filter sends it), to be paged by the caller."""
    stmt = visible_partners(user)
    if q:
        stmt = stmt.where(
            or_(
                func.lower(Partner.name).contains(q.lower(), autoescape=True),
                Partner.region_code.startswith(q, autoescape=True),
            )
        )
    if kind:
        stmt = stmt.where(Partner.kind == kind)
    if office := office.strip():
        stmt = stmt.where(Partner.office_id.in_(offices_named(office)))
    return stmt


def find_officials(user, q: str = "") -> Select:
    """Officials `user` may see whose name or title contains `q`, or whose NIP/NPK starts
    with it (to be paged by the caller)."""
    stmt = visible_officials(user)
    if q:
        like = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Official.name).contains(like, autoescape=True),
                func.lower(Official.title).contains(like, autoescape=True),
                Official.identifier.startswith(q, autoescape=True),
            )
        )
    return stmt
