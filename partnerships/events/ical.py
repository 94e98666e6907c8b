"""An iCalendar file (RFC 5545) of events, for the calendar feeds: written with the
`icalendar` library, read back by any calendar client.

Each event keeps its own zone (WIB, WITA or WIT): DTSTART and DTEND carry its TZID and the
file a VTIMEZONE for every zone used; an all-day event is a run of dates (VALUE=DATE) with the
exclusive end iCalendar wants (13 to 17 August: DTEND 18 August). A cancelled event stays in
the feed with STATUS:CANCELLED, so clients that saw it strike it out rather than keep it.
What a feed says of an event is what a wall calendar would: its type, place, partners and
organiser; never its minutes, attendance or notes.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, date, timedelta

from babel.dates import format_date
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from partnerships.events import timing
from partnerships.events.forms import KIND_LABELS
from partnerships.events.models import DEFAULT_TIMEZONE, Event, Status

PRODID = "-//BPJS Ketenagakerjaan//Kemitraan//ID"
# A UID stays the same whatever host serves the feed (a new domain, a proxy, a copy of the
# database): it names the system, not the address it is reached at.
UID_DOMAIN = "kemitraan.bpjsketenagakerjaan.go.id"
REFRESH = timedelta(hours=1)
ZONES_FROM, ZONES_UNTIL = date(1970, 1, 1), date(2100, 1, 1)
FEED_LOCALE = "id_ID"  # a client fetches without a session: the feed speaks Indonesian


def uid(event: Event) -> str:
    return f"event-{event.id}@{UID_DOMAIN}"


def sequence(event: Event) -> int:
    """Grows with every change: seconds from the event's creation to its last update (a
    counter would need a column; the timestamps are there already)."""
    if event.updated_at is None or event.created_at is None:
        return 0
    return max(0, int((event.updated_at - event.created_at).total_seconds()))


def _summary(event: Event) -> str:
    if event.status == Status.CANCELLED:
        # Clients that ignore STATUS (some show cancelled events as any other) still say so.
        return _("Cancelled: %(title)s", title=event.title)
    return event.title


def _location(event: Event) -> str:
    parts = [event.venue.strip()] if event.venue and event.venue.strip() else []
    if event.region is not None and event.region.name not in parts:
        parts.append(event.region.name)
    return ", ".join(parts)


def _description(event: Event, partners: list[str], link: str | None) -> str:
    lines = [_("Type: %(kind)s", kind=KIND_LABELS.get(event.kind, event.kind))]
    if event.status == Status.CANCELLED:
        lines.append(_("Status: cancelled"))
    elif event.status == Status.POSTPONED and event.postponed_from is not None:
        first = timing.local(event.postponed_from, event.timezone).date()
        lines.append(
            _(
                "Status: postponed (first planned for %(day)s)",
                day=format_date(first, "long", locale=FEED_LOCALE),
            )
        )
    if location := _location(event):
        lines.append(_("Venue: %(venue)s", venue=location))
    if partners:
        lines.append(_("Partners: %(names)s", names=", ".join(partners)))
    lines.append(_("Organised by: %(office)s", office=event.office.name))
    if link:
        lines.append(link)
    return "\n".join(lines)


def vevent(event: Event, partners: list[str], link: str | None = None) -> VEvent:
    item = VEvent()
    item.add("uid", uid(event))
    item.add("dtstamp", event.updated_at.astimezone(UTC))
    item.add("created", event.created_at.astimezone(UTC))
    item.add("last-modified", event.updated_at.astimezone(UTC))
    item.add("sequence", sequence(event))
    item.add("summary", _summary(event))
    if event.all_day:
        first, last = timing.first_day(event), timing.last_day(event)
        item.add("dtstart", first)
        item.add("dtend", max(last, first) + timedelta(days=1))  # exclusive
    else:
        item.add("dtstart", timing.local(event.starts_at, event.timezone))
        item.add("dtend", timing.local(event.ends_at, event.timezone))
    if location := _location(event):
        item.add("location", location)
    item.add("description", _description(event, partners, link))
    item.add("categories", [str(KIND_LABELS.get(event.kind, event.kind))])
    item.add("status", "CANCELLED" if event.status == Status.CANCELLED else "CONFIRMED")
    if link:
        item.add("url", link)
    return item


def calendar_bytes(
    name: str,
    events: Iterable[Event],
    partners_of: Callable[[Event], list[str]],
    link_of: Callable[[Event], str] | None = None,
) -> bytes:
    """The feed as the client downloads it; `partners_of` names an event's partners as the
    feed's owner may see them, `link_of` gives the event's page."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", DEFAULT_TIMEZONE)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")  # Outlook's name for REFRESH-INTERVAL
    for event in events:
        cal.add_component(vevent(event, partners_of(event), link_of(event) if link_of else None))
    # One VTIMEZONE per zone the events use, written from the zone database; Indonesia's zones
    # have not changed since the 1960s, so one period covers every event these years hold.
    cal.add_missing_timezones(first_date=ZONES_FROM, last_date=ZONES_UNTIL)
    return cal.to_ical()
