"""Stored documents: each file once under its SHA-256 (`Blob`), described by one or more
`Document` rows (kind, version, issuer, time); signing records; background jobs' progress."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerships.core.models import UTCDateTime, utcnow
from partnerships.extensions import db


class DocKind(StrEnum):
    AGREEMENT = "agreement"  # generated from a version of an agreement (draft or signed)
    SIGNED_UPLOAD = "signed_upload"  # a partner's certified signature, uploaded back
    WET_INK_SCAN = "wet_ink_scan"  # paper signed in ink, scanned and uploaded
    SIGNING_RECORD = "signing_record"  # berita acara: who signed how, when, with which hash
    PROGRESS_LETTER = "progress_letter"
    DOSSIER_MANIFEST = "dossier_manifest"
    BULK_ARCHIVE = "bulk_archive"  # the zip of a bulk-letter job
    EVENT_MINUTES = "event_minutes"  # notulen / laporan kegiatan of a held event


class Origin(StrEnum):
    GENERATED = "generated"
    UPLOADED = "uploaded"


class SigningMode(StrEnum):
    SEAL = "seal"  # the office's own digital seal
    CERTIFIED = "certified"  # the party's certified electronic signature (BSrE, PrivyID ...)
    WET_INK = "wet_ink"  # signed on paper, scanned
    NONE = "none"  # not signed by this party (internal letters)


class Blob(db.Model):
    """The bytes of a document, once per SHA-256. `data` is empty when the store is a folder
    shared by the app servers (config DOCUMENT_STORE_DIR); the row is written either way."""

    __tablename__ = "document_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(60))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Document(db.Model):
    """One registered document: never changed or overwritten; a new text is a new version."""

    __tablename__ = "documents"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    origin: Mapped[str] = mapped_column(String(12))
    sha256: Mapped[str] = mapped_column(ForeignKey("document_blobs.sha256"), index=True)
    # What it documents: ("Agreement", 12), ("Partner", 5) ...; its version within that subject
    # and kind (1, 2, ...), and for periodic documents the period ("2026-09").
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    period: Mapped[str | None] = mapped_column(String(20))
    agreement_version: Mapped[int | None]  # the text version an agreement PDF was printed from
    is_draft: Mapped[bool] = mapped_column(default=False)
    sealed: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(500))
    number: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)  # the issuer
    filename: Mapped[str] = mapped_column(String(255))
    # The QR on a sealed document points to /verify/<token>: random, so documents cannot be
    # enumerated, and known before the PDF (and so its hash) exists.
    verify_token: Mapped[str] = mapped_column(String(43), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    blob = relationship("Blob", lazy="joined")
    office = relationship("Office", lazy="joined")
    created_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "kind", "version"),
        # One progress letter per partner per period, however often the job is run.
        UniqueConstraint("subject_type", "subject_id", "kind", "period"),
        Index("ix_documents_subject", "subject_type", "subject_id", "kind"),
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def content_type(self) -> str:
        return self.blob.content_type

    @property
    def is_pdf(self) -> bool:
        """Whether it can carry electronic signatures (a scan or an archive cannot)."""
        return self.content_type == "application/pdf"


class SigningEntry(db.Model):
    """One party's signature on a subject's document: a line of the berita acara."""

    __tablename__ = "document_signings"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int]
    party_position: Mapped[int]  # 1 = PIHAK KESATU ...
    party_name: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(12))
    signer_name: Mapped[str | None] = mapped_column(String(300))  # from the certificate, or typed
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document = relationship("Document", lazy="joined")

    __table_args__ = (
        Index("ix_document_signings_subject", "subject_type", "subject_id"),
        UniqueConstraint("subject_type", "subject_id", "party_position"),
    )

    @property
    def audit_office_id(self) -> int:
        return self.office_id


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DocumentJob(db.Model):
    """A background job that produces documents (bulk letters), with its progress."""

    __tablename__ = "document_jobs"
    # the running count is progress, not a change anybody made (status and message are kept)
    __audit__: dict = {"skip": {"done"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    archive_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    archive = relationship("Document")
    office = relationship("Office", lazy="joined")

    @property
    def audit_office_id(self) -> int:
        return self.office_id
