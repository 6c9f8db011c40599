"""requests, mentorships, capacity counters, interests and request settings

Revision ID: 0003_requests_mentorships
Revises: 0002_mentor_profiles
Create Date: 2026-11-23 01:32:16.673786

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_requests_mentorships'
down_revision = '0002_mentor_profiles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_interests',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['focus_areas.id'], name=op.f('fk_user_interests_area_id_focus_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'area_id', name=op.f('pk_user_interests'))
    )
    op.create_table('mentorship_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('current_situation', sa.Text(), nullable=False),
    sa.Column('success_measures', sa.Text(), nullable=False),
    sa.Column('hours_per_month', sa.Integer(), nullable=False),
    sa.Column('duration_months', sa.Integer(), nullable=False),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('meeting_format', sa.String(length=12), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("cadence IN ('weekly', 'biweekly', 'monthly')", name=op.f('ck_mentorship_requests_cadence')),
    sa.CheckConstraint("meeting_format IN ('in_person', 'video', 'phone')", name=op.f('ck_mentorship_requests_meeting_format')),
    sa.CheckConstraint("status IN ('open', 'accepted', 'declined', 'withdrawn', 'expired')", name=op.f('ck_mentorship_requests_status')),
    sa.CheckConstraint('duration_months BETWEEN 3 AND 12', name=op.f('ck_mentorship_requests_duration_months')),
    sa.CheckConstraint('hours_per_month BETWEEN 1 AND 20', name=op.f('ck_mentorship_requests_hours_per_month')),
    sa.ForeignKeyConstraint(['area_id'], ['focus_areas.id'], name=op.f('fk_mentorship_requests_area_id_focus_areas')),
    sa.ForeignKeyConstraint(['mentee_id'], ['users.id'], name=op.f('fk_mentorship_requests_mentee_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['mentor_profiles.id'], name=op.f('fk_mentorship_requests_profile_id_mentor_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship_requests'))
    )
    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.create_index('ix_mentorship_requests_mentee_status', ['mentee_id', 'status'], unique=False)
        batch_op.create_index('ix_mentorship_requests_profile_status', ['profile_id', 'status'], unique=False)
        batch_op.create_index('uq_mentorship_requests_open', ['mentee_id', 'profile_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('mentorships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('success_measures', sa.Text(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('hours_per_month', sa.Integer(), nullable=False),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('meeting_format', sa.String(length=12), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('planned_end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cadence IN ('weekly', 'biweekly', 'monthly')", name=op.f('ck_mentorships_cadence')),
    sa.CheckConstraint("status IN ('active', 'completed', 'ended')", name=op.f('ck_mentorships_status')),
    sa.ForeignKeyConstraint(['area_id'], ['focus_areas.id'], name=op.f('fk_mentorships_area_id_focus_areas')),
    sa.ForeignKeyConstraint(['mentee_id'], ['users.id'], name=op.f('fk_mentorships_mentee_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['mentor_profiles.id'], name=op.f('fk_mentorships_profile_id_mentor_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['mentorship_requests.id'], name=op.f('fk_mentorships_request_id_mentorship_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorships')),
    sa.UniqueConstraint('request_id', name=op.f('uq_mentorships_request_id'))
    )
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index('ix_mentorships_mentee_status', ['mentee_id', 'status'], unique=False)
        batch_op.create_index('ix_mentorships_profile_status', ['profile_id', 'status'], unique=False)
        batch_op.create_index('uq_mentorships_active', ['mentee_id', 'profile_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_mentees', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('committed_hours', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('active_mentees', 'active_mentees BETWEEN 0 AND capacity')
        batch_op.create_check_constraint('committed_hours', 'committed_hours BETWEEN 0 AND monthly_hours')
        batch_op.create_index('ix_mentor_profiles_status_years', ['status', 'years_experience'], unique=False)
    # An expression index (for "has free places" and "most availability"): outside the
    # batch, which cannot copy expressions when SQLite rebuilds a table.
    op.create_index('ix_mentor_profiles_status_free_places', 'mentor_profiles',
                    ['status', sa.text('(capacity - active_mentees)')], unique=False)

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_open_requests', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('request_expiry_days', sa.Integer(), server_default='14', nullable=False))
        batch_op.create_check_constraint('max_open_requests', 'max_open_requests BETWEEN 1 AND 10')
        batch_op.create_check_constraint('request_expiry_days', 'request_expiry_days BETWEEN 1 AND 90')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desired_hours', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('desired_hours', 'desired_hours IS NULL OR desired_hours BETWEEN 1 AND 20')



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_desired_hours'), type_='check')
        batch_op.drop_column('desired_hours')

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_program_settings_request_expiry_days'), type_='check')
        batch_op.drop_constraint(op.f('ck_program_settings_max_open_requests'), type_='check')
        batch_op.drop_column('request_expiry_days')
        batch_op.drop_column('max_open_requests')

    op.drop_index('ix_mentor_profiles_status_free_places', table_name='mentor_profiles')
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_profiles_status_years')
        batch_op.drop_constraint(op.f('ck_mentor_profiles_committed_hours'), type_='check')
        batch_op.drop_constraint(op.f('ck_mentor_profiles_active_mentees'), type_='check')
        batch_op.drop_column('committed_hours')
        batch_op.drop_column('active_mentees')

    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index('uq_mentorships_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_mentorships_profile_status')
        batch_op.drop_index('ix_mentorships_mentee_status')

    op.drop_table('mentorships')
    with op.batch_alter_table('mentorship_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_mentorship_requests_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_mentorship_requests_profile_status')
        batch_op.drop_index('ix_mentorship_requests_mentee_status')

    op.drop_table('mentorship_requests')
    op.drop_table('user_interests')
