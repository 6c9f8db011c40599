"""Mentor profiles: creating, editing and submitting them, the vetted revisions, who may
see a mentor's page, and what the profile pages show. An unlisted profile is seen
only by its owner and admins, a form sets only the fields it offers, and what a
mentor writes is shown escaped.

Service tests call marketplace.mentors.services directly; view tests check the status,
the redirect, the flashed message and the database.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_login import current_user
from markupsafe import escape
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentors import queries, services
from marketplace.mentors.models import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    OPEN_REVISION_STATES,
    PENDING,
    REJECTED,
    SUPERSEDED,
    SUSPENDED,
    MentorProfile,
    ProfileRevision,
)
from marketplace.mentors.services import SAVED, SENT_FOR_REVIEW, ProfileError
from marketplace.program.models import FocusArea
from marketplace.vetting.services import decide

from .builders import assert_italian_ui, field_errors, italian
from .conftest import Auth
from .factories import make_area, make_profile, make_user
from .helpers import flashed

HEADLINE = "Twenty years of enterprise deals in manufacturing"
BIO = ("I sold industrial machinery across Europe for twenty years, from the first call "
       "to the renewal, and I led a team of twelve account managers.")
HEADLINE_IT = "Vent'anni di trattative con le grandi aziende manifatturiere"
BIO_IT = ("Ho venduto macchinari industriali in tutta Europa per vent'anni, dal primo "
          "contatto al rinnovo, e ho guidato una squadra di dodici account manager.")
WORKING_STYLE = "A call every two weeks; you prepare the agenda."
MOTIVATION = "I learn how younger reps think."
NOTES = "Please say which industries you sold to."

# The vetted content the factory's revision gets, matching what the form sends back.
CLEAN_CONTENT = {"headline_en": HEADLINE, "bio_en": BIO}
EXTERNAL_CONTENT = {"affiliation": "external", "company": "Acme Srl", "confidentiality": True,
                    "conflicts": "None."}
# make_profile takes the affiliation and company from the user.
DECLARATIONS = {"confidentiality": True, "conflicts": "None."}
UNLISTED = [DRAFT, PENDING, CHANGES_REQUESTED, REJECTED, SUSPENDED]

SENT_MESSAGE = ("Your changes have been sent for review. Until they are approved, people see "
                "the approved version of your profile.")
SAVED_DRAFT_MESSAGE = "Your profile has been saved. Send it for review when it is ready."
SAVED_MESSAGE = "Your changes have been saved."
SUBMITTED_MESSAGE = "Your profile has been sent for review. We will let you know the outcome."
REJECTED_MESSAGE = ("Your profile was not approved, so it can no longer be changed. Ask the "
                    "program team if you want to try again.")
NOT_LISTED_NOTICE = "This profile is not listed"


# Helpers -------------------------------------------------------------------------------------

def content(areas, /, **changes):
    """What save_profile takes as vetted content: an internal mentor writing in English."""
    return {"headline_en": HEADLINE, "headline_it": None, "bio_en": BIO, "bio_it": None,
            "areas": list(areas), "affiliation": "internal", "company": None,
            "confidentiality": False, "conflicts": None, **changes}


def details(**changes):
    return {"years_experience": 15, "region": "it-north", "working_style": WORKING_STYLE,
            "motivation": MOTIVATION, "capacity": 3, "monthly_hours": 6, "accepting": True,
            "languages": ["it", "en"], "formats": ["video", "phone"], **changes}


def form_data(area_ids, **changes):
    """The mentor profile form as a browser posts it; a None value leaves the field out
    (an unticked checkbox)."""
    data = {"headline": HEADLINE, "headline_other": "", "bio": BIO, "bio_other": "",
            "areas": [str(area_id) for area_id in area_ids], "years_experience": "15",
            "region": "it-north", "languages": ["en", "it"], "formats": ["video"],
            "capacity": "3", "monthly_hours": "6", "working_style": WORKING_STYLE,
            "motivation": MOTIVATION, "accepting": "y", "affiliation": "internal",
            "company": "", "conflicts": "", **changes}
    return {name: value for name, value in data.items() if value is not None}


def profile_of(user_id):
    """The user's profile (inside an application context)."""
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user_id))


def revisions_of(profile):
    """(number, status) of every revision, oldest first."""
    return [(revision.number, revision.status) for revision in reversed(queries.history(profile))]


def count_open_revisions(profile):
    return db.session.scalar(select(func.count(ProfileRevision.id)).where(
        ProfileRevision.profile_id == profile.id,
        ProfileRevision.status.in_(OPEN_REVISION_STATES)))


def count_profiles():
    return db.session.scalar(select(func.count(MentorProfile.id)))


def approve(app, profile_id, admin_id):
    """An admin approves the revision waiting for review (one approval is enough)."""
    with app.app_context():
        profile = db.session.get(MentorProfile, profile_id)
        outcome = decide(profile, actor=db.session.get(User, admin_id), decision="approve")
        db.session.commit()
    assert outcome == "approved"


def logged_in_client(app, user):
    client = app.test_client()
    Auth(client).login(user.email)
    return client


def checked(page, name, value):
    return re.search(rf'<input [^>]*\bchecked\b[^>]*name="{name}"[^>]*value="{value}"',
                     page) is not None


# Fixtures --------------------------------------------------------------------------------

@pytest.fixture
def area(app_ctx):
    return db.session.get(FocusArea, make_area("Negotiation", "Negoziazione").id)


@pytest.fixture
def second_area(app_ctx):
    return db.session.get(FocusArea, make_area("Closing", "Chiusura delle trattative").id)


@pytest.fixture
def mentor(app_ctx):
    return db.session.get(User, make_user(email="marco@example.com", full_name="Marco").id)


@pytest.fixture
def reviewer(app_ctx):
    return db.session.get(User, make_user(email="boss@example.com", is_admin=True).id)


@pytest.fixture
def external_mentor(app_ctx):
    user = make_user(email="ext@example.com", affiliation="external", company="Acme Srl")
    return db.session.get(User, user.id)


def approved_profile(user, areas):
    """An approved profile whose published content equals content(areas) (for the
    external mentor, with EXTERNAL_CONTENT)."""
    extra = DECLARATIONS if user.affiliation == "external" else {}
    profile = make_profile(user, areas=areas,
                           content={**CLEAN_CONTENT, **extra})
    return db.session.get(MentorProfile, profile.id)


@pytest.fixture
def area_ids(app):
    with app.app_context():
        return [make_area("Negotiation", "Negoziazione").id,
                make_area("Closing", "Chiusura delle trattative").id]


# Service: creating and saving -------------------------------------------------------------

