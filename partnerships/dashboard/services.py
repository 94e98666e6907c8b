"""The home page and the dashboard: headline numbers gathered from the domains below, each
within the user's scope, and the commitments' figures read from the pre-aggregated facts
(facts.py) in a handful of grouped queries whatever the number of commitments and figures.

A scope is an office (with the offices below it), a Kanwil (the same, one level up) or the
country. Staff, managers and office auditors choose between their office and its Kanwil;
admins and national auditors between any office, any Kanwil and the country. In a Kanwil
scope a branch user reads the Kanwil's totals (status counts, budget, the map) but the rows
naming partners only for its own offices, as in the rest of the application.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select

from partnerships.agreements.models import EXPIRY_WINDOWS, Agreement, Status
from partnerships.agreements.permissions import visible_agreements
from partnerships.agreements.search import expiring_within
from partnerships.commitments.models import Commitment, Kind
from partnerships.commitments.status import Verdict
from partnerships.core.formatting import office_today
from partnerships.core.roles import Role
from partnerships.dashboard.facts import LATE, MET
from partnerships.dashboard.models import CommitmentFact, OfficeRollup, PartnerRollup
from partnerships.extensions import db
from partnerships.organisations.models import Office, OfficeKind, Partner, office_regions
from partnerships.organisations.scope import office_subtree_ids, visible_officials, visible_partners
from partnerships.regions.models import Region

LIST_LIMIT = 10


def dashboard(user, office_ids: frozenset[int] | None = None) -> dict:
    """Headline numbers for the home page, each counted within what `user` may see (and within
    `office_ids` when given), in a handful of grouped queries whatever the number of rows."""

    def counted(stmt):
        return select(func.count()).select_from(stmt.subquery()).scalar_subquery()

    def agreements():
        stmt = visible_agreements(user)
        return stmt if office_ids is None else stmt.where(Agreement.office_id.in_(office_ids))

    # one-column subqueries: a subquery of whole agreements makes all 22 of its columns
    visible = agreements().with_only_columns(Agreement.status).subquery()
    by_status = dict(
        db.session.execute(select(visible.c.status, func.count()).group_by(visible.c.status)).all()
    )
    # The other headline numbers in one statement (one each cost more than counting them):
    # the agreements ending within each window counted among those ending within the widest.
    today = office_today()
    ending = expiring_within(
        agreements().with_only_columns(Agreement.ends_on), max(EXPIRY_WINDOWS), today
    ).subquery()
    windows = [
        select(func.count())
        .where(ending.c.ends_on <= today + timedelta(days=days))
        .scalar_subquery()
        .label(f"expiring_{days}")
        for days in EXPIRY_WINDOWS
    ]
    totals = db.session.execute(
        select(
            counted(visible_partners(user)).label("partners"),
            counted(visible_officials(user)).label("officials"),
            counted(select(Office.id).where(Office.is_deleted.is_(False))).label("offices"),
            *windows,
        )
    ).one()
    to_review = db.session.scalars(
        agreements()
        .where(Agreement.status.in_([Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE]))
        .order_by(Agreement.updated_at.desc())
        .limit(8)
    ).all()
    return {
        "partners": totals.partners,
        "officials": totals.officials,
        "offices": totals.offices,
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "agreements": sum(by_status.values()),
        "active": by_status.get(Status.ACTIVE.value, 0),
        "expiring": {days: totals._mapping[f"expiring_{days}"] for days in EXPIRY_WINDOWS},
        "in_progress": to_review,
    }


# ---- scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    office: Office | None  # None: the whole country
    office_ids: frozenset[int] | None  # the office and those below; None: all
    detail_ids: frozenset[int] | None  # offices whose partner rows the user reads; None: all
    value: str  # as the scope selector sends it: "" for the country, else the office id

    @property
    def national(self) -> bool:
        return self.office is None

    @property
    def label(self) -> str:
        return self.office.name if self.office else _("Whole country")

    def partner_filter(self, column):
        """Rows naming partners: inside the scope and inside what the user may read."""
        found = []
        if self.office_ids is not None:
            found.append(column.in_(self.office_ids))
        if self.detail_ids is not None:
            found.append(column.in_(self.detail_ids))
        return found


def is_national(user) -> bool:
    """Admins and users of no office (the national auditor); never a partner's user."""
    if user.role == Role.PARTNER:
        return False
    return user.role == Role.ADMIN or user.office_id is None


def kanwil_of(office: Office) -> Office:
    """The regional office above `office` (itself when it is one, or the top of its tree)."""
    while office.kind != OfficeKind.REGIONAL and office.parent is not None:
        office = office.parent
    return office


