"""What the mentor list ranks on, kept on the profile row, and what it shows,
remembered.

Ranking reads the profile row alone: whether the mentor is listed (approved, with a
published revision and an active account) and open to requests (accepting, with a free
place and a free hour), whether that revision is external, and the codes of its
languages, formats and focus areas are copied onto the row (MentorProfile's
`listed*` columns) by `_refresh`, in the same transaction as any change to what they are
copied from, just before it commits.

Loading the page's mentors, rendering their cards and the filter form are the costly
parts of /mentors, so each process keeps recent results, each filed under the numbers
of what it was made from:

- a mentor as cards show them (search.Mentor) under the profile's `row_version`, which
  `_refresh` raises with any change to the profile, its languages, formats or
  revisions, its user's name or standing, or the answer of one of its requests: an
  answered request makes one mentor's card new, not every page;
- everything, under the number in `listing_version`, raised only by the changes that may
  touch every mentor: focus areas (their names are on cards and in the filters), and
  statements that change watched rows without saying whose (pass the profiles or users a
  statement changes as the execution option `listing_profiles` or `listing_users`, or
  `listing_numbers` for profiles whose counts or answer times alone changed, which
  `_refresh` then renews with a cheaper statement).

The global number is read once per transaction, before anything it keys is computed:
what is computed later is at least as new as the number it is filed under. It is read on
its own when first needed, unless a query that runs first anyway brought it along: such
a query adds it with `with_version` and hands what it read to `note_version` (the
logged-in user's query does, so that a page pays no statement for the number).
"""

from collections import Counter
from threading import Lock

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import (
    String,
    and_,
    cast,
    event,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ..accounts.models import EXTERNAL, User
from ..extensions import db
from ..mentorships.models import MentorshipRequest
from ..program.models import FocusArea
from .models import (
    APPROVED,
    ListingVersion,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
    revision_areas,
)

CHANGED = "listing_changed"  # something that may touch every mentor changed
EVERY_ROW = "listing_every_row"  # rows changed whose, this transaction cannot tell
PROFILES = "listing_profiles"  # ids of the profiles whose own rows or rows below changed
NUMBERS = "listing_numbers"  # ids of the profiles whose counts or answer times changed
USERS = "listing_users"  # ids of the users whose name or standing changed
VERSION = "listing_version"
WATCHED_TABLES = frozenset({"mentor_profiles", "profile_revisions", "revision_areas",
                            "profile_languages", "profile_formats", "focus_areas", "users",
                            "mentorship_requests"})
# The columns of users and requests the list filters, ranks, searches or shows.
WATCHED_FIELDS = {User: ("active", "stored_name", "deleted_at"),
                  MentorshipRequest: ("answered_at",)}


class Remembered:
    """A bounded, thread-safe map of (listing version, key) to a result, which counts
    how often each kind of result (a key's first item) was asked for and found."""

    def __init__(self, size):
        self._cache = LRUCache(maxsize=size)
        self._lock = Lock()
        self.asked, self.found = Counter(), Counter()

    def get(self, key):
        kind = _kind(key[1] if isinstance(key, tuple) and len(key) == 2 else key)
        with self._lock:
            value = self._cache.get(key)
            self.asked[kind] += 1
            self.found[kind] += value is not None
            return value

    def put(self, key, value):
        with self._lock:
            self._cache[key] = value


def _kind(key):
    return key[0] if isinstance(key, tuple) else key


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
    no version row, or this transaction has changed the listing itself (any mentor)."""
    session = db.session()
    if VERSION in session.info:
        if session.new or session.dirty or session.deleted:
            session.flush()  # pending changes to the listing count (_note_flushed_changes)
    else:
        session.info[VERSION] = session.scalar(select(ListingVersion.version))  # flushes
    if any(session.info.get(note) for note in (CHANGED, PROFILES, NUMBERS, USERS)):
        return None  # what is read now may not have been committed
    return session.info[VERSION]


def _note(session, instance, deleted=False):
    """File what a flushed `instance` changed in the session's notes."""
    if isinstance(instance, MentorProfile):
        _add(session, PROFILES, instance.id)
    elif isinstance(instance, (ProfileRevision, ProfileLanguage, ProfileFormat)):
        _add(session, PROFILES, instance.profile_id)
    elif isinstance(instance, FocusArea):
        session.info[CHANGED] = True
    elif type(instance) in WATCHED_FIELDS and (deleted or any(
            _changed(inspect(instance).attrs[name].history)
            for name in WATCHED_FIELDS[type(instance)])):
        if isinstance(instance, User):
            _add(session, USERS, instance.id)
        else:  # a request's answer: the mentor's answer time
            _add(session, NUMBERS, instance.profile_id)


def _add(session, note, *ids):
    session.info.setdefault(note, set()).update(ids)


def _changed(history):
    # A new row's column set to None (a request not answered yet) changes nothing.
    return history.has_changes() and (history.deleted or history.added != [None])


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session, _context):
    for instance in (*session.new, *session.dirty):
        _note(session, instance)
    for instance in session.deleted:
        _note(session, instance, deleted=True)


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state):
    statement = state.statement
    if not (statement.is_dml and getattr(statement.table, "name", None) in WATCHED_TABLES):
        return
    options = state.execution_options
    if options.get("listing_refresh"):
        return
    if any(note in options for note in (PROFILES, NUMBERS, USERS)):
        for note in (PROFILES, NUMBERS, USERS):
            _add(state.session, note, *options.get(note, ()))
    else:
        state.session.info[CHANGED] = state.session.info[EVERY_ROW] = True


