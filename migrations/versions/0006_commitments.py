"""commitments: budget lines, coverage targets and actions owed under an agreement, the terms
each agreement (the original or an addendum) set for them, realisation figures with their
evidence, and the contribution rates the premium calculator reads

The rates table starts with the informal-worker (BPU) rates of PP 44/2015: JKK 1% of the
reported income, at least Rp10.000, and JKM Rp6.800 per worker per month.

Revision ID: 0006_commitments
Revises: 0005_audit_checkpoints

"""
from datetime import UTC, date, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_commitments'
down_revision = '0005_audit_checkpoints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contribution_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=5), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('minimum', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_rates'))
    )
    with op.batch_alter_table('contribution_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_rates_program'), ['program'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('article', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.Column('funding', sa.String(length=10), nullable=True),
    sa.Column('account_code', sa.String(length=60), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('programs', sa.JSON(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=True),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('metric', sa.String(length=30), nullable=True),
    sa.Column('baseline_value', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('baseline_on', sa.Date(), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('region_code', sa.String(length=13), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_note', sa.String(length=1000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_commitments_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commitments_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_commitments_partner_id_partners')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_commitments_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index('ix_commitments_agreement_id_kind', ['agreement_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_is_deleted'), ['is_deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_status'), ['status'], unique=False)

    op.create_table('commitment_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_evidence_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_commitment_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_evidence')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_commitment_evidence_stored_name'))
    )
    with op.batch_alter_table('commitment_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_evidence_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_evidence_is_deleted'), ['is_deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_evidence_sha256'), ['sha256'], unique=False)

    op.create_table('commitment_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('set_values', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_commitment_terms_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_terms_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_commitment_terms_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_terms'))
    )
    with op.batch_alter_table('commitment_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_terms_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_terms_commitment_id'), ['commitment_id'], unique=False)

    op.create_table('realisation_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('period_label', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_realisation_figures_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_realisation_figures_decided_by_id_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['commitment_evidence.id'], name=op.f('fk_realisation_figures_evidence_id_commitment_evidence')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_realisation_figures_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_realisation_figures'))
    )
    with op.batch_alter_table('realisation_figures', schema=None) as batch_op:
        batch_op.create_index('ix_realisation_figures_commitment_id_period_end', ['commitment_id', 'period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_realisation_figures_is_deleted'), ['is_deleted'], unique=False)

    _seed_rates()


def downgrade():
    with op.batch_alter_table('realisation_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_realisation_figures_is_deleted'))
        batch_op.drop_index('ix_realisation_figures_commitment_id_period_end')

    op.drop_table('realisation_figures')
    with op.batch_alter_table('commitment_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_terms_commitment_id'))
        batch_op.drop_index(batch_op.f('ix_commitment_terms_agreement_id'))

    op.drop_table('commitment_terms')
    with op.batch_alter_table('commitment_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_commitment_evidence_is_deleted'))
        batch_op.drop_index(batch_op.f('ix_commitment_evidence_commitment_id'))

    op.drop_table('commitment_evidence')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_status'))
        batch_op.drop_index(batch_op.f('ix_commitments_partner_id'))
        batch_op.drop_index(batch_op.f('ix_commitments_kind'))
        batch_op.drop_index(batch_op.f('ix_commitments_is_deleted'))
        batch_op.drop_index(batch_op.f('ix_commitments_due_on'))
        batch_op.drop_index('ix_commitments_agreement_id_kind')

    op.drop_table('commitments')
    with op.batch_alter_table('contribution_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_rates_program'))

    op.drop_table('contribution_rates')


def _seed_rates():
    """The BPU rates in force since PP 44/2015; administrators add the next ones as they come."""
    rates = sa.table(
        'contribution_rates',
        sa.column('program', sa.String), sa.column('basis', sa.String),
        sa.column('value', sa.Numeric), sa.column('minimum', sa.BigInteger),
        sa.column('valid_from', sa.Date), sa.column('valid_to', sa.Date),
        sa.column('note', sa.String), sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    op.bulk_insert(rates, [
        {'program': 'JKK', 'basis': 'percent', 'value': 1, 'minimum': 10000,
         'valid_from': date(2015, 7, 1), 'valid_to': None,
         'note': 'PP 44/2015, peserta bukan penerima upah', 'created_at': now, 'updated_at': now},
        {'program': 'JKM', 'basis': 'flat', 'value': 6800, 'minimum': None,
         'valid_from': date(2015, 7, 1), 'valid_to': None,
         'note': 'PP 44/2015, peserta bukan penerima upah', 'created_at': now, 'updated_at': now},
    ])
