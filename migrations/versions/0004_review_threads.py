"""review threads: replies to comments, and which versions were sent to the partners

`agreement_comments.parent_id` makes a comment a reply in another's thread;
`agreement_versions.sent_for_review_at` marks the texts the partners received (each time the
agreement entered review), so they see those and the redline between them, never the drafts
in between. Existing agreements past drafting had their latest text sent: it is marked with
its own save time.

Revision ID: 0004_review_threads
Revises: 0003_office_codes

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_review_threads'
down_revision = '0003_office_codes'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table('agreement_comments', schema=None) as batch_op:
            batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_agreement_comments_parent_id'), ['parent_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_agreement_comments_parent_id_agreement_comments'), 'agreement_comments', ['parent_id'], ['id'])

    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_for_review_at', sa.DateTime(timezone=True), nullable=True))

    # The text an agreement past drafting shows its partners today is its latest version.
    op.execute(
        "UPDATE agreement_versions SET sent_for_review_at = created_at "
        "WHERE number = (SELECT MAX(v.number) FROM agreement_versions v "
        "                WHERE v.agreement_id = agreement_versions.agreement_id) "
        "AND agreement_id IN (SELECT id FROM agreements WHERE status <> 'draft')"
    )


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
            batch_op.drop_column('sent_for_review_at')

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table('agreement_comments', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_agreement_comments_parent_id_agreement_comments'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_agreement_comments_parent_id'))
            batch_op.drop_column('parent_id')
