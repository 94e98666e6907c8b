"""The dashboard's pre-aggregation: a fact row per commitment and the rollups over them.

`write_facts` runs on every `commitment_changed` signal, inside the transaction of the change
(a figure added, accepted, rejected or deleted; the terms edited; an action done; a commitment
deleted), so the dashboard never reads a stale or half-written state. `rebuild` recomputes
everything in batches (idempotent: `flask dashboard rebuild`, e.g. after a bulk import or
when an agreement changed office). `live_rows` is the slow way round, computing the same facts
straight from the commitments and their figures: the tests and the benchmark compare the two.
"""

import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import case, delete, func, insert, literal, select, update

from partnerships.agreements.models import Agreement
from partnerships.commitments import queries
from partnerships.commitments.models import Commitment, Kind
from partnerships.commitments.status import ActionProgress, Progress, Verdict
from partnerships.core.formatting import office_today
from partnerships.dashboard.models import (
    CommitmentFact,
    DashboardState,
    OfficeRollup,
    PartnerRollup,
)
from partnerships.extensions import db

# An action counts as a regulation issued when its title or description names one: a
# Peraturan (Daerah, Gubernur, Bupati, Wali Kota, Desa), a Keputusan, an Instruksi or a Surat
# Edaran, in full or as commonly abbreviated. Done means issued.
REGULATION = re.compile(
    r"\b(peraturan|perda|pergub|perbup|perwal|perwali|perwako|perdes|perkades|keputusan"
    r"|kepgub|kepbup|instruksi|inbup|surat edaran)\b",
    re.IGNORECASE,
)
MET = (Verdict.MET.value, Verdict.DONE.value)
LATE = (Verdict.BEHIND.value, Verdict.LAPSED.value, Verdict.OVERDUE.value)
BATCH = 2000


def regency_of(code: str | None) -> str:
    """'51.71.01.1003' → '51.71'; a province ('51') or nothing → ''."""
    parts = (code or "").split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else ""


def fact_row(commitment: Commitment, found: Progress | ActionProgress) -> dict:
    """The fact of one commitment from its progress (commitments.queries.progress)."""
    kind = commitment.kind
    seat = commitment.partner.region_code
    region = commitment.region_code if kind == Kind.TARGET and commitment.region_code else seat
    measured = isinstance(found, Progress)
    latest = Decimal(str(found.latest.value)) if measured and found.latest else None
    share = min(max(found.way, 0.0), 1.0) if measured and found.way is not None else None
    is_budget = kind == Kind.BUDGET
    words = f"{commitment.title} {commitment.description or ''}"
    return {
        "commitment_id": commitment.id,
        "office_id": commitment.agreement.office_id,
        "partner_id": commitment.partner_id,
        "regency_code": regency_of(region),
        "province_code": (region or "").split(".")[0],
        "kind": kind,
        "metric": commitment.metric,
        "status": found.verdict.value,
        "fiscal_year": commitment.fiscal_year if is_budget else commitment.due_on.year,
        "amount": commitment.amount if is_budget else None,
        "realised": latest if is_budget else None,
        "baseline": commitment.baseline_value,
        "target": commitment.target_value if kind == Kind.TARGET else commitment.amount,
        "latest": latest,
        "share": share,
        "due_on": commitment.due_on,
        "done": commitment.done_on is not None,
        "is_regulation": kind == Kind.ACTION and bool(REGULATION.search(words)),
    }


# ---- keeping the facts --------------------------------------------------------------------


def write_facts(commitments: list[Commitment], today: date | None = None) -> None:
    """Replace the facts of `commitments` (a deleted one, or one of a deleted agreement, loses
    its fact) and recompute the rollup rows they touch, before and after."""
    today = today or office_today()
    ids = [c.id for c in commitments]
    before = db.session.execute(
        select(CommitmentFact.office_id, CommitmentFact.partner_id).where(
            CommitmentFact.commitment_id.in_(ids)
        )
    ).all()
    db.session.execute(delete(CommitmentFact).where(CommitmentFact.commitment_id.in_(ids)))
    live = [c for c in commitments if not c.is_deleted and not c.agreement.is_deleted]
    found = queries.progress_of(live, today)
    rows = [fact_row(c, found[c.id]) for c in live]
    if rows:
        db.session.execute(insert(CommitmentFact), rows)
    touched = set(before) | {(r["office_id"], r["partner_id"]) for r in rows}
    for office_id in {office for office, _ in touched}:
        _roll_up([office_id], [p for o, p in touched if o == office_id])
    _changed()


def version() -> str | None:
    """The token of the facts as they stand (None when the state row is missing)."""
    return db.session.scalar(select(DashboardState.token).where(DashboardState.id == 1))


