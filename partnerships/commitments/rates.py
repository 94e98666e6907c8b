"""The contribution-rate table administrators keep: one rate per program per day."""

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, or_, select

from partnerships.agreements.models import PROGRAMS
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import Basis, ContributionRate
from partnerships.extensions import db

FAR = date(9999, 12, 31)


def listed() -> Select:
    return select(ContributionRate).order_by(
        ContributionRate.program, ContributionRate.valid_from.desc(), ContributionRate.id
    )


def save_rate(rate: ContributionRate | None, data: dict[str, Any]) -> ContributionRate:
    """Add or change a rate; its validity may not overlap another rate of the same program,
    so the calculator always finds exactly one."""
    program, basis = data.get("program"), data.get("basis")
    if program not in PROGRAMS:
        raise CommitmentError(_("Choose a program."), "program")
    if basis not in set(Basis):
        raise CommitmentError(_("Choose how the rate is counted."), "basis")
    value = data.get("value")
    if value is None or not Decimal(value).is_finite() or value < 0 or value >= 10**9:
        raise CommitmentError(_("The rate cannot be negative."), "value")
    if basis == Basis.PERCENT and value > 100:
        raise CommitmentError(_("A percentage cannot be above 100."), "value")
    minimum = data.get("minimum")
    if minimum is not None and not 0 <= minimum < 10**12:
        raise CommitmentError(_("The minimum cannot be negative."), "minimum")
    start, end = data.get("valid_from"), data.get("valid_to")
    if start is None:
        raise CommitmentError(_("This field is required."), "valid_from")
    if end is not None and end < start:
        raise CommitmentError(_("A rate cannot end before it starts."), "valid_to")
    overlap = and_(
        ContributionRate.program == program,
        ContributionRate.valid_from <= (end or FAR),
        or_(ContributionRate.valid_to.is_(None), ContributionRate.valid_to >= start),
    )
    if rate is not None:
        overlap = and_(overlap, ContributionRate.id != rate.id)
    if db.session.scalar(select(exists().where(overlap))):
        raise CommitmentError(
            _(
                "Another %(program)s rate is valid in these dates: end it first (Valid until).",
                program=program,
            ),
            "valid_from",
        )
    rate = rate or ContributionRate()
    rate.program, rate.basis, rate.value = program, basis, Decimal(value)
    rate.minimum = minimum if basis == Basis.PERCENT else None
    rate.valid_from, rate.valid_to = start, end
    rate.note = (data.get("note") or "").strip()
    db.session.add(rate)
    db.session.flush()
    return rate