class TestCreateProfile:
    def test_a_new_profile_is_a_draft_with_revision_1(self, mentor, area):
        profile, outcome = services.save_profile(actor=mentor, content=content([area]),
                                                 details=details())
        assert outcome == SAVED
        assert profile.status == DRAFT and profile.user_id == mentor.id
        assert profile.published is None
        revision = services.open_revision(profile)
        assert (revision.number, revision.status, revision.submitted_at) == (1, DRAFT, None)
        assert services.working_content(profile) is revision
        assert (revision.headline_en, revision.bio_en) == (HEADLINE, BIO)
        assert [a.id for a in revision.areas] == [area.id]
        assert revisions_of(profile) == [(1, DRAFT)]

    def test_details_are_stored_on_the_profile(self, mentor, area):
        services.save_profile(actor=mentor, content=content([area]), details=details(
            capacity=4, monthly_hours=10, years_experience=22, region="dach",
            working_style="Monthly, in depth.", motivation="Staying curious.",
            accepting=False, languages=["de", "en"], formats=["in_person", "phone"]))
        db.session.expire_all()
        profile = services.profile_of(mentor)
        assert (profile.capacity, profile.monthly_hours, profile.years_experience) == (4, 10, 22)
        assert profile.region == "dach"
        assert profile.working_style == "Monthly, in depth."
        assert profile.motivation == "Staying curious."
        assert profile.accepting is False
        assert profile.language_codes == ["de", "en"]
        assert profile.format_codes == ["in_person", "phone"]

    @pytest.mark.parametrize("texts, shown_in_english, shown_in_italian", [
        ({"headline_en": HEADLINE, "bio_en": BIO}, HEADLINE, HEADLINE),
        ({"headline_en": None, "bio_en": None, "headline_it": HEADLINE_IT, "bio_it": BIO_IT},
         HEADLINE_IT, HEADLINE_IT),
        ({"headline_it": HEADLINE_IT, "bio_it": BIO_IT}, HEADLINE, HEADLINE_IT),
    ], ids=["english", "italian", "both"])
    def test_headline_and_bio_in_english_italian_or_both(self, mentor, area, texts,
                                                         shown_in_english, shown_in_italian):
        profile, _outcome = services.save_profile(actor=mentor, content=content([area], **texts),
                                                  details=details())
        revision = services.open_revision(profile)
        expected = {"headline_en": HEADLINE, "bio_en": BIO, "headline_it": None,
                    "bio_it": None, **texts}
        assert {name: getattr(revision, name) for name in expected} == expected
        # Viewers get their language when there is one, else the other.
        assert revision.headline("en") == shown_in_english
        assert revision.headline("it") == shown_in_italian

    @pytest.mark.parametrize("changes, error", [
        ({"headline_en": None}, "Write a headline."),
        ({"bio_en": None}, "Write a short bio."),
        ({"areas": []}, "Choose at least one focus area."),
    ])
    def test_content_is_required(self, mentor, area, changes, error):
        with pytest.raises(ProfileError, match=re.escape(error)):
            services.save_profile(actor=mentor, content=content([area], **changes),
                                  details=details())
        assert services.profile_of(mentor) is None

    @pytest.mark.parametrize("missing, error", [
        ({"company": None}, "Tell us which company you work for."),
        ({"confidentiality": False},
         "External mentors must agree to keep what they learn confidential."),
        ({"conflicts": None}, "Declare any conflict of interest"),
    ], ids=["company", "confidentiality", "conflicts"])
    def test_external_mentors_must_declare(self, external_mentor, area, missing, error):
        with pytest.raises(ProfileError, match=re.escape(error)):
            services.save_profile(actor=external_mentor,
                                  content=content([area], **{**EXTERNAL_CONTENT, **missing}),
                                  details=details())
        assert services.profile_of(external_mentor) is None

    def test_external_mentors_declarations_are_kept(self, external_mentor, area):
        profile, _outcome = services.save_profile(
            actor=external_mentor, content=content([area], **EXTERNAL_CONTENT), details=details())
        revision = services.open_revision(profile)
        assert revision.is_external
        assert (revision.company, revision.confidentiality, revision.conflicts) == (
            "Acme Srl", True, "None.")

    def test_internal_mentors_company_and_declarations_are_cleared(self, mentor, area):
        profile, _outcome = services.save_profile(actor=mentor, content=content(
            [area], affiliation="internal", company="Acme Srl", confidentiality=True,
            conflicts="Something."), details=details())
        revision = services.open_revision(profile)
        assert revision.affiliation == "internal"
        assert (revision.company, revision.confidentiality, revision.conflicts) == (
            None, False, None)


class TestSubmit:
    @pytest.mark.parametrize("status", [DRAFT, CHANGES_REQUESTED])
    def test_draft_or_changed_profile_goes_to_review(self, mentor, area, status):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=status, areas=[area]).id)
        revision = services.submit_profile(profile, actor=mentor)
        assert profile.status == PENDING
        assert revision.status == PENDING and revision.submitted_at is not None
        assert services.open_revision(profile) is revision
        # A version sent back stays as it was reviewed; what is sent again is new.
        assert revisions_of(profile) == (
            [(1, PENDING)] if status == DRAFT else [(1, CHANGES_REQUESTED), (2, PENDING)])

    @pytest.mark.parametrize("status", [APPROVED, PENDING, REJECTED, SUSPENDED])
    def test_nothing_to_submit(self, mentor, area, status):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=status, areas=[area]).id)
        with pytest.raises(ProfileError, match="There is nothing to send for review."):
            services.submit_profile(profile, actor=mentor)
        assert profile.status == status

    def test_cannot_submit_twice(self, mentor, area):
        profile, _outcome = services.save_profile(actor=mentor, content=content([area]),
                                                  details=details())
        first = services.submit_profile(profile, actor=mentor)
        submitted_at = first.submitted_at
        with pytest.raises(ProfileError, match="There is nothing to send for review."):
            services.submit_profile(profile, actor=mentor)
        assert first.submitted_at == submitted_at
        assert revisions_of(profile) == [(1, PENDING)]


# Service: editing ------------------------------------------------------------------------

VETTED_CHANGES = {
    "headline": {"headline_en": "Closing big deals in manufacturing"},
    "headline in Italian": {"headline_it": HEADLINE_IT},
    "bio": {"bio_en": BIO + " Now also software."},
    "areas": "second area",
    # Not the affiliation: an outside mentor's profile stays external
    # (TestOutsideMentorsStayExternal).
    "company": {"company": "Beta SpA"},
    "declarations": {"conflicts": "I advise one of our customers."},
}


