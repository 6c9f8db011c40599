"""Operations: request ids in every log line, the health check, SQLite settings, the
request body's size limit, the garbage collector of a serving process."""

import gc
import logging
import re
import sqlite3
import time
import unicodedata
import uuid

from flask import Blueprint, Request, current_app, g, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from ..extensions import db

bp = Blueprint("ops", __name__)
# Named as before the move to core/: log filters and dashboards key on it.
log = logging.getLogger("marketplace.ops")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# One-time links carry a secret in their path; it must not reach the logs.
# (An invitation's own pages, /invitations/<number>/…, hold none.)
_SECRET_PATH = re.compile(
    r"(/auth/(?:reset|verify)/|/invitations/)(?![0-9]+(?:[/\s?\"]|$))[^\s?\"]+")


# Objects allocated, net, between collections of the youngest generation (Python: 700).
YOUNG_COLLECTION_EVERY = 10_000


def tune_collector():
    """Set Python's garbage collector for a process that serves requests for hours, once
    its app is built (wsgi.py).

    Such a process keeps hundreds of thousands of objects for good: SQLAlchemy keeps
    every shape of statement it compiled, about 800 objects each, and the mentor list's
    filters, sorts and searches make well over a thousand shapes. A full collection
    scans them all; it comes each time the objects promoted out of the young generations
    reach a quarter of those kept, and holds every request queued behind it. Collected
    every 700 allocations (Python's default), a request's objects are promoted while
    still in use: the benchmark mix's replay made 8 full collections in its first 3,000
    requests and 2 in each further 3,000, of 0.5 to 1.1 s each on a 2-core machine, and
    spent 1.5 ms a request collecting. Every 10,000, most are gone first: 1 full
    collection in each 3,000 requests, and half the time collecting. What exists once
    the app is built (modules, templates, the app) is frozen, after a collection so that
    no garbage is: later collections never scan it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY)


def redact(message):
    return _SECRET_PATH.sub(r"\1[redacted]", message)


# What may need escaping: ASCII controls, the backslash (so that an escape in the log is
# always ours), and anything beyond ASCII (looked at one by one in `_escaped`).
_SUSPECT = re.compile(r"[\x00-\x1f\\\x7f-\U0010ffff]")
# Controls (C0, C1), format characters (bidirectional overrides, zero-width ones), line
# and paragraph separators, surrogates, private and unassigned code points.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escaped(match):
    char = match.group()
    if char == "\\" or unicodedata.category(char) in _UNPRINTABLE:
        return char.encode("unicode_escape").decode("ascii")
    return char


def printable(value):
    """`value` with its control characters escaped ("\\n", "\\x1b", "\\u2028"…), so that
    what a client sends can neither start a log line of its own nor hide part of one."""
    return _SUSPECT.sub(_escaped, value)


class RequestContextFilter(logging.Filter):
    """Adds the request id to every record and removes secrets from the message."""

    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(app):
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    # Flask-Limiter's own logger says when its storage (Redis) is down and comes back.
    for name in ("marketplace", "werkzeug", "gunicorn.error", "flask-limiter"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RequestContextFilter) for h in logger.handlers
                   for f in h.filters):
            logger.addHandler(handler)
        logger.setLevel(app.config["LOG_LEVEL"])
        logger.propagate = False
    # Its INFO lines name the limit's key (an address, an account): not those.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)


def assign_request_id():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def log_request(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    if request.endpoint != "static":
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        # Escaped and redacted here, not only by our handler's filter: any other handler
        # (a log shipper, the test's capture) sees the record before or without it.
        log.info("%s %s %s %.1fms", printable(request.method),
                 redact(printable(request.path)), response.status_code, elapsed)
    return response


class BoundedBody(LimitedStream):
    """A body of unknown length, read one byte past the limit: that byte means 413.

    Werkzeug reads a body sent without a Content-Length (chunked, which a server such as
    gunicorn passes on with `wsgi.input_terminated`) only up to MAX_CONTENT_LENGTH, and
    a form read in one go stops there without a word: a longer form was silently cut."""

    def __init__(self, stream, limit):
        super().__init__(stream, limit + 1, is_max=True)

    def readinto(self, buffer):
        size = super().readinto(buffer)
        if self.tell() >= self.limit:
            raise RequestEntityTooLarge()
        return size


class BoundedRequest(Request):
    """Flask's request, which answers 413 to a chunked body over MAX_CONTENT_LENGTH as
    it does to a declared one."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (limit is None or self.shallow or self.content_length is not None
                or "wsgi.input_terminated" not in self.environ):
            return super().stream
        return BoundedBody(self.environ["wsgi.input"], limit)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL lets readers work while one writer writes. (The busy timeout, which makes a
    writer wait for the lock instead of failing at once, is SQLITE_BUSY_TIMEOUT.)

    Python's sqlite3 driver starts transactions only before a write, so a SAVEPOINT
    after some reads would run outside any transaction and its release would commit;
    SQLAlchemy starts every transaction itself instead (see `_begin_sqlite`)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    """Transactions that will write take SQLite's write lock when they begin.

    A transaction that read first and then tries to write after another writer has
    committed fails at once with "database is locked" (its snapshot is stale), so
    state-changing requests, commands and jobs begin IMMEDIATE and wait their turn;
    pages that only read begin normally and run alongside them."""
    if connection.dialect.name != "sqlite":
        return
    reading = has_request_context() and request.method not in WRITING_METHODS
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        current_app.logger.warning("Health check: database unreachable", exc_info=True)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
