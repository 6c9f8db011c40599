"""What the mentor list remembers (mentors.listing): a mentor under their row version,
the rest under the listing's version, each raised by the changes to what it was made
from and by no other; and the remembered mentor (mentors.search.Mentor), which cards and
pages read as if it were the profile."""

import dataclasses
import threading

import pytest
from jinja2 import Undefined, UndefinedError
from jinja2.utils import missing
from sqlalchemy import delete, event, select, update

from marketplace.accounts.models import User
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentors import listing, search
from marketplace.mentors.models import (
    PENDING,
    ListingVersion,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
)
from marketplace.mentorships.models import MentorshipRequest
from marketplace.mentorships.services import accept_request, decline_request
from marketplace.notifications.models import Notification
from marketplace.program.models import FocusArea
from marketplace.program.services import settings
from marketplace.vetting.services import suspend

from .factories import make_area, make_profile, make_user
from .test_browse import (
    add_mentor,
    add_mentorship,
    add_request,
    add_viewer,
    browse,
    login,
    names,
    page_cards,
)


def version():
    return db.session.scalar(select(ListingVersion.version))


@pytest.fixture
def mentor(app_ctx):
    return db.session.get(MentorProfile, make_profile(make_user(full_name="Marta Mentor")).id)


class Computations:
    """A ranking function that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return (self.calls,)


def row_version(profile_id):
    return db.session.scalar(select(MentorProfile.row_version)
                             .where(MentorProfile.id == profile_id))


# Changes to what one mentor's card shows, or to what the list ranks them on: each must
# raise that mentor's row version, and leave what is remembered for everyone else.
MENTOR_CHANGES = {
    "profile field": lambda p: setattr(p, "capacity", 5),
    "profile language added": lambda p: p.languages.append(ProfileLanguage(code="de")),
    "profile format removed": lambda p: p.formats.clear(),
    "revision text": lambda p: setattr(p.published, "headline_en", "New headline"),
    "revision areas": lambda p: p.published.areas.clear(),
    "user renamed": lambda p: setattr(p.user, "full_name", "Marta Nuova"),
    "user deactivated": lambda p: setattr(p.user, "active", False),
    "statement naming the profile": lambda p: db.session.execute(
        update(MentorProfile).where(MentorProfile.id == p.id).values(active_mentees=1)
        .execution_options(listing_profiles=[p.id])),
    "statement naming the profile's numbers": lambda p: db.session.execute(
        update(MentorProfile).where(MentorProfile.id == p.id).values(active_mentees=1)
        .execution_options(listing_numbers=[p.id])),
    "statement naming the user": lambda p: db.session.execute(
        update(User).where(User.id == p.user_id).values(stored_name="Marta Nuova")
        .execution_options(listing_users=[p.user_id])),
}
# Changes that may touch every mentor: each must raise the listing's version.
EVERYONE_CHANGES = {
    "focus area renamed": lambda p: setattr(
        db.session.get(FocusArea, p.published.areas[0].id), "name_it", "Rinominata"),
    "update statement": lambda p: db.session.execute(
        update(MentorProfile).where(MentorProfile.id == p.id).values(active_mentees=1)),
    "delete statement": lambda p: db.session.execute(
        delete(ProfileFormat).where(ProfileFormat.profile_id == p.id)),
    "revision update statement": lambda p: db.session.execute(
        update(ProfileRevision).where(ProfileRevision.profile_id == p.id)
        .values(headline_it="Nuovo")),
    "requests closed by a statement": lambda p: db.session.execute(
        update(MentorshipRequest).where(MentorshipRequest.profile_id == p.id)
        .values(status="expired")),
}
# Changes that do not concern the list: the versions stay.
NON_CHANGES = {
    "user language": lambda p: setattr(p.user, "language", "it"),
    "user time zone": lambda p: setattr(p.user, "timezone", "Europe/Rome"),
    "notification": lambda p: db.session.add(Notification(
        user_id=p.user_id, kind="request_received", link="/requests", params={})),
    "nothing": lambda p: None,
}


@pytest.mark.parametrize("change", MENTOR_CHANGES.values(), ids=MENTOR_CHANGES.keys())
def test_each_change_to_a_mentor_raises_their_row_version_only(mentor, change):
    other = make_profile(make_user()).id
    before = (version(), row_version(mentor.id), row_version(other))
    change(mentor)
    db.session.commit()
    assert version() == before[0]
    assert row_version(mentor.id) > before[1]
    assert row_version(other) == before[2]


@pytest.mark.parametrize("change", EVERYONE_CHANGES.values(), ids=EVERYONE_CHANGES.keys())
def test_each_change_that_may_touch_everyone_raises_the_version(mentor, change):
    before = version()
    change(mentor)
    db.session.commit()
    assert version() > before


def test_a_renamed_focus_area_renews_every_card_and_rewrites_no_profile_row(mentor):
    """Cards show area names, rows hold area ids: the version says it, no row changes."""
    before = (version(), row_version(mentor.id))
    db.session.get(FocusArea, mentor.published.areas[0].id).name_en = "Renamed"
    db.session.commit()
    assert (version(), row_version(mentor.id)) == (before[0] + 1, before[1])


@pytest.mark.parametrize("change", NON_CHANGES.values(), ids=NON_CHANGES.keys())
def test_other_changes_leave_the_versions(mentor, change):
    before = (version(), row_version(mentor.id))
    change(mentor)
    db.session.commit()
    assert (version(), row_version(mentor.id)) == before


def test_an_answer_to_a_request_raises_the_mentors_row_version_a_new_request_does_not(
        mentor):
    """Answers make the typical answer time the cards show."""
    mentee_id = make_user().id
    before = (version(), row_version(mentor.id))
    request_id = add_request(mentee_id, mentor.id)
    assert (version(), row_version(mentor.id)) == before
    db.session.get(MentorshipRequest, request_id).answered_at = utcnow()
    db.session.commit()
    assert (version(), row_version(mentor.id)) == (before[0], before[1] + 1)


def test_a_change_of_counts_renews_whether_the_mentor_is_open(mentor):
    """An accept fills the last place: the row says at once it is not open any more."""
    db.session.execute(update(MentorProfile).where(MentorProfile.id == mentor.id)
                       .values(active_mentees=MentorProfile.capacity)
                       .execution_options(listing_numbers=[mentor.id]))
    db.session.commit()
    assert db.session.get(MentorProfile, mentor.id).listed_open is False


def test_the_products_answers_and_vetting_name_the_mentor_they_change(mentor):
    """The services' own statements say whose rows they change: an answer, however
    made, never makes every remembered card new."""
    before = version()
    for answer in (accept_request, decline_request):
        request = db.session.get(MentorshipRequest, add_request(make_user().id, mentor.id))
        row = row_version(mentor.id)
        if answer is decline_request:
            answer(request, actor=mentor.user, reason="no_time")
        else:
            answer(request, actor=mentor.user)
        db.session.commit()
        assert row_version(mentor.id) > row
    admin = make_user(is_admin=True)
    suspend(mentor, actor=admin, reason="Checking references.")
    db.session.commit()
    assert version() == before
    assert db.session.get(MentorProfile, mentor.id).listed is False


def test_a_rolled_back_change_leaves_the_versions(mentor):
    before = (version(), row_version(mentor.id))
    mentor.capacity = 5
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert (version(), row_version(mentor.id)) == before


def test_a_change_before_a_rolled_back_savepoint_still_counts(mentor):
    before = row_version(mentor.id)
    mentor.capacity = 5
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        db.session.add(Notification(user_id=mentor.user_id, kind="request_received",
                                    link="/requests", params={}))
        savepoint.rollback()
    db.session.commit()
    assert row_version(mentor.id) == before + 1


def test_what_is_remembered_stays_until_a_change_that_may_touch_everyone(mentor):
    compute = Computations()
    assert listing.remembered("key", compute) == (1,)
    assert listing.remembered("key", compute) == (1,)
    assert listing.remembered("other key", compute) == (2,)
    assert compute.calls == 2
    mentor.accepting = False  # one mentor: their row version says it
    db.session.commit()
    assert listing.remembered("key", compute) == (1,)
    db.session.get(FocusArea, mentor.published.areas[0].id).name_en = "Renamed"
    db.session.commit()
    assert listing.remembered("key", compute) == (3,)
    assert listing.remembered("key", compute) == (3,)


def test_a_transaction_that_changed_the_listing_ranks_afresh(mentor):
    compute = Computations()
    listing.remembered("key", compute)
    mentor.accepting = False  # not committed yet: the remembered ranking is older
    assert listing.remembered("key", compute) == (2,)
    db.session.rollback()


def test_a_version_read_along_with_another_query_serves_the_transaction(app, mentor):
    """What the logged-in user's query does: the number comes with a query that runs
    anyway, and remembering reads it no more; the transaction's first read stays its
    number."""
    db.session.commit()
    user_id, read = db.session.execute(
        listing.with_version(select(User.id).where(User.id == mentor.user_id))).one()
    assert (user_id, read) == (mentor.user_id, version())
    listing.note_version(read)
    compute = Computations()
    statements = Statements(app)
    with statements:
        assert listing.remembered("key", compute) == (1,)
        listing.note_version(read + 1)
        assert listing.remembered("key", compute) == (1,)
    assert statements.seen == []


def test_without_a_cache_every_ranking_is_computed(make_app):
    app = make_app(LISTING_CACHE_SIZE=0)
    with app.app_context():
        db.create_all()
        compute = Computations()
        listing.remembered("key", compute)
        listing.remembered("key", compute)
        assert compute.calls == 2


def test_the_cache_keeps_a_bounded_number_of_rankings():
    rankings = listing.Remembered(size=2)
    for key in "abc":
        rankings.put(key, key.upper())
    assert [rankings.get(key) for key in "abc"] == [None, "B", "C"]


def test_the_cache_counts_what_it_was_asked_for_and_found_by_kind():
    remembered = listing.Remembered(size=10)
    remembered.put((1, ("mentor", 7, 0)), "Marta")
    for key in ((1, ("mentor", 7, 0)), (1, ("mentor", 8, 0)), (2, ("filters", "en"))):
        remembered.get(key)
    assert (remembered.asked, remembered.found) == (
        {"mentor": 2, "filters": 1}, {"mentor": 1, "filters": 0})


def test_the_cache_is_safe_across_threads():
    rankings = listing.Remembered(size=50)

    def work(number):
        for index in range(500):
            rankings.put((number, index % 80), index)
            rankings.get((number, (index * 7) % 80))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rankings._cache) == 50


# The list as viewers see it ---------------------------------------------------------------

class Statements:
    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.seen = []

    def __enter__(self):
        self.seen = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, *_args):
        self.seen.append(" ".join(statement.split()))

    @property
    def rankings(self):
        return [s for s in self.seen if "mentor_profiles.row_version" in s and "ORDER BY" in s]


@pytest.fixture
def listed(app):
    with app.app_context():
        area = make_area()
        add_viewer()
        ids = {name: add_mentor(name, areas=[area], capacity=1)
               for name in ("Anna Rossi", "Bruno Bianchi", "Carla Verdi")}
        admin = make_user(is_admin=True)
        db.session.commit()
        return ids, admin.id


def test_the_second_view_of_a_page_ranks_again_and_loads_no_mentor(app, client, auth, listed):
    login(auth)
    statements = Statements(app)
    with statements:
        first = names(browse(client, available="y"))
    assert len(statements.rankings) == 1
    assert any("FROM mentor_profiles JOIN users" in s for s in statements.seen)
    with statements:
        assert names(browse(client, available="y")) == first
    assert len(statements.rankings) == 1
    assert not any("FROM mentor_profiles JOIN users" in s for s in statements.seen)


def test_changes_show_at_once_on_a_remembered_page(app, client, auth, listed):
    ids, admin_id = listed
    login(auth)
    assert sorted(names(browse(client, available="y"))) == [
        "Anna Rossi", "Bruno Bianchi", "Carla Verdi"]
    with app.app_context():
        # A paused mentor, a full one, a suspended one and a renamed one.
        db.session.get(MentorProfile, ids["Anna Rossi"]).accepting = False
        db.session.commit()
        mentee = make_user().id
        request_id = add_request(mentee, ids["Bruno Bianchi"])
        from marketplace.mentorships.models import MentorshipRequest
        bruno = db.session.get(MentorProfile, ids["Bruno Bianchi"])
        accept_request(db.session.get(MentorshipRequest, request_id), actor=bruno.user)
        db.session.commit()
    assert names(browse(client, available="y")) == ["Carla Verdi"]
    with app.app_context():
        suspend(db.session.get(MentorProfile, ids["Carla Verdi"]),
                actor=db.session.get(User, admin_id), reason="Checking references.")
        db.session.commit()
    assert names(browse(client, available="y")) == []
    with app.app_context():
        db.session.get(MentorProfile, ids["Anna Rossi"]).user.full_name = "Anna Neri"
        db.session.commit()
    assert names(browse(client, q="neri")) == ["Anna Neri"]
    assert "Anna Neri" in names(browse(client))


def test_remembered_cards_and_pages_follow_what_they_show(app, client, auth, listed):
    """Cards, the filter form and mentor pages are remembered; each shows a change at
    once: a focus area renamed, an answer to a request, the viewer's own request, the
    mentor's record."""
    ids, _admin_id = listed
    login(auth)
    anna = ids["Anna Rossi"]
    card = page_cards(browse(client))["Anna Rossi"]
    assert "No requests answered yet" in card and 'class="blocked"' not in card
    page = client.get(f"/mentors/{anna}").get_data(as_text=True)
    with app.app_context():
        area = db.session.get(MentorProfile, anna).published.areas[0]
        db.session.get(FocusArea, area.id).name_en = "Renamed area"
        db.session.commit()
        mentee = make_user().id
        request = db.session.get(MentorshipRequest, add_request(mentee, anna))
        decline_request(request, actor=request.profile.user, reason="no_time")
        db.session.commit()
        viewer = db.session.scalar(select(User).where(User.full_name == "Vera Viewer"))
        add_request(viewer.id, anna)
    page = browse(client)
    assert ">Renamed area</option>" in page
    card = page_cards(page)["Anna Rossi"]
    assert "Renamed area" in card and "Usually answers within a day" in card
    assert "You already have an open request to this mentor." in card
    mentor_page = client.get(f"/mentors/{anna}").get_data(as_text=True)
    assert "Renamed area" in mentor_page and "Usually answers within a day" in mentor_page
    with app.app_context():
        add_mentorship(mentee, anna, status="completed")
    assert "<dt>Mentees who reached their goal</dt><dd>1</dd>" in client.get(
        f"/mentors/{anna}").get_data(as_text=True)


