"""Reading events for the pages: the list's search, filters and order, and what an event may
be linked to and is linked to, each as one query."""

from datetime import UTC, date, datetime, time
from functools import cache
from operator import attrgetter

from flask_babel import get_timezone
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import joinedload

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.commitments.models import Commitment
from partnerships.commitments.permissions import visible_commitments
from partnerships.core.pagination import cursor_text, id_key
from partnerships.events.models import Event, Kind, Status
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from partnerships.organisations.scope import office_subtree_ids, visible_partners
from partnerships.regions.models import Region

FILTER_KEYS = ("q", "status", "kind", "year", "sort")
SORTS = ("date_desc", "date_asc")
FIRST_YEAR, LAST_YEAR = 1900, 3000
QUERY_MAX = 200


def filter_args(args) -> dict[str, str]:
    """The list filters present in a query string, and nothing else."""
    return {key: value for key in FILTER_KEYS if (value := (args.get(key) or "").strip())}


def _year(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return -1  # typed but not a year: matches nothing


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """1 January of `year` and of the next at the office (WITA), as UTC instants."""
    zone = get_timezone()
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


@cache  # loader options are immutable: built once (after the mappers are configured), shared
def _listed() -> tuple:
    return (
        joinedload(Event.office).load_only(Office.name).lazyload("*"),
        joinedload(Event.region).load_only(Region.name).lazyload("*"),
    )


def listed(stmt: Select) -> Select:
    """A list's events with only the names it shows of their office and region: the models'
    eager joins also brought the office's parent and region with every row."""
    return stmt.options(*_listed())


def filtered(stmt: Select, args) -> Select:
    """Search (title, venue) and filters (status, kind, the year it starts); a value that
    cannot match gives no rows."""
    if q := (args.get("q") or "").strip()[:QUERY_MAX]:
        like = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Event.title).contains(like, autoescape=True),
                func.lower(Event.venue).contains(like, autoescape=True),
            )
        )
    if status := args.get("status"):
        stmt = stmt.where(Event.status == status if status in set(Status) else false())
    if kind := args.get("kind"):
        stmt = stmt.where(Event.kind == kind if kind in set(Kind) else false())
    if (year := _year(args.get("year"))) is not None:
        if FIRST_YEAR < year < LAST_YEAR:
            start, end = _year_bounds(year)
            stmt = stmt.where(Event.starts_at >= start, Event.starts_at < end)
        else:
            stmt = stmt.where(false())
    return stmt


def cursor_time(value) -> datetime:
    moment = datetime.fromisoformat(cursor_text(value))
    if moment.tzinfo is None:
        raise ValueError("not an instant")
    try:  # year 1 at +14:00 is before the first instant a datetime holds in UTC
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("out of range") from error


def sort_of(args) -> tuple[list, bool]:
    """The keyset columns and direction: by start, newest first unless asked otherwise."""
    keys = [(Event.starts_at, attrgetter("starts_at"), cursor_time), id_key(Event.id)]
    return keys, args.get("sort") != "date_asc"


# ---- what an event may be linked to: its office's own ------------------------------------


def linkable_partners(event: Event) -> list[Partner]:
    """Partners managed by the organising office or an office below it."""
    offices = office_subtree_ids(event.office_id)
    return list(
        db.session.scalars(
            select(Partner)
            .where(Partner.is_deleted.is_(False), Partner.office_id.in_(offices))
            .order_by(Partner.name, Partner.id)
        )
    )


def linkable_agreements(event: Event) -> list[Agreement]:
    """Agreements of the organising office or an office below it."""
    offices = office_subtree_ids(event.office_id)
    return list(
        db.session.scalars(
            select(Agreement)
            .where(Agreement.is_deleted.is_(False), Agreement.office_id.in_(offices))
            .order_by(Agreement.title, Agreement.id)
        )
    )


def commitments_of(agreement_ids) -> list[Commitment]:
    """The commitments recorded under these agreements (what an event may serve)."""
    ids = list(agreement_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.is_deleted.is_(False), Commitment.agreement_id.in_(ids))
            .order_by(Commitment.agreement_id, Commitment.article, Commitment.id)
        )
    )


# ---- what an event is linked to, as `user` may see it ------------------------------------


def linked(event: Event, user) -> dict[str, list]:
    """The event's partners, agreements and commitments that `user` may see (a partner user:
    its own partner, and what it is a party to or owes)."""
    partner_ids = [p.id for p in event.partners]
    agreement_ids = [a.id for a in event.agreements]
    commitment_ids = [c.id for c in event.commitments]

    def scoped(stmt, model, ids, *order):
        if not ids:
            return []
        return list(db.session.scalars(stmt.where(model.id.in_(ids)).order_by(*order)))

    return {
        "partners": scoped(visible_partners(user), Partner, partner_ids, Partner.name),
        "agreements": scoped(visible_agreements(user), Agreement, agreement_ids, Agreement.title),
        "commitments": scoped(
            visible_commitments(user), Commitment, commitment_ids, Commitment.title
        ),
    }