class TestEditApproved:
    @pytest.mark.parametrize("name", VETTED_CHANGES)
    def test_vetted_change_waits_for_review(self, external_mentor, area, second_area,
                                            reviewer, name):
        profile = approved_profile(external_mentor, [area])
        published = profile.published
        changes = VETTED_CHANGES[name]
        if changes == "second area":
            changes = {"areas": [area, second_area]}
        new = content(profile.published.areas, **{**EXTERNAL_CONTENT, **changes})

        _profile, outcome = services.save_profile(actor=external_mentor, content=new,
                                                  details=details())
        assert outcome == SENT_FOR_REVIEW
        assert profile.status == APPROVED and profile.is_listed
        assert profile.published is published
        assert (published.number, published.status) == (1, APPROVED)
        assert (published.headline_en, published.bio_en, published.company,
                published.conflicts) == (HEADLINE, BIO, "Acme Srl", "None.")
        assert [a.id for a in published.areas] == [area.id]
        pending = services.open_revision(profile)
        assert (pending.number, pending.status) == (2, PENDING)
        assert pending.submitted_at is not None
        assert services.working_content(profile) is pending

        assert decide(profile, actor=reviewer, decision="approve") == "approved"
        assert profile.status == APPROVED
        assert profile.published is pending and pending.status == APPROVED
        assert services.open_revision(profile) is None
        for field, value in changes.items():
            if field == "areas":
                assert {a.id for a in profile.published.areas} == {area.id, second_area.id}
            else:
                assert getattr(profile.published, field) == value
        assert revisions_of(profile) == [(1, APPROVED), (2, APPROVED)]

    def test_unchanged_content_makes_no_revision(self, external_mentor, area):
        profile = approved_profile(external_mentor, [area])
        _profile, outcome = services.save_profile(
            actor=external_mentor, content=content([area], **EXTERNAL_CONTENT), details=details())
        assert outcome == SAVED
        assert revisions_of(profile) == [(1, APPROVED)]

    @pytest.mark.parametrize("changes", [
        {"capacity": 7}, {"monthly_hours": 20}, {"accepting": False},
        {"capacity": 1, "monthly_hours": 1, "accepting": False},
    ], ids=["capacity", "hours", "paused", "all three"])
    def test_direct_change_takes_effect_at_once(self, mentor, area, changes):
        profile = approved_profile(mentor, [area])
        _profile, outcome = services.save_profile(actor=mentor, content=content([area]),
                                                  details=details(**changes))
        assert outcome == SAVED
        db.session.expire_all()
        profile = services.profile_of(mentor)
        for field, value in changes.items():
            assert getattr(profile, field) == value
        assert profile.status == APPROVED
        assert services.open_revision(profile) is None
        assert revisions_of(profile) == [(1, APPROVED)]

    def test_editing_again_supersedes_the_pending_change(self, mentor, area):
        profile = approved_profile(mentor, [area])
        services.save_profile(actor=mentor, content=content([area], headline_en="First try"),
                              details=details())
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([area], headline_en="Second try"), details=details())
        assert outcome == SENT_FOR_REVIEW
        assert revisions_of(profile) == [(1, APPROVED), (2, SUPERSEDED), (3, PENDING)]
        assert count_open_revisions(profile) == 1
        assert services.open_revision(profile).headline_en == "Second try"
        assert profile.published.headline_en == HEADLINE
        assert profile.status == APPROVED

    def test_editing_a_pending_profile_supersedes_its_revision(self, mentor, area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=PENDING, areas=[area], content=CLEAN_CONTENT).id)
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([area], headline_en="Better"), details=details())
        assert outcome == SENT_FOR_REVIEW
        assert profile.status == PENDING
        assert revisions_of(profile) == [(1, SUPERSEDED), (2, PENDING)]
        assert count_open_revisions(profile) == 1


class TestReviewOfAnEdit:
    """An approved profile's change that the admin sends back or turns down."""

    @pytest.fixture
    def edited(self, mentor, area):
        profile = approved_profile(mentor, [area])
        services.save_profile(actor=mentor, content=content([area], headline_en="Changed"),
                              details=details())
        return profile

    def test_changes_requested_then_fixed_and_submitted(self, mentor, reviewer, area, edited):
        assert decide(edited, actor=reviewer, decision="request_changes",
                      notes=NOTES) == CHANGES_REQUESTED
        assert edited.status == APPROVED and edited.published.headline_en == HEADLINE
        assert services.open_revision(edited) is None
        assert services.working_content(edited).headline_en == "Changed"  # to be fixed

        # On a listed profile, the fix goes straight to review as a new version.
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([area], headline_en="Changed again"), details=details())
        assert outcome == SENT_FOR_REVIEW
        assert revisions_of(edited) == [(1, APPROVED), (2, CHANGES_REQUESTED), (3, PENDING)]
        revision = services.open_revision(edited)
        assert revision.status == PENDING and revision.headline_en == "Changed again"
        assert edited.status == APPROVED and edited.published.headline_en == HEADLINE

    def test_rejected_change_keeps_the_profile_listed_and_editable(self, mentor, reviewer,
                                                                   area, edited):
        assert decide(edited, actor=reviewer, decision="reject", notes=NOTES) == REJECTED
        assert edited.status == APPROVED and edited.published.headline_en == HEADLINE
        assert services.open_revision(edited) is None
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([area], headline_en="Another idea"), details=details())
        assert outcome == SENT_FOR_REVIEW
        assert revisions_of(edited) == [(1, APPROVED), (2, REJECTED), (3, PENDING)]

    def test_suspended_profile_change_waits_for_review_and_stays_suspended(self, mentor,
                                                                          area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=SUSPENDED, areas=[area], content=CLEAN_CONTENT).id)
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([area], headline_en="Changed"), details=details())
        assert outcome == SENT_FOR_REVIEW
        assert profile.status == SUSPENDED and not profile.is_listed
        assert profile.published.headline_en == HEADLINE
        assert revisions_of(profile) == [(1, APPROVED), (2, PENDING)]