def test_a_remembered_page_runs_four_statements(app, client, auth, listed):
    """The user's query (with their interests, unread count and the listing's version),
    what they may ask, the ranking and its count: the mentors, their cards and the
    filter form are remembered."""
    with app.app_context():
        settings()  # the migrations create the settings row
        db.session.commit()
    login(auth)
    statements = Statements(app)
    browse(client, available="y")
    with statements:
        browse(client, available="y")
    queries = [s for s in statements.seen if s != "BEGIN"]
    assert len(queries) == 4, queries
    assert "FROM users" in queries[0] and "WITH RECURSIVE" in queries[1]
    assert statements.rankings == [queries[2]] and "count(*)" in queries[3]


# The remembered mentor --------------------------------------------------------------------
# Cards and mentor pages read a search.Mentor where other code reads a MentorProfile.

# Its fields that are not the profile's: the shown revision's, and what is worked out.
FROM_THE_REVISION = ("company", "is_external", "headline_en", "headline_it", "bio_en",
                     "bio_it", "areas")
WORKED_OUT = ("name", "answer_time", "offer")


def plain(value):
    """Rows or values in a list or a tuple as a tuple of their ids or values."""
    if isinstance(value, list | tuple):
        return tuple(getattr(item, "id", item) for item in value)
    return value


