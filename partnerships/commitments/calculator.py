"""The premium a budget line needs: programs x workers x months at the contribution rates in
force on a day (the rates table, never constants), e.g. BPU JKK + JKM at the minimum:
12.800 workers x Rp16.800 x 12 months = Rp2.580.480.000."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select

from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import Basis, ContributionRate
from partnerships.core.formatting import long_date
from partnerships.extensions import db


@dataclass(frozen=True)
class Line:
    rate: ContributionRate
    per_worker_month: int  # rupiah


@dataclass(frozen=True)
class Premium:
    lines: list[Line]
    workers: int
    months: int
    on: date

    @property
    def per_worker_month(self) -> int:
        return sum(line.per_worker_month for line in self.lines)

    @property
    def amount(self) -> int:
        return self.per_worker_month * self.workers * self.months


def rate_on(program: str, on: date) -> ContributionRate | None:
    """The rate of `program` in force on `on` (validity periods never overlap)."""
    return db.session.scalar(
        select(ContributionRate)
        .where(
            ContributionRate.program == program,
            ContributionRate.valid_from <= on,
            or_(ContributionRate.valid_to.is_(None), ContributionRate.valid_to >= on),
        )
        .order_by(ContributionRate.valid_from.desc())
        .limit(1)
    )


def monthly(rate: ContributionRate, income: int | None) -> int:
    """One worker's contribution for one month, in whole rupiah."""
    if rate.basis == Basis.FLAT:
        return int(Decimal(rate.value).quantize(Decimal(1), ROUND_HALF_UP))
    minimum = rate.minimum or 0
    if income is None:
        if not minimum:
            raise CommitmentError(
                _("Enter the reported income: %(program)s is a share of it.", program=rate.program),
                "income",
            )
        return minimum  # the informal package at its floor
    share = (Decimal(income) * Decimal(rate.value) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return max(int(share), minimum)


def premium(
    programs: list[str], workers: int, months: int, income: int | None, on: date
) -> Premium:
    """The premium for `workers` workers over `months` months at the rates of the day `on`;
    refused, naming the field, when an input is missing or no rate is in force."""
    if not programs:
        raise CommitmentError(_("Choose at least one program."), "programs")
    if workers is None or workers < 1:
        raise CommitmentError(_("Enter the number of workers covered."), "workers")
    if months is None or months < 1:
        raise CommitmentError(_("Enter the number of months."), "months")
    if income is not None and income < 0:
        raise CommitmentError(_("The income cannot be negative."), "income")
    lines = []
    for program in programs:
        rate = rate_on(program, on)
        if rate is None:
            raise CommitmentError(
                _(
                    "No contribution rate for %(program)s is in force on %(day)s.",
                    program=program,
                    day=long_date(on),
                ),
                "programs",
            )
        lines.append(Line(rate=rate, per_worker_month=monthly(rate, income)))
    return Premium(lines=lines, workers=workers, months=months, on=on)
