"""Column helpers shared by every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, String, TypeDecorator, false, text
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use timezone-aware UTC")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """Records of consequence are never hard-deleted; they are marked deleted."""

    is_deleted: Mapped[bool] = mapped_column(default=False, server_default=false(), index=True)


# Search indexes live outside the models (an FTS5 table on SQLite, an expression GIN index on
# PostgreSQL): autogenerate and the models-vs-migrations test must not count them as drift.
UNMODELLED_SCHEMA = (
    "agreements_fts",
    "ix_agreements_search_fts",
    "regions_fts",
    "ix_regions_name_trgm",
)


def follow_sequences(connection, tables) -> None:
    """PostgreSQL: move each table's id sequence just past the highest id it holds, so the next
    row gets a free id after rows were written with their ids given (a bulk load, a test's
    reset). An empty table starts again at 1. SQLite needs nothing: it takes MAX(id) + 1."""
    calls = [  # table names from the models, never from input
        f"setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        for table in tables
        if "id" in table.c
    ]
    if connection.dialect.name == "postgresql" and calls:
        connection.execute(text("SELECT " + ", ".join(calls)))


def include_object(_obj, name, _type, _reflected, _compare_to) -> bool:
    return not (name or "").startswith(UNMODELLED_SCHEMA)


class StoredFileMixin:
    """A file checked and stored by core.uploads: the name it came with, the generated name it
    is kept under, its type, size and SHA-256, and who uploaded it."""

    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
