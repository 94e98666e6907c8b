"""Agreements (MoU, PKS, addendum, renewal), their parties, immutable text versions, review
comments, attachments and expiry notices."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import (
    SoftDeleteMixin,
    StoredFileMixin,
    TimestampMixin,
    UTCDateTime,
    utcnow,
)
from partnerships.extensions import db


class Kind(StrEnum):
    MOU = "mou"  # Kesepakatan Bersama / Nota Kesepakatan
    PKS = "pks"  # Perjanjian Kerja Sama
    ADDENDUM = "addendum"
    RENEWAL = "renewal"  # perpanjangan: a new agreement succeeding one


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    AWAITING_SIGNATURE = "awaiting_signature"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    SUPERSEDED = "superseded"


PROGRAMS = ("JKK", "JKM", "JHT", "JP", "JKP")
# Days before the end at which an office is warned, listed and e-mailed.
EXPIRY_WINDOWS = (30, 60, 90)
FUNDING = ("apbd", "apbdes", "other")


class Agreement(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "agreements"
    __audit__: dict = {"skip": {"search_text"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(500))  # "tentang ..."
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    funding: Mapped[str] = mapped_column(String(10))
    place: Mapped[str] = mapped_column(String(120))
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    term_months: Mapped[int | None]
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    # PKS → the MoU it implements; addendum → what it amends; renewal → what it succeeds.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default=Status.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_reason: Mapped[str | None] = mapped_column(String(500))
    # Title, subject, article text and partner names, kept for full-text search: read by the
    # database's search, never shown, so not loaded with the agreement (a list page's worth
    # was as much text as the page itself).
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    # Optimistic locking: a save based on an older state is refused, never silently applied.
    lock_version: Mapped[int] = mapped_column(default=1)

    office = relationship("Office", lazy="joined")
    parent = relationship("Agreement", remote_side=[id])
    parties = relationship(
        "AgreementParty", order_by="AgreementParty.position", back_populates="agreement"
    )

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        Index("ix_agreements_status_ends_on", "status", "ends_on"),
        Index("ix_agreements_updated_at", "updated_at"),  # the dashboard cache's key
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id

    @property
    def office_number(self) -> str | None:
        """PIHAK KESATU's (the owning office's) number, the one the agreement is listed by."""
        return next((p.number for p in self.parties if p.position == 1), None)

    @property
    def numbered_as(self) -> str:
        """The kind of number the office issues it (mou, pks or addendum): a renewal is a new
        agreement of the kind it renews."""
        node = self
        while node.kind == Kind.RENEWAL and node.parent is not None:
            node = node.parent
        return Kind.PKS.value if node.kind == Kind.RENEWAL else str(node.kind)


class AgreementParty(TimestampMixin, db.Model):
    __tablename__ = "agreement_parties"
    # A draft's party list is working data: a removed party row goes, its values stay in the trail.
    __audit__: dict = {"removable": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    position: Mapped[int]  # 1 = PIHAK KESATU, 2 = PIHAK KEDUA, ...
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    number: Mapped[str | None] = mapped_column(String(120))  # this party's own "Nomor:"

    agreement = relationship("Agreement", back_populates="parties")
    office = relationship("Office", lazy="joined")
    partner = relationship("Partner", lazy="joined")
    signatory = relationship("Official", lazy="joined")

    __table_args__ = (
        UniqueConstraint("agreement_id", "position"),
        UniqueConstraint("agreement_id", "partner_id"),
    )

    @property
    def name(self) -> str:
        return self.partner.name if self.partner else f"BPJS Ketenagakerjaan {self.office.name}"

    @property
    def audit_office_id(self) -> int | None:
        return self.agreement.office_id if self.agreement else None


class AgreementVersion(db.Model):
    """One saved draft, never changed afterwards."""

    __tablename__ = "agreement_versions"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    number: Mapped[int]
    articles: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(300))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When this text was first sent to the partners for review; drafts in between stay internal.
    sent_for_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author = relationship("User", lazy="joined")
    agreement = relationship("Agreement")

    # Two saves from the same base version cannot both become version n+1.
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    @property
    def audit_office_id(self) -> int | None:
        # services always build these with `agreement=` set, so no lazy load inside a flush
        return self.agreement.office_id if self.agreement is not None else None


class Comment(TimestampMixin, db.Model):
    """A review comment on one article of a version in review, or a reply in its thread
    (`parent_id`); a thread is resolved as a whole, on its first comment."""

    __tablename__ = "agreement_comments"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    version_number: Mapped[int]
    article_index: Mapped[int]  # 0-based position in that version
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_comments.id"), index=True)

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id], lazy="joined")
    agreement = relationship("Agreement")

    @property
    def audit_office_id(self) -> int | None:
        # services always build these with `agreement=` set, so no lazy load inside a flush
        return self.agreement.office_id if self.agreement is not None else None


class Attachment(TimestampMixin, SoftDeleteMixin, StoredFileMixin, db.Model):
    __tablename__ = "agreement_attachments"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # signed_original or annex

    agreement = relationship("Agreement")

    @property
    def audit_office_id(self) -> int | None:
        # services always build these with `agreement=` set, so no lazy load inside a flush
        return self.agreement.office_id if self.agreement is not None else None


class ExpiryNotice(db.Model):
    """One e-mail per agreement per threshold (90, 60, 30 days), never twice."""

    __tablename__ = "expiry_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    threshold: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recipients: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("agreement_id", "threshold"),)