def _changed() -> None:
    db.session.execute(
        update(DashboardState).where(DashboardState.id == 1).values(token=uuid.uuid4().hex)
    )


def _roll_up(office_ids: list[int] | None, partner_ids: list[int] | None) -> None:
    """Recompute the rollup rows of `office_ids` (None: all) from their facts; the partner
    rollup only for `partner_ids` (None: all). Rows whose facts are gone go too."""
    fact = CommitmentFact
    office_facts, partner_facts = [], []
    office_rows, partner_rows = [], []
    if office_ids is not None:
        office_facts.append(fact.office_id.in_(office_ids))
        office_rows.append(OfficeRollup.office_id.in_(office_ids))
        partner_rows.append(PartnerRollup.office_id.in_(office_ids))
    partner_facts = list(office_facts)
    if partner_ids is not None:
        partner_facts.append(fact.partner_id.in_(partner_ids))
        partner_rows.append(PartnerRollup.partner_id.in_(partner_ids))
    db.session.execute(delete(OfficeRollup).where(*office_rows))
    db.session.execute(delete(PartnerRollup).where(*partner_rows))

    target = fact.kind == Kind.TARGET.value
    action = fact.kind == Kind.ACTION.value
    db.session.execute(
        insert(OfficeRollup).from_select(
            ["office_id", "kind", "status", "fiscal_year", "commitments", "amount", "realised"],
            select(
                fact.office_id,
                fact.kind,
                fact.status,
                fact.fiscal_year,
                func.count(),
                func.coalesce(func.sum(fact.amount), 0),
                func.coalesce(func.sum(fact.realised), 0),
            )
            .where(*office_facts)
            .group_by(fact.office_id, fact.kind, fact.status, fact.fiscal_year),
        )
    )

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    db.session.execute(
        insert(PartnerRollup).from_select(
            [
                "office_id",
                "partner_id",
                "regency_code",
                "province_code",
                "commitments",
                "met",
                "late",
                "amount",
                "realised",
                "targets",
                "share_sum",
                "share_n",
                "regulations",
                "regulations_done",
                "overdue",
            ],
            select(
                fact.office_id,
                fact.partner_id,
                fact.regency_code,
                func.max(fact.province_code),
                func.count(),
                count(fact.status.in_(MET)),
                count(fact.status.in_(LATE)),
                func.coalesce(func.sum(fact.amount), 0),
                func.coalesce(func.sum(fact.realised), 0),
                count(target),
                func.coalesce(func.sum(case((target, fact.share), else_=literal(0.0))), 0.0),
                count(target & fact.share.is_not(None)),
                count(action & fact.is_regulation),
                count(action & fact.is_regulation & fact.done),
                count(action & (fact.status == Verdict.OVERDUE.value)),
            )
            .where(*partner_facts)
            .group_by(fact.office_id, fact.partner_id, fact.regency_code),
        )
    )


def _batches(stmt, batch: int) -> Iterator[list[Commitment]]:
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                stmt.where(Commitment.id > last_id).order_by(Commitment.id).limit(batch)
            ).unique()
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def _live_commitments(office_ids: Iterable[int] | None):
    stmt = (
        select(Commitment)
        .join(Agreement, Agreement.id == Commitment.agreement_id)
        .where(Commitment.is_deleted.is_(False), Agreement.is_deleted.is_(False))
    )
    if office_ids is not None:
        stmt = stmt.where(Agreement.office_id.in_(list(office_ids)))
    return stmt


def rebuild(today: date | None = None, batch: int = BATCH) -> int:
    """Recompute every fact and rollup from the commitments and their figures; returns the
    number of facts. Running it twice gives the same rows."""
    today = today or office_today()
    db.session.flush()  # the batches below expunge the session: nothing pending may be lost
    for model in (PartnerRollup, OfficeRollup, CommitmentFact):
        db.session.execute(delete(model))
    written = 0
    for rows in _batches(_live_commitments(None), batch):
        found = queries.progress_of(rows, today)
        db.session.execute(insert(CommitmentFact), [fact_row(c, found[c.id]) for c in rows])
        written += len(rows)
        db.session.expunge_all()  # a batch's objects are done with: memory stays flat
    _roll_up(None, None)
    _changed()
    return written


def live_rows(office_ids: Iterable[int] | None, today: date | None = None) -> Iterator[dict]:
    """The facts of the commitments of `office_ids` (None: all), computed now from their
    figures, without reading the fact table: the slow way the dashboard avoids."""
    today = today or office_today()
    for rows in _batches(_live_commitments(office_ids), BATCH):
        found = queries.progress_of(rows, today)
        yield from (fact_row(c, found[c.id]) for c in rows)
