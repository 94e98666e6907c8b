"""An event's instants and the zone of its place: local days and times typed into the forms
become UTC instants, and are shown again in the event's own zone (WIB, WITA or WIT), whoever
reads them. An all-day event runs from midnight of its first day to midnight after its last."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from partnerships.core.formatting import formatted_clock, formatted_day, ui_locale
from partnerships.events.models import DEFAULT_TIMEZONE, TIMEZONES

DASH = "\u2013"  # between the first and the last day or hour
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

# Province codes (the first part of a Kemendagri code) by zone. Sumatra, Java and the west and
# centre of Kalimantan keep WIB; Bali, Nusa Tenggara, the south, east and north of Kalimantan
# and Sulawesi WITA; Maluku and Papua WIT.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def zone_of_region(code: str | None) -> str | None:
    """The zone of a region by its province; None for no code (or not an Indonesian one)."""
    if not code:
        return None
    province = code.split(".", 1)[0]
    if not (len(province) == 2 and province.isdigit()):
        return None
    if province in _WIT:
        return "Asia/Jayapura"
    if province in _WITA:
        return "Asia/Makassar"
    return "Asia/Jakarta" if "11" <= province <= "62" else None


def default_zone(*region_codes: str | None) -> str:
    """The zone of the first region given that has one (the venue's, then the office's seat),
    else WITA, the pilot's."""
    for code in region_codes:
        if zone := zone_of_region(code):
            return zone
    return DEFAULT_TIMEZONE


def is_known_zone(name: str | None) -> bool:
    return name in TIMEZONES


def to_utc(day: date, at: time, zone: str) -> datetime:
    """A day and time at the place, as the UTC instant stored."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def span(
    starts_on: date,
    starts_time: time | None,
    ends_on: date,
    ends_time: time | None,
    zone: str,
    all_day: bool,
) -> tuple[datetime, datetime]:
    """(starts_at, ends_at) in UTC; an all-day event ends at midnight after its last day."""
    if all_day:
        return to_utc(starts_on, time(0), zone), to_utc(ends_on + timedelta(days=1), time(0), zone)
    return to_utc(starts_on, starts_time or time(0), zone), to_utc(
        ends_on, ends_time or time(0), zone
    )


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def first_day(event) -> date:
    return local(event.starts_at, event.timezone).date()


def last_day(event) -> date:
    """The last day the event runs on, at the place (an all-day end is exclusive)."""
    end = local(event.ends_at, event.timezone)
    if event.all_day:
        return (end - timedelta(days=1)).date()
    return end.date()


def zone_label(zone: str) -> str:
    return ZONE_ABBREVIATIONS.get(zone, zone)


def planned_first(event, moment: datetime | None = None) -> str:
    """When a postponed event was first planned (or `moment`): '15 Des 2026, 14.00 WITA' (a
    day only, all day), in the event's zone."""
    locale = ui_locale()
    first = local(moment or event.postponed_from, event.timezone)
    day = formatted_day(first.date(), "medium", locale)
    if event.all_day:
        return day
    return f"{day}, {formatted_clock(first.time(), 'short', locale)} {zone_label(event.timezone)}"


def when(event) -> str:
    """'13 Agu 2017 - 17 Agu 2017' (all day) or '22 Mar 2016, 09.00-12.00 WITA' (with en
    dashes), in the reader's language and the event's zone."""
    locale = ui_locale()
    start, end = local(event.starts_at, event.timezone), local(event.ends_at, event.timezone)
    first, last = first_day(event), last_day(event)
    days = formatted_day(first, "medium", locale)
    if last != first:
        days += f" {DASH} " + formatted_day(last, "medium", locale)
    if event.all_day:
        return days
    hours = formatted_clock(start.time(), "short", locale)
    if last == first:
        hours += DASH + formatted_clock(end.time(), "short", locale)
        return f"{days}, {hours} {zone_label(event.timezone)}"
    return (
        f"{formatted_day(first, 'medium', locale)} {hours} {DASH} "
        f"{formatted_day(last, 'medium', locale)} "
        f"{formatted_clock(end.time(), 'short', locale)} {zone_label(event.timezone)}"
    )
