"""Issue 21 on the mentor's own profile and the directory: "Save and send for review"
sends what is in the form, the reviewer's notes sit in the status box, the search
finds focus-area names in both languages, and cards and the mentor page show the free
hours beside the free places.

Service tests call marketplace.mentors.services (and the search) directly; view tests
check the status, the redirect, the flashed message and the database.
"""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentors import search, services
from marketplace.mentors.models import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    MentorProfile,
)
from marketplace.mentors.services import SAVED, SENT_FOR_REVIEW, ProfileError
from marketplace.program.models import FocusArea
from marketplace.vetting.services import decide

from .builders import field_errors
from .factories import make_area, make_profile, make_user
from .helpers import flashed
from .test_browse import add_mentor, add_viewer, browse, login, names, page_cards, translated
from .test_mentors import (
    CLEAN_CONTENT,
    HEADLINE,
    NOTES,
    SUBMITTED_MESSAGE,
    content,
    details,
    form_data,
    profile_of,
    revisions_of,
)

EDITED = "Thirty years of enterprise deals, from first call to renewal"
SENT_CHANGES_MESSAGE = ("Your changes have been sent for review. Until they are approved, "
                        "people see the approved version of your profile.")


@pytest.fixture
def area(app_ctx):
    return db.session.get(FocusArea, make_area("Negotiation", "Negoziazione").id)


@pytest.fixture
def mentor(app_ctx):
    return db.session.get(User, make_user(email="marco@example.com", full_name="Marco").id)


@pytest.fixture
def reviewer(app_ctx):
    return db.session.get(User, make_user(email="boss@example.com", is_admin=True).id)


@pytest.fixture
def area_ids(app):
    with app.app_context():
        return [make_area("Negotiation", "Negoziazione").id,
                make_area("Closing", "Chiusura delle trattative").id]


def sent_back(profile, admin, notes=NOTES):
    """An admin asks for changes to the version waiting for review."""
    assert decide(profile, actor=admin, decision="request_changes",
                  notes=notes) == CHANGES_REQUESTED


# 1. Save and send for review: the service ------------------------------------------------

class TestSaveAndSubmit:
    def test_a_new_profile_is_saved_and_sent_at_once(self, mentor, area):
        profile, outcome = services.save_and_submit(
            actor=mentor, content=content([area], headline_en=EDITED), details=details())
        assert outcome == SENT_FOR_REVIEW and profile.status == PENDING
        assert revisions_of(profile) == [(1, PENDING)]
        revision = services.open_revision(profile)
        assert revision.headline_en == EDITED and revision.submitted_at is not None

    def test_a_draft_is_sent_with_the_edits(self, mentor, area):
        services.save_profile(actor=mentor, content=content([area]), details=details())
        profile, outcome = services.save_and_submit(
            actor=mentor, content=content([area], headline_en=EDITED),
            details=details(capacity=5))
        assert outcome == SENT_FOR_REVIEW and profile.status == PENDING
        assert revisions_of(profile) == [(1, PENDING)]
        assert services.open_revision(profile).headline_en == EDITED
        assert profile.capacity == 5

    def test_a_version_sent_back_is_fixed_and_sent(self, mentor, reviewer, area):
        profile, _ = services.save_and_submit(actor=mentor, content=content([area]),
                                              details=details())
        sent_back(profile, reviewer)
        profile, outcome = services.save_and_submit(
            actor=mentor, content=content([area], headline_en=EDITED), details=details())
        assert outcome == SENT_FOR_REVIEW and profile.status == PENDING
        assert revisions_of(profile) == [(1, CHANGES_REQUESTED), (2, PENDING)]
        assert services.open_revision(profile).headline_en == EDITED

    def test_a_version_sent_back_unchanged_is_sent_again(self, mentor, reviewer, area):
        profile, _ = services.save_and_submit(actor=mentor, content=content([area]),
                                              details=details())
        sent_back(profile, reviewer)
        profile, outcome = services.save_and_submit(actor=mentor, content=content([area]),
                                                    details=details())
        assert outcome == SENT_FOR_REVIEW
        assert revisions_of(profile) == [(1, CHANGES_REQUESTED), (2, PENDING)]

    def test_a_listed_profile_sends_its_change_as_saving_does(self, mentor, area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, areas=[area], content=CLEAN_CONTENT).id)
        profile, outcome = services.save_and_submit(
            actor=mentor, content=content([area], headline_en=EDITED), details=details())
        assert outcome == SENT_FOR_REVIEW and profile.status == APPROVED
        assert revisions_of(profile) == [(1, APPROVED), (2, PENDING)]
        assert profile.published.headline_en == HEADLINE

    def test_nothing_to_send_is_just_saved(self, mentor, area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, areas=[area], content=CLEAN_CONTENT).id)
        profile, outcome = services.save_and_submit(
            actor=mentor, content=content([area]), details=details(capacity=4))
        assert outcome == SAVED and profile.capacity == 4
        assert revisions_of(profile) == [(1, APPROVED)]

    def test_a_refused_content_sends_nothing(self, mentor, area):
        services.save_profile(actor=mentor, content=content([area]), details=details())
        db.session.commit()
        with pytest.raises(ProfileError):
            services.save_and_submit(actor=mentor, content=content([]), details=details())
        db.session.rollback()
        assert profile_of(mentor.id).status == DRAFT


