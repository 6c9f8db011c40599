"""The declarative base every model derives from (`db` in extensions binds it)."""

from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations deterministic on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# What the migrations make in one kind of database only, which the models do not
# describe: names, or how names start, added by the modules that make them. Comparing the
# models with a database skips them (extensions.compared).
DATABASE_ONLY = []


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column, values):
    """SQL for "column holds one of values", for CHECK constraints and partial indexes
    (the values are the models' own constants, never input)."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


# The dialect's own INSERT, for its ON CONFLICT clause (both dialects have it).
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert(session, table):
    """An INSERT into `table` that can say what to do on conflict, in the dialect of
    the session's database."""
    return _UPSERTS[session.get_bind().dialect.name](table)
