"""What the numbering page lists: the patterns, and the register of issued numbers."""

from sqlalchemy import Select, select

from partnerships.numbering.models import IssuedNumber, NumberPattern
from partnerships.organisations.models import Office


def patterns() -> Select:
    return (
        select(NumberPattern)
        .join(Office, Office.id == NumberPattern.office_id)
        .order_by(Office.name, NumberPattern.doc_type, NumberPattern.year)
    )


def issued_numbers(*, office_id: int | None = None, series: str = "", q: str = "") -> Select:
    """Issued numbers, each with its office, narrowed by office, series and part of the text;
    the page orders them newest first."""
    stmt = select(IssuedNumber)
    if office_id:
        stmt = stmt.where(IssuedNumber.office_id == office_id)
    if series:
        stmt = stmt.where(IssuedNumber.doc_type == series)
    if q:
        stmt = stmt.where(IssuedNumber.text.contains(q, autoescape=True))
    return stmt
