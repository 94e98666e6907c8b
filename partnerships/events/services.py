"""Recording events: planning one, changing it, linking it to its office's partners,
agreements and commitments, and its status (held with its numbers, postponed to a new date,
cancelled with a reason). Every rule a change must pass is here, for the pages and the CLI
alike; a refusal is an EventError naming the form field at fault. Services flush; the request
commits. Every change lands in the audit trail with the flush (Event.__audit__), links and
audience included."""

from datetime import date, time
from typing import Any

from flask_babel import gettext as _

from partnerships.core.safety import MAX_ID, is_single_line
from partnerships.events import outcomes, queries, rules, timing
from partnerships.events.errors import EventError
from partnerships.events.models import Audience, Event, EventAudience, Kind, Status
from partnerships.extensions import db
from partnerships.organisations.models import Office
from partnerships.regions.models import Region

TITLE_MAX, VENUE_MAX, NOTE_MAX, REASON_MAX = 300, 300, 1000, 500
TEXT_MAX = 50_000  # summary and minutes
COUNT_MAX = 1_000_000  # people at one event: beyond any stadium


# ---- checking what was typed ------------------------------------------------------------


def _text(data: dict, key: str, limit: int, *, required: bool = False, line: bool = True) -> str:
    value = (data.get(key) or "").strip()
    if required and not value:
        raise EventError(_("This field is required."), key)
    if len(value) > limit:
        raise EventError(_("At most %(n)d characters.", n=limit), key)
    if line and not is_single_line(value):
        raise EventError(_("Use a single line, without control characters."), key)
    return value