class TestEditUnlisted:
    def test_a_version_sent_back_is_fixed_in_a_new_draft(self, mentor, area, second_area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=CHANGES_REQUESTED, areas=[area], content=CLEAN_CONTENT).id)
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([second_area], headline_en="Better"), details=details())
        assert outcome == SAVED
        assert profile.status == CHANGES_REQUESTED
        assert revisions_of(profile) == [(1, CHANGES_REQUESTED), (2, DRAFT)]
        assert services.open_revision(profile).headline_en == "Better"
        assert services.can_submit(profile)

    @pytest.mark.parametrize("status", [DRAFT])
    def test_revision_is_updated_in_place(self, mentor, area, second_area, status):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=status, areas=[area], content=CLEAN_CONTENT).id)
        revision_id = services.open_revision(profile).id
        _profile, outcome = services.save_profile(
            actor=mentor, content=content([second_area], headline_en="Better", bio_it=BIO_IT),
            details=details(capacity=5))
        assert outcome == SAVED
        assert profile.status == status
        revision = services.open_revision(profile)
        assert revision.id == revision_id
        assert (revision.number, revision.status) == (1, status)
        assert (revision.headline_en, revision.bio_it) == ("Better", BIO_IT)
        assert [a.id for a in revision.areas] == [second_area.id]
        assert profile.capacity == 5
        assert revisions_of(profile) == [(1, status)]

    def test_rejected_profile_cannot_be_edited(self, mentor, area):
        profile = db.session.get(MentorProfile, make_profile(
            mentor, status=REJECTED, areas=[area], content=CLEAN_CONTENT, capacity=2).id)
        with pytest.raises(ProfileError, match="can no longer be changed"):
            services.save_profile(actor=mentor, content=content([area], headline_en="Again"),
                                  details=details(capacity=5))
        db.session.rollback()
        profile = services.profile_of(mentor)
        assert profile.status == REJECTED and profile.capacity == 2
        assert revisions_of(profile) == [(1, REJECTED)]
        assert queries.history(profile)[0].headline_en == HEADLINE


class TestVisibleProfile:
    """The service behind GET /mentors/<id>."""

    @pytest.mark.parametrize("status", UNLISTED)
    def test_unlisted_only_for_owner_and_admins(self, app, mentor, reviewer, area, status):
        profile = make_profile(mentor, status=status, areas=[area])
        stranger = db.session.get(User, make_user().id)
        with app.test_request_context():  # an anonymous visitor
            assert queries.visible_profile(current_user, profile.id) is None
        assert queries.visible_profile(stranger, profile.id) is None
        assert queries.visible_profile(mentor, profile.id).id == profile.id
        assert queries.visible_profile(reviewer, profile.id).id == profile.id

    def test_listed_for_everyone(self, mentor, area):
        profile = make_profile(mentor, areas=[area])
        stranger = db.session.get(User, make_user().id)
        assert queries.visible_profile(stranger, profile.id).id == profile.id

    def test_unknown(self, mentor):
        assert queries.visible_profile(mentor, 999_999) is None


# Views: the profile form -----------------------------------------------------------------

class TestProfileForm:
    def test_form_has_the_contract_field_names(self, client, auth, user, area_ids):
        auth.login(user.email)
        response = client.get("/profile/mentor")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Become a mentor" in page
        for name in ("headline", "bio", "areas", "years_experience", "region", "languages",
                     "formats", "capacity", "monthly_hours", "working_style", "motivation",
                     "accepting", "headline_other", "bio_other", "affiliation", "company",
                     "confidentiality", "conflicts", "csrf_token"):
            assert f'name="{name}"' in page
        assert 'action="/profile/mentor/submit"' not in page

    def test_login_required(self, client):
        response = client.get("/profile/mentor")
        assert response.status_code == 302
        assert response.location == "/auth/login?next=%2Fprofile%2Fmentor"

    def test_create(self, app, client, auth, user, area_ids):
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, headline_other=HEADLINE_IT, capacity="4", monthly_hours="10",
            years_experience="22", region="dach", languages=["de", "en"],
            formats=["in_person", "phone"], accepting=None))
        assert response.status_code == 302
        assert response.location == "/profile/mentor"
        assert flashed(client)[-1] == SAVED_DRAFT_MESSAGE
        with app.app_context():
            profile = profile_of(user.id)
            assert profile.status == DRAFT
            assert (profile.capacity, profile.monthly_hours, profile.years_experience) == (
                4, 10, 22)
            assert profile.region == "dach" and profile.accepting is False
            assert profile.language_codes == ["de", "en"]
            assert profile.format_codes == ["in_person", "phone"]
            assert (profile.working_style, profile.motivation) == (WORKING_STYLE, MOTIVATION)
            revision = services.open_revision(profile)
            assert (revision.number, revision.status) == (1, DRAFT)
            assert (revision.headline_en, revision.headline_it) == (HEADLINE, HEADLINE_IT)
            assert (revision.bio_en, revision.bio_it) == (BIO, None)
            assert sorted(a.id for a in revision.areas) == sorted(area_ids)
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert "Status: Draft" in page
        assert f'value="{HEADLINE}"' in page and f'value="{escape(HEADLINE_IT)}"' in page
        assert all(checked(page, "areas", area_id) for area_id in area_ids)

    def test_post_without_csrf_token_saves_nothing(self, app, client, auth, user,
                                                  area_ids):
        auth.login(user.email)
        response = client.post("/profile/mentor", data=form_data(area_ids))
        assert response.status_code == 400
        with app.app_context():
            assert count_profiles() == 0

    def test_external_mentor(self, app, client, auth, user, area_ids):
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, affiliation="external", company="Acme Srl", confidentiality="y",
            conflicts="None."))
        assert response.status_code == 302
        with app.app_context():
            revision = services.open_revision(profile_of(user.id))
            assert (revision.affiliation, revision.company, revision.confidentiality,
                    revision.conflicts) == ("external", "Acme Srl", True, "None.")

    def test_internal_mentor_company_and_declarations_are_dropped(self, app, client, auth,
                                                                  user, area_ids):
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, company="Acme Srl", confidentiality="y", conflicts="Some."))
        assert response.status_code == 302
        with app.app_context():
            revision = services.open_revision(profile_of(user.id))
            assert (revision.affiliation, revision.company, revision.confidentiality,
                    revision.conflicts) == ("internal", None, False, None)

    @pytest.mark.parametrize("missing, field, error", [
        ({"company": ""}, "company", "Tell us which company you work for."),
        ({"confidentiality": None}, "confidentiality",
         "External mentors must agree to keep what they learn confidential."),
        ({"conflicts": ""}, "conflicts", "Declare any conflict of interest, or write “none”."),
    ], ids=["company", "confidentiality", "conflicts"])
    def test_external_mentor_must_declare(self, app, client, auth, user, area_ids,
                                          missing, field, error):
        auth.login(user.email)
        data = form_data(area_ids, affiliation="external", company="Acme Srl",
                         confidentiality="y", conflicts="None.")
        data = {name: value for name, value in {**data, **missing}.items()
                if value is not None}
        response = client.submit("/profile/mentor", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert error in field_errors(page, field)
        assert f'value="{HEADLINE}"' in page
        with app.app_context():
            assert count_profiles() == 0

    BAD_INPUT = [
        ("capacity", "0", "Choose from 1 to 10 mentees."),
        ("capacity", "11", "Choose from 1 to 10 mentees."),
        ("capacity", "abc", "Not a valid integer value."),
        ("capacity", "", "Enter how many mentees you can take on at the same time."),
        ("monthly_hours", "0", "Enter from 1 to 40 hours a month."),
        ("monthly_hours", "41", "Enter from 1 to 40 hours a month."),
        ("monthly_hours", "4.5", "Not a valid integer value."),
        ("years_experience", "-1", "Enter from 0 to 60 years."),
        ("years_experience", "61", "Enter from 0 to 60 years."),
        ("years_experience", "ten", "Not a valid integer value."),
        ("bio", "Too short.", "Write at least 80 characters about yourself, so mentees can "
                              "tell whether you are the mentor for them."),
        ("headline", "", "Write a headline."),
        ("areas", [], "Choose at least one focus area."),
        ("areas", ["abc"], "Invalid choice(s)"),
        ("languages", [], "Choose at least one language."),
        ("languages", ["xx"], "is not a valid choice for this field."),
        ("formats", [], "Choose at least one way of meeting."),
        ("formats", ["carrier pigeon"], "is not a valid choice for this field."),
        ("region", "", "Choose your region."),
        ("region", "atlantis", "Not a valid choice."),
    ]

    @pytest.mark.parametrize("field, value, error", BAD_INPUT)
    def test_bad_input_is_shown_next_to_the_field(self, app, client, auth, user, area_ids,
                                                  field, value, error):
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(area_ids, **{field: value}))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert error in field_errors(page, field)
        assert 'aria-invalid="true"' in page
        # The rest of the input is kept...
        assert WORKING_STYLE in page and MOTIVATION in page
        if field != "headline":
            assert f'value="{HEADLINE}"' in page
        if field in ("capacity", "monthly_hours", "years_experience") and value:
            assert f'value="{value}"' in page
        # ...and nothing is saved.
        with app.app_context():
            assert count_profiles() == 0

    def test_bad_input_on_an_existing_profile_changes_nothing(self, app, client, auth, user,
                                                             area_ids):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline="Something new", capacity="11"))
        assert response.status_code == 422
        assert "Choose from 1 to 10 mentees." in field_errors(
            response.get_data(as_text=True), "capacity")
        with app.app_context():
            profile = db.session.get(MentorProfile, profile.id)
            assert profile.capacity == 2
            assert revisions_of(profile) == [(1, APPROVED)]


