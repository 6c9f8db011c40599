"""Date arithmetic in SQL, written for each database: what the dashboard sums.

PostgreSQL has date types and interval arithmetic; SQLite stores dates and UTC
timestamps as ISO text and counts with `julianday`. Each construct below compiles to
the right form for both.
"""

from sqlalchemy import types
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class utc_date(FunctionElement):  # noqa: N801 (reads as an SQL function)
    """The calendar day, in UTC, of a timestamp."""

    type = types.Date()
    inherit_cache = True


class days_between(FunctionElement):  # noqa: N801
    """Whole days from the second date to the first."""

    type = types.Integer()
    inherit_cache = True


class seconds_between(FunctionElement):  # noqa: N801
    """Seconds from the second timestamp to the first."""

    type = types.Float()
    inherit_cache = True


class least(FunctionElement):  # noqa: N801
    """The earliest of its dates (none of which may be NULL)."""

    type = types.Date()
    inherit_cache = True


class greatest(FunctionElement):  # noqa: N801
    """The latest of its dates (none of which may be NULL)."""

    type = types.Date()
    inherit_cache = True


def _sql(construct, template, dialect=None):
    """Compile `construct` to `template`, its arguments put in as {0}, {1}... or as
    {args} (all of them, separated by commas)."""
    def compile_(element, compiler, **kw):
        args = [compiler.process(clause, **kw) for clause in element.clauses]
        return template.format(*args, args=", ".join(args))
    compiles(construct, *([dialect] if dialect else []))(compile_)


_sql(utc_date, "date({0})")
_sql(utc_date, "CAST(({0} AT TIME ZONE 'UTC') AS DATE)", "postgresql")
_sql(days_between, "CAST(julianday({0}) - julianday({1}) AS INTEGER)")
_sql(days_between, "({0} - {1})", "postgresql")
_sql(seconds_between, "((julianday({0}) - julianday({1})) * 86400.0)")
# (date_part counts in double precision; EXTRACT in numeric, a quarter slower to sort)
_sql(seconds_between, "date_part('epoch', {0} - {1})", "postgresql")
_sql(least, "min({args})")
_sql(least, "LEAST({args})", "postgresql")
_sql(greatest, "max({args})")
_sql(greatest, "GREATEST({args})", "postgresql")
