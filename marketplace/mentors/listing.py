"""What the mentor list is made of, remembered until the listing changes.

Ranking every listed mentor for a viewer's filters, loading the page's profiles and
rendering their cards and the filter form are the costly parts of /mentors. Each
depends only on its inputs (the filters, what the viewer looks for and may ask, the
page's language) and on the listing: the listed profiles, the focus areas, and the
answer times of their requests. So each process keeps recent results, keyed by the
number in `listing_version`. Any committed change to a profile, its revisions,
languages or formats, to a focus area, to a user's name or standing, or to a
request's answer raises that number in the same transaction, so nothing is used once
what it was made from has changed.

The number is read once per transaction, before anything it keys is computed: what is
computed later is at least as new as the number it is filed under. It is read on its
own when first needed, unless a query that runs first anyway brought it along: such a
query adds it with `with_version` and hands what it read to `note_version` (the
logged-in user's query does, so that a page pays no statement for the number).
"""

from threading import Lock

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..extensions import db
from ..mentorships.models import MentorshipRequest
from ..program.models import FocusArea
from .models import ListingVersion, MentorProfile, ProfileFormat, ProfileLanguage, ProfileRevision

CHANGED = "listing_changed"
VERSION = "listing_version"
WATCHED = (MentorProfile, ProfileRevision, ProfileLanguage, ProfileFormat, FocusArea)
WATCHED_TABLES = frozenset({"mentor_profiles", "profile_revisions", "revision_areas",
                            "profile_languages", "profile_formats", "focus_areas", "users",
                            "mentorship_requests"})
# The columns of other rows the list filters, ranks, searches or shows.
WATCHED_FIELDS = {User: ("active", "stored_name", "deleted_at"),
                  MentorshipRequest: ("answered_at",)}


class Remembered:
    """A bounded, thread-safe map of (listing version, key) to a result."""

    def __init__(self, size):
        self._cache = LRUCache(maxsize=size)
        self._lock = Lock()

    def get(self, key):
        with self._lock:
            return self._cache.get(key)

    def put(self, key, value):
        with self._lock:
            self._cache[key] = value


def init_app(app):
    size = app.config["LISTING_CACHE_SIZE"]
    app.extensions["listing_remembered"] = Remembered(size) if size else None


def remembered(key, compute):
    """`compute()`, or what it gave for `key` at the listing's current version."""
    value = recalled(key)
    if value is None:
        value = compute()
        keep(key, value)
    return value


def recalled(key):
    """What was kept for `key` at the listing's current version, or None."""
    results = current_app.extensions["listing_remembered"]
    version = _version() if results is not None else None
    return None if version is None else results.get((version, key))


def keep(key, value):
    """Remember `value` for `key` at the listing's current version (if it may be)."""
    results = current_app.extensions["listing_remembered"]
    version = _version() if results is not None else None
    if version is not None:
        results.put((version, key), value)


def with_version(statement):
    """`statement` with the listing's version as its last column, so that a query that
    runs anyway reads it too; hand what it read to `note_version`."""
    return statement.add_columns(select(ListingVersion.version).scalar_subquery())


def note_version(version):
    """Take `version`, read in this transaction by a `with_version` statement, as the
    listing's number for the transaction, unless the transaction has one already (the
    first read is what remembered results are filed under)."""
    db.session().info.setdefault(VERSION, version)


def _version():
    """The listing's number for this transaction, or None when nothing may be reused:
    no version row, or this transaction has changed the listing itself."""
    session = db.session()
    if VERSION in session.info:
        if session.new or session.dirty or session.deleted:
            session.flush()  # pending changes to the listing count (_note_flushed_changes)
    else:
        session.info[VERSION] = session.scalar(select(ListingVersion.version))  # flushes
    if session.info.get(CHANGED):
        return None
    return session.info[VERSION]


def _changes_listing(instance, deleted=False):
    if isinstance(instance, WATCHED):
        return True
    fields = WATCHED_FIELDS.get(type(instance))
    if fields is None:
        return False
    if deleted:
        return True
    state = inspect(instance)
    return any(_changed(state.attrs[name].history) for name in fields)


def _changed(history):
    # A new row's column set to None (a request not answered yet) changes nothing.
    return history.has_changes() and (history.deleted or history.added != [None])


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, _context):
    if not session.info.get(CHANGED) and (
            any(_changes_listing(instance) for instance in (*session.new, *session.dirty))
            or any(_changes_listing(instance, deleted=True) for instance in session.deleted)):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state):
    statement = state.statement
    if statement.is_dml and getattr(statement.table, "name", None) in WATCHED_TABLES:
        state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_version(session):
    if session.in_nested_transaction():
        return  # a savepoint: the whole transaction raises it when it commits
    # Flushed here rather than by the commit, so that the version row is the last one
    # this transaction locks: no lock is ever waited for while holding it.
    session.flush()
    if session.info.pop(CHANGED, False):
        session.execute(update(ListingVersion).values(version=ListingVersion.version + 1))


@event.listens_for(Session, "after_commit")
def _forget_version(session):
    session.info.pop(VERSION, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(CHANGED, None)
        session.info.pop(VERSION, None)
