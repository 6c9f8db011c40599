"""Browsing, searching and matching mentors (issue 4); a page runs as many SQL
statements however many mentors there are.

The score function is tested on its own (`matching.match` and `matching.reasons`); the
list page through the client: every filter alone and combined, the sorts (best match
against the Python score), the cards with their reasons and the reasons a viewer cannot
ask a mentor, the mentor page, pagination, the "what I am looking for" form, the number
of SQL statements per page, and the page in Italian.
"""

import random
import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext, ngettext
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import event, select

from marketplace.accounts.models import User
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.i18n import language_name
from marketplace.mentors import matching
from marketplace.mentors.models import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    REJECTED,
    SUSPENDED,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
)
from marketplace.mentors.search import PER_PAGE
from marketplace.mentorships.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    DECLINED,
    ENDED,
    OPEN,
    WITHDRAWN,
    Mentorship,
    MentorshipRequest,
)
from marketplace.program.models import FocusArea
from marketplace.program.services import settings

from .factories import make_area, make_profile, make_user

VIEWER = "vera@example.com"

# What the app says, in English (the Italian is looked up in the catalog).
OWN_PROFILE = "This is your own profile."
MANAGER = ("This is your manager, or someone above them in your reporting line: ask "
           "someone outside it.")
HAS_MENTORSHIP = "You already have a mentorship with this mentor."
HAS_OPEN_REQUEST = "You already have an open request to this mentor."
PAUSED = "This mentor is not taking new requests at the moment."
FULL = "This mentor has no free places at the moment."
NO_HOURS = "This mentor has no free hours this month."
LIMIT_ONE = ("You already have %(num)d open request, the most allowed. Wait for an answer "
             "or withdraw it first.")
LIMIT_MANY = ("You already have %(num)d open requests, the most allowed. Wait for an answer "
              "or withdraw one first.")
NO_MATCH = "No mentor matches all these filters."
NONE_LISTED = "No mentor is listed yet. Come back soon, or become a mentor yourself."
ASK = "Ask for mentoring"


# Data ---------------------------------------------------------------------------------------
# Call these inside an application context; they commit and return ids.

def add_mentor(name, *, areas, languages=("en", "it"), formats=("video",),
               affiliation="internal", approved_days_ago=None, content=None,
               user_fields=None, **fields):
    """A listed (by default) mentor called `name`, with the given languages and formats."""
    user = make_user(full_name=name, affiliation=affiliation,
                     company="Acme Srl" if affiliation == "external" else None,
                     **(user_fields or {}))
    extra = {"confidentiality": True, "conflicts": "None."} if affiliation == "external" else {}
    profile_id = make_profile(user, areas=areas, content={**extra, **(content or {})},
                              **fields).id
    profile = db.session.get(MentorProfile, profile_id)
    profile.languages = [row for row in profile.languages if row.code in languages] + [
        ProfileLanguage(code=code) for code in languages if code not in profile.language_codes]
    profile.formats = [row for row in profile.formats if row.format in formats] + [
        ProfileFormat(format=code) for code in formats if code not in profile.format_codes]
    if approved_days_ago is not None and profile.approved_at is not None:
        profile.approved_at = utcnow() - timedelta(days=approved_days_ago)
    db.session.commit()
    return profile_id


def add_viewer(email=VIEWER, *, interests=(), hours=None, **fields):
    fields = {"full_name": "Vera Viewer", "region": "dach", "language": "en", **fields}
    user_id = make_user(email=email, desired_hours=hours, **fields).id
    if interests:
        set_interests(user_id, interests)
    return user_id


def set_interests(user_id, area_ids, hours=None):
    user = db.session.get(User, user_id)
    user.interests = [db.session.get(FocusArea, getattr(a, "id", a)) for a in area_ids]
    if hours is not None:
        user.desired_hours = hours
    db.session.commit()


def add_request(mentee_id, profile_id, *, status=OPEN, created_at=None, answered_at=None):
    profile = db.session.get(MentorProfile, profile_id)
    request = MentorshipRequest(
        mentee_id=mentee_id, profile_id=profile_id, area_id=profile.published.areas[0].id,
        goal="Win my first enterprise account.", target_date=date.today() + timedelta(days=180),
        current_situation="Small deals only so far.", success_measures="One signed contract.",
        hours_per_month=2, cadence="monthly", meeting_format="video", status=status,
        created_at=created_at or utcnow(), answered_at=answered_at,
        closed_at=None if status == OPEN else utcnow())
    db.session.add(request)
    db.session.commit()
    return request.id


def add_mentorship(mentee_id, profile_id, *, status=ACTIVE):
    """A mentorship from an accepted request; an active one takes a place and 2 hours."""
    now = utcnow()
    request_id = add_request(mentee_id, profile_id, status=ACCEPTED,
                             created_at=now - timedelta(hours=2), answered_at=now)
    request = db.session.get(MentorshipRequest, request_id)
    today = date.today()
    mentorship = Mentorship(
        request_id=request_id, mentee_id=mentee_id, profile_id=profile_id,
        area_id=request.area_id, goal=request.goal, success_measures=request.success_measures,
        target_date=request.target_date, hours_per_month=2, cadence="monthly",
        meeting_format="video", started_on=today, planned_end_on=add_months(today, 6),
        status=status, ended_at=None if status == ACTIVE else now)
    db.session.add(mentorship)
    if status == ACTIVE:
        profile = db.session.get(MentorProfile, profile_id)
        profile.active_mentees += 1
        profile.committed_hours += 2
    db.session.commit()
    return mentorship.id


