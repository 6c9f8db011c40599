"""The directory puts the mentors a viewer can ask first (issue 21, "The directory").

Mentors the viewer cannot ask right now (in their reporting line, paused, full, already
asked, their own profile, already their mentor) come after every mentor they can ask,
whatever the sort, each sort applying within both groups; their card says why in a word.
Tested on the query (`search.ranked` with the viewer's `Later`) and the rule in Python
(`later_because`), then on the page: the order across pages, the count, the reasons
and their link, the same number of statements, remembered pages kept apart per viewer,
and the page in Italian.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentors import search
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships.services import Requester, requester
from marketplace.program.services import settings

from .conftest import Auth
from .factories import make_area, make_profile, make_user
from .test_browse import (
    StatementCounter,
    add_mentor,
    add_mentorship,
    add_request,
    add_viewer,
    browse,
    link,
    login,
    names,
    page_cards,
)

# The short reasons a card gives, in English.
LATER_WORDS = {
    search.ASKED: "Already asked — see your request",
    search.MANAGER_LINE: "Your manager line",
    search.MENTORING: "Already your mentor",
    search.OWN: "Your own profile",
    search.PAUSED: "Paused",
    search.FULL: "Full",
}
SORTS = ["match", "experience", "availability", "newest"]


def later_reason_of(card):
    """The short reason on a card (its text, tags stripped), or None."""
    found = re.search(r'<p class="later-reason">(.*?)</p>', card, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else None


# The rule in Python -----------------------------------------------------------------------

def who(**fields):
    values = {"user_id": 1, "above_ids": frozenset({2, 3}),
              "open_request_profile_ids": frozenset({10}),
              "mentoring_profile_ids": frozenset({11}), "open_requests": 1,
              "max_open_requests": 3}
    return Requester(**{**values, **fields})


def mentor(**fields):
    values = {"id": 20, "user_id": 30, "accepting": True, "free_places": 1, "free_hours": 2}
    return SimpleNamespace(**{**values, **fields})


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, None),
    ({"user_id": 1}, search.OWN),
    ({"user_id": 2}, search.MANAGER_LINE),
    ({"user_id": 3, "accepting": False}, search.MANAGER_LINE),   # the line first
    ({"id": 11}, search.MENTORING),
    ({"id": 10}, search.ASKED),
    ({"id": 10, "free_places": 0}, search.ASKED),                 # asked before full
    ({"accepting": False}, search.PAUSED),
    ({"accepting": False, "free_places": 0}, search.PAUSED),
    ({"free_places": 0}, search.FULL),
    ({"free_hours": 0}, search.FULL),
])
def test_later_because(fields, expected):
    assert search.later_because(who(), mentor(**fields)) == expected


def test_the_open_request_limit_puts_no_one_after():
    """At the limit no mentor can be asked: nobody is put after the others for it (the
    card's sentence says why), so the sort alone decides."""
    at_limit = who(open_requests=3, max_open_requests=3)
    assert search.later_because(at_limit, mentor()) is None


def test_later_for_names_the_viewer_their_line_and_the_mentors_they_asked_or_have():
    assert search.later_for(who()) == search.Later(user_ids=frozenset({1, 2, 3}),
                                                   profile_ids=frozenset({10, 11}))


# The query --------------------------------------------------------------------------------

@pytest.fixture
def crowd(app):
    """A viewer with a manager chain, an open request and a mentorship, and mentors for
    every reason to come after, each better than the askable ones by every sort (more
    years, newer, better match), with askable mentors that differ by each sort."""
    with app.app_context():
        settings()
        db.session.commit()
        area = make_area()
        big_boss = make_user(full_name="Big Boss").id
        boss = make_user(full_name="Bossy Boss", manager_id=big_boss).id
        viewer_id = add_viewer(manager_id=boss, interests=[area], region="dach")
        best = {"areas": [area], "region": "dach", "years_experience": 40,
                "approved_days_ago": 0, "capacity": 9, "monthly_hours": 40}
        ids = {
            "Vera Viewer": make_profile(db.session.get(User, viewer_id), areas=[area],
                                        region="dach", years_experience=40,
                                        capacity=9, monthly_hours=40).id,
            "Bossy Boss": make_profile(db.session.get(User, boss), areas=[area],
                                       region="dach", years_experience=40, capacity=9,
                                       monthly_hours=40).id,
            "Big Boss": make_profile(db.session.get(User, big_boss), areas=[area],
                                     region="dach", years_experience=40, capacity=9,
                                     monthly_hours=40).id,
            "Paused Pam": add_mentor("Paused Pam", accepting=False, **best),
            "Full Fred": add_mentor("Full Fred", **{**best, "capacity": 1},
                                    active_mentees=1),
            "Busy Bill": add_mentor("Busy Bill", committed_hours=40, **best),
            "Asked Ann": add_mentor("Asked Ann", **best),
            "Mentoring Mo": add_mentor("Mentoring Mo", **best),
        }
        add_request(viewer_id, ids["Asked Ann"])
        add_mentorship(viewer_id, ids["Mentoring Mo"])
        # Askable: each sort orders them differently.
        ids["Able Alice"] = add_mentor("Able Alice", areas=[area], region="dach",
                                       years_experience=5, approved_days_ago=30,
                                       capacity=3)
        ids["Able Bob"] = add_mentor("Able Bob", areas=[make_area()], region="france",
                                     years_experience=20, approved_days_ago=10,
                                     capacity=1)
        ids["Able Cleo"] = add_mentor("Able Cleo", areas=[area], region="france",
                                      years_experience=10, approved_days_ago=2,
                                      capacity=2, monthly_hours=12)
        return viewer_id, ids


LATER = {"Vera Viewer": search.OWN, "Bossy Boss": search.MANAGER_LINE,
         "Big Boss": search.MANAGER_LINE, "Paused Pam": search.PAUSED,
         "Full Fred": search.FULL, "Busy Bill": search.FULL, "Asked Ann": search.ASKED,
         "Mentoring Mo": search.MENTORING}
ASKABLE = ["Able Alice", "Able Bob", "Able Cleo"]


def ranked_names(app, viewer_id, ids, sort):
    names_by_id = {profile_id: name for name, profile_id in ids.items()}
    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        statement = search.ranked(search.Filters(sort=sort), search.seeker_for(viewer),
                                  search.later_for(requester(viewer)))
        return [names_by_id[profile_id] for profile_id in db.session.scalars(statement)]


@pytest.mark.parametrize("sort", SORTS)
def test_the_askable_come_first_whatever_the_sort(app, crowd, sort):
    viewer_id, ids = crowd
    found = ranked_names(app, viewer_id, ids, sort)
    assert sorted(found[:3]) == ASKABLE
    assert sorted(found[3:]) == sorted(LATER)


@pytest.mark.parametrize(("sort", "askable"), [
    ("match", ["Able Alice", "Able Cleo", "Able Bob"]),       # areas and region count
    ("experience", ["Able Bob", "Able Cleo", "Able Alice"]),
    ("availability", ["Able Alice", "Able Cleo", "Able Bob"]),
    ("newest", ["Able Cleo", "Able Bob", "Able Alice"]),
])
def test_each_sort_holds_within_the_askable(app, crowd, sort, askable):
    viewer_id, ids = crowd
    assert ranked_names(app, viewer_id, ids, sort)[:3] == askable


def test_each_sort_holds_within_those_after(app, crowd):
    """Among those after, the sort still applies: the newest first by "newest"."""
    viewer_id, ids = crowd
    with app.app_context():
        for days, name in enumerate(["Asked Ann", "Paused Pam", "Bossy Boss"], start=1):
            db.session.get(MentorProfile, ids[name]).approved_at -= timedelta(days=100 + days)
        db.session.commit()
    later = ranked_names(app, viewer_id, ids, "newest")[3:]
    assert later[-3:] == ["Asked Ann", "Paused Pam", "Bossy Boss"]


def test_without_a_viewer_only_paused_and_full_mentors_come_after(app, crowd):
    viewer_id, ids = crowd
    names_by_id = {profile_id: name for name, profile_id in ids.items()}
    with app.app_context():
        found = [names_by_id[profile_id] for profile_id in db.session.scalars(
            search.ranked(search.Filters(sort="experience"), search.seeker_for(
                db.session.get(User, viewer_id))))]
    assert set(found[-3:]) == {"Paused Pam", "Full Fred", "Busy Bill"}


# The page ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", SORTS)
def test_the_page_shows_the_askable_first_with_the_reasons_of_the_others(
        client, auth, crowd, sort):
    _viewer_id, ids = crowd
    login(auth)
    cards = page_cards(browse(client, sort=sort))
    assert sorted(list(cards)[:3]) == ASKABLE
    assert {name: later_reason_of(card) for name, card in cards.items()} == {
        **{name: LATER_WORDS[kind] for name, kind in LATER.items()},
        **{name: None for name in ASKABLE}}


def test_already_asked_links_to_the_request(client, auth, crowd):
    login(auth)
    card = page_cards(browse(client))["Asked Ann"]
    assert '<a href="/requests#sent-title">Already asked — see your request</a>' in card
    # The sentence that says why stays, below.
    assert "You already have an open request to this mentor." in card


def test_pages_and_count_follow_the_groups(app, client, auth):
    """Fourteen mentors the viewer can ask and three they cannot, one of which is the
    newest and most experienced: twelve askable on the first page, the other two and
    the three after on the second, the count the same on both."""
    with app.app_context():
        area = make_area()
        viewer_id = add_viewer(interests=[area])
        for number in range(14):
            add_mentor(f"Able {number:02}", areas=[area], years_experience=10 + number,
                       approved_days_ago=number + 1)
        asked = add_mentor("Asked Top", areas=[area], years_experience=60,
                           approved_days_ago=0)
        add_request(viewer_id, asked)
        add_mentor("Paused Top", areas=[area], years_experience=59, approved_days_ago=0,
                   accepting=False)
        add_mentor("Full Top", areas=[area], years_experience=58, approved_days_ago=0,
                   capacity=1, active_mentees=1)
    login(auth)
    for sort in SORTS:
        first = browse(client, sort=sort)
        assert len(names(first)) == search.PER_PAGE
        assert all(name.startswith("Able") for name in names(first)), sort
        assert "17 mentors" in first
        second = browse(client, sort=sort, page=2)
        assert "17 mentors" in second
        assert [name.startswith("Able") for name in names(second)] == [
            True, True, False, False, False], sort
        assert link(second, "next") is None
    assert names(browse(client, sort="experience", page=2))[2:] == [
        "Asked Top", "Paused Top", "Full Top"]


def test_a_filter_keeps_the_groups(client, auth, crowd):
    login(auth)
    found = names(browse(client, region="dach", sort="experience"))
    assert found[0] == "Able Alice"
    assert "Able Bob" not in found and "Able Cleo" not in found


def test_statements_do_not_depend_on_what_the_viewer_cannot_ask(app):
    """A viewer with nothing in their way and one with a line, requests and a
    mentorship: the same number of statements, on each sort (nothing remembered)."""
    app.extensions["listing_remembered"] = None
    with app.app_context():
        settings()
        db.session.commit()
        area = make_area()
        boss = make_user().id
        free_viewer = add_viewer("free@example.com", interests=[area])
        busy_viewer = add_viewer("busy@example.com", interests=[area], manager_id=boss)
        made = [add_mentor(f"Mentor {n:02}", areas=[area], capacity=3) for n in range(8)]
        make_profile(db.session.get(User, boss), areas=[area])
        add_request(busy_viewer, made[0])
        add_request(busy_viewer, made[1])
        add_mentorship(busy_viewer, made[2])
        add_mentor("Paused", areas=[area], accepting=False)
        assert free_viewer
    counter = StatementCounter(app)
    counts = {}
    for email in ("free@example.com", "busy@example.com"):
        viewer_client = app.test_client()
        login(Auth(viewer_client), email)
        for sort in SORTS:
            counts[email, sort] = counter.count(viewer_client, f"/mentors?sort={sort}")[0]
    assert len(set(counts.values())) == 1, counts


def test_remembered_pages_are_kept_apart_per_viewer(app, client, auth):
    """Two viewers looking for the same: the one who asked a mentor sees them after the
    others, the other one first, though the first page was remembered."""
    with app.app_context():
        area = make_area()
        asker = add_viewer("asker@example.com", interests=[area])
        add_viewer("other@example.com", interests=[area])
        top = add_mentor("Top Tina", areas=[area], years_experience=50, approved_days_ago=0)
        add_mentor("Second Sam", areas=[area], years_experience=5, approved_days_ago=3)
        add_request(asker, top)
    login(auth, "other@example.com")
    assert names(browse(client, sort="experience")) == ["Top Tina", "Second Sam"]
    asker_client = app.test_client()
    login(Auth(asker_client), "asker@example.com")
    assert names(browse(asker_client, sort="experience")) == ["Second Sam", "Top Tina"]
    assert names(browse(client, sort="experience")) == ["Top Tina", "Second Sam"]


def test_suggestions_leave_out_those_the_viewer_cannot_ask(app, crowd):
    viewer_id, ids = crowd
    with app.test_request_context(), app.app_context():
        viewer = db.session.get(User, viewer_id)
        found = [card.mentor.name for card in search.suggestions(viewer, "en", limit=3)]
    assert sorted(found) == ASKABLE


def test_the_reasons_in_italian(app, client, auth, crowd):
    viewer_id, _ids = crowd
    with app.app_context():
        db.session.get(User, viewer_id).language = "it"
        db.session.commit()
    login(auth)
    cards = page_cards(browse(client))
    with app.test_request_context(), force_locale("it"):
        expected = {name: gettext(LATER_WORDS[kind]) for name, kind in LATER.items()}
    assert all(expected[name] != LATER_WORDS[kind] for name, kind in LATER.items())
    assert {name: later_reason_of(cards[name]) for name in LATER} == {
        name: str(escape(text)) for name, text in expected.items()}
    assert "Richiesta già inviata — vedi la tua richiesta" in cards["Asked Ann"]