class TestEditViews:
    def test_vetted_change_is_reviewed_while_the_old_version_stays_listed(
            self, app, client, auth, user, admin, area_ids):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
            viewer = make_user(email="viewer@example.com")
        auth.login(user.email)
        new_headline = "Closing big deals, step by step"
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, headline=new_headline))
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SENT_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == APPROVED
            assert stored.published.number == 1 and stored.published.headline_en == HEADLINE
            assert revisions_of(stored) == [(1, APPROVED), (2, PENDING)]
            assert services.open_revision(stored).headline_en == new_headline

        # The owner edits the new version and is told it waits for review.
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert "Status: Approved" in page
        assert "Your latest changes are waiting for review" in page
        assert f'value="{new_headline}"' in page

        # Everybody else still sees the approved version...
        other = logged_in_client(app, viewer)
        page = other.get(f"/mentors/{profile.id}").get_data(as_text=True)
        assert HEADLINE in page and new_headline not in page
        assert "Chiusura delle trattative" not in page and "Closing" not in page

        # ...until an admin approves the change.
        approve(app, profile.id, admin.id)
        page = other.get(f"/mentors/{profile.id}").get_data(as_text=True)
        assert new_headline in page and HEADLINE not in page
        assert "Closing" in page

    @pytest.mark.parametrize("changes, expected", [
        ({"capacity": "5"}, {"capacity": 5}),
        ({"monthly_hours": "12"}, {"monthly_hours": 12}),
        ({"accepting": None}, {"accepting": False}),
    ], ids=["capacity", "hours", "paused"])
    def test_direct_change_takes_effect_at_once(self, app, client, auth, user, area_ids,
                                                changes, expected):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
            viewer = make_user()
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(area_ids[:1], **changes))
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SAVED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert {field: getattr(stored, field) for field in expected} == expected
            assert stored.status == APPROVED
            assert revisions_of(stored) == [(1, APPROVED)]
        page = logged_in_client(app, viewer).get(f"/mentors/{profile.id}").get_data(
            as_text=True)
        if "capacity" in expected:
            assert "<dt>Places</dt><dd>5 of 5 places free</dd>" in page
        if "monthly_hours" in expected:
            assert "<dt>Hours a month</dt><dd>12 of 12 hours free</dd>" in page
        if "accepting" in expected:
            assert "Paused" in page

    def test_editing_again_leaves_one_open_revision(self, app, client, auth, user,
                                                    area_ids):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login(user.email)
        for headline in ("First try", "Second try"):
            response = client.submit("/profile/mentor", data=form_data(
                area_ids[:1], headline=headline))
            assert response.status_code == 302
            assert flashed(client)[-1] == SENT_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert revisions_of(stored) == [(1, APPROVED), (2, SUPERSEDED), (3, PENDING)]
            assert count_open_revisions(stored) == 1
            assert services.open_revision(stored).headline_en == "Second try"
            assert stored.published.headline_en == HEADLINE

    def test_mentor_now_using_the_other_language_can_change_details_alone(
            self, app, client, auth, area_ids):
        """An approved profile written in English only, its mentor now using the site in
        Italian: the form shows the English text as the optional other language, and
        changing the capacity alone must not ask for an Italian headline and bio nor
        send anything for review."""
        with app.app_context():
            mentor = make_user(email="giulia@example.com", language="it")
            profile = make_profile(mentor, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login(mentor.email)
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert re.search(rf'name="headline_other" type="text" value="{HEADLINE}"', page)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline="", bio="", headline_other=HEADLINE, bio_other=BIO,
            capacity="5"))
        assert response.status_code == 302, field_errors(
            response.get_data(as_text=True), "headline")
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.capacity == 5
            assert revisions_of(stored) == [(1, APPROVED)]

    @pytest.mark.parametrize("status", [DRAFT, CHANGES_REQUESTED])
    def test_unlisted_profile_is_updated_in_place(self, app, client, auth, user, area_ids,
                                                  status):
        with app.app_context():
            profile = make_profile(user, status=status, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[1:], headline="Better headline"))
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SAVED_DRAFT_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == status
            assert revisions_of(stored) == (
                [(1, DRAFT)] if status == DRAFT else [(1, CHANGES_REQUESTED), (2, DRAFT)])
            revision = services.open_revision(stored)
            assert revision.headline_en == "Better headline"
            assert [a.id for a in revision.areas] == area_ids[1:]

    def test_rejected_profile_cannot_be_edited(self, app, client, auth, user, area_ids):
        with app.app_context():
            profile = make_profile(user, status=REJECTED, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids[:1], headline="Let me try again", capacity="5"))
        page = response.get_data(as_text=True)
        assert response.status_code == 409  # refused by a rule, as every form is
        assert REJECTED_MESSAGE in page
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == REJECTED and stored.capacity == 2
            assert revisions_of(stored) == [(1, REJECTED)]
            assert queries.history(stored)[0].headline_en == HEADLINE


