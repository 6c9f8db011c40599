"""check-ins and feedback

Revision ID: 0004_check_ins_feedback
Revises: 0003_requests_mentorships
Create Date: 2026-11-23 01:45:12.349441

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_check_ins_feedback'
down_revision = '0003_requests_mentorships'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('minutes BETWEEN 5 AND 480', name=op.f('ck_check_ins_minutes')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_check_ins_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_check_ins_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_check_ins_mentorship_held_on', ['mentorship_id', 'held_on'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('gained', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_rating')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_feedback_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_feedback_mentorship_id_mentorships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('mentorship_id', 'author_id', name=op.f('uq_feedback_mentorship_id'))
    )


def downgrade():
    op.drop_table('feedback')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_mentorship_held_on')

    op.drop_table('check_ins')