def scope_choices(user) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(group label, [(value, office name)]) for the selector: what `user` may choose."""
    if not is_national(user):
        own = db.session.get(Office, user.office_id)
        kanwil = kanwil_of(own)
        offices = [(str(own.id), own.name)]
        if kanwil.id != own.id:
            offices.append((str(kanwil.id), kanwil.name))
        return [(_("Your offices"), offices)]
    rows = db.session.execute(
        select(Office.id, Office.name, Office.kind)
        .where(Office.is_deleted.is_(False))
        .order_by(Office.name)
    ).all()
    return [
        (_("Country"), [("", _("Whole country"))]),
        (_("Regional offices"), [(str(i), n) for i, n, k in rows if k != OfficeKind.BRANCH]),
        (_("Branch offices"), [(str(i), n) for i, n, k in rows if k == OfficeKind.BRANCH]),
    ]


def resolve_scope(user, raw: str | None) -> Scope:
    """The scope asked for in the query string, or the user's default (its office; the
    country for national roles). One the user may not choose is refused (403)."""
    allowed = {value for _, group in scope_choices(user) for value, _ in group}
    value = (raw or "").strip() if raw is not None else None
    if value is None:
        value = "" if is_national(user) else str(user.office_id)
    if value not in allowed:
        abort(403)
    detail = None if is_national(user) else frozenset(office_subtree_ids(user.office_id))
    if value == "":
        return Scope(None, None, detail, "")
    office = db.session.get(Office, int(value))
    return Scope(office, frozenset(office_subtree_ids(office.id)), detail, value)


# ---- figures from the rollups -----------------------------------------------------------


@dataclass
class Line:
    """One partner's (or region's) commitments summed: what the scorecard and the summaries
    show, and what the score is computed from."""

    commitments: int = 0
    met: int = 0
    late: int = 0
    amount: int = 0
    realised: Decimal = Decimal(0)
    targets: int = 0
    share_sum: float = 0.0
    share_n: int = 0
    regulations: int = 0
    regulations_done: int = 0
    overdue: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def coverage(self) -> float | None:
        """Mean share of their targets reached, over the targets with a figure."""
        return self.share_sum / self.share_n if self.share_n else None

    @property
    def budget_share(self) -> float | None:
        return min(float(self.realised) / self.amount, 1.0) if self.amount else None

    @property
    def regulation_share(self) -> float | None:
        return self.regulations_done / self.regulations if self.regulations else None

    @property
    def score(self) -> float | None:
        """0-100: the mean of the shares the partner owes something for (regulations issued,
        budget realised, coverage reached); None when it owes none of them yet."""
        parts = [
            p for p in (self.regulation_share, self.budget_share, self.coverage) if p is not None
        ]
        return round(100 * sum(parts) / len(parts), 1) if parts else None

    def add(self, other: "Line") -> None:
        for name in (
            "commitments", "met", "late", "amount", "realised", "targets", "share_sum",
            "share_n", "regulations", "regulations_done", "overdue",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))


LINE_COLUMNS = (
    "commitments", "met", "late", "amount", "realised", "targets", "share_sum", "share_n",
    "regulations", "regulations_done", "overdue",
)  # fmt: skip


def _sums(model) -> list:
    return [func.sum(getattr(model, name)) for name in LINE_COLUMNS]


def _line(values) -> Line:
    """A Line from summed columns (PostgreSQL sums BIGINT into NUMERIC: typed back here)."""
    found = dict(zip(LINE_COLUMNS, (v or 0 for v in values), strict=True))
    return Line(
        **{
            name: Decimal(str(value)) if name == "realised"
            else float(value) if name == "share_sum"
            else int(value)
            for name, value in found.items()
        }
    )  # fmt: skip


def figures(scope: Scope) -> dict:
    """Status counts, budget and counts by year, coverage by regency and province-wide, in
    two grouped queries over the rollups."""
    o = OfficeRollup
    stmt = select(
        o.kind, o.status, o.fiscal_year, func.sum(o.commitments), func.sum(o.amount),
        func.sum(o.realised),
    ).group_by(o.kind, o.status, o.fiscal_year)  # fmt: skip
    if scope.office_ids is not None:
        stmt = stmt.where(o.office_id.in_(scope.office_ids))
    by_status: dict[str, int] = defaultdict(int)
    years: dict[int, dict] = {}
    for kind, status, year, n, amount, realised in db.session.execute(stmt):
        by_status[status] += int(n)
        row = years.setdefault(year, {"commitments": 0, "amount": 0, "realised": Decimal(0)})
        row["commitments"] += int(n)
        if kind == Kind.BUDGET:
            row["amount"] += int(amount or 0)
            row["realised"] += Decimal(str(realised or 0))
    p = PartnerRollup
    stmt = (
        select(p.regency_code, p.province_code, func.sum(p.share_sum), func.sum(p.share_n))
        .where(p.share_n > 0)
        .group_by(p.regency_code, p.province_code)
    )
    if scope.office_ids is not None:
        stmt = stmt.where(p.office_id.in_(scope.office_ids))
    regions, provinces = {}, {}
    for regency, province, share_sum, share_n in db.session.execute(stmt):
        if regency:
            regions[regency] = float(share_sum) / int(share_n)
        else:
            provinces[province] = float(share_sum) / int(share_n)
    return {
        "by_status": {v.value: by_status.get(v.value, 0) for v in Verdict},
        "years": dict(sorted(years.items())),
        "regions": regions,
        "provinces": provinces,
    }


def partner_lines(scope: Scope, *, limit: int | None = None, order: str = "name") -> list:
    """(partner id, name, seat region, Line) for the partners with commitments in the scope
    that the user may read; `order` "coverage" puts the furthest behind first."""
    p = PartnerRollup
    stmt = (
        select(p.partner_id, Partner.name, Partner.region_code, *_sums(p))
        .join(Partner, Partner.id == p.partner_id)
        .where(*scope.partner_filter(p.office_id))
        .group_by(p.partner_id, Partner.name, Partner.region_code)
    )
    if order == "coverage":
        share = func.sum(p.share_sum) / func.sum(p.share_n)
        stmt = stmt.having(func.sum(p.share_n) > 0).order_by(share, Partner.name, p.partner_id)
    else:
        stmt = stmt.order_by(Partner.name, p.partner_id)
    if limit:
        stmt = stmt.limit(limit)
    return [(r[0], r[1], r[2], _line(r[3:])) for r in db.session.execute(stmt)]


def region_lines(scope: Scope) -> list:
    """(code, name, Line) by province for the country, by regency or city otherwise (the
    province-wide commitments under their province), over the whole scope: the map's text
    equivalent, so no partner is named and the totals match the map's colours."""
    p = PartnerRollup
    key = (
        p.province_code
        if scope.national
        else func.coalesce(func.nullif(p.regency_code, ""), p.province_code)
    )
    grouped = (
        select(key.label("code"), *_sums(p))
        .where(*([p.office_id.in_(scope.office_ids)] if scope.office_ids is not None else []))
        .group_by(key)
        .subquery()
    )
    rows = db.session.execute(
        select(grouped, Region.name)
        .outerjoin(Region, Region.code == grouped.c.code)
        .order_by(grouped.c.code)
    )
    return [(r[0], r[-1] or r[0], _line(r[1:-1])) for r in rows]


