"""What the calendar pages read: which offices a user may put on the calendar, a month as a
grid of weeks (Monday first), and the agenda of days to come, each from one query over the
events the user may see.

An event sits on the days it runs at its own place (its zone: WIB, WITA or WIT), so a booth
that ran 13 to 17 August appears on those five days wherever the reader is; a postponed event
sits at its new date; a cancelled one stays, struck through and labelled.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter

from babel.dates import get_day_names
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from partnerships.core.formatting import formatted_clock, formatted_day, ui_locale
from partnerships.core.pagination import Page, id_key, keyset_page
from partnerships.core.roles import Role
from partnerships.events import timing
from partnerships.events.models import Event
from partnerships.events.queries import cursor_time
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.organisations.scope import office_subtree_ids

MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1900, 3000
# A month of one office holds a handful of events; the whole country's, at most this many
# (the page says when it stopped).
MONTH_LIMIT = 500


# ---- whose calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The calendar asked for: one office (and those below it), or everything the user may
    see (`office` None: the whole country for national roles, a partner's own events)."""

    office: Office | None
    value: str  # as the selector sends it: "" for the whole country, else the office id
    choices: list[tuple[str, str]]  # the selector's (value, label); empty: no selector

    def filter(self, stmt: Select) -> Select:
        if self.office is None:
            return stmt
        return stmt.where(Event.office_id.in_(office_subtree_ids(self.office.id)))

    @property
    def query(self) -> dict[str, str]:
        """What links carry to stay on this calendar."""
        return {"office": self.value} if self.choices else {}


def is_national(user) -> bool:
    if user.role == Role.PARTNER:
        return False
    return user.role == Role.ADMIN or user.office_id is None


def office_choices(user) -> list[tuple[str, str]]:
    """The calendars `user` may choose: national roles the whole country and every office,
    office users their office and those below it, partner users none (their partner's events
    are their calendar)."""
    if user.role == Role.PARTNER:
        return []
    stmt = select(Office.id, Office.name).where(Office.is_deleted.is_(False))
    if is_national(user):
        rows = db.session.execute(stmt.order_by(Office.name)).all()
        return [("", _("Whole country")), *((str(i), n) for i, n in rows)]
    subtree = office_subtree_ids(user.office_id)
    rows = db.session.execute(stmt.where(Office.id.in_(subtree)).order_by(Office.name)).all()
    own = [(str(i), n) for i, n in rows if i == user.office_id]
    return own + [(str(i), n) for i, n in rows if i != user.office_id]


def resolve_scope(user, raw: str | None) -> Scope:
    """The calendar in the query string, or the user's own (its office; the whole country for
    national roles). An office the user may not choose is refused (403)."""
    choices = office_choices(user)
    if not choices:
        return Scope(None, "", [])
    value = raw.strip() if raw is not None else ("" if is_national(user) else str(user.office_id))
    if value not in {v for v, _label in choices}:
        abort(403)
    office = db.session.get(Office, int(value)) if value else None
    return Scope(office, value, choices)


def partners_seen_by(user, event: Event) -> list:
    """An event's partners as `user` may see them: a partner's user its own partner only (as
    the event's page shows it), everybody else those not deleted; None: an office's feed."""
    if user is not None and user.role == Role.PARTNER:
        return [p for p in event.partners if p.id == user.partner_id]
    return [p for p in event.partners if not p.is_deleted]


# ---- where an event falls ----------------------------------------------------------------


def days_of(event: Event) -> tuple[date, date]:
    """The first and last day the event runs, at its place."""
    first = timing.first_day(event)
    return first, max(first, timing.last_day(event))


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants that hold every event running between these days in any of Indonesia's
    zones (UTC+7 to UTC+9): a day's margin on each side, the days are placed exactly after."""
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)
    return start, end


# ---- the month ---------------------------------------------------------------------------


