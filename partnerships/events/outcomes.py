"""What an event gave, counted where it is owed: participants registered on the spot
(Event.new_registrations) recorded as realisation evidence for a coverage target the event is
linked to, and the events held with each partner (the scorecard's column).

A realisation figure is a LEVEL (where the count stood at the end of a period), never an
increment (commitments.models.RealisationFigure). So "N registrations from this event count
towards commitment C" becomes, through commitments.services.add_figure (every rule of a figure
applies: within the agreement's term, not before the baseline, not in the future, one figure a
month), a figure dated the event's last day whose value is the level the commitment stood at
then (its latest accepted figure up to that day, else its baseline) plus N, named after the
event as its source, and accepted at once because staff record it (as any figure staff add).
Figures the commitment already has after that day are levels read from the register later,
which the event's participants are part of: they stay as they are, and the event's figure
takes its place in the history. The EventContribution row links the event, the commitment,
the number and the figure, so the commitment's page says where its progress came from.

Withdrawing a contribution marks it and its figure deleted (the history keeps both); the
commitment's status is computed again, as after any figure deleted.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from partnerships.commitments import rules as commitment_rules
from partnerships.commitments import services as commitments
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import (
    HEADCOUNT_METRICS,
    Commitment,
    FigureStatus,
    Kind,
    RealisationFigure,
)
from partnerships.core.formatting import long_date_id
from partnerships.events import timing
from partnerships.events.errors import EventError
from partnerships.events.models import Event, EventContribution, Status, event_partners
from partnerships.extensions import db

SOURCE_MAX = 200  # RealisationFigure.source


# ---- the rules --------------------------------------------------------------------------


def counts_people(commitment: Commitment) -> bool:
    """A target that counts people (participants, informal participants, non-ASN or vulnerable
    workers covered): registrations add to it. Not a percentage, a budget or an action."""
    return commitment.kind == Kind.TARGET and commitment.metric in HEADCOUNT_METRICS


def may_count(event: Event) -> bool:
    """Only what a held event gave counts."""
    return event.status == Status.HELD and not event.is_deleted


def counted(event_id: int) -> int:
    """Registrations of the event already counted towards its commitments."""
    return db.session.scalar(
        select(func.coalesce(func.sum(EventContribution.registrations), 0)).where(
            EventContribution.event_id == event_id, EventContribution.is_deleted.is_(False)
        )
    )


def remaining(event: Event) -> int:
    """Registrations of the event still to count (none when none were recorded)."""
    return max((event.new_registrations or 0) - counted(event.id), 0)


def countable_commitments(event: Event) -> list[Commitment]:
    """The linked commitments its registrations may still count towards: targets counting
    people, in force on the event's last day, that no contribution of this event counts
    towards yet."""
    taken = set(
        db.session.scalars(
            select(EventContribution.commitment_id).where(
                EventContribution.event_id == event.id, EventContribution.is_deleted.is_(False)
            )
        )
    )
    return [
        c
        for c in event.commitments
        if not c.is_deleted and c.id not in taken and why_not_countable(event, c) is None
    ]


def why_not_countable(event: Event, commitment: Commitment) -> str | None:
    """Why the event's registrations cannot count towards `commitment` (None: they can), in
    the event's terms: the form offers only those that can, and says why of the others."""
    if not counts_people(commitment):
        return _("it does not count people")
    day = timing.last_day(event)
    start, end = commitment_rules.term_of(commitment.agreement)
    if start is None or day < start or (end is not None and day > end):
        return _(
            "the event's last day, %(day)s, is outside the agreement's term",
            day=long_date_id(day),
        )
    if level_on(commitment, day) is None:
        return _(
            "the event ended before its baseline date %(day)s",
            day=long_date_id(commitment.baseline_on),
        )
    return None


def not_countable(event: Event) -> list[tuple[Commitment, str]]:
    """The linked commitments the registrations cannot count towards, with the reason."""
    found = [(c, why_not_countable(event, c)) for c in event.commitments if not c.is_deleted]
    return [(c, reason) for c, reason in found if reason is not None]


# ---- the level the commitment stood at ----------------------------------------------------


def level_on(commitment: Commitment, day: date) -> Decimal | None:
    """The commitment's level on `day`: its latest accepted figure up to then, else its
    baseline (None before the baseline date: nothing to add to)."""
    latest = db.session.scalar(
        select(RealisationFigure.value)
        .where(
            RealisationFigure.commitment_id == commitment.id,
            RealisationFigure.status == FigureStatus.ACCEPTED,
            RealisationFigure.is_deleted.is_not(True),
            RealisationFigure.period_end <= day,
        )
        .order_by(RealisationFigure.period_end.desc(), RealisationFigure.id.desc())
        .limit(1)
    )
    if latest is not None:
        return latest
    if commitment.baseline_on is not None and commitment.baseline_on <= day:
        return commitment.baseline_value
    return None


def source_of(event: Event) -> str:
    """The figure's source, naming the event: 'Kegiatan: Booth ... (13 Agustus 2017)'."""
    day = long_date_id(timing.last_day(event))
    title = event.title
    room = SOURCE_MAX - len(f"Kegiatan:  ({day})")
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return f"Kegiatan: {title} ({day})"


