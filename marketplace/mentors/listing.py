"""Rankings of the mentor list, remembered until the listing changes.

Ranking every listed mentor for a viewer's filters is the costly part of /mentors.
The result (a page of ids and the total) depends only on the filters, on what the
viewer looks for, and on the listed profiles; so each process keeps recent rankings,
keyed by the number in `listing_version`. Any committed change to a profile, its
revisions, languages or formats, or to a user's name or standing raises that number
in the same transaction, so a ranking is never used once what it was made from has
changed; the profiles on a page are always loaded fresh.
"""

from threading import Lock

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..extensions import db
from .models import ListingVersion, MentorProfile, ProfileFormat, ProfileLanguage, ProfileRevision

CHANGED = "listing_changed"
WATCHED = (MentorProfile, ProfileRevision, ProfileLanguage, ProfileFormat)
WATCHED_TABLES = frozenset({"mentor_profiles", "profile_revisions", "revision_areas",
                            "profile_languages", "profile_formats", "users"})
# The user columns the list filters, ranks or searches on.
USER_FIELDS = ("active", "stored_name", "deleted_at")


class Rankings:
    """A bounded, thread-safe map of (listing version, key) to a ranking."""

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
    app.extensions["listing_rankings"] = Rankings(size) if size else None


def remembered(key, compute):
    """`compute()`, or what it gave for `key` at the listing's current version."""
    rankings = current_app.extensions["listing_rankings"]
    if rankings is None:
        return compute()
    version = db.session.scalar(select(ListingVersion.version))  # flushes first
    if version is None or db.session.info.get(CHANGED):
        # No version row, or this transaction has changed the listing itself.
        return compute()
    value = rankings.get((version, key))
    if value is None:
        value = compute()
        rankings.put((version, key), value)
    return value


def _changes_listing(instance):
    if isinstance(instance, WATCHED):
        return True
    if isinstance(instance, User):
        state = inspect(instance)
        return any(state.attrs[name].history.has_changes() for name in USER_FIELDS)
    return False


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, _context):
    if not session.info.get(CHANGED) and any(
            _changes_listing(instance)
            for instance in (*session.new, *session.dirty, *session.deleted)):
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


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(CHANGED, None)
