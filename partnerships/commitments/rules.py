"""What an agreement allows its commitments: one place, asked by services, views and
templates alike."""

from datetime import date

from sqlalchemy import select

from partnerships.agreements.models import Agreement, Kind, Status
from partnerships.commitments.models import Commitment
from partnerships.commitments.models import Kind as CommitmentKind
from partnerships.extensions import db

# A commitment can be recorded while the agreement is drafted (its articles say what is owed)
# and after it ended (an old agreement recorded late); not on one terminated.
CLOSED = frozenset({Status.TERMINATED})
# A change of terms counts once the addendum making it is signed.
SIGNED = frozenset({Status.ACTIVE, Status.EXPIRED, Status.SUPERSEDED})


def may_add(agreement: Agreement) -> bool:
    return agreement.status not in CLOSED and not agreement.is_deleted


def term_of(agreement: Agreement) -> tuple[date | None, date | None]:
    """The days the agreement is in force: from its start (or signing) to its end (None:
    not signed yet, or open-ended)."""
    return agreement.effective_on or agreement.signed_on, agreement.ends_on


def term_setters(agreement: Agreement) -> list[Agreement]:
    """The agreements that may set a commitment's terms: its own agreement (a correction of
    what it says) and every signed addendum amending it, oldest first."""
    addenda = db.session.scalars(
        select(Agreement)
        .where(
            Agreement.parent_id == agreement.id,
            Agreement.kind == Kind.ADDENDUM,
            Agreement.status.in_(SIGNED),
            Agreement.is_deleted.is_(False),
        )
        .order_by(Agreement.signed_on, Agreement.id)
    )
    return [agreement, *addenda]


def may_submit(commitment: Commitment) -> bool:
    """A partner reports figures on what it owes while the agreement is in force; figures on an
    ended agreement are the office's to record."""
    return (
        commitment.kind != CommitmentKind.ACTION
        and commitment.agreement.status == Status.ACTIVE
        and not commitment.is_deleted
    )
