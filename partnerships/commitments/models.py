"""What a party to an agreement promises (a budget line, a coverage target, an action), the
history of the terms each agreement set for it, the realisation figures reported against it,
their evidence, and the contribution rates the premium calculator reads."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import (
    SoftDeleteMixin,
    StoredFileMixin,
    TimestampMixin,
    UTCDateTime,
    utcnow,
)
from partnerships.extensions import db


class Kind(StrEnum):
    BUDGET = "budget"  # a line in the partner's budget (APBD, APBDes)
    TARGET = "target"  # a number with a baseline, a target and a due date
    ACTION = "action"  # something to be done by a date


class Metric(StrEnum):
    PARTICIPANTS = "participants"
    COVERAGE_PCT = "coverage_pct"  # of the working population, in percent
    BPU_PARTICIPANTS = "bpu_participants"  # informal (bukan penerima upah) participants
    NON_ASN_COVERED = "non_asn_covered"
    VULNERABLE_COVERED = "vulnerable_covered"  # pekerja rentan
    VILLAGES_JOINED = "villages_joined"


# Every metric counts something that should grow: a target below its baseline is a typo.
GROWTH_METRICS = frozenset(Metric)
PERCENT_METRICS = frozenset({Metric.COVERAGE_PCT})
# Metrics that count people: participants registered (at an event, say) add to their level.
HEADCOUNT_METRICS = frozenset(
    {
        Metric.PARTICIPANTS,
        Metric.BPU_PARTICIPANTS,
        Metric.NON_ASN_COVERED,
        Metric.VULNERABLE_COVERED,
    }
)


class FigureStatus(StrEnum):
    SUBMITTED = "submitted"  # by a partner, waiting for staff
    ACCEPTED = "accepted"  # counts towards the status
    REJECTED = "rejected"  # with the reason


class Basis(StrEnum):
    PERCENT = "percent"  # of the reported monthly income, with an optional minimum
    FLAT = "flat"  # rupiah per worker per month


# The values an agreement sets for each kind; a change by an addendum is a new term row.
TERM_FIELDS = {
    Kind.BUDGET: (
        "fiscal_year",
        "funding",
        "account_code",
        "amount",
        "programs",
        "workers",
        "months",
    ),
    Kind.TARGET: (
        "metric",
        "baseline_value",
        "baseline_on",
        "target_value",
        "due_on",
        "region_code",
    ),
    Kind.ACTION: ("due_on",),
}


class Commitment(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "commitments"
    # The status is derived from the figures and the day (status.py), cached for the list
    # filter; its recomputation is not a change anybody made.
    __audit__: dict = {"skip": {"status", "status_on"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    article: Mapped[int]  # the Pasal it comes from, numbered as in the agreement's text
    kind: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # budget line
    fiscal_year: Mapped[int | None]
    funding: Mapped[str | None] = mapped_column(String(10))
    account_code: Mapped[str | None] = mapped_column(String(60))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # rupiah
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    workers: Mapped[int | None]
    months: Mapped[int | None]
    # coverage target
    metric: Mapped[str | None] = mapped_column(String(30))
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    baseline_on: Mapped[date | None] = mapped_column(Date)
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    # target and action; a budget line is due at the end of its fiscal year
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # action
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str | None] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # status.py's verdict as of `status_on`, for filtering lists (refreshed on every change
    # and daily by `flask commitments daily`); pages show it computed afresh
    status: Mapped[str] = mapped_column(String(12), default="no_data", index=True)
    status_on: Mapped[date | None] = mapped_column(Date)

    agreement = relationship("Agreement", lazy="joined", innerjoin=True)
    partner = relationship("Partner", lazy="joined", innerjoin=True)
    region = relationship("Region")

    __table_args__ = (Index("ix_commitments_agreement_id_kind", "agreement_id", "kind"),)

    @property
    def audit_office_id(self) -> int | None:
        # services always build these with `agreement=` set, so no lazy load inside a flush
        return self.agreement.office_id if self.agreement is not None else None

    def term_values(self) -> dict[str, Any]:
        """The values of this kind that an agreement sets, as they stand."""
        return {name: getattr(self, name) for name in TERM_FIELDS[Kind(self.kind)]}


class CommitmentTerm(db.Model):
    """The values an agreement (the original or an addendum) set for a commitment, as
    recorded on a day; never changed afterwards. The newest term is the one in force."""

    __tablename__ = "commitment_terms"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    set_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    commitment = relationship("Commitment")
    agreement = relationship("Agreement", lazy="joined")
    recorded_by = relationship("User", lazy="joined")

    @property
    def audit_office_id(self) -> int | None:
        commitment = self.commitment
        return commitment.agreement.office_id if commitment is not None else None


class Evidence(TimestampMixin, SoftDeleteMixin, StoredFileMixin, db.Model):
    """A file that backs a figure or an action done (a letter, a screenshot of the register),
    checked and stored by core.uploads."""

    __tablename__ = "commitment_evidence"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # "figure" or "done"

    commitment = relationship("Commitment")

    @property
    def audit_office_id(self) -> int | None:
        commitment = self.commitment
        return commitment.agreement.office_id if commitment is not None else None


class RealisationFigure(TimestampMixin, SoftDeleteMixin, db.Model):
    """Where a target or budget line stood at the end of a period: the level reached so far
    (participants, coverage, rupiah disbursed), never an increment."""

    __tablename__ = "realisation_figures"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    period_end: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(40))  # "Juni 2024", "Triwulan II 2024"
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    workers: Mapped[int | None]  # budget lines: workers actually enrolled
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(1000), default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("commitment_evidence.id"))
    status: Mapped[str] = mapped_column(String(10), default=FigureStatus.SUBMITTED, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(String(500))

    commitment = relationship("Commitment")
    evidence = relationship("Evidence", lazy="joined")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")

    __table_args__ = (
        Index("ix_realisation_figures_commitment_id_period_end", "commitment_id", "period_end"),
    )

    @property
    def audit_office_id(self) -> int | None:
        commitment = self.commitment
        return commitment.agreement.office_id if commitment is not None else None


class ContributionRate(TimestampMixin, db.Model):
    """One program's contribution for informal (BPU) workers over a span of days: a percent
    of the reported income with a minimum (JKK: 1%, at least Rp10.000) or a flat amount per
    worker per month (JKM: Rp6.800). Rates change by regulation; a new row takes over."""

    __tablename__ = "contribution_rates"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(5), index=True)
    basis: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))  # percent, or rupiah when flat
    minimum: Mapped[int | None] = mapped_column(BigInteger)  # rupiah per worker per month
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # None: until further notice
    note: Mapped[str] = mapped_column(String(300), default="")  # the regulation


class CommitmentComment(TimestampMixin, db.Model):
    """A message in a commitment's thread between the office's staff and the owing partner's
    users (a question about a figure, a promise of the next report)."""

    __tablename__ = "commitment_comments"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)

    commitment = relationship("Commitment")
    author = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_commitment_comments_commitment_id_id", "commitment_id", "id"),)

    @property
    def audit_office_id(self) -> int | None:
        commitment = self.commitment
        return commitment.agreement.office_id if commitment is not None else None


class ProgressLetter(TimestampMixin, db.Model):
    """The progress letter (surat) an office sends a partner's head for one month: at most one
    per partner and period. The row reserves the letter's number and date before its PDF is
    rendered, so a retry (a failed render, the bulk job run again) reuses them and never draws
    a second number; `document_id` is set once the sealed PDF is in the document store."""

    __tablename__ = "progress_letters"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # the issuer
    period: Mapped[str] = mapped_column(String(7))  # "2026-10"
    number: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[date] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    partner = relationship("Partner", lazy="joined", innerjoin=True)
    office = relationship("Office", lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("partner_id", "period"),
        # an office's letters of a period: what the bulk job's archive gathers
        Index("ix_progress_letters_office_id_period", "office_id", "period"),
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id
