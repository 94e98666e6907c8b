"""Reading commitments for the pages: their figures, terms and evidence, the list filters, and
their progress computed for a whole page in one query."""

from collections import defaultdict
from datetime import date
from functools import cache

from sqlalchemy import Select, extract, false, func, select
from sqlalchemy.orm import joinedload

from partnerships.agreements.models import Agreement
from partnerships.commitments.models import (
    Commitment,
    CommitmentComment,
    CommitmentTerm,
    Evidence,
    FigureStatus,
    Kind,
    RealisationFigure,
)
from partnerships.commitments.status import (
    TREND_POINTS,
    ActionProgress,
    Point,
    Progress,
    Verdict,
    assess,
    assess_action,
    assess_budget,
)
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from partnerships.organisations.scope import partners_named

FILTER_KEYS = ("kind", "status", "partner", "year")


def recent_points(commitment_ids: list[int]) -> dict[int, list[Point]]:
    """The last TREND_POINTS accepted figures of each commitment, oldest first: one query
    for any number of commitments (a window over each commitment's figures)."""
    if not commitment_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=RealisationFigure.commitment_id,
            order_by=(RealisationFigure.period_end.desc(), RealisationFigure.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            RealisationFigure.commitment_id,
            RealisationFigure.period_end,
            RealisationFigure.value,
            rank,
        )
        .where(
            RealisationFigure.commitment_id.in_(commitment_ids),
            RealisationFigure.status == FigureStatus.ACCEPTED,
            # IS NOT TRUE, not = false: SQLite would otherwise walk the is_deleted index over
            # every figure (0.7 s at a million) instead of the commitment's own figures
            RealisationFigure.is_deleted.is_not(True),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.commitment_id, ranked.c.period_end, ranked.c.value)
        .where(ranked.c.rank <= TREND_POINTS)
        .order_by(ranked.c.commitment_id, ranked.c.period_end)
    )
    found: dict[int, list[Point]] = defaultdict(list)
    for commitment_id, period_end, value in rows:
        found[commitment_id].append(Point(period_end, float(value)))
    return found


def accepted_points(commitment_ids: list[int], until: date) -> dict[int, list[Point]]:
    """Every accepted figure of each commitment up to `until`, oldest first, in one query: the
    history a letter's annex charts and the verdict as it stood on that day."""
    if not commitment_ids:
        return {}
    rows = db.session.execute(
        select(
            RealisationFigure.commitment_id, RealisationFigure.period_end, RealisationFigure.value
        )
        .where(
            RealisationFigure.commitment_id.in_(commitment_ids),
            RealisationFigure.status == FigureStatus.ACCEPTED,
            RealisationFigure.is_deleted.is_not(True),
            RealisationFigure.period_end <= until,
        )
        .order_by(
            RealisationFigure.commitment_id, RealisationFigure.period_end, RealisationFigure.id
        )
    )
    found: dict[int, list[Point]] = defaultdict(list)
    for commitment_id, period_end, value in rows:
        found[commitment_id].append(Point(period_end, float(value)))
    return found


@cache  # loader options are immutable: built once (after the mappers are configured), shared
def _listed() -> tuple:
    return (
        joinedload(Commitment.agreement, innerjoin=True).load_only(Agreement.title).lazyload("*"),
        joinedload(Commitment.partner, innerjoin=True).load_only(Partner.name).lazyload("*"),
    )


def listed(stmt: Select) -> Select:
    """A list's commitments with only the title of their agreement and the name of their
    partner: the models' eager joins brought each agreement's office (with its parent and
    region) and each partner's region and office with every row."""
    return stmt.options(*_listed())


def progress(commitment: Commitment, points: list[Point], today: date) -> Progress | ActionProgress:
    """The commitment's verdict on `today` with the numbers behind it."""
    if commitment.kind == Kind.ACTION:
        return assess_action(commitment.due_on, commitment.done_on, today)
    if commitment.kind == Kind.BUDGET:
        return assess_budget(commitment.amount, commitment.fiscal_year, points, today)
    return assess(
        commitment.baseline_value,
        commitment.baseline_on,
        commitment.target_value,
        commitment.due_on,
        points,
        today,
    )


