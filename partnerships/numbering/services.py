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
from sqlalchemy.exc import IntegrityError

from partnerships.core.errors import DomainError
from partnerships.core.formatting import office_today
from partnerships.extensions import db
from partnerships.numbering.models import IssuedNumber, NumberCounter, NumberPattern
from partnerships.organisations.models import Office

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
FIELDS = {"seq", "office", "unit", "classification", "month", "month_roman", "year", "mmyyyy"}
# What a pattern numbers, and the series whose running number it draws: agreements of every
# kind share one sequence per office and year, letters have their own; the marker in the
# pattern (KB, PKS, ADD) tells an MoU, a PKS and an addendum apart.
SERIES = {"mou": "agreement", "pks": "agreement", "addendum": "agreement", "letter": "letter"}
# Every default carries the office code, so two offices never issue the same number.
DEFAULT_PATTERNS = {
    "mou": "{seq:03d}/KB/{office}/{month_roman}/{year}",  # Kesepakatan Bersama
    "pks": "{seq:03d}/PKS/{office}/{month_roman}/{year}",
    "addendum": "{seq:03d}/ADD/{office}/{month_roman}/{year}",
    # BPJS Ketenagakerjaan letters, B/<running number>/<MMYYYY>, with the issuer's code
    "letter": "B/{seq}/{office}/{mmyyyy}",
}
TEXT_LENGTH = IssuedNumber.__table__.c.text.type.length


class PatternError(ValueError):
    pass


class NumberingError(DomainError):
    """A number that cannot be issued: the pattern in force gives one already issued."""


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


def pattern_for(office_id: int, kind: str, year: int) -> tuple[str, str, str]:
    """(pattern, unit, classification) in force: the year's own, else the office default."""
    rows = db.session.scalars(
        select(NumberPattern).where(
            NumberPattern.office_id == office_id,
            NumberPattern.doc_type == kind,
            (NumberPattern.year == year) | NumberPattern.year.is_(None),
        )
    ).all()
    best = sorted(rows, key=lambda p: p.year is None)
    if best:
        return best[0].pattern, best[0].unit, best[0].classification
    return DEFAULT_PATTERNS[kind], "", ""


def render(
    pattern: str, *, seq: int, on: date, office: str, unit: str = "", classification: str = ""
) -> str:
    return pattern.format(
        seq=seq,
        office=office,
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
    kind: str,
    on: date,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> IssuedNumber:
    """The office's next number for `kind` (mou, pks, addendum or letter) on `on`; refused with
    NumberingError when the pattern in force gives a number some office already issued."""
    office = db.session.get(Office, office_id)
    pattern, unit, classification = pattern_for(office_id, kind, on.year)
    series = SERIES[kind]
    seq = next_value(office_id, series, on.year)
    text = render(
        pattern, seq=seq, on=on, office=office.code, unit=unit, classification=classification
    )
    _refuse_issued(text)
    number = IssuedNumber(
        office_id=office_id,
        doc_type=series,
        year=on.year,
        seq=seq,
        text=text,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    try:
        # A savepoint, so that only this insert can fail here: another office issuing the same
        # text at the same moment is caught by the unique constraint once it commits.
        with db.session.begin_nested():
            db.session.add(number)
    except IntegrityError as error:
        raise NumberingError(_already_issued(text, None)) from error
    return number


def _already_issued(text: str, office: Office | None) -> str:
    if office is None:
        return _("Number %(number)s has already been issued.", number=text)
    return _(
        "Number %(number)s has already been issued by %(office)s: the numbering pattern must "
        "tell the offices apart, for example with {office}.",
        number=text,
        office=office.name,
    )


def _refuse_issued(text: str) -> None:
    holder = db.session.scalar(select(IssuedNumber).where(IssuedNumber.text == text))
    if holder is not None:
        raise NumberingError(_already_issued(text, holder.office))


def save_pattern(pattern: NumberPattern | None, data: dict) -> NumberPattern:
    validate_pattern(data["pattern"])
    # A sample render catches what parsing cannot: the longest number the pattern gives (a
    # five-digit running number in August, VIII) must fit the register, or issuing it would
    # fail only later, when an agreement is sent for signature.
    office = db.session.get(Office, data["office_id"])
    longest = render(
        data["pattern"],
        seq=99999,
        on=date(2000, 8, 1),
        office=office.code,
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
    _refuse_next_issued(office, data)
    if pattern is None:
        pattern = NumberPattern()
        db.session.add(pattern)
    for key in ("office_id", "doc_type", "year", "pattern"):
        setattr(pattern, key, data.get(key))
    pattern.unit = data.get("unit") or ""
    pattern.classification = data.get("classification") or ""
    db.session.flush()
    return pattern


def _refuse_next_issued(office: Office, data: dict) -> None:
    """The number this pattern would issue next must not be one some office already issued
    (a pattern without {office}, say, that gives another office's numbers)."""
    today = office_today()
    year = data.get("year") or today.year
    on = today if year == today.year else date(year, 1, 1)
    counter = db.session.get(NumberCounter, (office.id, SERIES[data["doc_type"]], year))
    following = render(
        data["pattern"],
        seq=(counter.last_value if counter else 0) + 1,
        on=on,
        office=office.code,
        unit=data.get("unit") or "",
        classification=data.get("classification") or "",
    )
    holder = db.session.scalar(select(IssuedNumber).where(IssuedNumber.text == following))
    if holder is not None:
        raise PatternError(
            _(
                "This pattern would issue %(number)s next, which %(office)s has already "
                "issued: include {office} or another distinguishing part.",
                number=following,
                office=holder.office.name,
            )
        )
