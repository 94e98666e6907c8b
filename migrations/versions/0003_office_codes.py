"""office codes: every office gets a short code that its numbers carry; an issued number is
unique across every office; agreement patterns are split by kind (mou, pks, addendum)

Revision ID: 0003_office_codes
Revises: 09965cde19aa

"""
import warnings
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_office_codes'
down_revision = '09965cde19aa'
branch_labels = None
depends_on = None


@contextmanager
def _batch(table):
    """batch_alter_table, quiet about what SQLite cannot reflect of the tables it looks at
    (the expression index on regions' lower(name), which this migration does not touch)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table(table, schema=None) as batch_op:
            yield batch_op


def upgrade():
    # Added in place, not by rebuilding the table (which SQLite cannot do while other tables'
    # rows point at offices): NOT NULL with an empty default, then a code for every office,
    # derived from its id (KTR7), which an admin renames on the office's page.
    op.add_column(
        'offices',
        sa.Column('code', sa.String(length=12), server_default='', nullable=False),
    )
    op.execute("UPDATE offices SET code = 'KTR' || CAST(id AS VARCHAR(10))")
    op.create_index(op.f('ix_offices_code'), 'offices', ['code'], unique=True)

    # Before now two offices could issue the same text (001/PKS/KC/XI/2026). The number on the
    # agreement stays as signed; the register's later copies get their office's code appended
    # so that the register can hold one of each.
    op.execute(
        "UPDATE issued_numbers SET text = text || ' (' || "
        "(SELECT code FROM offices WHERE offices.id = issued_numbers.office_id) || ')' "
        "WHERE EXISTS (SELECT 1 FROM issued_numbers AS earlier "
        "WHERE earlier.text = issued_numbers.text AND earlier.id < issued_numbers.id)"
    )
    with _batch('issued_numbers') as batch_op:
        batch_op.drop_constraint('uq_issued_numbers_office_id_text', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_issued_numbers_text'), ['text'])

    # An office's own agreement pattern was written for PKS; MoUs and addenda now take the
    # defaults that say KB and ADD.
    op.execute("UPDATE number_patterns SET doc_type = 'pks' WHERE doc_type = 'agreement'")


def downgrade():
    op.execute("DELETE FROM number_patterns WHERE doc_type IN ('mou', 'addendum')")
    op.execute("UPDATE number_patterns SET doc_type = 'agreement' WHERE doc_type = 'pks'")
    with _batch('issued_numbers') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_issued_numbers_text'), type_='unique')
        batch_op.create_unique_constraint(
            'uq_issued_numbers_office_id_text', ['office_id', 'text']
        )
    op.drop_index(op.f('ix_offices_code'), table_name='offices')
    op.drop_column('offices', 'code')