def test_the_remembered_mentor_mirrors_the_profile(app_ctx):
    """Every field is the profile's attribute of the same name, or the shown revision's,
    with its value: a field the profile loses, or one the shape takes from elsewhere
    without saying so here, fails."""
    profile_id = add_mentor("Esther Esterna", areas=[make_area(), make_area()],
                            affiliation="external", capacity=3, active_mentees=1,
                            content={"headline_it": "Trattative", "bio_it": "Una bio. " * 12})
    profile = db.session.get(MentorProfile, profile_id)
    mentor = search.listed_mentor(profile_id)
    for field in dataclasses.fields(search.Mentor):
        if field.name in WORKED_OUT:
            continue
        source = profile.published if field.name in FROM_THE_REVISION else profile
        assert hasattr(source, field.name), f"{type(source).__name__} has no {field.name}"
        assert plain(getattr(mentor, field.name)) == plain(getattr(source, field.name)), (
            field.name)
    for language in ("en", "it"):
        assert mentor.headline(language) == profile.published.headline(language)
        assert mentor.bio(language) == profile.published.bio(language)
    assert mentor.name == profile.user.full_name
    for area, row in zip(mentor.areas, profile.published.areas, strict=True):
        for field in dataclasses.fields(search.Area):
            assert getattr(area, field.name) == getattr(row, field.name), field.name
        assert (area.name("en"), area.name("it")) == (row.name("en"), row.name("it"))
    assert (mentor.company, mentor.free_places) == ("Acme Srl", 2)


