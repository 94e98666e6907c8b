"""Issue register numbers: gap-free and never duplicated, even from many processes at once.

The counter is bumped with one atomic upsert in the caller's transaction: PostgreSQL holds the
counter row's lock until commit, SQLite holds its write lock (BEGIN IMMEDIATE). A rolled-back
transaction rolls its number back too, so no gap appears.
"""

import string
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from partnerships.extensions import db
from partnerships.numbering.models import IssuedNumber, NumberCounter, NumberPattern

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
FIELDS = {"seq", "unit", "classification", "month", "month_roman", "year", "mmyyyy"}
DEFAULT_PATTERNS = {
    # BPJS Ketenagakerjaan letters: B/<running number>/<MMYYYY>
    "letter": "B/{seq}/{mmyyyy}",
    "agreement": "{seq:03d}/{classification}/{unit}/{month_roman}/{year}",
}
DEFAULT_UNIT = "KC"
TEXT_LENGTH = IssuedNumber.__table__.c.text.type.length
DEFAULT_CLASSIFICATION = "PKS"


class PatternError(ValueError):
    pass


def validate_pattern(pattern: str) -> None:
    """Only the known placeholders, no attribute or index access, and a running number."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as error:
        raise PatternError(_("The pattern has an unbalanced brace.")) from error
    names = [name for _lit, name, _spec, _conv in parts if name is not None]
    for name in names:
        if name not in FIELDS:
            raise PatternError(_("Unknown placeholder {%(name)s}.", name=name))
    for _lit, name, spec, conv in parts:
        if conv or (spec and name != "seq") or (spec and spec not in {"02d", "03d", "04d", "05d"}):
            raise PatternError(_("Only {seq} may be padded, as {seq:03d}."))
    if "seq" not in names:
        raise PatternError(_("The pattern must contain {seq}."))
    if not {"year", "mmyyyy"} & set(names):
        raise PatternError(_("The pattern must contain {year} or {mmyyyy}."))


def pattern_for(office_id: int, doc_type: str, year: int) -> tuple[str, str, str]:
    """(pattern, unit, classification) in force: the year's own, else the office default."""
    rows = db.session.scalars(
        select(NumberPattern).where(
            NumberPattern.office_id == office_id,
            NumberPattern.doc_type == doc_type,
            (NumberPattern.year == year) | NumberPattern.year.is_(None),
        )
    ).all()
    best = sorted(rows, key=lambda p: p.year is None)
    if best:
        return best[0].pattern, best[0].unit, best[0].classification
    return DEFAULT_PATTERNS[doc_type], DEFAULT_UNIT, DEFAULT_CLASSIFICATION


def render(pattern: str, *, seq: int, on: date, unit: str, classification: str) -> str:
    return pattern.format(
        seq=seq,
        unit=unit,
        classification=classification,
        month=f"{on.month:02d}",
        month_roman=ROMAN[on.month - 1],
        year=on.year,
        mmyyyy=f"{on.month:02d}{on.year}",
    )


def next_value(office_id: int, doc_type: str, year: int) -> int:
    """Bump and return the counter in one statement; the row stays locked until commit."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = NumberCounter.__table__
    stmt = insert(table).values(office_id=office_id, doc_type=doc_type, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.office_id, table.c.doc_type, table.c.year],
        set_={"last_value": table.c.last_value + 1},
    ).returning(table.c.last_value)
    return db.session.execute(stmt).scalar_one()


def issue(
    office_id: int,
    doc_type: str,
    on: date,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> IssuedNumber:
    pattern, unit, classification = pattern_for(office_id, doc_type, on.year)
    seq = next_value(office_id, doc_type, on.year)
    number = IssuedNumber(
        office_id=office_id,
        doc_type=doc_type,
        year=on.year,
        seq=seq,
        text=render(pattern, seq=seq, on=on, unit=unit, classification=classification),
        subject_type=subject_type,
        subject_id=subject_id,
    )
    db.session.add(number)
    db.session.flush()
    return number


def save_pattern(pattern: NumberPattern | None, data: dict) -> NumberPattern:
    validate_pattern(data["pattern"])
    # A sample render catches what parsing cannot: the longest number the pattern gives (a
    # five-digit running number in August, VIII) must fit the register, or issuing it would
    # fail only later, when an agreement is sent for signature.
    longest = render(
        data["pattern"],
        seq=99999,
        on=date(2000, 8, 1),
        unit=data.get("unit") or "",
        classification=data.get("classification") or "",
    )
    if len(longest) > TEXT_LENGTH:
        raise PatternError(
            _("Numbers from this pattern would be longer than %(n)d characters.", n=TEXT_LENGTH)
        )
    clash = select(NumberPattern.id).where(
        NumberPattern.office_id == data["office_id"],
        NumberPattern.doc_type == data["doc_type"],
        NumberPattern.year.is_(None)
        if data.get("year") is None
        else NumberPattern.year == data["year"],
    )
    if pattern is not None:
        clash = clash.where(NumberPattern.id != pattern.id)
    if db.session.scalar(clash):
        raise PatternError(_("This office already has a pattern for that document and year."))
    if pattern is None:
        pattern = NumberPattern()
        db.session.add(pattern)
    for key in ("office_id", "doc_type", "year", "pattern"):
        setattr(pattern, key, data.get(key))
    pattern.unit = data.get("unit") or ""
    pattern.classification = data.get("classification") or ""
    db.session.flush()
    return pattern
