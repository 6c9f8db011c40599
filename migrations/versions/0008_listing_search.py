"""mentor list at scale: the listing version for cached rankings, trigram indexes

Revision ID: 0008_listing_search
Revises: 0007_account_deletion
Create Date: 2026-11-23 07:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008_listing_search'
down_revision = '0007_account_deletion'
branch_labels = None
depends_on = None

# Substring search (ILIKE '%text%') on these columns uses trigram indexes on PostgreSQL.
SEARCHED = [('profile_revisions', 'headline_en'), ('profile_revisions', 'headline_it'),
            ('profile_revisions', 'bio_en'), ('profile_revisions', 'bio_it'),
            ('users', 'full_name')]


def upgrade():
    op.create_table(
        'listing_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_listing_version_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_version')),
    )
    op.execute("INSERT INTO listing_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for table, column in SEARCHED:
            op.create_index(f'ix_{table}_{column}_trgm', table, [column],
                            postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table, column in SEARCHED:
            op.drop_index(f'ix_{table}_{column}_trgm', table_name=table)
    op.drop_table('listing_version')