# ---- recording and withdrawing ------------------------------------------------------------


def _registrations(value: Any, event: Event) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise EventError(_("Enter a whole number."), "registrations")
    if value < 1:
        raise EventError(_("Enter at least one registration."), "registrations")
    left = remaining(event)
    if value > left:
        raise EventError(
            _(
                "Only %(left)s of the event's %(total)s new registrations are left to count "
                "(%(counted)s already count towards its commitments).",
                left=left,
                total=event.new_registrations or 0,
                counted=counted(event.id),
            ),
            "registrations",
        )
    return value


def _commitment(event: Event, commitment_id: Any) -> Commitment:
    linked = {c.id: c for c in event.commitments if not c.is_deleted}
    commitment = linked.get(commitment_id) if isinstance(commitment_id, int) else None
    if commitment is None:
        raise EventError(_("Choose one of the commitments the event is linked to."),
                         "commitment_id")  # fmt: skip
    if not counts_people(commitment):
        raise EventError(
            _(
                "Registrations count only towards a target that counts people (participants, "
                "informal participants, non-ASN or vulnerable workers covered)."
            ),
            "commitment_id",
        )
    return commitment


def contribute(event: Event, commitment_id: Any, registrations: Any, actor) -> EventContribution:
    """Count `registrations` of the held `event` towards one of its linked commitments: a
    realisation figure through the commitments domain, and the row saying where it came from.
    Refused with an EventError naming the form field at fault."""
    # one count at a time per event, so two at once cannot both take the last registrations
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    if not may_count(event):
        raise EventError(_("Only the registrations of a held event count towards a commitment."))
    commitment = _commitment(event, commitment_id)
    registrations = _registrations(registrations, event)
    existing = db.session.scalar(
        select(EventContribution).where(
            EventContribution.event_id == event.id,
            EventContribution.commitment_id == commitment.id,
        )
    )
    if existing is not None and not existing.is_deleted:
        raise EventError(
            _(
                "This event's registrations already count towards this commitment; withdraw "
                "them first to correct the number."
            ),
            "commitment_id",
        )
    day = timing.last_day(event)
    level = level_on(commitment, day)
    if level is None:
        raise EventError(
            _(
                "The event ended before the commitment's baseline date %(day)s: there is no "
                "level to add its registrations to.",
                day=long_date_id(commitment.baseline_on),
            ),
            "commitment_id",
        )
    data = {
        "period_end": day,
        "value": Decimal(level) + registrations,
        "source": source_of(event),
        "note": f"{registrations} peserta baru terdaftar pada kegiatan ini",
    }
    try:
        figure = commitments.add_figure(commitment, data, None, actor, accept=True)
    except CommitmentError as error:
        raise EventError(str(error), "commitment_id") from error
    contribution = existing or EventContribution(event=event, event_id=event.id)
    contribution.commitment = commitment
    contribution.commitment_id = commitment.id
    contribution.registrations = registrations
    contribution.figure = figure
    contribution.is_deleted = False
    contribution.created_by_id = getattr(actor, "id", None)
    db.session.add(contribution)
    db.session.flush()
    return contribution


def withdraw(contribution: EventContribution) -> None:
    """The event's registrations no longer count towards the commitment: the contribution
    and its figure are marked deleted, and the commitment's status follows."""
    if contribution.is_deleted:
        raise EventError(_("These registrations no longer count already."))
    contribution.is_deleted = True
    figure = contribution.figure
    if figure is not None and not figure.is_deleted:
        commitments.delete_figure(figure)  # flushes and refreshes the status
    db.session.flush()


# ---- reading ----------------------------------------------------------------------------


def of_event(event_id: int) -> list[EventContribution]:
    return list(
        db.session.scalars(
            select(EventContribution)
            .options(joinedload(EventContribution.commitment), joinedload(EventContribution.figure))
            .where(EventContribution.event_id == event_id, EventContribution.is_deleted.is_(False))
            .order_by(EventContribution.id)
        )
    )


def for_commitment(commitment_id: int, events) -> list[tuple[EventContribution, Event]]:
    """The events whose registrations count towards the commitment, among `events` (a
    select of the events the reader may see), newest first."""
    visible = events.with_only_columns(Event.id)
    rows = db.session.execute(
        select(EventContribution, Event)
        .join(Event, Event.id == EventContribution.event_id)
        .where(
            EventContribution.commitment_id == commitment_id,
            EventContribution.is_deleted.is_(False),
            Event.id.in_(visible),
        )
        .order_by(Event.ends_at.desc(), Event.id.desc())
    )
    return [(contribution, event) for contribution, event in rows]


def held_by_partner() -> dict[int, int]:
    """How many events each partner took part in that were held (not deleted), in one
    grouped query: the scorecard's 'Events held'."""
    rows = db.session.execute(
        select(event_partners.c.partner_id, func.count(func.distinct(Event.id)))
        .join(Event, Event.id == event_partners.c.event_id)
        .where(Event.status == Status.HELD, Event.is_deleted.is_(False))
        .group_by(event_partners.c.partner_id)
    )
    return dict(rows.all())
