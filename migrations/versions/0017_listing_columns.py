"""what the mentor list ranks on, copied onto the profile row

Whether a profile is listed and open to requests, whether its published revision is
external, and the codes of its languages, formats and focus areas, so that ranking
reads one table and the orders that do not depend on the viewer read an index; and a
version number per row, raised with any change to what the mentor's card shows. Kept
current by mentors.listing; filled here for the profiles there are.

Revision ID: 0017_listing_columns
Revises: 0016_completion_consent
Create Date: 2026-12-07 10:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0017_listing_columns'
down_revision = '0016_completion_consent'
branch_labels = None
depends_on = None

FILL = """
UPDATE mentor_profiles SET
  listed = (status = 'approved' AND published_revision_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM users WHERE users.id = mentor_profiles.user_id AND users.active = true)),
  listed_open = (accepting = true AND active_mentees < capacity
                 AND committed_hours < monthly_hours),
  listed_external = EXISTS (
    SELECT 1 FROM profile_revisions
    WHERE profile_revisions.id = mentor_profiles.published_revision_id
      AND profile_revisions.affiliation = 'external'),
  listed_languages = COALESCE(',' || (
    SELECT {agg}(code, ',') FROM profile_languages
    WHERE profile_languages.profile_id = mentor_profiles.id) || ',', ''),
  listed_formats = COALESCE(',' || (
    SELECT {agg}(format, ',') FROM profile_formats
    WHERE profile_formats.profile_id = mentor_profiles.id) || ',', ''),
  listed_areas = COALESCE(',' || (
    SELECT {agg}(CAST(area_id AS VARCHAR), ',') FROM revision_areas
    WHERE revision_areas.revision_id = mentor_profiles.published_revision_id) || ',', '')
"""


def upgrade():
    op.add_column('mentor_profiles', sa.Column(
        'listed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'listed_open', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'listed_external', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'listed_languages', sa.String(length=100), server_default='', nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'listed_areas', sa.Text(), server_default='', nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'listed_formats', sa.String(length=40), server_default='', nullable=False))
    op.add_column('mentor_profiles', sa.Column(
        'row_version', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_mentor_profiles_listed_newest', 'mentor_profiles',
                    ['listed', 'listed_open', 'approved_at', 'id'], unique=False)
    op.create_index('ix_mentor_profiles_listed_years', 'mentor_profiles',
                    ['listed', 'listed_open', 'years_experience', 'approved_at', 'id'],
                    unique=False)
    op.create_index('ix_mentor_profiles_listed_availability', 'mentor_profiles',
                    ['listed', 'listed_open', sa.text('(capacity - active_mentees)'),
                     sa.text('(monthly_hours - committed_hours)'), 'approved_at', 'id'],
                    unique=False)
    agg = 'string_agg' if op.get_bind().dialect.name == 'postgresql' else 'group_concat'
    op.execute(FILL.format(agg=agg))


def downgrade():
    for name in ('ix_mentor_profiles_listed_availability', 'ix_mentor_profiles_listed_years',
                 'ix_mentor_profiles_listed_newest'):
        op.drop_index(name, table_name='mentor_profiles')
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        for column in ('row_version', 'listed_formats', 'listed_areas', 'listed_languages',
                       'listed_external', 'listed_open', 'listed'):
            batch_op.drop_column(column)
    # SQLite rebuilds the table to drop a column and cannot carry the expression index
    # of 0003 over: make it again.
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('ix_mentor_profiles_status_free_places', 'mentor_profiles',
                        ['status', sa.text('(capacity - active_mentees)')], unique=False)
