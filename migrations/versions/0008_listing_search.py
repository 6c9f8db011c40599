"""mentor list at scale: the listing version for cached rankings, full-text search

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

# The full-text indexes of mentors' names and texts, as marketplace.fulltext makes
# them (written out here: migrations do not import the application).
REVISION_TEXT = ("coalesce(headline_en, '') || ' ' || coalesce(headline_it, '') || ' ' "
                 "|| coalesce(bio_en, '') || ' ' || coalesce(bio_it, '')")
POSTGRESQL = [
    ('ix_profile_revisions_fulltext', 'profile_revisions',
     f"to_tsvector('simple', {REVISION_TEXT})"),
    ('ix_users_fulltext', 'users', "to_tsvector('simple', full_name)"),
]
SQLITE = [
    ('revision_fulltext', 'profile_revisions', ('headline_en', 'headline_it', 'bio_en', 'bio_it')),
    ('user_fulltext', 'users', ('full_name',)),
]


def upgrade():
    op.create_table(
        'listing_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_listing_version_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_version')),
    )
    op.execute("INSERT INTO listing_version (id, version) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for name, table, expression in POSTGRESQL:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")
    elif dialect == 'sqlite':
        for index, table, columns in SQLITE:
            names = ", ".join(columns)
            new = ", ".join(f"new.{column}" for column in columns)
            old = ", ".join(f"old.{column}" for column in columns)
            forget = (f"INSERT INTO {index} ({index}, rowid, {names}) "
                      f"VALUES ('delete', old.id, {old});")
            learn = f"INSERT INTO {index} (rowid, {names}) VALUES (new.id, {new});"
            op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5({names}, "
                       f"content='{table}', content_rowid='id', "
                       "tokenize='unicode61 remove_diacritics 0')")
            op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} "
                       f"BEGIN {learn} END")
            op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} "
                       f"BEGIN {forget} END")
            op.execute(f"CREATE TRIGGER {index}_update AFTER UPDATE OF {names} ON {table} "
                       f"BEGIN {forget} {learn} END")
            op.execute(f"INSERT INTO {index} ({index}) VALUES ('rebuild')")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for name, table, _expression in POSTGRESQL:
            op.drop_index(name, table_name=table)
    elif dialect == 'sqlite':
        for index, _table, _columns in SQLITE:
            for event in ('insert', 'delete', 'update'):
                op.execute(f"DROP TRIGGER {index}_{event}")
            op.execute(f"DROP TABLE {index}")
    op.drop_table('listing_version')
