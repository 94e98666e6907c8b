"""The audit trail: append-only and hash-chained, with signed checkpoints of its head.

Each entry's hash covers its own content and the previous entry's hash, and `seq` runs 1, 2, 3
without gaps, so editing, deleting or reordering any row breaks the chain at that row. Database
triggers (see the migration) refuse UPDATE and DELETE on the table as well.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from partnerships.core.models import UTCDateTime
from partnerships.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the trail outlives rows
    actor_label: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    office_id: Mapped[int | None] = mapped_column(index=True)  # for office-scoped auditors
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id", "seq"),)

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class AuditCheckpoint(db.Model):
    """A signed note of the chain's head: entry `seq` had hash `head_hash`, with `entry_count`
    entries in all, at `signed_at`. The signature is an HMAC with a key the database does not
    hold (AUDIT_ANCHOR_KEY), and the same line goes to a file the database cannot rewrite
    (AUDIT_ANCHOR_FILE): cutting or re-hashing the tail no longer verifies. Append-only like
    the trail (triggers in the migration)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int]
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signature: Mapped[str] = mapped_column(String(64), unique=True)