def _codes(column, *where):
    """The values of `column` in the rows `where` picks, between commas (",en,it,"),
    or "" when there are none."""
    found = select(func.aggregate_strings(column, ",")).where(*where).scalar_subquery()
    return func.coalesce(literal(",") + found + literal(","), "")


def refresh_statement(numbers_only=False):
    """An UPDATE that copies onto each profile row it touches what ranking reads from
    other rows (see the module's docstring) and raises its `row_version`; with
    `numbers_only`, only what the row's own counts decide, for a change of its counts
    or answer times (most changes: every answer to a request is one)."""
    published = MentorProfile.published_revision_id
    numbers = {"listed_open": and_(MentorProfile.accepting.is_(True),
                                   MentorProfile.active_mentees < MentorProfile.capacity,
                                   MentorProfile.committed_hours < MentorProfile.monthly_hours),
               "row_version": MentorProfile.row_version + 1}
    if numbers_only:
        return (update(MentorProfile).values(**numbers)
                .execution_options(synchronize_session=False, listing_refresh=True))
    return (update(MentorProfile).values(
        listed=and_(MentorProfile.status == APPROVED, published.is_not(None),
                    exists().where(User.id == MentorProfile.user_id, User.active.is_(True))),
        **numbers,
        listed_external=exists().where(ProfileRevision.id == published,
                                       ProfileRevision.affiliation == EXTERNAL),
        listed_languages=_codes(ProfileLanguage.code,
                                ProfileLanguage.profile_id == MentorProfile.id),
        listed_formats=_codes(ProfileFormat.format,
                              ProfileFormat.profile_id == MentorProfile.id),
        listed_areas=_codes(cast(revision_areas.c.area_id, String),
                            revision_areas.c.revision_id == published))
        .execution_options(synchronize_session=False, listing_refresh=True))


@event.listens_for(Session, "before_commit")
def _refresh(session):
    if session.in_nested_transaction():
        return  # a savepoint: the whole transaction refreshes when it commits
    # Flushed here rather than by the commit, so that the version row is the last one
    # this transaction locks: no lock is ever waited for while holding it.
    session.flush()
    everything = session.info.pop(CHANGED, False)
    profiles, users = session.info.pop(PROFILES, set()), session.info.pop(USERS, set())
    numbers = session.info.pop(NUMBERS, set()) - profiles
    profiles.discard(None)
    numbers.discard(None)
    if session.info.pop(EVERY_ROW, False):
        session.execute(refresh_statement())
        return _raise_version(session)
    if profiles or users:
        session.execute(refresh_statement().where(or_(
            MentorProfile.id.in_(sorted(profiles)), MentorProfile.user_id.in_(sorted(users)))))
    if numbers:
        session.execute(refresh_statement(numbers_only=True)
                        .where(MentorProfile.id.in_(sorted(numbers))))
    if everything:
        _raise_version(session)


def _raise_version(session):
    session.execute(update(ListingVersion).values(version=ListingVersion.version + 1))


@event.listens_for(Session, "after_commit")
def _forget_version(session):
    session.info.pop(VERSION, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        for note in (CHANGED, EVERY_ROW, PROFILES, NUMBERS, USERS, VERSION):
            session.info.pop(note, None)
