"""Finding agreements: full text (SQLite FTS5 / PostgreSQL tsvector), filters, sorting, export.

The searchable text (title, subject, article text, partner names) is kept in
`agreements.search_text`. SQLite indexes it in the FTS5 table `agreements_fts`; PostgreSQL uses
a GIN index on to_tsvector('simple', search_text). Both are created by the migration.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import Select, extract, func, select, text
from sqlalchemy.orm import selectinload

from partnerships.agreements.models import Agreement, AgreementParty, Status
from partnerships.extensions import db
from partnerships.organisations.models import Partner

WORD = re.compile(r"\w+", re.UNICODE)
FTS_TABLE = "agreements_fts"


def document(agreement: Agreement, articles: list[dict] | None = None) -> str:
    if articles is None:
        from partnerships.agreements.services import latest_version

        version = latest_version(agreement)
        articles = version.articles if version else []
    parts = [agreement.title, agreement.subject]
    parts += [p.name for p in agreement.parties]
    parts += [f"{a['heading']} {a['body']}" for a in articles]
    return "\n".join(parts)


def refresh_search(agreement: Agreement, articles: list[dict] | None = None) -> None:
    agreement.search_text = document(agreement, articles)
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": agreement.id})
        db.session.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (:id, :body)"),
            {"id": agreement.id, "body": agreement.search_text},
        )


def matching(stmt: Select, query: str) -> Select:
    """Every word must occur (as a prefix), whatever the database; user syntax is neutralised."""
    words = WORD.findall(query.lower())[:12]
    if not words:
        return stmt
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return stmt.where(
            func.to_tsvector("simple", Agreement.search_text).op("@@")(
                func.to_tsquery("simple", tsquery)
            )
        )
    fts = " ".join(f'"{w}"*' for w in words)
    ids = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts").bindparams(fts=fts)
    return stmt.where(Agreement.id.in_(ids))


def filtered(stmt: Select, args) -> Select:
    """Apply the list filters from a query string (a MultiDict)."""
    if q := (args.get("q") or "").strip():
        stmt = matching(stmt, q)
    if kind := args.get("kind"):
        stmt = stmt.where(Agreement.kind == kind)
    if status := args.get("status"):
        stmt = stmt.where(Agreement.status == status)
    if office := args.get("office", type=int):
        stmt = stmt.where(Agreement.office_id == office)
    if partner := args.get("partner", type=int):
        stmt = stmt.where(Agreement.id.in_(
            select(AgreementParty.agreement_id).where(AgreementParty.partner_id == partner)))
    if region := (args.get("region") or "").strip():
        stmt = stmt.where(Agreement.id.in_(
            select(AgreementParty.agreement_id).join(Partner)
            .where(Partner.region_code.startswith(region, autoescape=True))))
    if year := args.get("year", type=int):
        stmt = stmt.where(extract("year", func.coalesce(Agreement.signed_on,
                                                        Agreement.effective_on)) == year)
    if days := args.get("expiring", type=int):
        stmt = expiring_within(stmt, days)
    return stmt


def expiring_within(stmt: Select, days: int, today: date | None = None) -> Select:
    today = today or date.today()
    return stmt.where(
        Agreement.status == Status.ACTIVE,
        Agreement.ends_on >= today,
        Agreement.ends_on <= today + timedelta(days=days),
    )


SORTS = {
    # name: (columns for keyset pagination, descending)
    "newest": ([(Agreement.id, lambda a: a.id)], True),
    "title": ([(Agreement.title, lambda a: a.title), (Agreement.id, lambda a: a.id)], False),
    "ends": (
        [
            (func.coalesce(Agreement.ends_on, date(9999, 12, 31)),
             lambda a: (a.ends_on or date(9999, 12, 31)).isoformat(), date.fromisoformat),
            (Agreement.id, lambda a: a.id),
        ],
        False,
    ),
}


def with_parties(stmt: Select) -> Select:
    """Load parties with each page in one extra query, not one per row."""
    return stmt.options(selectinload(Agreement.parties))


# ---- export -----------------------------------------------------------------------------

EXPORT_HEADER = ["id", "kind", "status", "title", "subject", "office", "parties", "numbers",
                 "programs", "funding", "signed_on", "effective_on", "ends_on"]


def export_rows(stmt: Select) -> Iterator[list]:
    stmt = with_parties(stmt.order_by(Agreement.id)).execution_options(yield_per=500)
    for agreement in db.session.scalars(stmt):
        yield [
            agreement.id, agreement.kind, agreement.status, agreement.title, agreement.subject,
            agreement.office.name,
            "; ".join(p.name for p in agreement.parties),
            "; ".join(p.number for p in agreement.parties if p.number),
            ",".join(agreement.programs), agreement.funding,
            agreement.signed_on, agreement.effective_on, agreement.ends_on,
        ]


def export_csv(stmt: Select) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for row in export_rows(stmt):
        writer.writerow(["" if v is None else v for v in row])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_xlsx(stmt: Select) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Perjanjian")
    sheet.append(EXPORT_HEADER)
    for row in export_rows(stmt):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