def overdue_actions(scope: Scope) -> list:
    """The actions longest past their date (oldest first), with the partner owing each."""
    f = CommitmentFact
    return db.session.execute(
        select(f.commitment_id, Commitment.title, Partner.name, f.due_on)
        .join(Commitment, Commitment.id == f.commitment_id)
        .join(Partner, Partner.id == f.partner_id)
        .where(f.status == Verdict.OVERDUE.value, *scope.partner_filter(f.office_id))
        .order_by(f.due_on, f.commitment_id)
        .limit(LIST_LIMIT)
    ).all()


def provinces_of(scope: Scope) -> list[str]:
    """The provinces a scope's map covers: those its offices serve or have facts in."""
    if scope.national:
        return []
    codes = set(db.session.scalars(
        select(PartnerRollup.province_code).where(PartnerRollup.office_id.in_(scope.office_ids))
        .distinct()
    ))  # fmt: skip
    served = db.session.scalars(
        select(office_regions.c.region_code).where(office_regions.c.office_id.in_(scope.office_ids))
    )
    codes |= {code.split(".")[0] for code in served}
    if scope.office.region_code:
        codes.add(scope.office.region_code.split(".")[0])
    return sorted(c for c in codes if c)


# ---- the same figures computed live -----------------------------------------------------


def aggregate(rows) -> tuple[dict, dict[int, Line]]:
    """What `figures` and `partner_lines` read from the rollups, summed in Python from fact
    rows (facts.live_rows computes them straight from the commitments and their figures)."""
    by_status: dict[str, int] = defaultdict(int)
    years: dict[int, dict] = {}
    shares: dict[tuple[str, str], list[float]] = defaultdict(list)
    partners: dict[int, Line] = defaultdict(Line)
    for row in rows:
        status, kind = row["status"], row["kind"]
        by_status[status] += 1
        year = years.setdefault(
            row["fiscal_year"], {"commitments": 0, "amount": 0, "realised": Decimal(0)}
        )
        year["commitments"] += 1
        line = partners[row["partner_id"]]
        line.commitments += 1
        line.met += status in MET
        line.late += status in LATE
        if kind == Kind.BUDGET:
            year["amount"] += row["amount"]
            year["realised"] += row["realised"] or 0
            line.amount += row["amount"]
            line.realised += row["realised"] or 0
        elif kind == Kind.TARGET:
            line.targets += 1
            if row["share"] is not None:
                line.share_sum += row["share"]
                line.share_n += 1
                shares[(row["regency_code"], row["province_code"])].append(row["share"])
        else:
            line.regulations += row["is_regulation"]
            line.regulations_done += row["is_regulation"] and row["done"]
            line.overdue += status == Verdict.OVERDUE
    regions = {r: sum(v) / len(v) for (r, _), v in shares.items() if r}
    provinces = {p: sum(v) / len(v) for (r, p), v in shares.items() if not r}
    found = {
        "by_status": {v.value: by_status.get(v.value, 0) for v in Verdict},
        "years": dict(sorted(years.items())),
        "regions": regions,
        "provinces": provinces,
    }
    return found, dict(partners)
