"""on PostgreSQL, GIN indexes of the profiles' listed area and language codes

The mentor list's focus-area and language filters, and the best match's look at the
mentors with every area the viewer chose, read these (mentors.models.has_codes): a
focus area is on a fifth of the mentors, and testing every listed profile's codes took
most of a filtered best match at 100,000 mentors. SQLite has no such index.

Revision ID: 0020_listed_code_indexes
Revises: 0019_profile_indexes
Create Date: 2026-12-07 22:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_listed_code_indexes'
down_revision = '0019_profile_indexes'
branch_labels = None
depends_on = None

# As in mentors.models.CODE_INDEXES (a migration keeps its own copy).
CODE_INDEXES = {'ix_mentor_profiles_listed_areas_codes': 'listed_areas',
                'ix_mentor_profiles_listed_languages_codes': 'listed_languages'}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, column in CODE_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON mentor_profiles USING gin "
                   f"(string_to_array({column}, ','))")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name in CODE_INDEXES:
        op.execute(f"DROP INDEX {name}")
