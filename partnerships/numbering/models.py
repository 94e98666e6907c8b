"""Register numbers ("Nomor:") issued by an office, from a pattern per office per year."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import TimestampMixin, UTCDateTime, utcnow
from partnerships.extensions import db


class NumberPattern(TimestampMixin, db.Model):
    """How an office numbers one kind of document (mou, pks, addendum, letter); `year` None is
    the default for every year."""

    __tablename__ = "number_patterns"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None]
    pattern: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60), default="")
    classification: Mapped[str] = mapped_column(String(30), default="")

    office = relationship("Office", lazy="joined")

    __table_args__ = (UniqueConstraint("office_id", "doc_type", "year"),)

    @property
    def audit_office_id(self) -> int:
        return self.office_id


class NumberCounter(db.Model):
    """The last running number per office, series (agreement or letter) and year; one row,
    locked to issue."""

    __tablename__ = "number_counters"

    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class IssuedNumber(db.Model):
    """Every number ever issued, with what it numbers; its text is unique across every office,
    so it can never repeat. `doc_type` is the series it was counted in (agreement or letter)."""

    __tablename__ = "issued_numbers"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    doc_type: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(String(120))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    office = relationship("Office", lazy="joined")

    __table_args__ = (
        UniqueConstraint("office_id", "doc_type", "year", "seq"),
        UniqueConstraint("text"),
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id