class TestSubmitView:
    def test_submit_then_nothing_left_to_submit(self, app, client, auth, user, area_ids):
        with app.app_context():
            profile = make_profile(user, status=DRAFT, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
        auth.login(user.email)
        response = client.submit("/profile/mentor/submit")
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == SUBMITTED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == PENDING
            submitted_at = services.open_revision(stored).submitted_at
            assert submitted_at is not None

        response = client.submit("/profile/mentor/submit")
        assert response.status_code == 302 and response.location == "/profile/mentor"
        assert flashed(client)[-1] == "There is nothing to send for review."
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == PENDING
            assert services.open_revision(stored).submitted_at == submitted_at
            assert revisions_of(stored) == [(1, PENDING)]

    def test_changes_requested_profile_goes_back_to_review(self, app, client, auth, user,
                                                          admin, area_ids):
        with app.app_context():
            profile = make_profile(user, status=PENDING, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
            decide(db.session.get(MentorProfile, profile.id),
                   actor=db.session.get(User, admin.id), decision="request_changes",
                   notes=NOTES)
            db.session.commit()
        auth.login(user.email)
        client.submit("/profile/mentor", data=form_data(area_ids[:1], bio=BIO + " Food."))
        response = client.submit("/profile/mentor/submit")
        assert response.status_code == 302
        assert flashed(client)[-1] == SUBMITTED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.status == PENDING
            assert revisions_of(stored) == [(1, CHANGES_REQUESTED), (2, PENDING)]
            assert services.open_revision(stored).bio_en == BIO + " Food."

    def test_without_a_profile_is_404(self, client, auth, user):
        auth.login(user.email)
        assert client.submit("/profile/mentor/submit").status_code == 404


# Views: the status shown to the owner -----------------------------------------------------

STATUS_PAGES = {
    DRAFT: ("Status: Draft", "Your profile is a draft: nobody else can see it."),
    PENDING: ("Status: Waiting for review", "The program team is reviewing your profile."),
    APPROVED: ("Status: Approved", "Your profile is listed until"),
    CHANGES_REQUESTED: ("Status: Changes requested",
                        "The program team asked you to change a few things."),
    REJECTED: ("Status: Not approved", "Your profile was not approved. The reasons are below."),
    SUSPENDED: ("Status: Suspended", "Your profile has been suspended by the program team"),
}
DECISION_FOR = {CHANGES_REQUESTED: "request_changes", REJECTED: "reject"}


@pytest.mark.parametrize("status", list(STATUS_PAGES))
def test_my_profile_page_for_each_status(app, client, auth, user, admin, area_ids, status):
    with app.app_context():
        if status in DECISION_FOR:  # through a real review, with the admin's notes
            profile = make_profile(user, status=PENDING, areas=area_ids[:1],
                                   content=CLEAN_CONTENT)
            decide(db.session.get(MentorProfile, profile.id),
                   actor=db.session.get(User, admin.id), decision=DECISION_FOR[status],
                   notes=NOTES)
            db.session.commit()
            assert profile_of(user.id).status == status
        else:
            make_profile(user, status=status, areas=area_ids[:1], content=CLEAN_CONTENT)
    auth.login(user.email)
    response = client.get("/profile/mentor")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    title, explanation = STATUS_PAGES[status]
    assert title in page and explanation in page
    assert (NOTES in page) == (status in DECISION_FOR)
    assert "Ada Admin" not in page and admin.email not in page
    can_submit = status in (DRAFT, CHANGES_REQUESTED)
    # Sending is a button of the form, so that what is typed is sent (issue 21, fix 1).
    assert 'action="/profile/mentor/submit"' not in page
    assert ('name="send"' in page) == can_submit
    assert ("Save and send for review" in page) == can_submit
    assert ('name="headline"' in page) == (status != REJECTED)
    if status == SUSPENDED:
        assert "Under investigation." in page


# Views: focus areas ----------------------------------------------------------------------

class TestRetiredAreas:
    @pytest.fixture
    def retired(self, app):
        with app.app_context():
            return make_area("Cold calling", "Chiamate a freddo", retired=True)

    def test_not_offered_on_a_new_profile(self, client, auth, user, area_ids, retired):
        auth.login(user.email)
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert "Negotiation" in page and "Closing" in page
        assert "Cold calling" not in page
        assert f'value="{retired.id}"' not in page

    def test_kept_and_shown_on_a_profile_that_has_one(self, app, client, auth, user,
                                                     area_ids, retired):
        with app.app_context():
            profile = make_profile(user, areas=[area_ids[0], retired.id],
                                   content=CLEAN_CONTENT)
            viewer = make_user()
        auth.login(user.email)
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert "Cold calling" in page and checked(page, "areas", retired.id)

        response = client.submit("/profile/mentor", data=form_data(
            [area_ids[0], retired.id], capacity="4"))
        assert response.status_code == 302
        assert flashed(client)[-1] == SAVED_MESSAGE
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert stored.capacity == 4
            assert revisions_of(stored) == [(1, APPROVED)]
            assert {a.id for a in stored.published.areas} == {area_ids[0], retired.id}
        page = logged_in_client(app, viewer).get(f"/mentors/{profile.id}").get_data(
            as_text=True)
        assert "Cold calling" in page

    def test_refused_to_someone_who_never_had_it(self, app, client, auth, user, area_ids,
                                                 retired):
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            [area_ids[0], retired.id]))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "is not a valid choice for this field." in field_errors(page, "areas")
        with app.app_context():
            assert count_profiles() == 0

    def test_refused_on_an_existing_profile_without_it(self, app, client, auth, user,
                                                       area_ids, retired):
        with app.app_context():
            profile = make_profile(user, areas=area_ids[:1], content=CLEAN_CONTENT)
        auth.login(user.email)
        response = client.submit("/profile/mentor", data=form_data(
            [area_ids[0], retired.id]))
        assert response.status_code == 422
        assert "is not a valid choice for this field." in field_errors(
            response.get_data(as_text=True), "areas")
        with app.app_context():
            stored = db.session.get(MentorProfile, profile.id)
            assert revisions_of(stored) == [(1, APPROVED)]


# Views: who sees a mentor's page (nobody but those allowed) -------------------------------

