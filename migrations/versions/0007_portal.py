"""portal: partners keep their phone, e-mail and contact persons; a comment thread on each
commitment; the submitted figures staff decide on are found by their status

Revision ID: 0007_portal
Revises: 0006_commitments

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_portal'
down_revision = '0006_commitments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_contact_persons_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_persons'))
    )
    with op.batch_alter_table('contact_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_persons_is_deleted'), ['is_deleted'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_persons_partner_id'), ['partner_id'], unique=False)

    op.create_table('commitment_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_commitment_comments_author_id_users')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_commitment_comments_commitment_id_commitments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_comments'))
    )
    with op.batch_alter_table('commitment_comments', schema=None) as batch_op:
        batch_op.create_index('ix_commitment_comments_commitment_id_id', ['commitment_id', 'id'], unique=False)

    # plain ALTER TABLE: a batch would copy the table and trip over what SQLite cannot reflect
    op.add_column('partners', sa.Column('phone', sa.String(length=40), nullable=True))
    op.add_column('partners', sa.Column('email', sa.String(length=200), nullable=True))
    op.create_index(
        op.f('ix_realisation_figures_status'), 'realisation_figures', ['status'], unique=False
    )



def downgrade():
    op.drop_index(op.f('ix_realisation_figures_status'), table_name='realisation_figures')
    op.drop_column('partners', 'email')
    op.drop_column('partners', 'phone')

    with op.batch_alter_table('commitment_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_commitment_comments_commitment_id_id')

    op.drop_table('commitment_comments')
    with op.batch_alter_table('contact_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_persons_partner_id'))
        batch_op.drop_index(batch_op.f('ix_contact_persons_is_deleted'))

    op.drop_table('contact_persons')
