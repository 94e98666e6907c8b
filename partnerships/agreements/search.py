"""Finding agreements: full text (SQLite FTS5 / PostgreSQL tsvector), filters, sorting, export.

The searchable text (title, subject, article text, partner names) is kept in
`agreements.search_text`. SQLite indexes it in the FTS5 table `agreements_fts`; PostgreSQL uses
a GIN index on to_tsvector('simple', search_text). Both are created by the migration.
"""

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, extract, false, func, literal_column, or_, select, text, update
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from partnerships.agreements.forms import FUNDING_LABELS, KIND_LABELS
from partnerships.agreements.lifecycle import status_label
from partnerships.agreements.models import EXPIRY_WINDOWS, Agreement, AgreementParty, Kind, Status
from partnerships.agreements.queries import latest_version
from partnerships.core.exports import stream_csv
from partnerships.core.formatting import long_date, office_today
from partnerships.core.pagination import cursor_day, id_key, text_key
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from partnerships.organisations.scope import offices_named, partners_named
from partnerships.organisations.signals import partner_renamed

# A word, or a number written with thousands dots ("2.000 pekerja"), which PostgreSQL's parser
# keeps as one token; FTS5 reads it as the phrase "2 000", so both find it.
WORD = re.compile(r"\d+(?:\.\d+)+|\w+", re.UNICODE)
FTS_TABLE = "agreements_fts"
# The text search configuration as a literal, so the expression is the one the GIN index was
# built on (a bound parameter would leave the planner a sequential scan under generic plans).
TS_CONFIG = literal_column("'simple'")
FILTER_KEYS = ("q", "kind", "status", "partner", "office", "region", "year", "expiring", "sort")
REGION_CODE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def document(agreement: Agreement, articles: list[dict] | None = None) -> str:
    if articles is None:
        version = latest_version(agreement)
        articles = version.articles if version else []
    parts = [agreement.title, agreement.subject]
    parts += [p.name for p in agreement.parties]
    parts += [f"{a['heading']} {a['body']}" for a in articles]
    return "\n".join(parts)


def refresh_search(agreement: Agreement, articles: list[dict] | None = None) -> None:
    """Re-index one agreement. The search text is derived data: it is written with a plain
    UPDATE, so it neither bumps the agreement's lock version nor adds an audit entry."""
    body = document(agreement, articles)
    db.session.flush()
    db.session.execute(
        update(Agreement.__table__).where(Agreement.id == agreement.id).values(search_text=body)
    )
    set_committed_value(agreement, "search_text", body)
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text("DELETE FROM agreements_fts WHERE rowid = :id"), {"id": agreement.id}
        )
        db.session.execute(
            text("INSERT INTO agreements_fts (rowid, search_text) VALUES (:id, :body)"),
            {"id": agreement.id, "body": body},
        )


def refresh_for_partner(partner_id: int) -> None:
    """Re-index every agreement the partner is a party to (after a rename)."""
    agreements = db.session.scalars(
        select(Agreement).where(
            Agreement.id.in_(
                select(AgreementParty.agreement_id).where(AgreementParty.partner_id == partner_id)
            )
        )
    )
    for agreement in agreements:
        refresh_search(agreement)


@partner_renamed.connect
def _reindex_renamed_partner(partner: Partner, **_) -> None:
    """Organisations tells us of a rename by signal, as it may not import agreements."""
    refresh_for_partner(partner.id)


def matching(stmt: Select, query: str) -> Select:
    """Every word must occur (as a prefix), whatever the database; user syntax is neutralised."""
    words = WORD.findall(query.lower())[:12]
    if not words:
        return stmt
    if db.session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        return stmt.where(
            func.to_tsvector(TS_CONFIG, Agreement.search_text).op("@@")(
                func.to_tsquery(TS_CONFIG, tsquery)
            )
        )
    fts = " ".join(f'"{w}"*' for w in words)
    ids = text("SELECT rowid FROM agreements_fts WHERE agreements_fts MATCH :fts").bindparams(
        fts=fts
    )
    return stmt.where(Agreement.id.in_(ids))


def filter_args(args) -> dict[str, str]:
    """The list filters present in a query string, and nothing else: what links to other pages
    of the list and to the exports carry over (never `after`, never arbitrary keys)."""
    return {key: value for key in FILTER_KEYS if (value := (args.get(key) or "").strip())}


