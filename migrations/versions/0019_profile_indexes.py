"""profile indexes only the old ranking read go; the admins' lists by state get theirs

Since 0017 the mentor list ranks on the listed_* columns and their indexes: those on
(status, approved_at), (status, years_experience) and (status, capacity -
active_mentees) served the old ranking only, and the last changed with every answered
request. The admins' list of profiles in one state, newest first, reads an index on
(status, created_at) instead of taking one of them for its state.

Revision ID: 0019_profile_indexes
Revises: 0018_dashboard_tallies
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0019_profile_indexes'
down_revision = '0018_dashboard_tallies'
branch_labels = None
depends_on = None


def upgrade():
    for name in ('ix_mentor_profiles_status_free_places', 'ix_mentor_profiles_status_years',
                 'ix_mentor_profiles_status_approved_at'):
        op.drop_index(name, table_name='mentor_profiles')
    op.create_index('ix_mentor_profiles_status_created_at', 'mentor_profiles',
                    ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_mentor_profiles_status_created_at', table_name='mentor_profiles')
    op.create_index('ix_mentor_profiles_status_approved_at', 'mentor_profiles',
                    ['status', 'approved_at'], unique=False)
    op.create_index('ix_mentor_profiles_status_years', 'mentor_profiles',
                    ['status', 'years_experience'], unique=False)
    op.create_index('ix_mentor_profiles_status_free_places', 'mentor_profiles',
                    ['status', sa.text('(capacity - active_mentees)')], unique=False)