def set_fields(model, row_id, **values):
    row = db.session.get(model, row_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


# Reading pages ------------------------------------------------------------------------------

CARD_START = '<li class="card mentor-card">'
CARD_NAME = re.compile(r'<h3><a href="/mentors/(\d+)">(.*?)</a></h3>')
SCORE = re.compile(r'<p class="score">(.*?)</p>')
SCORE_NUMBER = re.compile(r"\D*(\d+)\s?%")


def page_cards(page):
    """{name: the card's HTML}, in the order shown."""
    chunks = page.split(CARD_START)[1:]
    if chunks:
        chunks[-1] = chunks[-1].split("</section>")[0]
    return {unescape(CARD_NAME.search(chunk).group(2)): chunk for chunk in chunks}


def names(page):
    return list(page_cards(page))


def reasons_of(card):
    block = card.split('<div class="reasons">', 1)
    return [unescape(text) for text in re.findall(r"<li>(.*?)</li>", block[1])] if len(
        block) > 1 else []


def blocked_of(card):
    found = re.search(r'<p class="blocked">(.*?)</p>', card, re.S)
    return unescape(found.group(1)) if found else None


def link(page, rel):
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return unescape(found.group(1)) if found else None


def query_of(url):
    return {key: values for key, values in parse_qs(urlsplit(url).query).items()}


def browse(client, **params):
    response = client.get("/mentors", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def login(auth, email=VIEWER):
    response = auth.login(email)
    assert response.status_code == 302, "the login failed"


def translated(app, message, plural=None, num=None, locale="it", **values):
    """What the app shows for `message` in `locale` (its compiled catalog)."""
    with app.test_request_context(), force_locale(locale):
        if plural is None:
            return gettext(message, **values)
        return ngettext(message, plural, num, **values)


def assert_italian_ui(app, page, texts):
    """Each (English, Italian) pair: the Italian differs and is on the page (as the
    templates' `_()` gives it, or escaped when it comes from Python code)."""
    untranslated = [english for english, italian in texts if english == italian]
    assert untranslated == [], "no Italian translation"
    assert [italian for _english, italian in texts
            if italian not in page and str(escape(italian)) not in page] == []


# The score function ---------------------------------------------------------------------

def seeker(areas=(), region=None, language="en", hours=None):
    return matching.Seeker(area_ids=frozenset(areas), region=region, language=language,
                           hours=hours)


def offer(areas=(), region=None, languages=(), has_place=False, free_hours=0):
    return matching.Offer(area_ids=frozenset(areas), region=region,
                          languages=frozenset(languages), has_place=has_place,
                          free_hours=free_hours)


def test_a_perfect_match_scores_100():
    found = matching.match(seeker({1, 2}, "dach", "en", hours=4),
                           offer({1, 2, 3}, "dach", {"en", "de"}, True, 4))
    assert found.score == 100
    assert (found.shared_area_ids, found.same_region, found.shared_language,
            found.has_place, found.hours_fit) == ({1, 2}, True, True, True, True)


def test_nothing_in_common_scores_0():
    found = matching.match(seeker({1}, "dach", "it", hours=5),
                           offer({2}, "france", {"en"}, False, 4))
    assert found.score == 0
    assert (found.shared_area_ids, found.same_region, found.shared_language,
            found.has_place, found.hours_fit) == (frozenset(), False, False, False, False)


@pytest.mark.parametrize(("wanted", "offered", "points"), [
    ({1}, {1}, 40),
    ({1}, {2}, 0),
    ({1, 2}, {1}, 20),
    ({1, 2, 3}, {1}, 13),          # 40 × 1 / 3 = 13.3, rounded down
    ({1, 2, 3}, {1, 2}, 26),       # 26.7, rounded down
    ({1, 2, 3}, {1, 2, 3, 4}, 40),
    ({1, 2, 3, 4, 5, 6, 7}, {1}, 5),
    ({1, 2, 3, 4, 5, 6, 7}, {1, 2, 3}, 17),
])
def test_areas_count_in_proportion_of_the_wanted_ones(wanted, offered, points):
    assert matching.match(seeker(wanted), offer(offered)).score == points


def test_no_interests_gives_no_area_points():
    found = matching.match(seeker(), offer({1, 2, 3}))
    assert found.score == 0
    assert found.shared_area_ids == frozenset()


@pytest.mark.parametrize(("who", "what", "points"), [
    (seeker(language="it"), offer(languages={"en", "it"}), 20),
    (seeker(language="it"), offer(languages={"en"}), 0),
    (seeker(region="dach"), offer(region="dach"), 15),
    (seeker(region="dach"), offer(region="france"), 0),
    (seeker(region=None), offer(region=None), 0),       # nobody's region is not a match
    (seeker(), offer(has_place=True), 15),
    (seeker(hours=3), offer(free_hours=3), 10),
    (seeker(hours=3), offer(free_hours=2), 0),
    (seeker(hours=None), offer(free_hours=1), 10),      # not said: any free hour fits
    (seeker(hours=None), offer(free_hours=0), 0),
])
def test_each_factor_has_its_points(who, what, points):
    assert matching.match(who, what).score == points


@given(wanted=st.frozensets(st.integers(1, 8), max_size=8),
       offered=st.frozensets(st.integers(1, 8), max_size=8),
       region=st.sampled_from([None, "dach", "france"]),
       mentor_region=st.sampled_from([None, "dach", "france"]),
       language=st.sampled_from(["en", "it"]),
       spoken=st.frozensets(st.sampled_from(["en", "it", "de"])),
       has_place=st.booleans(), free_hours=st.integers(0, 40),
       hours=st.one_of(st.none(), st.integers(1, 20)))
def test_the_score_is_the_sum_of_its_factors_within_0_and_100(
        wanted, offered, region, mentor_region, language, spoken, has_place, free_hours,
        hours):
    found = matching.match(seeker(wanted, region, language, hours),
                           offer(offered, mentor_region, spoken, has_place, free_hours))
    areas = 40 * len(wanted & offered) // len(wanted) if wanted else 0
    expected = (areas + 20 * (language in spoken) + 15 * bool(region and region == mentor_region)
                + 15 * has_place + 10 * (free_hours >= (hours or 1)))
    assert found.score == expected
    assert 0 <= found.score <= 100
    who = seeker(wanted, region, language, hours)
    for by_region, by_areas in ((True, False), (False, True), (True, True)):
        # No mentor left out of the region (and of every wanted area) scores more...
        if not ((by_region and region and mentor_region == region)
                or (by_areas and wanted and wanted <= offered)):
            assert found.score <= matching.best_outside(who, by_region, by_areas)
        # ...and one does score that much.
        best = offer(set(sorted(wanted)[1:]) if by_areas else wanted,
                     "elsewhere" if by_region else region, {language}, True, 40)
        assert matching.match(who, best).score == matching.best_outside(
            who, by_region, by_areas)


@pytest.fixture
def named_areas():
    """Unsaved areas, by id, for reasons (which only read names and positions)."""
    return {7: FocusArea(id=7, name_en="Negotiation", name_it="Negoziazione", position=2),
            8: FocusArea(id=8, name_en="Closing", name_it="Chiusura delle trattative",
                         position=1)}


def english_reasons(app, who, what, areas_by_id):
    with app.test_request_context(), force_locale("en"):
        return matching.reasons(matching.match(who, what), who, areas_by_id, "en")


def test_reasons_name_every_factor(app, named_areas):
    who = seeker({7, 8, 9}, "dach", "en", hours=3)
    what = offer({7, 8}, "dach", {"en", "it"}, True, 5)
    assert english_reasons(app, who, what, named_areas) == [
        "Works on 2 of the areas you chose: Closing, Negotiation",   # in taxonomy order
        "Mentors in English",
        "In your region",
        "Has a free place",
        "Has time for the 3 hours a month you want",
    ]


@pytest.mark.parametrize(("who", "what", "expected"), [
    (seeker({7, 8}), offer({7}), ["Works on the area you chose: Negotiation"]),
    (seeker(language="it"), offer(languages={"it"}), ["Mentors in Italian"]),
    (seeker(region="dach"), offer(region="dach"), ["In your region"]),
    (seeker(), offer(has_place=True), ["Has a free place"]),
    (seeker(hours=1), offer(free_hours=1), ["Has time for the 1 hour a month you want"]),
    # Hours the mentee has not stated are not a reason, even when they count.
    (seeker(), offer(free_hours=5), []),
    (seeker({7}, "dach", "en", 5), offer({8}, "france", {"it"}, False, 4), []),
])
def test_each_reason_in_words(app, named_areas, who, what, expected):
    assert english_reasons(app, who, what, named_areas) == expected


def test_reasons_in_italian(app, named_areas):
    who = seeker({7}, "dach", "it", hours=2)
    found = matching.match(who, offer({7}, "dach", {"it"}, True, 2))
    with app.test_request_context(), force_locale("it"):
        words = matching.reasons(found, who, named_areas, "it")
    assert words == [
        translated(app, "Works on the area you chose: %(areas)s",
                   "Works on %(num)d of the areas you chose: %(areas)s", 1,
                   areas="Negoziazione"),
        translated(app, "Mentors in %(language)s",
                   language=language_name("it", "it", capitalize=False)),
        translated(app, "In your region"),
        translated(app, "Has a free place"),
        translated(app, "Has time for the %(num)d hour a month you want",
                   "Has time for the %(num)d hours a month you want", 2),
    ]
    assert "italiano" in words[1]


# Who is listed --------------------------------------------------------------------------

def test_only_listed_mentors_of_active_users_appear(app, client, auth):
    with app.app_context():
        add_viewer()
        area = make_area()
        add_mentor("Listed Lisa", areas=[area])
        for status in (DRAFT, PENDING, CHANGES_REQUESTED, REJECTED, SUSPENDED):
            add_mentor(f"Mentor {status}", areas=[area], status=status)
        gone = add_mentor("Gone Gina", areas=[area])
        set_fields(User, db.session.get(MentorProfile, gone).user_id, active=False)
    login(auth)
    page = browse(client)
    assert names(page) == ["Listed Lisa"]
    assert "1 mentor" in page
    assert client.get(f"/mentors/{gone}").status_code == 404


def test_a_pending_change_does_not_leak_into_the_card(app, client, auth):
    with app.app_context():
        add_viewer()
        area, other = make_area("Negotiation"), make_area("Closing")
        profile_id = add_mentor("Paolo Published", areas=[area],
                                content={"headline_en": "Published headline"})
        pending = ProfileRevision(profile_id=profile_id, number=2, status=PENDING,
                                  headline_en="Unvetted headline", bio_en="Unvetted bio " * 8,
                                  affiliation="external", company="Rival Srl",
                                  submitted_at=utcnow())
        pending.areas = [db.session.get(FocusArea, other.id)]
        db.session.add(pending)
        db.session.commit()
    login(auth)
    card = page_cards(browse(client))["Paolo Published"]
    assert "Published headline" in card and "Negotiation" in card and "Internal" in card
    assert "Unvetted" not in card and "Closing" not in card and "External" not in card
    # Nor is the pending content searchable or filterable.
    assert names(browse(client, q="Unvetted")) == []
    assert names(browse(client, area=other.id)) == []
    assert names(browse(client, affiliation="external")) == []
    assert names(browse(client, affiliation="internal")) == ["Paolo Published"]
    page = client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    assert "Published headline" in page and "Unvetted" not in page


# Filters --------------------------------------------------------------------------------

@pytest.fixture
def searchable(app):
    """Mentors with words in different places, for the free-text search."""
    with app.app_context():
        add_viewer()
        area = make_area()
        add_mentor("Anna Rossi", areas=[area], content={"headline_en": "Enterprise deals"})
        add_mentor("Bruno Bianchi", areas=[area],
                   content={"headline_en": "Renewals", "headline_it": "Trattative complesse"})
        add_mentor("Carla Verdi", areas=[area],
                   content={"headline_en": "Field sales",
                            "bio_en": "Twenty years selling to PHARMACEUTICAL companies. " * 2})
        add_mentor("Dario Neri", areas=[area],
                   content={"headline_en": "Retail", "bio_en": "Short intro. " * 8,
                            "bio_it": "Vent'anni nel settore farmaceutico e nella grande "
                                      "distribuzione, dal primo contatto al rinnovo."})
        add_mentor("Elena Gialli", areas=[area],
                   content={"headline_en": "Beat 100% of quota five years running"})
        add_mentor("Fabio Blu", areas=[area], content={"headline_en": "Sold 1000 licences"})


@pytest.mark.parametrize(("q", "expected"), [
    ("anna", ["Anna Rossi"]),                      # name, any case
    ("ROSSI", ["Anna Rossi"]),
    ("enterprise", ["Anna Rossi"]),                # English headline
    ("trattative", ["Bruno Bianchi"]),             # Italian headline
    ("pharmaceutical", ["Carla Verdi"]),           # English bio, any case
    ("FARMACEUTICO", ["Dario Neri"]),              # Italian bio
    ("  anna  ", ["Anna Rossi"]),                  # trimmed
    ("ent", ["Anna Rossi"]),                       # the start of a word
    ("ossi", []),                                  # not inside one
    ("anna enterprise", ["Anna Rossi"]),           # every word, wherever it is
    ("rossi renewals", []),
    ("Vent'anni", ["Dario Neri"]),                 # punctuation separates words
    ("100%", ["Elena Gialli", "Fabio Blu"]),       # "100" starts "100" and "1000"
    ("100%quota", ["Elena Gialli"]),
    ("_", []),                                     # no word at all: nobody
    ("%", []),
    ("1_0", []),
    ('"quota" OR *', []),                          # no query syntax: words only
    ("nobody", []),
])
def test_search_by_text(client, auth, searchable, q, expected):
    login(auth)
    assert sorted(names(browse(client, q=q))) == expected


def test_empty_search_lists_everyone(client, auth, searchable):
    login(auth)
    assert len(names(browse(client, q=""))) == 6


# One mentor meets every filter below; each other one misses exactly one of them.
FILTERS = {"region": "dach", "language": "de", "affiliation": "internal",
           "format": "in_person", "available": "y", "min_years": "10"}
MISSES = {"region": ["Wrong Region"], "language": ["Wrong Language"],
          "affiliation": ["Wrong Affiliation"], "format": ["Wrong Format"],
          "available": ["Full Fiona", "Paused Paul", "Busy Bea"], "min_years": ["Junior Jo"],
          "area": ["Wrong Area"]}
EVERYONE = ["Ideal Ida", *(name for missing in MISSES.values() for name in missing)]


@pytest.fixture
def grid(app):
    """The ideal mentor, the ones that miss one filter each; the filters as a query."""
    with app.app_context():
        add_viewer()
        area, other = make_area("Negotiation"), make_area("Closing")
        ideal = {"areas": [area], "region": "dach", "languages": ("de", "en"),
                 "formats": ("in_person", "video"), "affiliation": "internal",
                 "capacity": 3, "active_mentees": 1, "monthly_hours": 6,
                 "committed_hours": 2, "accepting": True, "years_experience": 10}

        def variant(name, **changes):
            add_mentor(name, **{**ideal, **changes})

        variant("Ideal Ida")
        variant("Wrong Region", region="france")
        variant("Wrong Language", languages=("en", "it"))
        variant("Wrong Affiliation", affiliation="external")
        variant("Wrong Format", formats=("video", "phone"))
        variant("Full Fiona", active_mentees=3)
        variant("Paused Paul", accepting=False)
        variant("Busy Bea", committed_hours=6)
        variant("Junior Jo", years_experience=9)
        variant("Wrong Area", areas=[other])
        return {**FILTERS, "area": str(area.id)}


@pytest.mark.parametrize("name", [*FILTERS, "area"])
def test_each_filter_alone(client, auth, grid, name):
    login(auth)
    found = names(browse(client, **{name: grid[name]}))
    assert sorted(found) == sorted(set(EVERYONE) - set(MISSES[name]))


def test_filters_combine(client, auth, grid):
    login(auth)
    assert names(browse(client, **grid)) == ["Ideal Ida"]
    assert names(browse(client, **grid, q="ida")) == ["Ideal Ida"]
    assert names(browse(client, **grid, q="fiona")) == []
    assert sorted(names(browse(client, region="dach", language="de", format="in_person"))) == [
        name for name in sorted(EVERYONE)
        if name not in ("Wrong Region", "Wrong Language", "Wrong Format")]


def test_the_other_value_of_each_filter(client, auth, grid):
    login(auth)
    assert names(browse(client, region="france")) == ["Wrong Region"]
    assert names(browse(client, affiliation="external")) == ["Wrong Affiliation"]
    assert names(browse(client, format="phone")) == ["Wrong Format"]
    assert names(browse(client, language="fr")) == []
    assert sorted(names(browse(client, min_years="9"))) == sorted(EVERYONE)
    assert names(browse(client, min_years="11")) == []


def test_affiliation_is_the_published_one(app, client, auth):
    """An internal employee whose vetted profile says external is listed as external."""
    with app.app_context():
        add_viewer()
        area = make_area()
        profile_id = add_mentor("Olga Outside", areas=[area])
        revision = db.session.get(MentorProfile, profile_id).published
        revision.affiliation, revision.company = "external", "Acme Srl"
        db.session.commit()
    login(auth)
    assert names(browse(client, affiliation="external")) == ["Olga Outside"]
    assert names(browse(client, affiliation="internal")) == []
    assert "External" in page_cards(browse(client))["Olga Outside"]


@pytest.mark.parametrize("bad", [
    {"area": "abc"}, {"area": "999999"}, {"area": "1 OR 1=1"}, {"region": "mars"},
    {"language": "xx"}, {"format": "fax"}, {"affiliation": "both"}, {"min_years": "-5"},
    {"min_years": "abc"}, {"min_years": "61"}, {"sort": "bogus"}, {"page": "0"},
    {"page": "-1"}, {"page": "abc"}, {"q": "x" * 5000},
])
def test_invalid_values_are_ignored(client, auth, grid, bad):
    login(auth)
    response = client.get("/mentors", query_string=bad)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = names(page)
    if "q" in bad:
        assert found == []      # cut to 100 characters and searched
    else:
        assert found == names(browse(client)), "the value should be ignored"
        assert NONE_LISTED not in page and NO_MATCH not in page


def test_invalid_value_does_not_cancel_the_valid_ones(client, auth, grid):
    login(auth)
    assert sorted(names(browse(client, region="dach", language="de", format="in_person",
                        affiliation="internal", available="y", min_years="-5",
                        area="abc", sort="bogus"))) == ["Ideal Ida", "Junior Jo", "Wrong Area"]


# Sorts ----------------------------------------------------------------------------------

@pytest.fixture
def sortable(app):
    """Mentors whose order differs in each sort."""
    with app.app_context():
        add_viewer()
        area = make_area()
        common = {"areas": [area], "capacity": 3, "monthly_hours": 10}
        add_mentor("Old Hand", years_experience=30, approved_days_ago=40, active_mentees=2,
                   **common)
        add_mentor("Fresh Face", years_experience=2, approved_days_ago=1, **common)
        add_mentor("Middle Max", years_experience=12, approved_days_ago=20,
                   committed_hours=6, **common)
        add_mentor("Middle Mia", years_experience=12, approved_days_ago=10,
                   committed_hours=8, **common)
        add_mentor("Booked Bo", years_experience=20, approved_days_ago=5, active_mentees=3,
                   committed_hours=6, **common)


@pytest.mark.parametrize(("sort", "expected"), [
    # Years, then newest first among equals; Booked Bo, full, comes after whatever the sort.
    ("experience", ["Old Hand", "Middle Mia", "Middle Max", "Fresh Face", "Booked Bo"]),
    # Free places, then free hours.
    ("availability", ["Fresh Face", "Middle Max", "Middle Mia", "Old Hand", "Booked Bo"]),
    ("newest", ["Fresh Face", "Middle Mia", "Middle Max", "Old Hand", "Booked Bo"]),
])
def test_sorts(client, auth, sortable, sort, expected):
    login(auth)
    assert names(browse(client, sort=sort)) == expected


def python_order(app, viewer_id):
    """Every listed mentor as [(name, score)], by `matching.match` for the viewer, ties
    newest first, mentors the viewer cannot ask (paused or full here) after the others:
    built here from the rows, independently of the search module."""
    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        who = matching.Seeker(area_ids=frozenset(a.id for a in viewer.interests),
                              region=viewer.region, language=viewer.language,
                              hours=viewer.desired_hours)
        rows = db.session.scalars(
            select(MentorProfile).join(User, User.id == MentorProfile.user_id)
            .where(MentorProfile.status == APPROVED, User.active.is_(True))).all()
        scored = []
        for profile in rows:
            what = matching.Offer(
                area_ids=frozenset(a.id for a in profile.published.areas),
                region=profile.region, languages=frozenset(profile.language_codes),
                has_place=profile.accepting and profile.capacity > profile.active_mentees,
                free_hours=max(profile.monthly_hours - profile.committed_hours, 0))
            askable = (profile.accepting and profile.capacity > profile.active_mentees
                       and profile.monthly_hours > profile.committed_hours)
            scored.append((askable, matching.match(who, what).score, profile.approved_at,
                           profile.id, profile.user.full_name))
    scored.sort(key=lambda row: row[:4], reverse=True)
    return [(name, score) for _askable, score, _approved, _id, name in scored]


def shown_order(client, **params):
    """Every mentor as [(name, score shown)], page after page."""
    shown, page_number = [], 1
    while True:
        page = browse(client, page=page_number, **params)
        for name, card in page_cards(page).items():
            score = SCORE_NUMBER.fullmatch(SCORE.search(card).group(1))
            shown.append((name, int(score.group(1))))
        if not link(page, "next"):
            return shown
        page_number += 1


@pytest.mark.parametrize(("interests", "region", "language", "hours"), [
    (0, "dach", "en", None),
    (1, "france", "it", 3),
    (2, "dach", "en", 5),
    (3, "iberia", "it", None),
    (6, "dach", "en", 8),
])
def test_best_match_order_is_the_python_score(app, client, auth, interests, region, language,
                                              hours):
    """The SQL ranking and `matching.match` agree on a varied data set, over two pages."""
    rng = random.Random(20260401 + interests)
    with app.app_context():
        areas = [make_area() for _ in range(6)]
        viewer_id = add_viewer(interests=areas[:interests], hours=hours, region=region,
                               language=language)
        for number in range(20):
            capacity = rng.randint(1, 4)
            monthly = rng.randint(2, 10)
            add_mentor(f"Mentor {number:02}", areas=rng.sample(areas, rng.randint(1, 4)),
                       region=rng.choice(["dach", "france", "iberia"]),
                       languages=tuple(sorted(rng.sample(["en", "it", "de"], rng.randint(1, 2)))),
                       capacity=capacity, active_mentees=rng.randint(0, capacity),
                       monthly_hours=monthly, committed_hours=rng.randint(0, monthly),
                       accepting=rng.random() > 0.2, approved_days_ago=rng.randint(0, 5))
    login(auth)
    expected = python_order(app, viewer_id)
    assert len({score for _name, score in expected}) > 4, "the data set is not varied enough"
    assert shown_order(client) == expected
    assert shown_order(client, sort="match") == expected


def test_best_match_ties_follow_the_python_score(app, client, auth):
    """Equal scores come newest first. With 7 wanted areas, 1 shared area is worth
    40 × 1 // 7 = 5 points, so both mentors score 20 and the newer one comes first."""
    with app.app_context():
        areas = [make_area() for _ in range(7)]
        viewer_id = add_viewer(interests=areas, region="dach", language="en")
        # 5 (one area of seven) + 15 (region) = 20; no language, place or hours.
        add_mentor("Older Area", areas=[areas[0]], region="dach", languages=("fr",),
                   accepting=False, committed_hours=4, monthly_hours=4, approved_days_ago=9)
        # 20 (language) = 20; no area, region, place or hours.
        add_mentor("Newer Language", areas=[make_area()], region="france",
                   languages=("en",), accepting=False, committed_hours=4, monthly_hours=4,
                   approved_days_ago=1)
    login(auth)
    expected = python_order(app, viewer_id)
    assert expected == [("Newer Language", 20), ("Older Area", 20)]
    assert shown_order(client) == expected


# Cards ----------------------------------------------------------------------------------

def test_a_card_shows_the_mentor(app, client, auth):
    with app.app_context():
        negotiation, closing = make_area("Negotiation"), make_area("Closing")
        add_viewer(interests=[negotiation], hours=2, region="dach")
        add_mentor("Marco Mentor", areas=[negotiation, closing], region="dach",
                   languages=("de", "en"), years_experience=15, capacity=3,
                   active_mentees=1, monthly_hours=8, committed_hours=2,
                   content={"headline_en": "Enterprise deals in manufacturing"})
        add_mentor("Xenia External", areas=[closing], affiliation="external",
                   years_experience=1, capacity=1, active_mentees=1, region="france",
                   languages=("it",), monthly_hours=4, committed_hours=4)
    login(auth)
    cards = page_cards(browse(client))
    marco = cards["Marco Mentor"]
    assert "Enterprise deals in manufacturing" in marco
    assert ">Negotiation<" in marco and ">Closing<" in marco
    assert "Germany, Austria and Switzerland" in marco
    assert "German, English" in marco
    assert ">Internal<" in marco and ">External<" not in marco
    assert "15 years" in marco
    assert "2 of 3 places free" in marco and "Paused" not in marco
    assert "No requests answered yet" in marco
    # 40 (1 of 1 area) + 20 (English) + 15 (region) + 15 (place) + 10 (hours).
    assert "Match 100%" in marco
    # At most three reasons on a card, the weightiest first (the page has them all).
    assert reasons_of(marco) == ["Works on the area you chose: Negotiation",
                                 "Mentors in English", "In your region"]
    assert blocked_of(marco) is None
    xenia = cards["Xenia External"]
    assert ">External<" in xenia and "1 year" in xenia and "Full" in xenia
    assert "Match 0%" in xenia and reasons_of(xenia) == []
    assert blocked_of(xenia) == FULL
    assert list(cards) == ["Marco Mentor", "Xenia External"]


def test_a_paused_mentor_is_marked(app, client, auth):
    with app.app_context():
        add_viewer()
        area = make_area()
        add_mentor("Paused Pia", areas=[area], accepting=False, capacity=2)
        add_mentor("Paused Full Pat", areas=[area], accepting=False, capacity=1,
                   active_mentees=1)
    login(auth)
    cards = page_cards(browse(client))
    assert "2 of 2 places free · Paused" in cards["Paused Pia"]
    assert "Has a free place" not in reasons_of(cards["Paused Pia"])
    assert blocked_of(cards["Paused Pia"]) == PAUSED
    assert "Full · Paused" in cards["Paused Full Pat"]
    assert blocked_of(cards["Paused Full Pat"]) == PAUSED


@pytest.mark.parametrize(("language", "content", "shown", "hidden"), [
    ("en", {"headline_en": "Deals", "headline_it": "Trattative"}, "Deals", "Trattative"),
    ("it", {"headline_en": "Deals", "headline_it": "Trattative"}, "Trattative", "Deals"),
    ("it", {"headline_en": "Deals", "headline_it": None}, "Deals", None),
    ("en", {"headline_en": None, "headline_it": "Trattative"}, "Trattative", None),
])
def test_the_headline_in_the_viewers_language(app, client, auth, language, content, shown,
                                              hidden):
    with app.app_context():
        add_viewer(language=language)
        add_mentor("Head Line", areas=[make_area()], content=content)
    login(auth)
    headline = re.search(r'<p class="headline">(.*?)</p>',
                         page_cards(browse(client))["Head Line"]).group(1)
    assert headline == shown
    assert hidden is None or hidden not in headline


def test_typical_answer_time(app, client, auth):
    now = utcnow()
    with app.app_context():
        viewer_id = add_viewer()
        area = make_area()
        mentee = make_user().id
        new = add_mentor("New Nina", areas=[area])
        add_request(mentee, new)                       # open: no answer yet
        quick = add_mentor("Quick Quinn", areas=[area])
        slow = add_mentor("Slow Sam", areas=[area])
        odd = add_mentor("Even Eve", areas=[area])
        ago = now - timedelta(days=30)
        for hours in (1, 20, 200):                     # median 20 h: within a day
            add_request(mentee, quick, status=DECLINED, created_at=ago,
                        answered_at=ago + timedelta(hours=hours))
        for hours in (2, 50, 100):                     # median 50 h: within 3 days
            add_request(mentee, slow, status=ACCEPTED, created_at=ago,
                        answered_at=ago + timedelta(hours=hours))
        for hours in (30, 40):                         # median 35 h: within 2 days
            add_request(mentee, odd, status=DECLINED, created_at=ago,
                        answered_at=ago + timedelta(hours=hours))
        # Withdrawn and open requests of others have no answer time and do not count.
        add_request(mentee, slow, status=WITHDRAWN, created_at=ago - timedelta(days=20))
        add_request(viewer_id, quick, created_at=ago - timedelta(days=40))
    login(auth)
    cards = page_cards(browse(client))
    assert "No requests answered yet" in cards["New Nina"]
    assert "Usually answers within a day" in cards["Quick Quinn"]
    assert "Usually answers within 3 days" in cards["Slow Sam"]
    assert "Usually answers within 2 days" in cards["Even Eve"]
    page = client.get(f"/mentors/{slow}").get_data(as_text=True)
    assert "Usually answers within 3 days" in page


@pytest.fixture
def blocked(app):
    """A viewer with a manager chain, and a mentor for each reason they cannot ask."""
    with app.app_context():
        area = make_area()
        big_boss = make_user(full_name="Big Boss").id
        boss = make_user(full_name="Bossy Boss", manager_id=big_boss).id
        viewer_id = add_viewer(manager_id=boss, interests=[area])
        viewer = db.session.get(User, viewer_id)
        ids = {
            "Vera Viewer": make_profile(viewer, areas=[area], capacity=3).id,
            "Bossy Boss": make_profile(db.session.get(User, boss), areas=[area]).id,
            "Big Boss": make_profile(db.session.get(User, big_boss), areas=[area]).id,
        }
        ids["Full Fred"] = add_mentor("Full Fred", areas=[area], capacity=1, active_mentees=1)
        ids["Paused Pam"] = add_mentor("Paused Pam", areas=[area], accepting=False)
        ids["Busy Bill"] = add_mentor("Busy Bill", areas=[area], committed_hours=4,
                                      monthly_hours=4)
        ids["Asked Ann"] = add_mentor("Asked Ann", areas=[area])
        add_request(viewer_id, ids["Asked Ann"])
        ids["Mentoring Mo"] = add_mentor("Mentoring Mo", areas=[area], capacity=3)
        add_mentorship(viewer_id, ids["Mentoring Mo"])
        # Closed requests and finished mentorships do not stand in the way.
        ids["Free Fay"] = add_mentor("Free Fay", areas=[area], capacity=3)
        add_request(viewer_id, ids["Free Fay"], status=DECLINED, answered_at=utcnow())
        add_request(viewer_id, ids["Free Fay"], status=WITHDRAWN)
        add_mentorship(viewer_id, ids["Free Fay"], status=COMPLETED)
        add_mentorship(viewer_id, ids["Free Fay"], status=ENDED)
        # Someone else's manager is fine to ask.
        other_boss = make_user(full_name="Other Boss").id
        make_user(manager_id=other_boss)
        ids["Other Boss"] = make_profile(db.session.get(User, other_boss), areas=[area]).id
        return ids


BLOCKED_BECAUSE = {"Vera Viewer": OWN_PROFILE, "Bossy Boss": MANAGER, "Big Boss": MANAGER,
                   "Full Fred": FULL, "Paused Pam": PAUSED, "Busy Bill": NO_HOURS,
                   "Asked Ann": HAS_OPEN_REQUEST, "Mentoring Mo": HAS_MENTORSHIP,
                   "Free Fay": None, "Other Boss": None}


def test_mentors_the_viewer_cannot_ask_are_marked_not_dropped(client, auth, blocked):
    login(auth)
    cards = page_cards(browse(client))
    assert {name: blocked_of(card) for name, card in cards.items()} == BLOCKED_BECAUSE


@pytest.mark.parametrize("name", list(BLOCKED_BECAUSE))
def test_the_mentor_page_offers_the_request_or_says_why_not(client, auth, blocked, name):
    login(auth)
    page = client.get(f"/mentors/{blocked[name]}").get_data(as_text=True)
    request_link = f'href="/mentors/{blocked[name]}/request"'
    if BLOCKED_BECAUSE[name] is None:
        assert request_link in page and ASK in page
        assert '<p class="blocked">' not in page
    else:
        assert str(escape(BLOCKED_BECAUSE[name])) in page
        assert request_link not in page and ASK not in page


@pytest.mark.parametrize(("limit", "open_requests"), [(None, 3), (1, 1), (5, 5)])
def test_the_open_request_limit(app, client, auth, limit, open_requests):
    """At the program's limit (3 by default), every other mentor says so."""
    with app.app_context():
        if limit is not None:
            settings().max_open_requests = limit
            db.session.commit()
        area = make_area()
        viewer_id = add_viewer()
        for number in range(open_requests):
            add_request(viewer_id, add_mentor(f"Asked {number}", areas=[area]))
        someone = add_mentor("Someone Else", areas=[area])
        add_mentor("Paused Too", areas=[area], accepting=False)
    login(auth)
    cards = page_cards(browse(client))
    expected = (LIMIT_ONE if open_requests == 1 else LIMIT_MANY) % {"num": open_requests}
    assert blocked_of(cards["Someone Else"]) == expected
    assert blocked_of(cards["Paused Too"]) == PAUSED     # its own reason comes first
    assert blocked_of(cards["Asked 0"]) == HAS_OPEN_REQUEST
    page = client.get(f"/mentors/{someone}").get_data(as_text=True)
    assert str(escape(expected)) in page and ASK not in page


def test_one_request_below_the_limit_still_allows_asking(app, client, auth):
    with app.app_context():
        area = make_area()
        viewer_id = add_viewer()
        for number in range(2):
            add_request(viewer_id, add_mentor(f"Asked {number}", areas=[area]))
        add_mentor("Someone Else", areas=[area])
    login(auth)
    assert blocked_of(page_cards(browse(client))["Someone Else"]) is None


# The mentor page ------------------------------------------------------------------------

def test_the_mentor_page(app, client, auth):
    with app.app_context():
        negotiation = make_area("Negotiation")
        add_viewer(interests=[negotiation], region="dach", hours=2)
        profile_id = add_mentor("Marco Mentor", areas=[negotiation], region="dach",
                                capacity=5, monthly_hours=20)
        for status in (COMPLETED, COMPLETED, ENDED, ACTIVE):
            add_mentorship(make_user().id, profile_id, status=status)
        mentee = make_user().id
        ago = utcnow() - timedelta(days=60)
        add_request(mentee, profile_id, status=DECLINED, created_at=ago,
                    answered_at=ago + timedelta(days=4, hours=1))
    login(auth)
    page = client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    assert "4 of 5 places free" in page
    assert re.search(r"Mentees who reached their goal</dt><dd>2</dd>", page)
    # Four answers: three mentorships within minutes, one decline after 4 days.
    assert "Usually answers within a day" in page
    assert "Match 100%" in page
    for reason in ("Works on the area you chose: Negotiation", "Mentors in English",
                   "In your region", "Has a free place",
                   "Has time for the 2 hours a month you want"):
        assert f"<li>{reason}</li>" in page
    assert f'href="/mentors/{profile_id}/request"' in page and ASK in page


def test_a_new_mentor_page(app, client, auth):
    with app.app_context():
        add_viewer()
        profile_id = add_mentor("Nora New", areas=[make_area()], capacity=1, active_mentees=1)
    login(auth)
    page = client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    assert "No requests answered yet" in page and "Full" in page
    assert re.search(r"Mentees who reached their goal</dt><dd>0</dd>", page)
    assert str(escape(FULL)) in page and ASK not in page


# Pagination and empty lists -------------------------------------------------------------

def test_twelve_a_page_and_the_links_keep_every_filter(app, client, auth):
    with app.app_context():
        add_viewer()
        area = make_area()
        for number in range(PER_PAGE + 1):
            add_mentor(f"Seller {number:02}", areas=[area], region="dach",
                       languages=("de", "en"), formats=("in_person",), capacity=3,
                       years_experience=10 + number, approved_days_ago=number)
        add_mentor("Elsewhere Ed", areas=[area], region="france")
    filters = {"q": "seller", "area": str(area.id), "region": "dach", "language": "de",
               "affiliation": "internal", "format": "in_person", "available": "y",
               "min_years": "10", "sort": "experience"}
    login(auth)
    first = browse(client, **filters)
    assert names(first) == [f"Seller {n:02}" for n in range(PER_PAGE, 0, -1)]
    assert "13 mentors" in first and "Page 1 of 2" in first
    assert link(first, "prev") is None
    following = link(first, "next")
    assert urlsplit(following).path == "/mentors"
    assert query_of(following) == {**{k: [v] for k, v in filters.items()}, "page": ["2"]}
    second = client.get(following).get_data(as_text=True)
    assert names(second) == ["Seller 00"]
    assert "13 mentors" in second and "Page 2 of 2" in second
    assert link(second, "next") is None
    assert query_of(link(second, "prev")) == {**{k: [v] for k, v in filters.items()},
                                              "page": ["1"]}
    # Without filters, all 14 over two pages, and no filter in the links.
    unfiltered = browse(client)
    assert len(names(unfiltered)) == PER_PAGE and "14 mentors" in unfiltered
    assert query_of(link(unfiltered, "next")) == {"page": ["2"], "sort": ["match"]}


def test_one_page_has_no_pagination(app, client, auth):
    with app.app_context():
        add_viewer()
        area = make_area()
        for number in range(PER_PAGE):
            add_mentor(f"Seller {number:02}", areas=[area])
    login(auth)
    page = browse(client)
    assert len(names(page)) == PER_PAGE and "12 mentors" in page
    assert 'class="pagination"' not in page


def test_a_page_past_the_end(app, client, auth):
    """A page number past the last page is ignored: mentors exist, so the list must not
    claim that no mentor is listed."""
    with app.app_context():
        add_viewer()
        area = make_area()
        for number in range(PER_PAGE + 1):
            add_mentor(f"Seller {number:02}", areas=[area])
    login(auth)
    page = browse(client, page=999)
    assert NONE_LISTED not in page and NO_MATCH not in page
    assert names(page)


def test_no_result_with_filters_offers_to_clear_them(app, client, auth):
    with app.app_context():
        add_viewer()
        add_mentor("Only Olivia", areas=[make_area()], region="dach")
    login(auth)
    page = browse(client, region="france", q="olivia", sort="newest")
    assert names(page) == []
    assert NO_MATCH in page and NONE_LISTED not in page
    clear = re.search(r'<a class="button button-secondary" href="([^"]+)">Clear the filters</a>',
                      page).group(1)
    assert urlsplit(unescape(clear)).path == "/mentors"
    assert set(query_of(unescape(clear))) <= {"sort"}
    assert names(client.get(unescape(clear)).get_data(as_text=True)) == ["Only Olivia"]


def test_no_mentor_listed_says_so(app, client, auth):
    with app.app_context():
        add_viewer()
        add_mentor("Draft Dan", areas=[make_area()], status=DRAFT)
    login(auth)
    page = browse(client)
    assert NONE_LISTED in page and NO_MATCH not in page
    assert "Clear the filters" not in page and 'class="pagination"' not in page


def test_browsing_needs_a_login(client):
    response = client.get("/mentors")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/login"


# What the viewer is looking for -----------------------------------------------------------

@pytest.fixture
def looking(app):
    """A viewer with no interests yet, and two mentors on different areas."""
    with app.app_context():
        negotiation, closing = make_area("Negotiation"), make_area("Closing")
        viewer_id = add_viewer(region="france")
        add_mentor("Nego Nick", areas=[negotiation], region="dach", languages=("de",),
                   monthly_hours=4)
        add_mentor("Close Cleo", areas=[closing], region="dach", languages=("de",),
                   monthly_hours=10)
        return {"viewer": viewer_id, "negotiation": negotiation.id, "closing": closing.id}


def scores(client):
    return {name: SCORE.search(card).group(1)
            for name, card in page_cards(browse(client)).items()}


def viewer_wants(app, viewer_id):
    with app.app_context():
        user = db.session.get(User, viewer_id)
        return sorted(area.id for area in user.interests), user.desired_hours


def test_looking_for_changes_the_scores(app, client, auth, looking):
    login(auth)
    page = browse(client)
    assert "What I am looking for" in page and "/account/looking-for" in page
    # Place 15 + any free hour 10.
    assert scores(client) == {"Nego Nick": "Match 25%", "Close Cleo": "Match 25%"}
    form = client.get("/account/looking-for")
    assert form.status_code == 200
    response = client.submit("/account/looking-for", data={
        "interests": [str(looking["negotiation"])], "desired_hours": "6"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/mentors"
    assert viewer_wants(app, looking["viewer"]) == ([looking["negotiation"]], 6)
    # Nick: area 40 + place 15 (4 hours < 6); Cleo: place 15 + hours 10.
    assert scores(client) == {"Nego Nick": "Match 55%", "Close Cleo": "Match 25%"}
    assert names(browse(client)) == ["Nego Nick", "Close Cleo"]
    response = client.submit("/account/looking-for", data={
        "interests": [str(looking["negotiation"]), str(looking["closing"])],
        "desired_hours": ""})
    assert response.status_code == 302
    assert viewer_wants(app, looking["viewer"]) == (
        sorted([looking["negotiation"], looking["closing"]]), None)
    # Half the areas each: 20 + place 15 + any free hour 10.
    assert scores(client) == {"Nego Nick": "Match 45%", "Close Cleo": "Match 45%"}
    assert "Works on the area you chose: Closing" in page_cards(browse(client))["Close Cleo"]


def test_looking_for_shows_what_was_saved(app, client, auth, looking):
    with app.app_context():
        set_interests(looking["viewer"], [looking["closing"]], hours=7)
    login(auth)
    page = client.get("/account/looking-for").get_data(as_text=True)
    assert re.search(rf'<input[^>]*checked[^>]*value="{looking["closing"]}"|'
                     rf'<input[^>]*value="{looking["closing"]}"[^>]*checked', page)
    assert not re.search(rf'<input[^>]*value="{looking["negotiation"]}"[^>]*checked', page)
    assert 'value="7"' in page


@pytest.mark.parametrize("hours", ["0", "21", "-1", "abc"])
def test_looking_for_refuses_hours_out_of_range(app, client, auth, looking, hours):
    login(auth)
    response = client.submit("/account/looking-for", data={
        "interests": [str(looking["negotiation"])], "desired_hours": hours})
    assert response.status_code == 422
    assert 'class="field-errors"' in response.get_data(as_text=True)
    assert viewer_wants(app, looking["viewer"]) == ([], None)


def test_looking_for_refuses_an_unknown_area(app, client, auth, looking):
    login(auth)
    response = client.submit("/account/looking-for",
                             data={"interests": ["999999"], "desired_hours": "3"})
    assert response.status_code == 422
    assert viewer_wants(app, looking["viewer"]) == ([], None)


@pytest.mark.parametrize(("target", "expected"), [
    ("/mentors?q=nick&region=dach", "/mentors?q=nick&region=dach"),
    ("https://evil.com", "/mentors"),
    ("//evil.com", "/mentors"),
    ("/\\evil.com", "/mentors"),
    ("javascript:alert(1)", "/mentors"),
])
def test_looking_for_goes_back_to_a_safe_next(app, client, auth, looking, target, expected):
    login(auth)
    response = client.submit("/account/looking-for", query_string={"next": target},
                             data={"interests": [str(looking["closing"])], "desired_hours": "2"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path + (f"?{location.query}" if location.query else "") == expected


def test_looking_for_needs_a_csrf_token(app, client, auth, looking):
    login(auth)
    response = client.post("/account/looking-for",
                           data={"interests": [str(looking["closing"])], "desired_hours": "2"})
    assert response.status_code == 400
    assert viewer_wants(app, looking["viewer"]) == ([], None)


# Efficiency -----------------------------------------------------------------------------

class StatementCounter:
    """Counts the SQL statements the app's engine runs while active."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements = []

    def _record(self, _connection, _cursor, statement, *_args):
        self.statements.append(statement)

    def count(self, client, url):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        try:
            response = client.get(url)
        finally:
            event.remove(self.engine, "before_cursor_execute", self._record)
        assert response.status_code == 200
        return len(self.statements), response.get_data(as_text=True)


def test_the_list_runs_the_same_number_of_queries_whatever_its_size(app, client, auth):
    """A viewer with interests, a manager chain, open requests and a mentorship: the
    statements for a page do not grow with the number of mentors on it.

    (The managers are not mentors here: the reporting line is loaded one manager at a
    time, and a manager whose profile is on the page is then found without a query.)
    Nothing is remembered between requests here (see test_listing for what is), so each
    count is the whole cost."""
    app.extensions["listing_remembered"] = None
    with app.app_context():
        settings()      # the migrations create the settings row
        db.session.commit()
        areas = [make_area() for _ in range(3)]
        top = make_user().id
        boss = make_user(manager_id=top).id
        viewer_id = add_viewer(interests=areas[:2], hours=3, manager_id=boss)
        mentee = make_user().id
        made = []

        def add(count):
            for _ in range(count):
                number = len(made)
                profile_id = add_mentor(
                    f"Mentor {number:02}", areas=areas[: 1 + number % 3], capacity=3,
                    languages=(("en", "it"), ("de",), ("en", "fr", "de"))[number % 3],
                    formats=(("video",), ("phone", "in_person"))[number % 2],
                    approved_days_ago=number)
                ago = utcnow() - timedelta(days=10)
                add_request(mentee, profile_id, status=DECLINED, created_at=ago,
                            answered_at=ago + timedelta(hours=number))
                made.append(profile_id)

        add(3)
        add_request(viewer_id, made[0])
        add_request(viewer_id, made[2])
        add_mentorship(viewer_id, made[1])
    login(auth)
    counter = StatementCounter(app)
    url = f"/mentors?area={areas[0].id}&sort=match"
    few, page = counter.count(client, url)
    assert len(names(page)) == 3
    with app.app_context():
        add(PER_PAGE - 3)
    full, page = counter.count(client, url)
    assert len(names(page)) == PER_PAGE
    assert full == few, counter.statements
    with app.app_context():
        add(30 - len(made))
    for number in (1, 2, 3):
        many, page = counter.count(client, f"{url}&page={number}")
        assert names(page)
        assert many == few, (number, counter.statements)
    for sort in ("experience", "availability", "newest"):
        assert counter.count(client, f"/mentors?sort={sort}&available=y&language=de")[0] == few


def test_the_mentor_page_runs_a_fixed_number_of_queries(app, client, auth):
    with app.app_context():
        settings()
        db.session.commit()
        area = make_area()
        viewer_id = add_viewer(interests=[area])
        quiet = add_mentor("Quiet Quentin", areas=[area], capacity=10)
        busy = add_mentor("Busy Bella", areas=[area], capacity=10, monthly_hours=20)
        for _ in range(6):
            add_mentorship(make_user().id, busy, status=COMPLETED)
            add_mentorship(make_user().id, busy)
        add_request(viewer_id, busy)
    login(auth)
    counter = StatementCounter(app)
    assert counter.count(client, f"/mentors/{quiet}")[0] == counter.count(
        client, f"/mentors/{busy}")[0]


# Italian --------------------------------------------------------------------------------

FILTER_LABELS = ["Find a mentor", "Search", "Name, headline or bio", "Focus area",
                 "Any area", "Region", "Any region", "Language", "Any language",
                 "Internal or external", "All", "Meeting format", "Any format",
                 "Only mentors with a free place", "Minimum years of experience",
                 "Sort by", "Best match", "Most experience", "Most availability", "Newest",
                 "Show mentors"]
CARD_LABELS = ["Region", "Languages", "Experience", "Places", "Typical answer time", "Internal",
               "External", "Why this mentor", "In your region", "No requests answered yet",
               "Full", "Paused"]


def test_the_list_in_italian(app, client, auth):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        add_viewer(language="it", region="dach", interests=[area], hours=2)
        add_mentor("Marco Mentore", areas=[area], region="dach", capacity=3, active_mentees=1,
                   years_experience=12, content={"headline_en": "Deals",
                                                 "headline_it": "Trattative complesse"})
        add_mentor("Piena Pia", areas=[area], affiliation="external", capacity=1,
                   active_mentees=1, accepting=False, languages=("de",))
    login(auth)
    page = browse(client)
    assert '<html lang="it">' in page
    assert "Trattative complesse" in page_cards(page)["Marco Mentore"]
    texts = [(text, translated(app, text)) for text in [*FILTER_LABELS, *CARD_LABELS]]
    texts += [
        ("Match 100%", translated(app, "Match %(score)s%%", score=100)),
        ("Mentors in Italian", translated(app, "Mentors in %(language)s",
                                          language=language_name("it", "it", False))),
        ("Works on the area you chose: Negoziazione",
         translated(app, "Works on the area you chose: %(areas)s",
                    "Works on %(num)d of the areas you chose: %(areas)s", 1,
                    areas="Negoziazione")),
        ("Has time for the 2 hours a month you want",
         translated(app, "Has time for the %(num)d hour a month you want",
                    "Has time for the %(num)d hours a month you want", 2)),
        ("2 of 3 places free", translated(app, "%(num)s of %(total)s places free",
                                          "%(num)s of %(total)s places free", 2, total=3)),
        ("12 years", translated(app, "%(num)s year", "%(num)s years", 12)),
        ("2 mentors", translated(app, "%(num)s mentor", "%(num)s mentors", 2)),
        (PAUSED, translated(app, PAUSED)),
    ]
    assert_italian_ui(app, page, texts)
    assert translated(app, "Match %(score)s%%", score=100).startswith("Affinità")
    for english in (">Search<", ">Focus area<", ">Sort by<", ">Best match<", "Match 100%",
                    "In your region", "Why this mentor", "places free", "Full ·"):
        assert english not in page


def test_card_areas_in_italian(app, client, auth):
    """The areas on a card are named in the viewer's language, as on the mentor page."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        add_viewer(language="it")
        profile_id = add_mentor("Marco Mentore", areas=[area])
    login(auth)
    assert ">Negoziazione<" in client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    card = page_cards(browse(client))["Marco Mentore"]
    assert ">Negoziazione<" in card and "Negotiation" not in card


def test_the_empty_list_and_the_mentor_page_in_italian(app, client, auth):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        add_viewer(language="it", interests=[area])
        profile_id = add_mentor("Marco Mentore", areas=[area], capacity=2)
    login(auth)
    page = browse(client, region="france")
    assert_italian_ui(app, page, [(text, translated(app, text))
                                  for text in (NO_MATCH, "Clear the filters")])
    page = client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    assert_italian_ui(app, page, [(text, translated(app, text)) for text in (
        ASK, "Mentees who reached their goal", "No requests answered yet", "Why this mentor",
        "Has a free place")] + [
        ("2 of 2 places free", translated(app, "%(num)s of %(total)s places free",
                                          "%(num)s of %(total)s places free", 2, total=2))])
    assert ASK not in page


def test_blocked_reasons_in_italian(app, client, auth, blocked):
    with app.app_context():
        set_fields(User, db.session.get(MentorProfile, blocked["Vera Viewer"]).user_id,
                   language="it")
    login(auth)
    cards = page_cards(browse(client))
    assert {name: blocked_of(card) for name, card in cards.items()} == {
        name: reason and translated(app, reason) for name, reason in BLOCKED_BECAUSE.items()}
    assert all(reason is None or reason != translated(app, reason)
               for reason in BLOCKED_BECAUSE.values())


def test_each_process_keeps_every_shape_of_the_list_statements(app):
    """The list's filters, sorts and searches combine into well over a thousand shapes
    of statement (the benchmark's mix met 1,267 in 6,000 requests): with SQLAlchemy's
    default of 500 kept, statements were compiled again and again (1,647 compilations
    for those 1,267 shapes)."""
    with app.app_context():
        assert db.engine._compiled_cache.capacity >= 2000
