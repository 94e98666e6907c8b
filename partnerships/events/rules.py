"""What an event's status allows: one place, asked by services, views and templates alike."""

from datetime import datetime

from flask_babel import gettext as _

from partnerships.core.models import utcnow
from partnerships.events.models import Event, Status

# Planned, or moved to a new date: still to happen.
UPCOMING = frozenset({Status.PLANNED, Status.POSTPONED})


def may_edit(event: Event) -> bool:
    """Anything but a cancelled event is kept up to date (a held one gets its minutes)."""
    return event.status != Status.CANCELLED and not event.is_deleted


def may_link(event: Event) -> bool:
    return may_edit(event)


def has_started(event: Event, now: datetime | None = None) -> bool:
    return event.starts_at <= (now or utcnow())


def may_hold(event: Event, now: datetime | None = None) -> bool:
    """Recorded as held once it has started; a held event's numbers may be corrected."""
    if event.is_deleted:
        return False
    if event.status == Status.HELD:
        return True
    return event.status in UPCOMING and has_started(event, now)


def why_not(event: Event, step: str) -> str | None:
    """What stops `step` ("hold", "postpone", "cancel") for this event, in words; None: allowed."""
    if {"hold": may_hold, "postpone": may_postpone, "cancel": may_cancel}[step](event):
        return None
    if event.status == Status.CANCELLED:
        return _("A cancelled event is kept as it was.")
    if step == "hold" and event.status in UPCOMING:
        return _("The event has not started yet: it is recorded as held once it has.")
    if step == "hold":
        return _("Only an event that has started, and was not cancelled, can be recorded as held.")
    if step == "postpone":
        return _("Only a planned event can be postponed.")
    return _("Only a planned event can be cancelled.")


def may_postpone(event: Event) -> bool:
    return event.status in UPCOMING and not event.is_deleted


def may_cancel(event: Event) -> bool:
    return event.status in UPCOMING and not event.is_deleted


def shows_outcome(event: Event) -> bool:
    """Attendance, registrations and minutes belong to a held event."""
    return event.status == Status.HELD