def progress_of(commitments: list[Commitment], today: date) -> dict[int, Progress | ActionProgress]:
    points = recent_points([c.id for c in commitments if c.kind != Kind.ACTION])
    return {c.id: progress(c, points.get(c.id, []), today) for c in commitments}


def figures(commitment: Commitment) -> list[RealisationFigure]:
    """Every figure ever entered, deleted and rejected ones included (the full history)."""
    return list(
        db.session.scalars(
            select(RealisationFigure)
            .where(RealisationFigure.commitment_id == commitment.id)
            .order_by(RealisationFigure.period_end, RealisationFigure.id)
        )
    )


def terms(commitment: Commitment) -> list[CommitmentTerm]:
    return list(
        db.session.scalars(
            select(CommitmentTerm)
            .where(CommitmentTerm.commitment_id == commitment.id)
            .order_by(CommitmentTerm.recorded_at, CommitmentTerm.id)
        )
    )


def comments(commitment: Commitment) -> list[CommitmentComment]:
    """The commitment's thread, oldest first."""
    return list(
        db.session.scalars(
            select(CommitmentComment)
            .where(CommitmentComment.commitment_id == commitment.id)
            .order_by(CommitmentComment.id)
        )
    )


def figures_of(commitments: Select, *, status: str | None = None, limit: int = 20):
    """Figures of the commitments `commitments` selects (a scoped query), newest first, with
    their commitment loaded: for the portal's "awaiting decision" and "recent" lists."""
    ids = commitments.with_only_columns(Commitment.id).order_by(None)
    stmt = (
        select(RealisationFigure)
        .options(joinedload(RealisationFigure.commitment))
        .where(RealisationFigure.commitment_id.in_(ids), RealisationFigure.is_deleted.is_(False))
        .order_by(RealisationFigure.updated_at.desc(), RealisationFigure.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(RealisationFigure.status == status)
    return list(db.session.scalars(stmt).unique())


def comments_of(commitments: Select, *, limit: int = 10) -> list[CommitmentComment]:
    """The latest comments on the commitments `commitments` selects, newest first."""
    ids = commitments.with_only_columns(Commitment.id).order_by(None)
    return list(
        db.session.scalars(
            select(CommitmentComment)
            .options(joinedload(CommitmentComment.commitment))
            .where(CommitmentComment.commitment_id.in_(ids))
            .order_by(CommitmentComment.id.desc())
            .limit(limit)
        ).unique()
    )


def done_evidence(commitment: Commitment) -> Evidence | None:
    """The file backing an action marked done (the latest, if it was marked twice)."""
    return db.session.scalar(
        select(Evidence)
        .where(
            Evidence.commitment_id == commitment.id,
            Evidence.purpose == "done",
            Evidence.is_deleted.is_(False),
        )
        .order_by(Evidence.id.desc())
        .limit(1)
    )


def filter_args(args) -> dict[str, str]:
    """The list filters present in a query string, and nothing else."""
    return {key: value for key in FILTER_KEYS if (value := (args.get(key) or "").strip())}


def _number(raw: str | None) -> int | None:
    try:
        value = int(raw) if raw else None
    except ValueError:
        return None
    return value


def filtered(stmt: Select, args) -> Select:
    """The list filters: kind, status (as last refreshed), the partner owing it, the year it
    falls due (a budget line's fiscal year). A value that cannot match gives no rows."""
    if kind := args.get("kind"):
        stmt = stmt.where(Commitment.kind == kind if kind in set(Kind) else false())
    if status := args.get("status"):
        stmt = stmt.where(Commitment.status == status if status in set(Verdict) else false())
    if partner := (args.get("partner") or "").strip():
        stmt = stmt.where(Commitment.partner_id.in_(partners_named(partner)))
    if (year := _number(args.get("year"))) is not None:
        stmt = stmt.where(
            extract("year", Commitment.due_on) == year if 1900 < year < 3000 else false()
        )
    return stmt
