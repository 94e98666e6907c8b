"""What the dashboard reads instead of a million realisation figures: one fact row per
commitment, and two small rollups of those facts (per office and per partner), all derived
data kept current by facts.py from the commitments domain's `commitment_changed` signal and
rebuilt whole by `flask dashboard rebuild`. Nobody edits them, so they have no audit trail."""

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerships.extensions import db


class CommitmentFact(db.Model):
    """One commitment as the dashboard counts it, as of its last change (or the daily run)."""

    __tablename__ = "commitment_facts"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), primary_key=True)
    office_id: Mapped[int]  # the office of the agreement it comes from
    partner_id: Mapped[int]
    # Where it counts on the map: the target's own region, else the partner's seat, cut to
    # the regency or city ("51.71"); "" for a province-wide one (then `province_code` only).
    regency_code: Mapped[str] = mapped_column(String(13))
    province_code: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(10))
    metric: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12))
    fiscal_year: Mapped[int]  # a budget line's fiscal year, else the year it falls due
    amount: Mapped[int | None] = mapped_column(BigInteger)  # budget committed, rupiah
    realised: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # latest accepted figure
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    target: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    latest: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    # share of the way from baseline to target reached, 0..1 (None: no figure yet)
    share: Mapped[float | None]
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(default=False)
    is_regulation: Mapped[bool] = mapped_column(default=False)  # see facts.REGULATION

    __table_args__ = (
        Index("ix_commitment_facts_office_id_partner_id", "office_id", "partner_id"),
        Index("ix_commitment_facts_status_due_on", "status", "due_on"),
    )


class OfficeRollup(db.Model):
    """Facts of one office summed by kind, status and year: the status counts and the budget
    by year of any scope are one grouped query over a few hundred rows."""

    __tablename__ = "dashboard_office_rollups"

    office_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    commitments: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)
    realised: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class PartnerRollup(db.Model):
    """Facts of one partner under one office, for one regency, summed: the scorecard, the map
    and the summaries by partner and region read these rows."""

    __tablename__ = "dashboard_partner_rollups"

    office_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    partner_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    regency_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    commitments: Mapped[int]
    met: Mapped[int]  # met or done
    late: Mapped[int]  # behind, lapsed or overdue
    amount: Mapped[int] = mapped_column(BigInteger)
    realised: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    targets: Mapped[int]
    share_sum: Mapped[float]  # over the targets with a figure
    share_n: Mapped[int]
    regulations: Mapped[int]
    regulations_done: Mapped[int]
    overdue: Mapped[int]  # actions past their date, not done

    __table_args__ = (Index("ix_dashboard_partner_rollups_partner_id", "partner_id"),)


class DashboardState(db.Model):
    """One row: a token that changes with every write of the facts, so a rendered dashboard
    can be kept (dashboard.board) until the figures behind it change, in every process."""

    __tablename__ = "dashboard_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
