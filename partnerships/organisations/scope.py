"""Which offices, partners and officials a user may see: the scope every domain builds on.

It depends on nothing but the organisation models, so agreements, audit, the dashboard and the
pages of any domain can import it without a cycle.
"""

from sqlalchemy import Select, false, or_, select

from partnerships.core.roles import Role
from partnerships.core.safety import MAX_ID
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


# A list's partner or office filter is a drop-down up to this many names and a name box beyond:
# a national user's drop-down of 6,000 partners weighed 400 kB and cost 300 ms on every list
# page; the country's 330 offices still cost an agreement list page a seventh of its time.
CHOICES_MAX = 200


def _choices(stmt: Select) -> list[tuple[int, str]] | None:
    rows = db.session.execute(stmt.limit(CHOICES_MAX + 1)).all()
    return None if len(rows) > CHOICES_MAX else [tuple(row) for row in rows]


def partner_choices(user) -> list[tuple[int, str]] | None:
    """The partners a list's filter offers as (id, name), or None when `user` sees more than
    CHOICES_MAX (the filter then takes a name)."""
    return _choices(
        visible_partners(user)
        .with_only_columns(Partner.id, Partner.name)
        .order_by(Partner.name, Partner.id)
    )


def office_names() -> Select:
    """Every live office as (id, name), by name: forms' drop-downs and lists' filters."""
    return (
        select(Office.id, Office.name)
        .where(Office.is_deleted.is_(False))
        .order_by(Office.name, Office.id)
    )


def office_filter_choices() -> list[tuple[int, str]] | None:
    """The offices a list's filter offers as (id, name), or None beyond CHOICES_MAX."""
    return _choices(office_names())


def _named(model, raw: str, *also) -> Select:
    """The ids a list's filter means: an id (from the drop-down) or part of the names (from
    the name box), or what `also` matches (an office's code, which may be all digits). An id
    out of range matches nothing."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit():  # not "²" or "①", which isdigit() accepts
        # more digits than any id has: nothing (and int() refuses beyond 4,300 digits)
        number = int(raw) if len(raw) <= len(str(MAX_ID)) else 0
        return select(model.id).where(
            or_(model.id == number if 0 < number <= MAX_ID else false(), *also)
        )
    return select(model.id).where(or_(model.name.icontains(raw, autoescape=True), *also))


def partners_named(raw: str) -> Select:
    return _named(Partner, raw)


def offices_named(raw: str) -> Select:
    """Offices by id, part of the name or their code ("dps")."""
    return _named(Office, raw, Office.code == raw.strip().upper())


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