# 1. Save and send for review: the view ---------------------------------------------------

class TestSaveAndSendView:
    def test_the_form_sends_what_is_typed(self, app, client, auth, user, area_ids):
        with app.app_context():
            profile_id = make_profile(user, status=DRAFT, areas=area_ids[:1],
                                      content=CLEAN_CONTENT).id
        auth.login(user.email)
        page = client.get("/profile/mentor").get_data(as_text=True)
        form = page.split('<form method="post" class="form-wide"', 1)[1].split("</form>")[0]
        assert re.search(r'<button type="submit"[^>]*name="send" value="1"', form)
        assert 'action="/profile/mentor/submit"' not in page

        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline=EDITED, send="1"))
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SUBMITTED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile_id)
            assert stored.status == PENDING
            assert revisions_of(stored) == [(1, PENDING)]
            assert services.open_revision(stored).headline_en == EDITED
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert "Status: Waiting for review" in page and 'name="send"' not in page

    def test_a_listed_profile_sends_its_change(self, app, client, auth, user, area_ids):
        with app.app_context():
            profile_id = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT).id
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline=EDITED, send="1"))
        assert response.status_code == 302
        assert flashed(client)[-1] == SENT_CHANGES_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile_id)
            assert stored.status == APPROVED and stored.published.headline_en == HEADLINE
            assert services.open_revision(stored).headline_en == EDITED

    def test_an_invalid_form_keeps_the_text_and_sends_nothing(self, app, client, auth, user,
                                                              area_ids):
        with app.app_context():
            profile_id = make_profile(user, status=DRAFT, areas=area_ids[:1],
                                      content=CLEAN_CONTENT).id
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline=EDITED, bio="Too short.", send="1"))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert field_errors(page, "bio")
        assert f'value="{EDITED}"' in page and "Too short." in page
        with app.app_context():
            stored = db.session.get(MentorProfile, profile_id)
            assert stored.status == DRAFT
            assert services.open_revision(stored).headline_en == HEADLINE

    def test_a_refused_send_keeps_the_text(self, app, client, auth, user, area_ids):
        with app.app_context():
            profile_id = make_profile(user, status=DRAFT, areas=area_ids[:1],
                                      content=CLEAN_CONTENT).id
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            [], headline=EDITED, send="1"))
        page = response.get_data(as_text=True)
        assert response.status_code in (409, 422)
        assert f'value="{EDITED}"' in page
        with app.app_context():
            assert db.session.get(MentorProfile, profile_id).status == DRAFT

    def test_the_submit_address_still_sends_the_saved_version(self, app, client, auth, user,
                                                              area_ids):
        with app.app_context():
            profile_id = make_profile(user, status=DRAFT, areas=area_ids[:1],
                                      content=CLEAN_CONTENT).id
        auth.login(user.email)
        response = client.submit("/profile/mentor/submit")
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SUBMITTED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile_id)
            assert stored.status == PENDING
            assert services.open_revision(stored).headline_en == HEADLINE

    def test_in_italian(self, app, client, auth, area_ids):
        with app.app_context():
            user = make_user(email="it@example.com", language="it")
            make_profile(user, status=DRAFT, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login("it@example.com")
        page = client.get("/profile/mentor").get_data(as_text=True)
        italian = translated(app, "Save and send for review")
        assert italian != "Save and send for review" and italian in page


# 2. The reviewer's notes in the status box -----------------------------------------------

def status_box(page):
    return page.split('<section class="status-box', 1)[1].split("</section>", 1)[0]


class TestNotesInTheStatusBox:
    def test_notes_of_a_version_sent_back(self, app, client, auth, user, admin, area_ids):
        with app.app_context():
            profile = make_profile(user, status=PENDING, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
            sent_back(db.session.get(MentorProfile, profile.id),
                      db.session.get(User, admin.id))
            db.session.commit()
        auth.login(user.email)
        box = status_box(client.get("/profile/mentor").get_data(as_text=True))
        assert "Status: Changes requested" in box and NOTES in box
        assert "What the program team asked" in box

        # Still there while the mentor fixes it in a draft …
        client.submit("/profile/mentor", data=form_data(area_ids[:1], headline=EDITED))
        assert NOTES in status_box(client.get("/profile/mentor").get_data(as_text=True))
        # … and gone once the fix is sent.
        client.submit("/profile/mentor", data=form_data(area_ids[:1], send="1"))
        box = status_box(client.get("/profile/mentor").get_data(as_text=True))
        assert NOTES not in box and "Status: Waiting for review" in box

    def test_notes_on_a_listed_profiles_change(self, app, client, auth, user, admin,
                                               area_ids):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
            mentor = db.session.get(User, user.id)
            services.save_profile(actor=mentor, content=content(
                [db.session.get(FocusArea, area_ids[0])], headline_en=EDITED),
                details=details())
            sent_back(db.session.get(MentorProfile, profile.id),
                      db.session.get(User, admin.id))
            db.session.commit()
        auth.login(user.email)
        box = status_box(client.get("/profile/mentor").get_data(as_text=True))
        assert "Status: Approved" in box and NOTES in box
        assert "The program team asked for changes to your latest edits" in box
        assert 'href="#send"' in box

    def test_no_notes_box_without_a_request_for_changes(self, app, client, auth, user,
                                                       area_ids):
        with app.app_context():
            make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login(user.email)
        box = status_box(client.get("/profile/mentor").get_data(as_text=True))
        assert "What the program team asked" not in box

    def test_notes_are_escaped(self, app, client, auth, user, admin, area_ids):
        with app.app_context():
            profile = make_profile(user, status=PENDING, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
            sent_back(db.session.get(MentorProfile, profile.id),
                      db.session.get(User, admin.id), notes="<script>alert(1)</script>")
            db.session.commit()
        auth.login(user.email)
        box = status_box(client.get("/profile/mentor").get_data(as_text=True))
        assert "<script>alert(1)" not in box and "&lt;script&gt;alert(1)" in box


# 3. The search finds focus-area names in both languages -----------------------------------

@pytest.fixture
def by_area(app):
    """Mentors whose texts do not name their areas."""
    with app.app_context():
        add_viewer()
        negotiation = make_area("Negotiation", "Negoziazione")
        closing = make_area("Closing", "Chiusura delle trattative")
        leadership = make_area("Sales leadership", "Leadership commerciale")
        add_mentor("Anna Rossi", areas=[negotiation], content={"headline_en": "Deals"})
        add_mentor("Bruno Bianchi", areas=[negotiation, closing],
                   content={"headline_en": "Renewals"})
        add_mentor("Carla Verdi", areas=[closing], content={"headline_en": "Field sales"})
        add_mentor("Dario Neri", areas=[leadership], content={"headline_en": "Teams"})


@pytest.mark.parametrize(("q", "expected"), [
    ("negotiation", ["Anna Rossi", "Bruno Bianchi"]),      # English name
    ("NEGOZIAZIONE", ["Anna Rossi", "Bruno Bianchi"]),     # Italian name, any case
    ("negoz", ["Anna Rossi", "Bruno Bianchi"]),            # the start of a word
    ("trattative", ["Bruno Bianchi", "Carla Verdi"]),      # any word of the name
    ("leadership commerciale", ["Dario Neri"]),
    ("otiation", []),                                      # not inside a word
    ("negotiation renewals", ["Bruno Bianchi"]),           # with the texts, every word
    ("negotiation field", []),
    ("closing carla", ["Carla Verdi"]),                    # with the name
])
def test_search_finds_area_names(client, auth, by_area, q, expected):
    login(auth)
    assert sorted(names(browse(client, q=q))) == expected


def test_search_by_area_name_in_the_ranking_service(app, by_area):
    with app.app_context():
        seeker = search.seeker_for(db.session.get(User, make_user().id))
        found = db.session.scalars(search.ranked(search.Filters(q="negoziazione"),
                                                 seeker)).all()
        named = {profile_id: db.session.get(MentorProfile, profile_id).user.full_name
                 for profile_id in found}
        assert sorted(named.values()) == ["Anna Rossi", "Bruno Bianchi"]


def test_a_renamed_area_is_found_by_its_new_name(app, client, auth, by_area):
    with app.app_context():
        area = db.session.scalar(select(FocusArea).where(FocusArea.name_en == "Closing"))
        area.name_en = "Deal closing"
        db.session.commit()
    login(auth)
    assert sorted(names(browse(client, q="deal"))) == ["Anna Rossi", "Bruno Bianchi",
                                                       "Carla Verdi"]


# 4. Free hours beside free places -----------------------------------------------------------

def test_cards_and_the_mentor_page_show_free_hours(app, client, auth):
    with app.app_context():
        add_viewer()
        area = make_area()
        busy = add_mentor("Ugo Busy", areas=[area], capacity=3, active_mentees=1,
                          monthly_hours=6, committed_hours=2)
        add_mentor("Ida Idle", areas=[area], capacity=2, monthly_hours=1)
        add_mentor("Zeno Zero", areas=[area], capacity=2, active_mentees=1, monthly_hours=3,
                   committed_hours=3)
    login(auth)
    cards = page_cards(browse(client))
    assert "<dt>Hours a month</dt><dd>4 of 6 hours free</dd>" in cards["Ugo Busy"]
    assert "<dt>Hours a month</dt><dd>1 of 1 hour free</dd>" in cards["Ida Idle"]
    assert "<dt>Hours a month</dt><dd>None free</dd>" in cards["Zeno Zero"]
    assert "2 of 3 places free" in cards["Ugo Busy"]
    page = client.get(f"/mentors/{busy}").get_data(as_text=True)
    assert "<dt>Hours a month</dt><dd>4 of 6 hours free</dd>" in page


def test_free_hours_in_italian(app, client, auth):
    with app.app_context():
        add_viewer(language="it")
        add_mentor("Ugo Busy", areas=[make_area()], monthly_hours=6, committed_hours=2,
                   active_mentees=1)
    login(auth)
    card = page_cards(browse(client))["Ugo Busy"]
    italian = translated(app, "%(num)s of %(total)s hour free", "%(num)s of %(total)s hours free",
                         4, total=6)
    assert italian != "4 of 6 hours free" and italian in card
    assert translated(app, "Hours a month") in card