class TestMentorPage:
    @pytest.fixture
    def profile_in(self, app, user, area_ids):
        def make(status):
            with app.app_context():
                return make_profile(user, status=status, areas=area_ids[:1],
                                    content=CLEAN_CONTENT, working_style=WORKING_STYLE,
                                    motivation=MOTIVATION)
        return make

    def test_listed_profile_for_any_logged_in_user(self, app, client, auth, profile_in):
        profile = profile_in(APPROVED)
        with app.app_context():
            mentee = make_user()
        auth.login(mentee.email)
        response = client.get(f"/mentors/{profile.id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Rita Rep" in page and HEADLINE in page and BIO in page
        assert WORKING_STYLE in page and MOTIVATION in page and "Negotiation" in page
        assert NOT_LISTED_NOTICE not in page

    def test_anonymous_visitor_is_sent_to_log_in_for_a_listed_profile(self, client,
                                                                     profile_in):
        profile = profile_in(APPROVED)
        response = client.get(f"/mentors/{profile.id}")
        assert response.status_code == 302
        location = urlsplit(response.location)
        assert location.path == "/auth/login" and not location.netloc
        assert parse_qs(location.query) == {"next": [f"/mentors/{profile.id}"]}

    @pytest.mark.parametrize("status", UNLISTED)
    def test_anonymous_visitor_is_sent_to_log_in_for_an_unlisted_profile(self, client,
                                                                         profile_in, status):
        profile = profile_in(status)
        response = client.get(f"/mentors/{profile.id}")
        assert response.status_code == 302  # before anything is loaded: as a listed one
        assert urlsplit(response.location).path == "/auth/login"

    @pytest.mark.parametrize("status", UNLISTED)
    def test_another_mentee_gets_404_for_an_unlisted_profile(self, app, client, auth,
                                                             profile_in, status):
        profile = profile_in(status)
        with app.app_context():
            mentee = make_user()
        auth.login(mentee.email)
        response = client.get(f"/mentors/{profile.id}")
        assert response.status_code == 404
        assert HEADLINE not in response.get_data(as_text=True)

    @pytest.mark.parametrize("who", ["owner", "admin"])
    @pytest.mark.parametrize("status", UNLISTED)
    def test_owner_and_admins_see_an_unlisted_profile(self, client, auth, user, admin,
                                                      profile_in, status, who):
        profile = profile_in(status)
        auth.login(user.email if who == "owner" else admin.email)
        response = client.get(f"/mentors/{profile.id}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert NOT_LISTED_NOTICE in page
        assert "Rita Rep" in page and HEADLINE in page

    @pytest.mark.parametrize("logged_in", [True, False])
    def test_unknown_profile_is_404(self, client, auth, user, logged_in):
        if logged_in:
            auth.login(user.email)
        assert client.get("/mentors/999999").status_code == (404 if logged_in else 302)


# Mass assignment: a form sets only the fields it offers -----------------------------------

class TestExtraFields:
    def test_ignored_when_creating(self, app, client, auth, user, area_ids):
        with app.app_context():
            other = make_user(email="other@example.com")
        auth.login(user.email)
        response = client.submit("/profile/mentor", data={
            **form_data(area_ids[:1]), "status": "approved", "user_id": str(other.id),
            "is_admin": "1", "published_revision_id": "1", "id": "42",
            "approval_expires_at": "2099-01-01"})
        assert response.status_code == 302
        with app.app_context():
            assert count_profiles() == 1
            assert profile_of(other.id) is None
            profile = profile_of(user.id)
            assert profile.status == DRAFT and profile.id != 42
            assert profile.published_revision_id is None
            assert profile.approved_at is None and profile.approval_expires_at is None
            assert revisions_of(profile) == [(1, DRAFT)]
            assert db.session.get(User, user.id).is_admin is False

    def test_ignored_when_editing(self, app, client, auth, user, area_ids):
        with app.app_context():
            other = make_user(email="other@example.com")
            theirs = make_profile(other, areas=area_ids[1:], content={
                "headline_en": "Their headline", "bio_en": BIO})
            mine = make_profile(user, status=CHANGES_REQUESTED, areas=area_ids[:1],
                                content=CLEAN_CONTENT)
            their_revision = db.session.get(MentorProfile, theirs.id).published_revision_id
        auth.login(user.email)
        response = client.submit("/profile/mentor", data={
            **form_data(area_ids[:1], headline="Mine, edited"), "status": "approved",
            "user_id": str(other.id), "is_admin": "y",
            "published_revision_id": str(their_revision)})
        assert response.status_code == 302
        with app.app_context():
            stored = db.session.get(MentorProfile, mine.id)
            assert stored.status == CHANGES_REQUESTED and stored.user_id == user.id
            assert stored.published_revision_id is None
            assert services.open_revision(stored).headline_en == "Mine, edited"
            theirs = db.session.get(MentorProfile, theirs.id)
            assert theirs.published.headline_en == "Their headline"
            assert theirs.user_id == other.id
            assert db.session.get(User, user.id).is_admin is False


# Escaping: what users write is shown as text, never as markup ---------------------------

PAYLOADS = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "{{7*7}}"]


def assert_shown_escaped(response, texts, language):
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    for text in texts:
        assert str(escape(text)) in page
        if str(escape(text)) != text:
            assert text not in page
    assert "<script>alert" not in page and "<svg onload" not in page
    assert "Mallory 49" not in page  # user text is never evaluated as a template


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_shown_escaped(app, client, auth, admin, area_ids, payload, language):
    with app.app_context():
        mentor = make_user(email="mallory@example.com", language=language)
        viewer = make_user(email="viewer@example.com", language=language)
    headline = f"Headline Mallory {payload}"
    bio = f"Bio Mallory {payload} {BIO}"
    style = f"Style Mallory {payload}"
    auth.login(mentor.email)
    response = client.submit("/profile/mentor", data=form_data(
        area_ids, headline=headline, bio=bio, working_style=style))
    assert response.status_code == 302
    with app.app_context():
        profile = profile_of(mentor.id)
        revision = services.open_revision(profile)
        # Kept exactly as written, in the mentor's language.
        assert getattr(revision, f"headline_{language}") == headline
        assert getattr(revision, f"bio_{language}") == bio
        assert profile.working_style == style
        profile_id = profile.id
    texts = (headline, bio, style)
    assert_shown_escaped(client.get("/profile/mentor"), texts, language)
    assert_shown_escaped(client.get(f"/mentors/{profile_id}"), texts, language)

    client.submit("/profile/mentor/submit")
    approve(app, profile_id, admin.id)
    assert_shown_escaped(client.get("/profile/mentor"), texts, language)
    assert_shown_escaped(logged_in_client(app, viewer).get(f"/mentors/{profile_id}"),
                         texts, language)


# Italian ---------------------------------------------------------------------------------

def test_profile_form_in_italian(app, client, auth, area_ids):
    with app.app_context():
        mentor = make_user(email="giulia@example.com", language="it")
    auth.login(mentor.email)
    response = client.get("/profile/mentor")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="it">' in page
    assert "Negoziazione" in page and "Chiusura delle trattative" in page
    assert "Inglese" in page and "Italiano" in page  # spoken languages, named by Babel
    assert_italian_ui(app, page, [
        "My mentor profile", "Become a mentor", "Headline", "About you", "Focus areas",
        "Working style", "What you get out of mentoring", "Mentees at the same time",
        "Hours a month you can give", "Meeting formats", "Video call", "Save"])
    for english in (">Headline<", ">Focus areas<", ">Working style<", ">Save<"):
        assert english not in page


def test_profile_form_errors_in_italian(app, client, auth, area_ids):
    with app.app_context():
        mentor = make_user(email="giulia@example.com", language="it")
    auth.login(mentor.email)
    response = client.submit("/profile/mentor", data=form_data(
        area_ids, capacity="11", formats=[]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert italian(app, "Choose from %(min)s to %(max)s mentees.") % {
        "min": 1, "max": 10} in field_errors(page, "capacity")
    assert italian(app, "Choose at least one way of meeting.") in field_errors(page, "formats")


def test_italian_mentor_writes_in_italian_first(app, client, auth, area_ids):
    """`headline` and `bio` are in the language the mentor uses the site in."""
    with app.app_context():
        mentor = make_user(email="giulia@example.com", language="it")
    auth.login(mentor.email)
    response = client.submit("/profile/mentor", data=form_data(
        area_ids, headline=HEADLINE_IT, bio=BIO_IT, headline_other=HEADLINE, bio_other=BIO))
    assert response.status_code == 302
    assert flashed(client)[-1] == italian(app, SAVED_DRAFT_MESSAGE)
    with app.app_context():
        revision = services.open_revision(profile_of(mentor.id))
        assert (revision.headline_it, revision.bio_it) == (HEADLINE_IT, BIO_IT)
        assert (revision.headline_en, revision.bio_en) == (HEADLINE, BIO)


def test_mentor_page_in_the_viewers_language(app, auth, area_ids):
    with app.app_context():
        mentor = make_user(email="giulia@example.com", full_name="Giulia Bianchi")
        profile = make_profile(mentor, areas=area_ids[:1], content={
            **CLEAN_CONTENT, "headline_it": HEADLINE_IT, "bio_it": BIO_IT})
        italian_viewer = make_user(language="it")
        english_viewer = make_user(language="en")

    response = logged_in_client(app, italian_viewer).get(f"/mentors/{profile.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="it">' in page
    assert escape(HEADLINE_IT) in page and escape(BIO_IT) in page
    assert HEADLINE not in page and BIO not in page
    assert "Negoziazione" in page and "inglese" in page
    assert_italian_ui(app, page, [
        "About", "Working style", "What I get out of mentoring", "In short", "Experience",
        "Region", "Languages", "Meeting formats", "Places", "Hours a month",
        "Internal", "Italy – North"])
    assert "videochiamata" in page  # a word in a list, in lower case
    assert ">Working style<" not in page and ">Experience<" not in page

    page = logged_in_client(app, english_viewer).get(f"/mentors/{profile.id}").get_data(
        as_text=True)
    assert '<html lang="en">' in page
    assert HEADLINE in page and BIO in page and escape(HEADLINE_IT) not in page
    assert "Negotiation" in page and "English" in page


def test_mentor_page_falls_back_to_the_other_language(app, auth, area_ids):
    with app.app_context():
        mentor = make_user(email="giulia@example.com")
        profile = make_profile(mentor, areas=area_ids[:1], content={
            "headline_en": None, "bio_en": None, "headline_it": HEADLINE_IT, "bio_it": BIO_IT})
        viewer = make_user(language="en")
    page = logged_in_client(app, viewer).get(f"/mentors/{profile.id}").get_data(as_text=True)
    assert escape(HEADLINE_IT) in page and escape(BIO_IT) in page


class TestOutsideMentorsStayExternal:
    """The organisation, not the profile form, says who is inside: an outside mentor's
    profile cannot claim to be internal."""

    OUTSIDE = {"affiliation": "external", "company": "Studio Rossi",
               "confidentiality": True, "conflicts": "None."}
    REFUSAL = ("You joined as an outside mentor, so your profile says external. Only the "
               "program team can change that.")

    def outsider(self, **fields):
        return make_user(email="out@studio.example", affiliation="external",
                         company="Studio Rossi", **fields)

    def test_the_service_refuses_an_internal_claim(self, app_ctx, area):
        outsider = self.outsider()
        with pytest.raises(ProfileError, match="outside mentor") as refused:
            services.save_profile(actor=outsider, content=content([area]), details=details())
        assert refused.value.field == "affiliation"
        assert profile_of(outsider.id) is None

    def test_the_service_keeps_an_external_profile(self, app_ctx, area):
        outsider = self.outsider()
        profile, _outcome = services.save_profile(
            actor=outsider, content=content([area], **self.OUTSIDE), details=details())
        assert queries.history(profile)[0].affiliation == "external"

    def test_an_internal_account_may_still_say_either(self, app_ctx, mentor, area):
        profile, _outcome = services.save_profile(actor=mentor, content=content([area]),
                                                  details=details())
        assert profile.user_id == mentor.id

    def test_the_page_refuses_it_next_to_the_field_and_keeps_the_input(
            self, app, client, auth, area_ids):
        with app.app_context():
            outsider = self.outsider()
        auth.login(outsider.email)
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, affiliation="internal", headline="My own words"))
        assert response.status_code == 409
        assert self.REFUSAL in field_errors(response, "affiliation")
        assert "My own words" in response.get_data(as_text=True)
        with app.app_context():
            assert profile_of(outsider.id) is None
        response = client.submit("/profile/mentor", data=form_data(
            area_ids, affiliation="external", company="Studio Rossi", confidentiality="y",
            conflicts="None."))
        assert response.status_code == 302
        assert flashed(client) == [SAVED_DRAFT_MESSAGE]
        with app.app_context():
            assert queries.history(profile_of(outsider.id))[0].affiliation == "external"

    def test_in_italian(self, app, client, auth, area_ids):
        with app.app_context():
            outsider = self.outsider(language="it")
        auth.login(outsider.email)
        response = client.submit("/profile/mentor", data=form_data(area_ids))
        assert response.status_code == 409
        assert italian(app, self.REFUSAL) in field_errors(response, "affiliation")
