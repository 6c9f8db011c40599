"""Full-text search of the mentor list, with each database's own index.

A search matches mentors for whom every word typed starts a word of their name or of
their published headline or bio, in either language, in any case ("negoti" finds
"Negotiation"). PostgreSQL answers from GIN indexes over `to_tsvector('simple', …)`;
SQLite from FTS5 tables kept in step by triggers. The 'simple' configuration and
FTS5's unicode61 tokenizer (diacritics kept) split and fold words alike, and neither
stems, so both databases find the same mentors.

The indexes and tables are made by migration 0008 and, for databases made from the
models (the tests), by the DDL below. A migration that makes SQLite rebuild `users`
or `profile_revisions` (Alembic's batch mode) drops their triggers and must make them
again, like the expression index in 0005.
"""

import re

from sqlalchemy import DDL, and_, event, false, literal_column, or_, select, text

# Up to this many words of a query count.
WORDS_MAX = 8

REVISION_TEXT = ("coalesce(headline_en, '') || ' ' || coalesce(headline_it, '') || ' ' "
                 "|| coalesce(bio_en, '') || ' ' || coalesce(bio_it, '')")
POSTGRESQL = {
    "profile_revisions": [
        "CREATE INDEX ix_profile_revisions_fulltext ON profile_revisions "
        f"USING gin (to_tsvector('simple', {REVISION_TEXT}))"],
    "users": [
        "CREATE INDEX ix_users_fulltext ON users "
        "USING gin (to_tsvector('simple', full_name))"],
}


def _fts5(table, index, columns):
    """An FTS5 index of `columns` of `table`, and the triggers that keep it current.
    (The names are this module's constants, never input: S608 does not apply.)"""
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    forget = f"INSERT INTO {index} ({index}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608
    learn = f"INSERT INTO {index} (rowid, {names}) VALUES (new.id, {new});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5({names}, content='{table}', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {forget} END",
        f"CREATE TRIGGER {index}_update AFTER UPDATE OF {names} ON {table} "
        f"BEGIN {forget} {learn} END",
        # Index what the table already holds.
        f"INSERT INTO {index} ({index}) VALUES ('rebuild')",  # noqa: S608
    ]


SQLITE = {
    "profile_revisions": _fts5("profile_revisions", "revision_fulltext",
                               ("headline_en", "headline_it", "bio_en", "bio_it")),
    "users": _fts5("users", "user_fulltext", ("full_name",)),
}
# What these make, which the models do not describe (see extensions.compared).
DATABASE_ONLY = ("ix_profile_revisions_fulltext", "ix_users_fulltext", "revision_fulltext",
                 "user_fulltext")


def statements(dialect_name, table_name):
    return {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect_name, {}).get(
        table_name, [])


def add_to(table):
    """Make the full-text index of `table` whenever the models create it."""
    for dialect_name in ("postgresql", "sqlite"):
        for statement in statements(dialect_name, table.name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect_name))


def words(query):
    """The words of a query, lower-cased: runs of letters and digits."""
    return re.findall(r"[^\W_]+", query.lower())[:WORDS_MAX]


def matches(query, dialect_name, user_id, revision_id):
    """A condition: every word of `query` starts a word of the user's name or of the
    revision's texts. `user_id` and `revision_id` are the columns to match on."""
    found = words(query)
    if not found:
        return false()
    return and_(*(or_(user_id.in_(_users(word, number, dialect_name)),
                      revision_id.in_(_revisions(word, number, dialect_name)))
                  for number, word in enumerate(found)))


def _users(word, number, dialect_name):
    if dialect_name == "postgresql":
        return (select(literal_column("users.id")).select_from(text("users"))
                .where(text(f"to_tsvector('simple', full_name) @@ "
                            f"to_tsquery('simple', :user_word_{number})")
                       .bindparams(**{f"user_word_{number}": f"{word}:*"})))
    return _fts5_rows("user_fulltext", word, f"user_word_{number}")


def _revisions(word, number, dialect_name):
    if dialect_name == "postgresql":
        return (select(literal_column("profile_revisions.id"))
                .select_from(text("profile_revisions"))
                .where(text(f"to_tsvector('simple', {REVISION_TEXT}) @@ "
                            f"to_tsquery('simple', :revision_word_{number})")
                       .bindparams(**{f"revision_word_{number}": f"{word}:*"})))
    return _fts5_rows("revision_fulltext", word, f"revision_word_{number}")


def _fts5_rows(index, word, name):
    # A quoted string with `*`: the word as a prefix, whatever FTS5 syntax it resembles.
    return (select(literal_column("rowid")).select_from(text(index))
            .where(text(f"{index} MATCH :{name}").bindparams(**{name: f'"{word}"*'})))