def _int_arg(args, key: str) -> int | None:
    """An integer filter; None when absent or not a number."""
    raw = (args.get(key) or "").strip()
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def filtered(stmt: Select, args) -> Select:
    """Apply the list filters from a query string (a MultiDict). A value that cannot match (an
    id or year out of range) gives no rows rather than an error."""
    if q := (args.get("q") or "").strip():
        stmt = matching(stmt, q)
    if kind := args.get("kind"):
        stmt = stmt.where(Agreement.kind == kind if kind in set(Kind) else false())
    if status := args.get("status"):
        stmt = stmt.where(Agreement.status == status if status in set(Status) else false())
    if office := (args.get("office") or "").strip():
        stmt = stmt.where(Agreement.office_id.in_(offices_named(office)))
    if partner := (args.get("partner") or "").strip():
        parties = select(AgreementParty.agreement_id).where(
            AgreementParty.partner_id.in_(partners_named(partner))
        )
        stmt = stmt.where(Agreement.id.in_(parties))
    if region := (args.get("region") or "").strip().rstrip("."):
        # the region itself and everything below it: 51.04 is Gianyar, never 51.041
        within = or_(Partner.region_code == region, Partner.region_code.startswith(region + "."))
        stmt = stmt.where(
            Agreement.id.in_(select(AgreementParty.agreement_id).join(Partner).where(within))
            if REGION_CODE.fullmatch(region)
            else false()
        )
    if (year := _int_arg(args, "year")) is not None:
        day = func.coalesce(Agreement.signed_on, Agreement.effective_on)
        stmt = stmt.where(extract("year", day) == year if 0 < year <= 9999 else false())
    if (days := _int_arg(args, "expiring")) in EXPIRY_WINDOWS:
        stmt = expiring_within(stmt, days)
    return stmt


def expiring_within(stmt: Select, days: int, today: date | None = None) -> Select:
    today = today or office_today()
    return stmt.where(
        Agreement.status == Status.ACTIVE,
        Agreement.ends_on >= today,
        Agreement.ends_on <= today + timedelta(days=days),
    )


FAR_FUTURE = date(9999, 12, 31)
SORTS = {
    # name: (columns for keyset pagination as (expression, getter, parse), descending)
    "newest": ([id_key(Agreement.id)], True),
    "title": ([text_key(Agreement.title), id_key(Agreement.id)], False),
    "ends": (
        [
            (
                func.coalesce(Agreement.ends_on, FAR_FUTURE),
                lambda a: (a.ends_on or FAR_FUTURE).isoformat(),
                cursor_day,
            ),
            id_key(Agreement.id),
        ],
        False,
    ),
}


@cache  # loader options are immutable: built once (after the mappers are configured), shared
def _party_names() -> tuple:
    return (
        joinedload(Agreement.office).load_only(Office.name).lazyload("*"),
        selectinload(Agreement.parties).options(
            joinedload(AgreementParty.partner).load_only(Partner.name).lazyload("*"),
            joinedload(AgreementParty.office).load_only(Office.name).lazyload("*"),
            lazyload(AgreementParty.signatory),
        ),
    )


def with_parties(stmt: Select) -> Select:
    """Load parties with each page in one extra query, not one per row, and of what they point
    to only what a list shows (names): the models' eager joins (each party's partner with its
    region and office, that office's parent and region, the signatory with all of theirs) cost
    more than rendering the page."""
    return stmt.options(*_party_names())


# ---- export -----------------------------------------------------------------------------

# Headers and values in the user's interface language (the lazy labels the pages use).
EXPORT_HEADER = [
    "ID",
    _l("Type"),
    _l("Status"),
    _l("Title"),
    _l("Subject (tentang)"),
    _l("Owning office"),
    _l("Parties"),
    _l("Numbers (Nomor)"),
    _l("Programs"),
    _l("Funding"),
    _l("Signed on"),
    _l("Effective from"),
    _l("Ends on"),
]
DATE_COLUMNS = (10, 11, 12)


def export_rows(stmt: Select) -> Iterator[list]:
    """One row per agreement: kinds, statuses and funding as the interface words them; dates
    as dates (each export writes them its own way)."""

    stmt = with_parties(stmt.order_by(Agreement.id)).execution_options(yield_per=500)
    for agreement in db.session.scalars(stmt):
        yield [
            agreement.id,
            _label(KIND_LABELS, agreement.kind),
            status_label(agreement),
            agreement.title,
            agreement.subject,
            agreement.office.name,
            "; ".join(p.name for p in agreement.parties),
            "; ".join(p.number for p in agreement.parties if p.number),
            ",".join(agreement.programs),
            _label(FUNDING_LABELS, agreement.funding),
            agreement.signed_on,
            agreement.effective_on,
            agreement.ends_on,
        ]


def _label(labels: dict, value: str) -> str:
    return str(labels.get(value, value))


def _header() -> list[str]:
    return [str(h) for h in EXPORT_HEADER]


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
def export_csv(stmt: Select) -> Iterator[str]:
    """Dates written as the pages write them ("22 November 2026", "November 22, 2026")."""

    def rows():
        for row in export_rows(stmt):
            yield [long_date(v) if i in DATE_COLUMNS and v else v for i, v in enumerate(row)]

    return stream_csv(_header(), rows())


def export_xlsx(stmt: Select) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Agreements"))

    def cell(value):
        if isinstance(value, date):  # a real date: sorts and filters in the spreadsheet
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = "d mmm yyyy"
            return written
        if not isinstance(value, str):
            return value
        # Text stays text: "=..." is not a formula, and control characters XML cannot hold
        # (pasted into a title) are dropped instead of failing the whole export.
        written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        written.data_type = "s"
        return written

    sheet.append(_header())
    for row in export_rows(stmt):
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