class StrictAboutTheShape(Undefined):
    """Jinja's undefined, except that an attribute a remembered mentor, its areas or its
    card lack fails the page instead of showing as nothing."""

    def __init__(self, hint=None, obj=missing, name=None, exc=UndefinedError):
        if isinstance(obj, search.Mentor | search.Area | search.Card):
            raise UndefinedError(f"{type(obj).__name__} has no attribute {name!r}")
        super().__init__(hint, obj, name, exc)


def test_cards_and_mentor_pages_read_only_what_the_remembered_mentor_has(
        app, client, auth):
    """Cards and the pages of a listed mentor (full and paused, external, and one free
    to ask) and of one not listed (to its owner), each branch that reads the mentor."""
    app.jinja_env.undefined = StrictAboutTheShape
    with app.app_context():
        area = make_area()
        add_viewer(interests=[area])
        external = add_mentor("Esther Esterna", areas=[area], affiliation="external",
                              capacity=1, active_mentees=1, accepting=False)
        internal = add_mentor("Ivo Interno", areas=[area], capacity=3)
        pending = add_mentor("Paula Pending", areas=[area], status=PENDING,
                             user_fields={"email": "paula@example.com"})
    login(auth)
    assert sorted(names(browse(client))) == ["Esther Esterna", "Ivo Interno"]
    for _ in range(2):  # the second time, remembered
        page = client.get(f"/mentors/{external}").get_data(as_text=True)
        assert "Acme Srl" in page and "Paused" in page and "Full" in page
        page = client.get(f"/mentors/{internal}").get_data(as_text=True)
        assert "3 of 3 places free" in page and f"/mentors/{internal}/request" in page
    auth.logout()
    login(auth, "paula@example.com")
    page = client.get(f"/mentors/{pending}").get_data(as_text=True)
    assert "This profile is not listed" in page and "Edit my profile" in page
