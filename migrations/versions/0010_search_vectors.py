"""full-text search on PostgreSQL reads stored tsvector columns, not expressions

An index on the expression `to_tsvector(…)` makes PostgreSQL compute the expression
again for every row it reads from the table, and its planner underestimates that cost:
a search whose plan scans the table took seconds at 100,000 mentors. A stored
generated column computes each row's vector once, when the row is written.

Revision ID: 0010_search_vectors
Revises: 0009_invitations
Create Date: 2026-12-04 21:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_search_vectors'
down_revision = '0009_invitations'
branch_labels = None
depends_on = None

# As marketplace.fulltext makes them (written out here: migrations do not import the
# application). The indexes keep their names.
REVISION_TEXT = ("coalesce(headline_en, '') || ' ' || coalesce(headline_it, '') || ' ' "
                 "|| coalesce(bio_en, '') || ' ' || coalesce(bio_it, '')")
VECTORS = [
    ('ix_profile_revisions_fulltext', 'profile_revisions',
     f"to_tsvector('simple', {REVISION_TEXT})"),
    ('ix_users_fulltext', 'users', "to_tsvector('simple', full_name)"),
]


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite searches its FTS5 tables, unchanged
    for index, table, expression in VECTORS:
        op.execute(f"DROP INDEX {index}")
        op.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
                   f"GENERATED ALWAYS AS ({expression}) STORED")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for index, table, expression in VECTORS:
        op.execute(f"DROP INDEX {index}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute(f"CREATE INDEX {index} ON {table} USING gin ({expression})")