def _count(data: dict, key: str, *, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise EventError(_("This field is required."), key)
        return None
    if not isinstance(value, int):
        raise EventError(_("Enter a whole number."), key)
    if value < 0:
        raise EventError(_("A number of people cannot be negative."), key)
    if value > COUNT_MAX:
        raise EventError(_("At most %(n)s people.", n=f"{COUNT_MAX:,}".replace(",", ".")), key)
    return value


def _day(data: dict, key: str) -> date:
    value = data.get(key)
    if not isinstance(value, date):
        raise EventError(_("Enter a date."), key)
    return value


def _zone(data: dict, key: str = "timezone") -> str:
    zone = data.get(key)
    if not timing.is_known_zone(zone):
        raise EventError(
            _(
                "Unknown time zone: choose WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT "
                "(Asia/Jayapura)."
            ),
            key,
        )
    return zone


def clean_span(data: dict, zone: str, all_day: bool):
    """(starts_at, ends_at) from the days and times typed at the place; the end may be left
    empty for an event within one day."""
    starts_on = _day(data, "starts_on")
    ends_on = data.get("ends_on") or starts_on
    if not isinstance(ends_on, date):
        raise EventError(_("Enter a date."), "ends_on")
    starts_time, ends_time = data.get("starts_time"), data.get("ends_time")
    if not all_day:
        if not isinstance(starts_time, time):
            raise EventError(_("Enter the start time, or tick All day."), "starts_time")
        if not isinstance(ends_time, time):
            raise EventError(_("Enter the end time, or tick All day."), "ends_time")
    if ends_on < starts_on:
        raise EventError(_("The end comes before the start."), "ends_on")
    starts_at, ends_at = timing.span(starts_on, starts_time, ends_on, ends_time, zone, all_day)
    if ends_at < starts_at:
        raise EventError(_("The end comes before the start."), "ends_time")
    return starts_at, ends_at


def _region(data: dict) -> str | None:
    code = _text(data, "region_code", 13)
    if code and db.session.get(Region, code) is None:
        raise EventError(_("Unknown region code %(code)s.", code=code), "region_code")
    return code or None


def _audience(data: dict) -> list[str]:
    chosen = data.get("audience") or []
    known = [a.value for a in Audience if a.value in chosen]
    if len(known) != len(set(chosen)):
        raise EventError(_("Choose the audience from the list."), "audience")
    return known


def clean(data: dict, office: Office) -> dict[str, Any]:
    """The plan of an event as typed: kind, title, when and where, for whom, how many."""
    kind = data.get("kind")
    if kind not in set(Kind):
        raise EventError(_("Choose the type of event."), "kind")
    region_code = _region(data)
    zone = data.get("timezone") or timing.default_zone(region_code, office.region_code)
    zone = _zone({"timezone": zone})
    all_day = bool(data.get("all_day"))
    starts_at, ends_at = clean_span(data, zone, all_day)
    return {
        "kind": kind,
        "title": _text(data, "title", TITLE_MAX, required=True),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": zone,
        "all_day": all_day,
        "venue": _text(data, "venue", VENUE_MAX),
        "region_code": region_code,
        "planned_attendance": _count(data, "planned_attendance"),
        "summary": _text(data, "summary", TEXT_MAX, line=False),
        "audience": _audience(data),
    }


def clean_outcome(data: dict, *, required: bool) -> dict[str, Any]:
    """What a held event gave: attendance, new participants registered, the minutes. More
    registrations than people present needs a word of why (families registered at a booth)."""
    actual = _count(data, "actual_attendance", required=required)
    registrations = _count(data, "new_registrations")
    note = _text(data, "registrations_note", NOTE_MAX, line=False)
    if registrations is not None and registrations > (actual or 0) and not note:
        raise EventError(
            _(
                "More new registrations than people present: explain them in the note on the "
                "registrations."
            ),
            "new_registrations",
        )
    return {
        "actual_attendance": actual,
        "new_registrations": registrations,
        "registrations_note": note or None,
        "minutes": _text(data, "minutes", TEXT_MAX, line=False),
    }


def _outcome_keeping_counts(event: Event, data: dict) -> dict[str, Any]:
    """The outcome, refused when it reports fewer registrations than already count towards
    commitments: a figure would stand on registrations the event no longer claims."""
    values = clean_outcome(data, required=True)
    counted = outcomes.counted(event.id)
    if (values["new_registrations"] or 0) < counted:
        raise EventError(
            _(
                "%(n)s of this event's registrations count towards commitments: withdraw them "
                "there before recording fewer.",
                n=counted,
            ),
            "new_registrations",
        )
    return values


def _set_audience(event: Event, codes: list[str]) -> None:
    """Only what changed: rows kept stay, so the audit entry shows the difference."""
    current = {row.audience: row for row in event.audience_rows}
    for code, row in current.items():
        if code not in codes:
            event.audience_rows.remove(row)
    for code in codes:
        if code not in current:
            event.audience_rows.append(EventAudience(audience=code))


# ---- planning and changing --------------------------------------------------------------


def create(office: Office, data: dict, actor) -> Event:
    """A planned event organised by `office` (the view checked the actor may organise for it)."""
    values = clean(data, office)
    audience = values.pop("audience")
    event = Event(
        office=office,
        office_id=office.id,
        status=Status.PLANNED.value,
        created_by_id=getattr(actor, "id", None),
        minutes="",
        **values,
    )
    _set_audience(event, audience)
    db.session.add(event)
    db.session.flush()
    return event


def update(event: Event, data: dict, actor) -> None:
    """Save an edit of the plan, and of the outcome once the event was held."""
    if not rules.may_edit(event):
        raise EventError(_("A cancelled event is kept as it was."))
    values = clean(data, event.office)
    if rules.shows_outcome(event):
        values.update(_outcome_keeping_counts(event, data))
    _set_audience(event, values.pop("audience"))
    for key, value in values.items():
        setattr(event, key, value)
    db.session.flush()


def delete(event: Event) -> None:
    """A wrongly entered event goes out of sight; the audit trail keeps it."""
    event.is_deleted = True
    db.session.flush()


# ---- links ------------------------------------------------------------------------------


def _ids(values, field: str) -> set[int]:
    found = set()
    for value in values or []:
        if not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise EventError(_("Choose from the list."), field)
        found.add(value)
    return found


def set_links(event: Event, partner_ids, agreement_ids, commitment_ids) -> None:
    """Link the event to its office's partners and agreements, and to commitments of the
    agreements it is linked to (what it served); anything else is refused on its field."""
    if not rules.may_link(event):
        raise EventError(_("A cancelled event is kept as it was."))
    partner_ids = _ids(partner_ids, "partner_ids")
    agreement_ids = _ids(agreement_ids, "agreement_ids")
    commitment_ids = _ids(commitment_ids, "commitment_ids")
    partners = {p.id: p for p in queries.linkable_partners(event)}
    if not partner_ids <= partners.keys():
        raise EventError(_("Choose partners managed by the organising office."), "partner_ids")
    agreements = {a.id: a for a in queries.linkable_agreements(event)}
    if not agreement_ids <= agreements.keys():
        raise EventError(_("Choose agreements of the organising office."), "agreement_ids")
    commitments = {c.id: c for c in queries.commitments_of(agreement_ids)}
    if not commitment_ids <= commitments.keys():
        raise EventError(
            _("Choose commitments of the agreements the event is linked to."), "commitment_ids"
        )
    counting = [c for c in outcomes.of_event(event.id) if c.commitment_id not in commitment_ids]
    if counting:
        raise EventError(
            _(
                "The event's registrations count towards %(titles)s: withdraw them before "
                "unlinking.",
                titles=", ".join(sorted({c.commitment.title for c in counting})),
            ),
            "commitment_ids",
        )
    event.partners = [partners[i] for i in sorted(partner_ids)]
    event.agreements = [agreements[i] for i in sorted(agreement_ids)]
    event.commitments = [commitments[i] for i in sorted(commitment_ids)]
    db.session.flush()


# ---- status -----------------------------------------------------------------------------


def _allowed(event: Event, step: str) -> None:
    """Refuse `step` with the reason the page gives (rules.why_not owns the wording)."""
    reason = rules.why_not(event, step)
    if reason:
        raise EventError(reason)


def mark_held(event: Event, data: dict) -> None:
    """The event took place: its attendance (required), registrations and minutes."""
    _allowed(event, "hold")
    values = _outcome_keeping_counts(event, data)
    for key, value in values.items():
        setattr(event, key, value)
    event.status = Status.HELD.value
    db.session.flush()


def postpone(event: Event, data: dict) -> None:
    """Move the event to a new, later date; the first planned start is kept."""
    _allowed(event, "postpone")
    starts_at, ends_at = clean_span(data, event.timezone, event.all_day)
    if starts_at <= event.starts_at:
        raise EventError(
            _(
                "A postponed event must start later than planned (%(day)s).",
                day=timing.planned_first(event, event.starts_at),
            ),
            "starts_on",
        )
    reason = _text(data, "reason", REASON_MAX)
    if event.postponed_from is None:
        event.postponed_from = event.starts_at
    event.starts_at, event.ends_at = starts_at, ends_at
    event.postpone_reason = reason or None
    event.status = Status.POSTPONED.value
    db.session.flush()


def cancel(event: Event, data: dict) -> None:
    _allowed(event, "cancel")
    event.cancel_reason = _text(data, "reason", REASON_MAX, required=True)
    event.status = Status.CANCELLED.value
    db.session.flush()


def office_for_new(office_id, offices: list[Office]) -> Office:
    """The organising office chosen on the form, among those offered."""
    for office in offices:
        if office.id == office_id:
            return office
    raise EventError(_("Choose one of the offices you record events for."), "office_id")
