"""What an event's status allows: one place, asked by services, views and templates alike."""

from datetime import datetime

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


def may_postpone(event: Event) -> bool:
    return event.status in UPCOMING and not event.is_deleted


def may_cancel(event: Event) -> bool:
    return event.status in UPCOMING and not event.is_deleted


def shows_outcome(event: Event) -> bool:
    """Attendance, registrations and minutes belong to a held event."""
    return event.status == Status.HELD
