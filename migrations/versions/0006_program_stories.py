"""program texts and timeline, default duration, success stories

Revision ID: 0006_program_stories
Revises: 0005_notifications_outbox
Create Date: 2026-11-23 03:08:44.850155

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_program_stories'
down_revision = '0005_notifications_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('program_texts',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_it', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_program_texts'))
    )
    op.create_table('success_stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'published' OR consent_at IS NOT NULL", name=op.f('ck_success_stories_published_with_consent')),
    sa.CheckConstraint("status IN ('draft', 'awaiting_consent', 'submitted', 'published', 'returned')", name=op.f('ck_success_stories_status')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_success_stories_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_success_stories_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_success_stories')),
    sa.UniqueConstraint('mentorship_id', name=op.f('uq_success_stories_mentorship_id'))
    )
    with op.batch_alter_table('success_stories', schema=None) as batch_op:
        batch_op.create_index('ix_success_stories_status_published_at', ['status', 'published_at'], unique=False)

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_duration_months', sa.Integer(), server_default='6', nullable=False))
        batch_op.add_column(sa.Column('pilot_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rollout_starts_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint('default_duration_months',
                                         'default_duration_months BETWEEN 3 AND 12')



def downgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_program_settings_default_duration_months'), type_='check')
        batch_op.drop_column('rollout_starts_on')
        batch_op.drop_column('pilot_starts_on')
        batch_op.drop_column('default_duration_months')

    with op.batch_alter_table('success_stories', schema=None) as batch_op:
        batch_op.drop_index('ix_success_stories_status_published_at')

    op.drop_table('success_stories')
    op.drop_table('program_texts')
