"""dashboard: a fact row per commitment (its status, budget committed and realised, share of
its target reached) and two rollups (per office; per partner and regency), kept by the
commitment_changed signal. Existing commitments get their facts from `flask dashboard rebuild`
(run it once after this upgrade; the status needs the application's rules, not SQL).

Revision ID: 0009_dashboard
Revises: 0008_notifications
Create Date: 2026-11-30 14:28:24.173648

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_dashboard'
down_revision = '0008_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_state'))
    )
    op.execute("INSERT INTO dashboard_state (id, token) VALUES (1, 'initial')")
    op.create_table('dashboard_office_rollups',
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('commitments', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('realised', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('office_id', 'kind', 'status', 'fiscal_year', name=op.f('pk_dashboard_office_rollups'))
    )
    op.create_table('dashboard_partner_rollups',
    sa.Column('office_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('partner_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('regency_code', sa.String(length=13), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('commitments', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('realised', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('targets', sa.Integer(), nullable=False),
    sa.Column('share_sum', sa.Double(), nullable=False),
    sa.Column('share_n', sa.Integer(), nullable=False),
    sa.Column('regulations', sa.Integer(), nullable=False),
    sa.Column('regulations_done', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('office_id', 'partner_id', 'regency_code', name=op.f('pk_dashboard_partner_rollups'))
    )
    with op.batch_alter_table('dashboard_partner_rollups', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_partner_rollups_partner_id', ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_partner_rollups_province_code'), ['province_code'], unique=False)

    op.create_table('commitment_facts',
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('regency_code', sa.String(length=13), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('metric', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('realised', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('baseline', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('target', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('latest', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('share', sa.Double(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('is_regulation', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_facts_commitment_id_commitments')),
    sa.PrimaryKeyConstraint('commitment_id', name=op.f('pk_commitment_facts'))
    )
    with op.batch_alter_table('commitment_facts', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_facts_office_id_partner_id', ['office_id', 'partner_id'], unique=False)
        batch_op.create_index('ix_commitment_facts_status_due_on', ['status', 'due_on'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    op.drop_table('dashboard_state')
    with op.batch_alter_table('commitment_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_facts_status_due_on')
        batch_op.drop_index('ix_commitment_facts_office_id_partner_id')

    op.drop_table('commitment_facts')
    with op.batch_alter_table('dashboard_partner_rollups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_partner_rollups_province_code'))
        batch_op.drop_index('ix_dashboard_partner_rollups_partner_id')

    op.drop_table('dashboard_partner_rollups')
    op.drop_table('dashboard_office_rollups')
    # ### end Alembic commands ###