@dataclass
class Entry:
    """An event on one day of the grid."""

    event: Event
    day: date
    first: date
    last: date

    @property
    def spans(self) -> bool:
        return self.first != self.last

    @property
    def starts(self) -> bool:
        return self.day == self.first

    @property
    def ends(self) -> bool:
        return self.day == self.last


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Month:
    first: date
    weeks: list[list[Day]]
    day_names: list[tuple[str, str]]  # (full, short) from Monday
    previous: date
    next: date
    truncated: bool

    @property
    def days_with_events(self) -> list[Day]:
        """The month's own days that have something on: the list phones show."""
        return [d for week in self.weeks for d in week if d.in_month and d.entries]

    @property
    def count(self) -> int:
        return len({e.event.id for d in self.days_with_events for e in d.entries})


def parse_month(raw: str | None, today: date) -> date:
    """The first of the month in `?month=YYYY-MM`; this month when absent or not a month."""
    match = MONTH.fullmatch((raw or "").strip())
    if match:
        year, month = int(match[1]), int(match[2])
        if FIRST_YEAR < year < LAST_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def month_label(first: date) -> str:
    """'November 2026' (the month standing alone, as a heading)."""
    return formatted_day(first, "LLLL y", ui_locale())


def day_label(day: date, year: bool = True) -> str:
    """'Senin, 30 November 2026'."""
    return formatted_day(day, "EEEE, d MMMM y" if year else "EEEE, d MMMM", ui_locale())


def clock(event: Event) -> str:
    """When a timed event starts, at its place: '09.00 WITA' (empty for an all-day one)."""
    if event.all_day:
        return ""
    start = timing.local(event.starts_at, event.timezone)
    return (
        f"{formatted_clock(start.time(), 'short', ui_locale())} {timing.zone_label(event.timezone)}"
    )


def first_planned(event: Event) -> str | None:
    """The day a postponed event was first planned for, at its place: '12 Jan 2020'."""
    if event.postponed_from is None:
        return None
    day = timing.local(event.postponed_from, event.timezone).date()
    return formatted_day(day, "medium", ui_locale())


def day_names() -> list[tuple[str, str]]:
    """Monday to Sunday in the reader's language (Babel counts from Monday: 0)."""
    locale = ui_locale()
    wide, short = get_day_names("wide", locale=locale), get_day_names("abbreviated", locale=locale)
    return [(wide[i], short[i]) for i in range(7)]


def month(stmt: Select, first: date, today: date) -> Month:
    """The weeks (Monday to Sunday) that hold the month, each day with the events on it."""
    following = _next_month(first)
    grid_start = first - timedelta(days=first.weekday())
    last = following - timedelta(days=1)
    grid_end = last + timedelta(days=6 - last.weekday())
    start, end = _window(grid_start, grid_end)
    found = list(
        db.session.scalars(
            stmt.where(Event.starts_at < end, Event.ends_at >= start)
            .options(selectinload(Event.partners))
            .order_by(Event.starts_at, Event.id)
            .limit(MONTH_LIMIT + 1)
        )
    )
    truncated = len(found) > MONTH_LIMIT
    days: dict[date, Day] = {}
    day = grid_start
    while day <= grid_end:
        days[day] = Day(day, day.month == first.month, day == today)
        day += timedelta(days=1)
    for event in found[:MONTH_LIMIT]:
        event_first, event_last = days_of(event)
        day = max(event_first, grid_start)
        while day <= min(event_last, grid_end):
            days[day].entries.append(Entry(event, day, event_first, event_last))
            day += timedelta(days=1)
    ordered = list(days.values())
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    previous = (first - timedelta(days=1)).replace(day=1)
    return Month(first, weeks, day_names(), previous, following, truncated)


# ---- the agenda --------------------------------------------------------------------------


@dataclass
class AgendaDay:
    day: date
    events: list[Event]


def agenda(stmt: Select, now: datetime, cursor: str | None) -> tuple[Page, list[AgendaDay]]:
    """Events not yet over, earliest first, a page at a time; grouped by the day each starts
    at its place (one still running since an earlier day comes first, under that day)."""
    keys = [(Event.starts_at, attrgetter("starts_at"), cursor_time), id_key(Event.id)]
    stmt = stmt.where(Event.ends_at >= now).options(selectinload(Event.partners))
    page = keyset_page(stmt, keys, cursor)
    groups: list[AgendaDay] = []
    for event in page.items:
        day = timing.first_day(event)
        if not groups or groups[-1].day != day:
            groups.append(AgendaDay(day, []))
        groups[-1].events.append(event)
    return page, groups
