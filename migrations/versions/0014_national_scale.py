"""national scale: region names found through a trigram index (FTS5's trigram tokenizer on
SQLite, pg_trgm's GIN index on lower(name) on PostgreSQL) instead of a scan of 91,599 names,
events listed newest first from an index on (starts_at, id) instead of a sort of every event,
and the dashboard cache's key (the newest change to agreements, partners, officials and offices)
read from indexes on updated_at instead of four table scans

Revision ID: 0014_national_scale
Revises: 0013_api_tokens
Create Date: 2026-12-01 11:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_national_scale'
down_revision = '0013_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_events_starts_at_id', 'events', ['starts_at', 'id'], unique=False)
    for table in ('agreements', 'partners', 'officials', 'offices'):
        op.create_index(f'ix_{table}_updated_at', table, ['updated_at'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE regions_fts USING fts5(code UNINDEXED, name, "
                   "tokenize='trigram')")
        op.execute("INSERT INTO regions_fts (code, name) SELECT code, name FROM regions")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_regions_name_trgm ON regions USING gin "
                   "(lower(name) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS regions_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_regions_name_trgm")
    for table in ('agreements', 'partners', 'officials', 'offices'):
        op.drop_index(f'ix_{table}_updated_at', table_name=table)
    op.drop_index('ix_events_starts_at_id', table_name='events')
