"""the dashboard reads tallies and covering indexes, not every check-in and request

Each mentorship keeps the day of its latest check-in, and check_in_days the minutes of
each day's check-ins by focus area and mentee region (kept by mentorships.tallies);
both are filled here from the check-ins there are. The check-ins' date index served
only the dashboard and goes. Requests get an index on the time they were sent and one
on the time they were answered, each holding all the dashboard reads of them.

Revision ID: 0018_dashboard_tallies
Revises: 0017_listing_columns
Create Date: 2026-12-07 13:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0018_dashboard_tallies'
down_revision = '0017_listing_columns'
branch_labels = None
depends_on = None

FILL = ("""
UPDATE mentorships SET last_check_in_on = (
  SELECT max(held_on) FROM check_ins WHERE check_ins.mentorship_id = mentorships.id)
""", """
INSERT INTO check_in_days (held_on, area_id, region, minutes)
SELECT check_ins.held_on, mentorships.area_id, COALESCE(mentorships.mentee_region, ''),
       sum(check_ins.minutes)
FROM check_ins JOIN mentorships ON mentorships.id = check_ins.mentorship_id
GROUP BY check_ins.held_on, mentorships.area_id, COALESCE(mentorships.mentee_region, '')
""")


def upgrade():
    op.create_table(
        'check_in_days',
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=32), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['focus_areas.id'],
                                name=op.f('fk_check_in_days_area_id_focus_areas')),
        sa.PrimaryKeyConstraint('held_on', 'area_id', 'region', name=op.f('pk_check_in_days')))
    op.add_column('mentorships', sa.Column('last_check_in_on', sa.Date(), nullable=True))
    for statement in FILL:
        op.execute(statement)
    op.drop_index('ix_check_ins_held_on', table_name='check_ins')
    op.create_index('ix_mentorship_requests_created_at', 'mentorship_requests',
                    ['created_at', 'area_id', 'mentee_region', 'status'], unique=False)
    op.create_index('ix_mentorship_requests_answered_at', 'mentorship_requests',
                    ['answered_at', 'created_at', 'area_id', 'mentee_region', 'status'],
                    unique=False)


def downgrade():
    op.drop_index('ix_mentorship_requests_answered_at', table_name='mentorship_requests')
    op.drop_index('ix_mentorship_requests_created_at', table_name='mentorship_requests')
    op.create_index('ix_check_ins_held_on', 'check_ins', ['held_on', 'mentorship_id', 'minutes'],
                    unique=False)
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_column('last_check_in_on')
    op.drop_table('check_in_days')
