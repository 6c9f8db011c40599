"""completing a mentorship takes both sides: who proposed it and when, and an objection

One side proposes completing; the other confirms or objects with a reason. A proposal
nobody objects to for seven days counts as completed. Mentorships completed before
this revision keep counting (their status says completed).

Revision ID: 0016_completion_consent
Revises: 0015_sso
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0016_completion_consent'
down_revision = '0015_sso'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_proposed_by_id', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('completion_proposed_at',
                                      sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completion_objected_at',
                                      sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completion_objection', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_mentorships_completion_proposed_by_id_users'), 'users',
            ['completion_proposed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_mentorships_completion_proposed_by_id_users'),
            type_='foreignkey')
        batch_op.drop_column('completion_objection')
        batch_op.drop_column('completion_objected_at')
        batch_op.drop_column('completion_proposed_at')
        batch_op.drop_column('completion_proposed_by_id')
