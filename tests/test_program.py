"""The program page, recognition of mentors, success stories and the program settings
(issue "Program, recognition, stories"). Whoever is not a party to a story gets a 404,
form input is held to its limits, admins' changes are audited, and two sessions
acting on one story at the same moment leave it consistent.

- The program page shows every part of the program in the visitor's language, in the
  admins' wording or else the default (its Italian read from messages.po), and the
  timeline's dates in the locale's format; stories and the honor roll are for people
  who are logged in.
- Admins reword every part in both languages on /admin/program; each real change is
  audited, a save that changes nothing is not.
- Recognition: completed mentees and confirmed hours on the mentor page and the honor
  roll; the mentor's own statement of confirmed hours, in their language.
- Stories: nothing is published without both consents, for the very text published.
- The settings of /admin/settings take effect where they are used, and are audited.

Service tests call the services directly; view tests check the status, the redirect,
the flashed message and the database. (The approvals settings and the focus areas are
tested in test_vetting.py and test_admin.py.)
"""

import html
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.admin import queries as admin_queries
from marketplace.config import PROJECT_ROOT
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentors import queries as mentor_queries
from marketplace.mentors.models import PENDING, SUSPENDED, MentorProfile
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import (
    ACTIVE,
    COMPLETED,
    ENDED,
    EXPIRED,
    OPEN,
    CheckIn,
    Mentorship,
    MentorshipRequest,
)
from marketplace.notifications.models import Notification
from marketplace.program import queries as program_queries
from marketplace.program import services as program
from marketplace.program import texts
from marketplace.program.models import FocusArea, ProgramSettings, ProgramText
from marketplace.stories import services as stories
from marketplace.stories.models import (
    AWAITING_CONSENT,
    DRAFT,
    PUBLISHED,
    RETURNED,
    SUBMITTED,
    SuccessStory,
)
from marketplace.stories.services import StoryError

from .builders import field_html, other_side, row_of, settings_form
from .factories import (
    STORY_BODY,
    make_area,
    make_mentorship,
    make_profile,
    make_story,
    make_user,
)
from .helpers import count, flashed, get, login_client, run_together

PO_FILE = PROJECT_ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po"
with PO_FILE.open("rb") as po:
    CATALOG = read_po(po)

HEADERS = {"en": {"Accept-Language": "en-GB,en;q=0.9"},
           "it": {"Accept-Language": "it-IT,it;q=0.9"}}
PILOT, ROLLOUT = date(2026, 3, 2), date(2026, 11, 22)

TITLE = "A plan for every account"  # the title make_story gives
NEW_TITLE = "Six months, one multi-year contract"
NEW_BODY = ("I came with renewals that were always late. We mapped procurement at each of "
            "my key accounts, practised the CFO conversation twice, and by the spring I "
            "had signed the multi-year contract I had been chasing for a year.")
NOTE = "Please leave out the customer's name."

# What the app says (English).
PROGRAM_SAVED = "The program page has been saved."
NOTHING_CHANGED = "Nothing has changed."
SETTINGS_SAVED = "The settings have been saved."
WRITE_IN_ENGLISH = "Write this part in English."
WRITE_IN_ITALIAN = "Write this part in Italian."
STORY_SAVED = "Your story is saved. Ask the other side to agree when it is ready."
CONSENT_ASKED = "We have asked the other side to agree to your story."
CONSENT_THANKS = "Thank you: the story goes to the program team for publication."
STORY_PUBLISHED = "The story is published on the program page."
STORY_RETURNED = "The story is returned to its author with your note."
NOT_A_PARTY = "Only the mentor and the mentee can tell their story."
NOT_COMPLETED = "A story is told once the mentorship is completed."
STORY_SIZE = "Give the story a title and tell it in 200 to 5000 characters."
OTHER_SIDE_TELLS = "The other side is telling this story: you can agree to it."
WITH_THE_TEAM = "This story is with the program team and cannot be changed."
CANNOT_ASK = "This story cannot be sent for agreement now."
ONLY_OTHER_SIDE = "Only the other side of the mentorship can agree to the story."
CHANGED_SINCE_READ = ("The story has changed since you read it: read it again, then agree "
                      "if you still do.")
NOT_WAITING = "This story is not waiting for your agreement."
PUBLISH_NEEDS_CONSENT = "Only a story both sides agreed to can be published."
CANNOT_RETURN = "Only a story waiting for the program team can be returned."
NOTE_NEEDED = "Tell the author what to change."
COMPLETED_COUNT = "Mentees who reached their goal"
HOURS_GIVEN = "Hours of mentoring given"
CONTROL_CHARACTERS = "Remove the invisible control characters from this text."


def open_requests_limit(num):
    if num == 1:
        return ("You already have 1 open request, the most allowed. Wait for an answer "
                "or withdraw it first.")
    return (f"You already have {num} open requests, the most allowed. Wait for an answer "
            "or withdraw one first.")


def italian(msgid):
    """The Italian of `msgid`, as messages.po has it."""
    message = CATALOG.get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no Italian"
    return message.string


def said(text, language):
    """A template's own words in `language`, as the page shows them (Jinja's gettext
    leaves the catalog's words unescaped; only the values put into them are escaped)."""
    return text if language == "en" else italian(text)


# Helpers -------------------------------------------------------------------------------

def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def notifications(user_id):
    """(kind, link, params) of each notification of a user, oldest first."""
    return [(n.kind, n.link, n.params) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.id))]


def home(client, language="en"):
    response = client.get("/", headers=HEADERS[language])
    assert response.status_code == 200
    return response.get_data(as_text=True)


def default_parts():
    """{language: {key: (heading, text)}}: the English of the source, the Italian of
    the catalog."""
    with force_locale("en"):
        english = {key: (str(heading), str(text))
                   for key, (heading, text) in texts.PARTS.items()}
    return {"en": english,
            "it": {key: (italian(heading), italian(text))
                   for key, (heading, text) in english.items()}}


def textarea(page, name):
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1)).lstrip("\r\n")


def input_value(page, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return html.unescape(re.search(r'value="([^"]*)"', tag).group(1))


def program_form(defaults, **changes):
    """Every field of /admin/program as it shows the default wording, with `changes`."""
    data = {f"{key}_{language}": defaults[language][key][1]
            for key in texts.PARTS for language in ("en", "it")}
    return {**data, "pilot_starts_on": "", "rollout_starts_on": "", **changes}


def section(page, heading):
    """The part of the page from the section titled `heading` to the next section."""
    start = page.index(f">{heading}</h2>")
    end = page.find("</section>", start)
    return page[start:end]


# Fixtures ------------------------------------------------------------------------------

@pytest.fixture
def defaults(app):
    with app.test_request_context():
        return default_parts()


@pytest.fixture
def world(app, admin):
    """Marco mentored Sara to her goal (90 minutes confirmed); Otto is a bystander."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor = make_user(email="marco@example.com", full_name="Marco Mentor")
        profile = make_profile(mentor, areas=[area], capacity=4, monthly_hours=10)
        mentee = make_user(email="sara@example.com", full_name="Sara Seller")
        outsider = make_user(email="otto@example.com", full_name="Otto Outsider")
        mentorship = make_mentorship(mentee, profile, area, status=COMPLETED,
                                     started_days_ago=120, confirmed_minutes=[60, 30])
    return SimpleNamespace(area=area, mentor=mentor, profile=profile, mentee=mentee,
                           outsider=outsider, mentorship=mentorship, admin=admin)


# The program page ----------------------------------------------------------------------

class TestProgramPage:
    @pytest.mark.parametrize("language", ["en", "it"])
    def test_every_part_with_its_heading_in_the_visitors_language(self, client, defaults,
                                                                  language):
        page = home(client, language)
        assert f'<html lang="{language}"' in page
        for key, (heading, text) in defaults[language].items():
            assert f">{heading}</h" in page, key
            assert escape(text) in page, key
        other = defaults["it" if language == "en" else "en"]
        for key, (_heading, text) in other.items():
            assert escape(text) not in page, key

    def test_the_parts_the_issue_asks_for_are_all_there(self):
        assert set(texts.PARTS) == {"purpose", "scope", "population", "outcomes",
                                    "mentee_duties", "mentor_duties", "mentor_gains",
                                    "difference", "timeline"}

    def test_an_italian_user_reads_italian_whatever_the_browser_says(self, app, client, auth,
                                                                     defaults):
        with app.app_context():
            make_user(email="giulia@example.com", language="it")
        auth.login("giulia@example.com")
        page = home(client, "en")
        assert '<html lang="it"' in page
        for key, (heading, text) in defaults["it"].items():
            assert f">{heading}</h" in page and escape(text) in page, key

    @pytest.mark.parametrize("language, pilot, rollout", [
        ("en", "March 2, 2026", "November 22, 2026"),
        ("it", "2 marzo 2026", "22 novembre 2026"),
    ])
    def test_timeline_dates_in_the_locales_format(self, app, client, language, pilot,
                                                  rollout):
        with app.app_context():
            current = program.settings()
            current.pilot_starts_on, current.rollout_starts_on = PILOT, ROLLOUT
            db.session.commit()
        page = home(client, language)
        timeline = page[page.index('<ol class="timeline">'):]
        timeline = timeline[:timeline.index("</ol>")]
        assert (f"<strong>{pilot}</strong> – {said('the pilot starts', language)}"
                in timeline)
        assert (f"<strong>{rollout}</strong> – "
                f"{said('the program opens to the whole sales organisation', language)}"
                in timeline)

    def test_without_dates_there_is_no_timeline_list(self, client, defaults):
        page = home(client)
        assert escape(defaults["en"]["timeline"][1]) in page
        assert 'class="timeline"' not in page

    def test_only_the_pilot_date(self, app, client):
        with app.app_context():
            program.settings().pilot_starts_on = PILOT
            db.session.commit()
        page = home(client)
        assert "<strong>March 2, 2026</strong> – the pilot starts" in page
        assert "– the program opens to the whole sales organisation" not in page

    def test_stories_and_honor_roll_are_for_logged_in_people(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=PUBLISHED, title=TITLE)
        page = home(client)
        assert TITLE not in page and "Success stories" not in page
        assert "Honor roll" not in page and "Marco Mentor" not in page

        auth.login(world.outsider.email)
        page = home(client)
        stories_part = section(page, "Success stories")
        assert TITLE in stories_part and escape(STORY_BODY) in stories_part
        assert "Marco Mentor and Sara Seller" in stories_part
        honor = section(page, "Honor roll")
        assert f'href="/mentors/{world.profile.id}">Marco Mentor</a>' in honor

    def test_logged_in_italian_user_sees_stories_and_honor_roll_in_italian(self, app, client,
                                                                           auth, world):
        with app.app_context():
            make_story(world.mentorship, status=PUBLISHED, title=TITLE)
            make_user(email="giulia@example.com", language="it")
        auth.login("giulia@example.com")
        page = home(client)
        stories_part = section(page, italian("Success stories"))
        assert TITLE in stories_part and "Marco Mentor e Sara Seller" in stories_part
        honor = section(page, italian("Honor roll"))
        assert italian(COMPLETED_COUNT) in honor
        row = row_of(honor, "Marco Mentor")
        assert "<td>1</td>" in row and "<td>1,5</td>" in row

    def test_nothing_to_show_yet(self, client, auth, user):
        auth.login(user.email)
        page = home(client)
        assert "Success stories" not in page and "Honor roll" not in page


class TestProgramTextsService:
    def test_saves_both_languages_and_audits_the_change(self, app_ctx, admin):
        changed = program.update_texts(actor=admin, texts={
            "purpose": ("Our purpose.", "Il nostro scopo.")})
        db.session.commit()
        assert changed == ["purpose"]
        row = db.session.get(ProgramText, "purpose")
        assert (row.text_en, row.text_it) == ("Our purpose.", "Il nostro scopo.")
        assert texts.part("purpose", "en") == "Our purpose."
        assert texts.part("purpose", "it") == "Il nostro scopo."
        [event] = events("program.texts_updated")
        assert (event.actor_id, event.ip, event.details) == (admin.id, None,
                                                             {"changed": ["purpose"]})

    @pytest.mark.parametrize("key", list(texts.PARTS))
    def test_every_part_can_be_reworded(self, app_ctx, admin, key):
        assert program.update_texts(actor=admin, texts={key: ("New.", "Nuovo.")}) == [key]
        assert (texts.part(key, "en"), texts.part(key, "it")) == ("New.", "Nuovo.")

    def test_defaults_are_in_the_language_asked_for_not_the_current_one(self, app):
        """The admin form shows both languages whatever the admin's own language."""
        with app.test_request_context():
            defaults = default_parts()
            for current in ("en", "it"):
                with force_locale(current):
                    for language in ("en", "it"):
                        for key, (_heading, text) in defaults[language].items():
                            assert texts.texts(language)[key][1] == text, (current, key)
                            assert texts.part(key, language) == text, (current, key)

    def test_unknown_parts_are_ignored(self, app_ctx, admin):
        assert program.update_texts(actor=admin, texts={"is_admin": ("x", "y")}) == []
        assert count(ProgramText) == 0
        assert events("program.texts_updated") == []

    def test_the_same_wording_again_changes_nothing(self, app_ctx, admin):
        program.update_texts(actor=admin, texts={"scope": ("Scope.", "Ambito.")})
        db.session.commit()
        assert program.update_texts(actor=admin, texts={
            "scope": ("  Scope.\n", " Ambito. ")}) == []
        db.session.commit()
        assert len(events("program.texts_updated")) == 1
        row = db.session.get(ProgramText, "scope")
        assert (row.text_en, row.text_it) == ("Scope.", "Ambito.")

    def test_saving_the_default_wording_changes_nothing(self, app_ctx, admin, defaults):
        wording = {key: (defaults["en"][key][1], defaults["it"][key][1])
                   for key in texts.PARTS}
        assert program.update_texts(actor=admin, texts=wording) == []
        assert count(ProgramText) == 0
        assert events("program.texts_updated") == []

    def test_going_back_to_the_default_wording(self, app_ctx, admin, defaults):
        program.update_texts(actor=admin, texts={"outcomes": ("Results.", "Risultati.")})
        default = (defaults["en"]["outcomes"][1], defaults["it"]["outcomes"][1])
        assert program.update_texts(actor=admin, texts={"outcomes": default}) == [
            "outcomes"]
        db.session.commit()
        row = db.session.get(ProgramText, "outcomes")
        # Stored empty, so the part follows the catalog's wording again.
        assert (row.text_en, row.text_it) == ("", "")
        assert (texts.part("outcomes", "en"), texts.part("outcomes", "it")) == default

    def test_only_english_reworded_italian_visitors_keep_the_italian_default(
            self, app_ctx, admin, defaults):
        program.update_texts(actor=admin, texts={"population": ("Every seller.", "")})
        assert texts.part("population", "en") == "Every seller."
        assert texts.part("population", "it") == defaults["it"]["population"][1]

    def test_only_italian_reworded_english_visitors_keep_the_english_default(
            self, app_ctx, admin, defaults):
        program.update_texts(actor=admin, texts={
            "population": (defaults["en"]["population"][1], "Tutti i commerciali.")})
        row = db.session.get(ProgramText, "population")
        assert (row.text_en, row.text_it) == ("", "Tutti i commerciali.")
        assert texts.part("population", "en") == defaults["en"]["population"][1]
        assert texts.part("population", "it") == "Tutti i commerciali."

    def test_dates_are_changes_too(self, app_ctx, admin):
        assert program.update_texts(actor=admin, texts={}, pilot_starts_on=PILOT,
                                    rollout_starts_on=ROLLOUT) == [
            "pilot_starts_on", "rollout_starts_on"]
        current = program.settings()
        assert (current.pilot_starts_on, current.rollout_starts_on) == (PILOT, ROLLOUT)
        assert program.update_texts(actor=admin, texts={}, pilot_starts_on=PILOT,
                                    rollout_starts_on=ROLLOUT) == []
        assert program.update_texts(actor=admin, texts={}, pilot_starts_on=PILOT) == [
            "rollout_starts_on"]
        assert program.settings().rollout_starts_on is None
        assert [event.details["changed"] for event in events("program.texts_updated")] == [
            ["pilot_starts_on", "rollout_starts_on"], ["rollout_starts_on"]]


class TestProgramTextsAdmin:
    def test_only_admins(self, client, auth, user):
        assert client.get("/admin/program").status_code == 302
        auth.login(user.email)
        assert client.get("/admin/program").status_code == 403
        assert client.submit("/admin/program", data={}).status_code == 403

    @pytest.mark.parametrize("admin_language", ["en", "it"])
    def test_form_shows_each_part_in_each_language(self, app, client, auth, defaults,
                                                   admin_language):
        with app.app_context():
            make_user(email="boss@example.com", is_admin=True, language=admin_language)
        auth.login("boss@example.com")
        response = client.get("/admin/program")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        for key in texts.PARTS:
            assert textarea(page, f"{key}_en") == defaults["en"][key][1], key
            assert textarea(page, f"{key}_it") == defaults["it"][key][1], key
        assert input_value(page, "pilot_starts_on") == ""

    def test_edit_every_text_in_both_languages(self, app, client, auth, admin, defaults):
        auth.login(admin.email)
        data = program_form(defaults, pilot_starts_on=PILOT.isoformat(),
                            rollout_starts_on=ROLLOUT.isoformat(), **{
                                f"{key}_{language}": f"{key} wording, {language}."
                                for key in texts.PARTS for language in ("en", "it")})
        response = client.submit("/admin/program", data=data)
        assert response.status_code == 302 and response.location == "/admin/program"
        assert flashed(client) == [PROGRAM_SAVED]
        with app.app_context():
            for key in texts.PARTS:
                row = db.session.get(ProgramText, key)
                assert (row.text_en, row.text_it) == (f"{key} wording, en.",
                                                      f"{key} wording, it."), key
            current = program.settings()
            assert (current.pilot_starts_on, current.rollout_starts_on) == (PILOT, ROLLOUT)
            [event] = events("program.texts_updated")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
            assert event.details == {"changed": [*texts.PARTS, "pilot_starts_on",
                                                 "rollout_starts_on"]}

        page = client.get("/admin/program").get_data(as_text=True)
        assert textarea(page, "scope_it") == "scope wording, it."
        assert input_value(page, "rollout_starts_on") == ROLLOUT.isoformat()
        for language in ("en", "it"):
            page = home(app.test_client(), language)  # a visitor's browser
            for key in texts.PARTS:
                assert f"{key} wording, {language}." in page
                assert escape(defaults[language][key][1]) not in page
            assert f"wording, {'it' if language == 'en' else 'en'}." not in page

    @pytest.mark.parametrize("language", ["en", "it"])
    @pytest.mark.parametrize("key", list(texts.PARTS))
    def test_edit_one_text(self, app, client, auth, admin, defaults, key, language):
        auth.login(admin.email)
        wording = f"Reworded {key} <b>in</b> {language}."
        response = client.submit("/admin/program", data=program_form(
            defaults, **{f"{key}_{language}": wording}))
        assert response.status_code == 302 and response.location == "/admin/program"
        assert flashed(client) == [PROGRAM_SAVED]
        with app.app_context():
            row = db.session.get(ProgramText, key)
            assert row.text(language) == wording
            assert row.text("it" if language == "en" else "en") == ""
            assert count(ProgramText) == 1
            [event] = events("program.texts_updated")
            assert event.details == {"changed": [key]}
        other = "it" if language == "en" else "en"
        assert escape(wording) in home(app.test_client(), language)
        page = home(app.test_client(), other)
        assert escape(wording) not in page
        assert escape(defaults[other][key][1]) in page

    def test_saving_the_form_as_shown_records_nothing(self, app, client, auth, admin):
        auth.login(admin.email)

        def as_shown():
            page = client.get("/admin/program").get_data(as_text=True)
            data = {f"{key}_{language}": textarea(page, f"{key}_{language}")
                    for key in texts.PARTS for language in ("en", "it")}
            return {**data, "pilot_starts_on": input_value(page, "pilot_starts_on"),
                    "rollout_starts_on": input_value(page, "rollout_starts_on")}

        response = client.submit("/admin/program", data=as_shown())
        assert response.status_code == 302
        assert flashed(client) == [NOTHING_CHANGED]
        with app.app_context():
            assert count(ProgramText) == 0
            assert events("program.texts_updated") == []

        client.submit("/admin/program", data={**as_shown(), "mentor_gains_it": "Crescita.",
                                              "pilot_starts_on": PILOT.isoformat()})
        assert flashed(client) == [PROGRAM_SAVED]
        client.submit("/admin/program", data=as_shown())
        assert flashed(client) == [NOTHING_CHANGED]
        with app.app_context():
            [event] = events("program.texts_updated")
            assert event.details == {"changed": ["mentor_gains", "pilot_starts_on"]}

    @pytest.mark.parametrize("field, value, error", [
        ("purpose_en", "", WRITE_IN_ENGLISH),
        ("scope_it", "   \n ", WRITE_IN_ITALIAN),
        ("outcomes_en", "x" * 4001, "Shorten this text to at most 4000 characters."),
        ("difference_it", "Testo con \x00 nascosto", CONTROL_CHARACTERS),
        ("mentor_duties_en", "Bell\x07", CONTROL_CHARACTERS),
        ("pilot_starts_on", "2026-02-30", "Not a valid date value."),
        ("rollout_starts_on", "next spring", "Not a valid date value."),
        ("timeline_it", None, WRITE_IN_ITALIAN),
    ])
    def test_bad_input_is_refused_with_the_form_kept(self, app, client, auth, admin,
                                                     defaults, field, value, error):
        auth.login(admin.email)
        data = program_form(defaults, purpose_en="Kept wording.")
        if value is None:
            del data[field]
        else:
            data[field] = value
        response = client.submit("/admin/program", data=data)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert escape(error) in field_html(page, field)
        if field != "purpose_en":
            assert textarea(page, "purpose_en") == "Kept wording."
        assert flashed(client) == []
        with app.app_context():
            assert count(ProgramText) == 0
            assert events("program.texts_updated") == []

    def test_validation_messages_in_italian(self, app, client, auth, defaults):
        with app.app_context():
            make_user(email="giulia@example.com", is_admin=True, language="it")
        auth.login("giulia@example.com")
        response = client.submit("/admin/program", data=program_form(defaults, scope_en=""))
        assert response.status_code == 422
        assert escape(italian(WRITE_IN_ENGLISH)) in field_html(response.get_data(as_text=True),
                                                       "scope_en")

    def test_extra_fields_are_ignored(self, app, client, auth, admin, defaults):
        auth.login(admin.email)
        response = client.submit("/admin/program", data=program_form(
            defaults, secret_en="x", is_admin="y", scope_en="New scope."))
        assert response.status_code == 302
        with app.app_context():
            assert set(texts.stored()) == {"scope"}

    def test_without_csrf_token_nothing_is_saved(self, app, client, auth, admin, defaults):
        auth.login(admin.email)
        response = client.post("/admin/program", data=program_form(defaults,
                                                                   scope_en="New scope."))
        assert response.status_code == 400
        with app.app_context():
            assert count(ProgramText) == 0

    def test_the_request_form_shows_the_reworded_mentee_duties(self, app, client, auth,
                                                               admin, world, defaults):
        auth.login(admin.email)
        client.submit("/admin/program", data=program_form(
            defaults, mentee_duties_en="I prepare every meeting.",
            mentee_duties_it="Preparo ogni incontro."))
        auth.logout()
        auth.login(world.outsider.email)
        page = client.get(f"/mentors/{world.profile.id}/request").get_data(as_text=True)
        assert "I prepare every meeting." in page
        assert "Preparo ogni incontro." not in page


# Recognition ---------------------------------------------------------------------------

@pytest.fixture
def recognised(app, world):
    """Marco: Sara completed (60 + 30 minutes confirmed), Bruno completed (60), Carla is
    in progress (60 confirmed, 120 not confirmed), Dario ended early (60)."""
    with app.app_context():
        bruno = make_user(full_name="Bruno Buyer")
        carla = make_user(full_name="Carla Closer")
        dario = make_user(full_name="Dario Dealer")
        make_mentorship(bruno, world.profile, world.area, status=COMPLETED,
                        started_days_ago=90, confirmed_minutes=[60])
        active = make_mentorship(carla, world.profile, world.area, status=ACTIVE,
                                 started_days_ago=30, confirmed_minutes=[60])
        mentoring.log_check_in(db.session.get(Mentorship, active.id),
                               actor=db.session.get(User, carla.id),
                               held_on=active.started_on, minutes=120,
                               summary="Not confirmed yet.")
        db.session.commit()
        ended = make_mentorship(dario, world.profile, world.area, status=ENDED,
                                started_days_ago=60, confirmed_minutes=[60])
    return SimpleNamespace(bruno=bruno, carla=carla, dario=dario, active=active, ended=ended)


def recognition(page, label):
    match = re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", page)
    assert match, f"no {label} on the page"
    return match.group(1)


class TestRecognition:
    def test_services_count_completions_and_confirmed_hours_only(self, app_ctx, world,
                                                                 recognised):
        profile = db.session.get(MentorProfile, world.profile.id)
        assert mentor_queries.track_record(profile) == (2, 4.5)

    @pytest.mark.parametrize("language, hours", [("en", "4.5"), ("it", "4,5")])
    def test_mentor_page(self, app, client, auth, world, recognised, language, hours):
        with app.app_context():
            make_user(email="viewer@example.com", language=language)
        auth.login("viewer@example.com")
        page = client.get(f"/mentors/{world.profile.id}").get_data(as_text=True)
        assert recognition(page, said(COMPLETED_COUNT, language)) == "2"
        assert recognition(page, said(HOURS_GIVEN, language)) == hours

    def test_a_new_mentor_shows_zero(self, app, client, auth, world):
        with app.app_context():
            profile = make_profile(make_user(), areas=[world.area])
        auth.login(world.outsider.email)
        page = client.get(f"/mentors/{profile.id}").get_data(as_text=True)
        assert recognition(page, COMPLETED_COUNT) == "0"
        assert recognition(page, HOURS_GIVEN) == "0"


class TestHonorRoll:
    @pytest.fixture
    def mentors(self, app, admin):
        """Bianca: 2 completed, 3 h; Alba: 2 completed, 1 h confirmed (and 8 h not
        confirmed); Chiara: 1 completed, 10 h; Dora: none completed, 2 h in progress.
        Not on the roll: Elsa (suspended, 3 completed), Hana (back in review, 1
        completed), Flavia (only unconfirmed time and a mentorship ended early), Gina
        (nothing yet)."""
        with app.app_context():
            area = make_area()

            def mentor(name, mentorships):
                profile = make_profile(make_user(full_name=name), areas=[area], capacity=4,
                                       monthly_hours=20)
                for state, minutes in mentorships:
                    make_mentorship(make_user(), profile, area, status=state,
                                    started_days_ago=30, confirmed_minutes=minutes)
                return profile

            alba = mentor("Alba", [(COMPLETED, [60]), (COMPLETED, [])])
            active = make_mentorship(make_user(), alba, area, started_days_ago=30)
            for number in range(2):
                mentoring.log_check_in(db.session.get(Mentorship, active.id),
                                       actor=db.session.get(User, active.mentee_id),
                                       held_on=active.started_on, minutes=240,
                                       summary=f"Logged, never confirmed ({number}).")
            db.session.commit()
            bianca = mentor("Bianca", [(COMPLETED, [120]), (COMPLETED, [60])])
            chiara = mentor("Chiara", [(COMPLETED, [480, 120])])
            dora = mentor("Dora", [(ACTIVE, [60, 60])])
            elsa = mentor("Elsa", [(COMPLETED, [60])] * 3)
            db.session.execute(update(MentorProfile).where(MentorProfile.id == elsa.id)
                               .values(status=SUSPENDED, suspended_at=utcnow(),
                                       suspension_reason="Under review."))
            hana = mentor("Hana", [(COMPLETED, [480, 120])])
            db.session.execute(update(MentorProfile).where(MentorProfile.id == hana.id)
                               .values(status=PENDING))
            flavia = mentor("Flavia", [(ENDED, [])])
            active = make_mentorship(make_user(), flavia, area, started_days_ago=30)
            mentoring.log_check_in(db.session.get(Mentorship, active.id),
                                   actor=db.session.get(User, active.mentee_id),
                                   held_on=active.started_on, minutes=240,
                                   summary="Logged, never confirmed.")
            db.session.commit()
            mentor("Gina", [])
        return SimpleNamespace(alba=alba, bianca=bianca, chiara=chiara, dora=dora)

    def test_order_most_completed_then_most_hours(self, app_ctx, mentors):
        roll = [(profile.user.full_name, completed, hours)
                for profile, completed, hours in program_queries.honor_roll()]
        assert roll == [("Bianca", 2, 3.0), ("Alba", 2, 1.0), ("Chiara", 1, 10.0),
                        ("Dora", 0, 2.0)]

    def test_limit(self, app_ctx, mentors):
        assert [profile.id for profile, _c, _h in program_queries.honor_roll(limit=2)] == [
            mentors.bianca.id, mentors.alba.id]

    def test_page_shows_the_roll_in_order(self, client, auth, user, mentors):
        auth.login(user.email)
        honor = section(home(client), "Honor roll")
        names = re.findall(r'<a href="/mentors/\d+">([^<]+)</a>', honor)
        assert names == ["Bianca", "Alba", "Chiara", "Dora"]
        assert "<td>2</td>" in row_of(honor, "Bianca") and "<td>3</td>" in row_of(
            honor, "Bianca")
        assert "<td>10</td>" in row_of(honor, "Chiara")

    def test_a_deactivated_mentor_is_not_on_the_roll(self, app_ctx, mentors):
        db.session.execute(update(User).where(User.id == mentors.bianca.user_id)
                           .values(active=False))
        db.session.commit()
        assert mentors.bianca.id not in [p.id for p, _c, _h in program_queries.honor_roll()]


class TestStatement:
    URL = "/profile/mentor/statement"

    @pytest.fixture
    def dated(self, app, world, recognised):
        """Fixed dates, so that the page can be read: Sara's mentorship ran from
        3 February to 4 August 2025."""
        with app.app_context():
            db.session.execute(update(Mentorship).where(Mentorship.id == world.mentorship.id)
                               .values(started_on=date(2025, 2, 3),
                                       ended_at=datetime(2025, 8, 4, 12, tzinfo=UTC)))
            db.session.commit()

    def test_mentor_sees_confirmed_hours_per_mentorship_and_the_total(
            self, client, auth, world, recognised, dated):
        auth.login(world.mentor.email)
        response = client.get(self.URL)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<h1>Statement of confirmed hours</h1>" in page
        assert "confirms that Marco Mentor has given" in page
        sara = row_of(page, "Sara Seller")
        assert ("<td>Negotiation</td>" in sara and "<td>Feb 3, 2025 – Aug 4, 2025</td>" in sara
                and "<td>Completed</td>" in sara and "<td>1.5</td>" in sara)
        assert "<td>1</td>" in row_of(page, "Bruno Buyer")
        carla = row_of(page, "Carla Closer")  # the unconfirmed 2 hours do not count
        assert "<td>In progress</td>" in carla and "<td>1</td>" in carla
        assert "– today</td>" in carla
        dario = row_of(page, "Dario Dealer")
        assert "<td>Ended early</td>" in dario and "<td>1</td>" in dario
        assert "<strong>4.5</strong>" in row_of(page, "Total")
        today = datetime.now(ZoneInfo(world.mentor.timezone)).date()
        assert f"Issued on {format_date(today, 'long', locale='en')}." in page
        assert "Otto" not in page

    def test_in_the_italian_mentors_language(self, app, client, auth, world, recognised,
                                             dated):
        with app.app_context():
            mentor = db.session.get(User, world.mentor.id)
            mentor.language, mentor.timezone = "it", "Europe/Rome"
            db.session.commit()
        auth.login(world.mentor.email)
        page = client.get(self.URL, headers=HEADERS["en"]).get_data(as_text=True)
        assert '<html lang="it"' in page
        assert f"<h1>{italian('Statement of confirmed hours')}</h1>" in page
        sara = row_of(page, "Sara Seller")
        assert ("<td>Negoziazione</td>" in sara and "<td>3 feb 2025 – 4 ago 2025</td>" in sara
                and f"<td>{italian('Completed')}</td>" in sara and "<td>1,5</td>" in sara)
        assert f"– {italian('today')}</td>" in row_of(page, "Carla Closer")
        assert "<strong>4,5</strong>" in row_of(page, italian("Total"))
        today = datetime.now(ZoneInfo("Europe/Rome")).date()
        issued = italian("Issued on %(date)s.") % {"date": format_date(today, "long",
                                                                        locale="it")}
        assert issued in page

    @pytest.mark.parametrize("language, total", [("en", "1,234.5"), ("it", "1.234,5")])
    def test_large_totals_in_the_locales_format(self, app, client, auth, world, language,
                                                total):
        with app.app_context():
            db.session.get(User, world.mentor.id).language = language
            # 1234.5 hours in all: Sara's 1.5 and 1233 more (205 × 6 h + 3 h).
            db.session.add_all(CheckIn(mentorship_id=world.mentorship.id,
                                       author_id=world.mentee.id,
                                       held_on=world.mentorship.started_on, minutes=minutes,
                                       summary="Workshop day.", confirmed_at=utcnow())
                               for minutes in [360] * 205 + [180])
            db.session.commit()
        auth.login(world.mentor.email)
        page = client.get(self.URL).get_data(as_text=True)
        assert f"<strong>{total}</strong>" in page

    def test_a_mentor_without_mentorships(self, app, client, auth):
        with app.app_context():
            make_profile(make_user(email="nina@example.com"))
        auth.login("nina@example.com")
        response = client.get(self.URL)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "No mentorship yet." in page and "<table>" not in page

    @pytest.mark.parametrize("who", ["mentee", "outsider", "admin"])
    def test_only_mentors_have_one(self, client, auth, world, who):
        auth.login(getattr(world, who).email)
        assert client.get(self.URL).status_code == 404

    def test_each_mentor_sees_only_their_own(self, app, client, auth, world, recognised):
        with app.app_context():
            other = make_user(email="olga@example.com", full_name="Olga Other")
            make_mentorship(make_user(full_name="Pia Prospect"),
                            make_profile(other, areas=[world.area]), world.area,
                            status=COMPLETED, confirmed_minutes=[300])
        auth.login("olga@example.com")
        page = client.get(self.URL).get_data(as_text=True)
        assert "Olga Other" in page and "Pia Prospect" in page
        assert "Sara Seller" not in page and "Marco Mentor" not in page
        assert "<strong>5</strong>" in row_of(page, "Total")

    def test_needs_login(self, client):
        response = client.get(self.URL)
        assert response.status_code == 302 and "/auth/login" in response.location

    def test_linked_from_the_listed_mentors_profile_page(self, client, auth, world):
        auth.login(world.mentor.email)
        page = client.get("/profile/mentor").get_data(as_text=True)
        assert f'href="{self.URL}"' in page


# Stories: the services -----------------------------------------------------------------

def the_story(world):
    db.session.expire_all()
    return db.session.scalar(select(SuccessStory)
                             .where(SuccessStory.mentorship_id == world.mentorship.id))


def person(world, side):
    return db.session.get(User, getattr(world, side).id)


def mentorship_of(world):
    return db.session.get(Mentorship, world.mentorship.id)


def write(world, side="mentee", title=TITLE, body=STORY_BODY):
    story = stories.write_story(mentorship_of(world), actor=person(world, side),
                                title=title, body=body)
    db.session.commit()
    return story


def ask(world, side="mentee"):
    stories.ask_consent(the_story(world), actor=person(world, side))
    db.session.commit()


def consent(world, side="mentor", version=None):
    story = the_story(world)
    stories.give_consent(story, actor=person(world, side),
                         version=story.version if version is None else version)
    db.session.commit()


def publish(world):
    stories.publish(the_story(world), actor=person(world, "admin"))
    db.session.commit()


def send_back(world, note=NOTE):
    stories.return_story(the_story(world), actor=person(world, "admin"), note=note)
    db.session.commit()


def refused(change, *args, **kwargs):
    """The message of the StoryError `change` raises; the transaction is rolled back."""
    with pytest.raises(StoryError) as error:
        change(*args, **kwargs)
    db.session.rollback()
    return error.value.message


def state(world):
    story = the_story(world)
    return story.status, story.consent_at is not None


class TestStoryService:
    @pytest.mark.parametrize("author", ["mentee", "mentor"])
    def test_the_whole_way_to_publication(self, app_ctx, world, author):
        reader = other_side(author)
        write(world, author)
        story = the_story(world)
        assert (story.status, story.author_id, story.title, story.body, story.consent_at) == (
            DRAFT, getattr(world, author).id, TITLE, STORY_BODY, None)
        ask(world, author)
        assert state(world) == (AWAITING_CONSENT, False)
        assert notifications(getattr(world, reader).id)[-1] == (
            "story_consent_requested", f"/mentorships/{world.mentorship.id}", {})
        # The author is named through their account, not by a stored name.
        assert db.session.scalars(
            select(Notification.person_id).where(
                Notification.user_id == getattr(world, reader).id)
            .order_by(Notification.id.desc())).first() == getattr(world, author).id
        consent(world, reader)
        assert state(world) == (SUBMITTED, True)
        [event] = events("story.consented")
        assert (event.actor_id, event.details) == (getattr(world, reader).id,
                                                   {"story_id": story.id})
        publish(world)
        story = the_story(world)
        assert (story.status, story.review_note) == (PUBLISHED, None)
        assert story.published_at is not None and story.consent_at is not None
        assert [event.actor_id for event in events("story.published")] == [world.admin.id]
        for side in ("mentee", "mentor"):
            assert notifications(getattr(world, side).id)[-1] == ("story_published", "/", {})
        assert program_queries.published() == [story]

    def test_only_the_two_sides_can_write(self, app_ctx, world):
        assert refused(write, world, "outsider") == NOT_A_PARTY
        assert refused(write, world, "admin") == NOT_A_PARTY
        assert count(SuccessStory) == 0

    @pytest.mark.parametrize("status", [ACTIVE, ENDED])
    def test_only_after_a_completed_mentorship(self, app_ctx, world, status):
        mentorship = make_mentorship(world.outsider, world.profile, world.area, status=status)
        with pytest.raises(StoryError) as error:
            stories.write_story(db.session.get(Mentorship, mentorship.id),
                                actor=person(world, "outsider"), title=TITLE,
                                body=STORY_BODY)
        db.session.rollback()
        assert error.value.message == NOT_COMPLETED
        assert count(SuccessStory) == 0

    @pytest.mark.parametrize("title, body", [
        ("", STORY_BODY), ("   ", STORY_BODY), ("x" * 161, STORY_BODY),
        (TITLE, "Too short."), (TITLE, "x" * 5001), (TITLE, " " * 300), (None, None),
    ])
    def test_title_and_length(self, app_ctx, world, title, body):
        assert refused(write, world, title=title, body=body) == STORY_SIZE
        assert count(SuccessStory) == 0

    def test_text_is_stripped(self, app_ctx, world):
        write(world, title=f"  {TITLE} ", body=f"\n{STORY_BODY}  ")
        assert (the_story(world).title, the_story(world).body) == (TITLE, STORY_BODY)

    def test_the_other_side_cannot_rewrite_the_authors_story(self, app_ctx, world):
        write(world, "mentee")
        assert refused(write, world, "mentor", title=NEW_TITLE, body=NEW_BODY) == (
            OTHER_SIDE_TELLS)
        assert (the_story(world).title, the_story(world).author_id) == (TITLE,
                                                                        world.mentee.id)

    @pytest.mark.parametrize("status", [DRAFT, AWAITING_CONSENT, RETURNED])
    def test_the_author_rewrites_and_consent_must_be_asked_again(self, app_ctx, world,
                                                                 status):
        make_story(world.mentorship, status=SUBMITTED if status == RETURNED else status)
        if status == RETURNED:
            send_back(world)
        before = the_story(world).version
        write(world, title=NEW_TITLE, body=NEW_BODY)
        story = the_story(world)
        assert (story.status, story.consent_at, story.title, story.body) == (
            DRAFT, None, NEW_TITLE, NEW_BODY)
        assert story.version != before
        assert refused(consent, world) == NOT_WAITING

    def test_an_edit_clears_the_consent_given_to_the_earlier_text(self, app_ctx, world):
        """Consent is given to one text: after a return and an edit, none is left."""
        make_story(world.mentorship, status=SUBMITTED)
        send_back(world)
        assert state(world) == (RETURNED, False)
        write(world, title=NEW_TITLE, body=NEW_BODY)
        assert state(world) == (DRAFT, False)
        assert refused(publish, world) == PUBLISH_NEEDS_CONSENT

    def test_an_edit_clears_a_consent_left_on_the_row(self, app_ctx, world):
        """Should a consent ever be left on an editable story, the edit still clears
        it: it was given to the earlier text."""
        make_story(world.mentorship, status=AWAITING_CONSENT)
        db.session.execute(update(SuccessStory).values(consent_at=utcnow()))
        db.session.commit()
        write(world, title=NEW_TITLE, body=NEW_BODY)
        assert state(world) == (DRAFT, False)

    @pytest.mark.parametrize("status", [SUBMITTED, PUBLISHED])
    def test_no_rewrite_once_with_the_program_team(self, app_ctx, world, status):
        make_story(world.mentorship, status=status)
        assert refused(write, world, title=NEW_TITLE, body=NEW_BODY) == WITH_THE_TEAM
        story = the_story(world)
        assert (story.status, story.title, story.body) == (status, TITLE, STORY_BODY)
        assert story.consent_at is not None

    def test_only_the_author_asks_for_consent(self, app_ctx, world):
        write(world, "mentee")
        assert refused(ask, world, "mentor") == CANNOT_ASK
        assert refused(ask, world, "outsider") == CANNOT_ASK
        assert state(world) == (DRAFT, False)
        assert notifications(world.mentor.id)[-1][0] != "story_consent_requested"

    @pytest.mark.parametrize("status", [AWAITING_CONSENT, SUBMITTED, PUBLISHED])
    def test_consent_is_asked_only_from_a_draft_or_a_returned_story(self, app_ctx, world,
                                                                    status):
        make_story(world.mentorship, status=status)
        before = len(notifications(world.mentor.id))
        assert refused(ask, world) == CANNOT_ASK
        assert the_story(world).status == status
        assert len(notifications(world.mentor.id)) == before

    def test_a_returned_story_can_be_sent_for_agreement_again(self, app_ctx, world):
        make_story(world.mentorship, status=SUBMITTED)
        send_back(world)
        ask(world)
        assert state(world) == (AWAITING_CONSENT, False)
        consent(world)
        publish(world)
        assert state(world) == (PUBLISHED, True)

    @pytest.mark.parametrize("who", ["mentee", "outsider", "admin"])
    def test_only_the_other_side_consents(self, app_ctx, world, who):
        make_story(world.mentorship, status=AWAITING_CONSENT)  # Sara wrote it
        assert refused(consent, world, who) == ONLY_OTHER_SIDE
        assert state(world) == (AWAITING_CONSENT, False)
        assert events("story.consented") == []

    @pytest.mark.parametrize("version", ["", "2020-01-01T00:00:00+00:00", "stale"])
    def test_consent_to_another_version_is_refused(self, app_ctx, world, version):
        make_story(world.mentorship, status=AWAITING_CONSENT)
        assert refused(consent, world, version=version) == CHANGED_SINCE_READ
        assert state(world) == (AWAITING_CONSENT, False)

    def test_consent_to_the_text_read_before_a_rewrite_is_refused(self, app_ctx, world):
        make_story(world.mentorship, status=AWAITING_CONSENT)
        read = the_story(world).version
        write(world, title=NEW_TITLE, body=NEW_BODY)
        ask(world)
        assert refused(consent, world, version=read) == CHANGED_SINCE_READ
        story = the_story(world)
        assert (story.status, story.consent_at, story.body) == (AWAITING_CONSENT, None,
                                                                NEW_BODY)
        consent(world)  # after reading it again
        assert state(world) == (SUBMITTED, True)

    @pytest.mark.parametrize("status", [DRAFT, SUBMITTED, PUBLISHED])
    def test_consent_only_while_asked(self, app_ctx, world, status):
        make_story(world.mentorship, status=status)
        consented = the_story(world).consent_at
        assert refused(consent, world) == NOT_WAITING
        assert (the_story(world).status, the_story(world).consent_at) == (status, consented)

    @pytest.mark.parametrize("status", [DRAFT, AWAITING_CONSENT, RETURNED, PUBLISHED])
    def test_publish_only_after_consent(self, app_ctx, world, status):
        make_story(world.mentorship, status=SUBMITTED if status == RETURNED else status)
        if status == RETURNED:
            send_back(world)
        assert refused(publish, world) == PUBLISH_NEEDS_CONSENT
        assert the_story(world).status == status
        assert len(events("story.published")) == (1 if status == PUBLISHED else 0)

    def test_return_needs_a_note_and_clears_the_consent(self, app_ctx, world):
        make_story(world.mentorship, status=SUBMITTED)
        for note in ("", "   ", None):
            assert refused(send_back, world, note=note) == NOTE_NEEDED
        assert state(world) == (SUBMITTED, True)
        send_back(world, note=f"  {NOTE}\n")
        story = the_story(world)
        assert (story.status, story.consent_at, story.review_note) == (RETURNED, None, NOTE)
        [event] = events("story.returned")
        assert (event.actor_id, event.details) == (world.admin.id, {"story_id": story.id})
        assert notifications(world.mentee.id)[-1] == (
            "story_returned", f"/mentorships/{world.mentorship.id}", {})
        assert "story_returned" not in [kind for kind, _l, _p in
                                        notifications(world.mentor.id)]

    @pytest.mark.parametrize("status", [DRAFT, AWAITING_CONSENT, RETURNED, PUBLISHED])
    def test_return_only_a_story_waiting_for_the_team(self, app_ctx, world, status):
        make_story(world.mentorship, status=SUBMITTED if status == RETURNED else status)
        if status == RETURNED:
            send_back(world)
        assert refused(send_back, world) == CANNOT_RETURN
        assert the_story(world).status == status

    def test_publishing_clears_an_earlier_note(self, app_ctx, world):
        make_story(world.mentorship, status=SUBMITTED)
        send_back(world)
        ask(world)
        consent(world)
        publish(world)
        assert the_story(world).review_note is None

    def test_published_newest_first_and_only_published(self, app_ctx, world):
        titles = []
        for number, status in enumerate([PUBLISHED, SUBMITTED, PUBLISHED, PUBLISHED,
                                         PUBLISHED, DRAFT]):
            mentorship = make_mentorship(make_user(), world.profile, world.area,
                                         status=COMPLETED)
            make_story(mentorship, status=status, title=f"Story {number}")
            titles.append(f"Story {number}")
        assert [story.title for story in program_queries.published()] == [
            "Story 4", "Story 3", "Story 2"]
        assert [story.title for story in program_queries.published(limit=10)] == [
            "Story 4", "Story 3", "Story 2", "Story 0"]
        assert [story.title for story in admin_queries.waiting_stories()] == ["Story 1"]


class TestStoryConstraint:
    def test_database_refuses_a_published_story_without_consent(self, app_ctx, world):
        make_story(world.mentorship, status=SUBMITTED)
        story_id = the_story(world).id
        with pytest.raises(IntegrityError):
            db.session.execute(update(SuccessStory).where(SuccessStory.id == story_id)
                               .values(status=PUBLISHED, consent_at=None))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(update(SuccessStory).where(SuccessStory.id == story_id)
                               .values(status=PUBLISHED, published_at=utcnow(),
                                       consent_at=None))
        db.session.rollback()
        assert state(world) == (SUBMITTED, True)

    def test_database_refuses_a_new_published_row_without_consent(self, app_ctx, world):
        db.session.add(SuccessStory(mentorship_id=world.mentorship.id,
                                    author_id=world.mentee.id, title=TITLE,
                                    body=STORY_BODY, status=PUBLISHED,
                                    published_at=utcnow()))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert count(SuccessStory) == 0

    def test_database_refuses_an_unknown_status(self, app_ctx, world):
        make_story(world.mentorship, status=DRAFT)
        with pytest.raises(IntegrityError):
            db.session.execute(update(SuccessStory).values(status="approved"))
        db.session.rollback()

    def test_one_story_per_mentorship(self, app_ctx, world):
        write(world)
        db.session.add(SuccessStory(mentorship_id=world.mentorship.id,
                                    author_id=world.mentor.id, title=TITLE, body=STORY_BODY))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# Stories: the pages --------------------------------------------------------------------

def story_data(title=TITLE, body=STORY_BODY):
    return {"title": title, "body": body}


def consent_version(page):
    match = re.search(r'<input type="hidden" name="version" value="([^"]*)">', page)
    assert match, "no consent form on the page"
    return html.unescape(match.group(1))


class TestStoryViews:
    def base(self, world):
        return f"/mentorships/{world.mentorship.id}"

    def test_write_ask_consent_on_the_pages(self, app, client, auth, world):
        base = self.base(world)
        auth.login(world.mentee.email)
        page = client.get(base).get_data(as_text=True)
        assert f'href="{base}/story"' in page
        assert client.get(f"{base}/story").status_code == 200

        response = client.submit(f"{base}/story", data=story_data())
        assert response.status_code == 302 and response.location == base
        assert flashed(client) == [STORY_SAVED]
        with app.app_context():
            story = the_story(world)
            assert (story.status, story.author_id, story.title) == (DRAFT, world.mentee.id,
                                                                   TITLE)

        response = client.submit(f"{base}/story/ask")
        assert response.status_code == 302 and response.location == base
        assert flashed(client) == [CONSENT_ASKED]
        with app.app_context():
            assert state(world) == (AWAITING_CONSENT, False)
            assert notifications(world.mentor.id)[-1][0] == "story_consent_requested"

        mentor = login_client(app, world.mentor.email)
        page = mentor.get(base).get_data(as_text=True)
        assert TITLE in page and escape(STORY_BODY) in page
        response = mentor.submit(f"{base}/story/consent",
                                 data={"version": consent_version(page)})
        assert response.status_code == 302 and response.location == base
        assert flashed(mentor) == [CONSENT_THANKS]
        with app.app_context():
            assert state(world) == (SUBMITTED, True)
        page = mentor.get(base).get_data(as_text=True)
        assert "Both sides agreed: waiting for the program team." in page
        assert 'name="version"' not in page

    def test_the_story_form_keeps_the_input_on_errors(self, app, client, auth, world):
        auth.login(world.mentee.email)
        response = client.submit(f"{self.base(world)}/story",
                                 data=story_data(body="Too short to tell anything."))
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Write at least 200 characters so readers understand what changed." in page
        assert f'value="{TITLE}"' in page and "Too short to tell anything." in page
        with app.app_context():
            assert count(SuccessStory) == 0

    @pytest.mark.parametrize("field, value, error", [
        ("title", "", "Give your story a title."),
        ("title", "x" * 161, "Shorten the title to at most 160 characters."),
        ("body", "   ", "Write your story."),
        ("body", "x" * 5001, "Shorten your story to at most 5000 characters."),
        ("body", STORY_BODY + "\x00", CONTROL_CHARACTERS),
        ("title", "Tab\x0bbed", CONTROL_CHARACTERS),
    ])
    def test_bad_input_is_refused_without_a_500(self, app, client, auth, world, field,
                                                value, error):
        auth.login(world.mentee.email)
        response = client.submit(f"{self.base(world)}/story",
                                 data={**story_data(), field: value})
        assert response.status_code == 422
        assert escape(error) in field_html(response.get_data(as_text=True), field)
        with app.app_context():
            assert count(SuccessStory) == 0

    def test_a_refusal_of_the_service_is_shown_with_the_form(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
        auth.login(world.mentor.email)
        response = client.submit(f"{self.base(world)}/story",
                                 data=story_data(NEW_TITLE, NEW_BODY))
        assert response.status_code == 409
        page = response.get_data(as_text=True)
        assert escape(OTHER_SIDE_TELLS) in page and NEW_TITLE in page
        with app.app_context():
            assert the_story(world).title == TITLE

    def test_on_an_active_mentorship(self, app, client, auth, world):
        with app.app_context():
            active = make_mentorship(world.outsider, world.profile, world.area)
        auth.login(world.outsider.email)
        response = client.submit(f"/mentorships/{active.id}/story", data=story_data())
        assert response.status_code == 409
        assert NOT_COMPLETED in response.get_data(as_text=True)
        page = client.get(f"/mentorships/{active.id}").get_data(as_text=True)
        assert "/story" not in page
        with app.app_context():
            assert count(SuccessStory) == 0

    def test_the_author_edits_and_the_form_shows_the_story(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
        auth.login(world.mentee.email)
        page = client.get(f"{self.base(world)}/story").get_data(as_text=True)
        assert f'value="{TITLE}"' in page
        client.submit(f"{self.base(world)}/story", data=story_data(NEW_TITLE, NEW_BODY))
        assert flashed(client) == [STORY_SAVED]
        with app.app_context():
            assert state(world) == (DRAFT, False)
            assert the_story(world).body == NEW_BODY

    def test_the_other_side_reads_a_stale_page(self, app, world):
        """Marco opens the page; Sara rewrites the story and asks again; Marco's click
        on the old page does not count as consent to the new text."""
        base = self.base(world)
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
        mentor = login_client(app, world.mentor.email)
        old_version = consent_version(mentor.get(base).get_data(as_text=True))

        mentee = login_client(app, world.mentee.email)
        mentee.submit(f"{base}/story", data=story_data(NEW_TITLE, NEW_BODY))
        response = mentor.submit(f"{base}/story/consent", data={"version": old_version})
        assert response.status_code == 302 and flashed(mentor) == [NOT_WAITING]

        mentee.submit(f"{base}/story/ask")
        response = mentor.submit(f"{base}/story/consent", data={"version": old_version})
        assert response.status_code == 302 and response.location == base
        assert flashed(mentor) == [CHANGED_SINCE_READ]
        with app.app_context():
            story = the_story(world)
            assert (story.status, story.consent_at, story.body) == (AWAITING_CONSENT, None,
                                                                    NEW_BODY)
            assert events("story.consented") == []

        page = mentor.get(base).get_data(as_text=True)
        assert escape(NEW_BODY) in page
        mentor.submit(f"{base}/story/consent", data={"version": consent_version(page)})
        assert flashed(mentor) == [CONSENT_THANKS]
        with app.app_context():
            assert state(world) == (SUBMITTED, True)

    def test_consent_without_a_version_is_refused(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
        auth.login(world.mentor.email)
        client.submit(f"{self.base(world)}/story/consent")
        assert flashed(client) == [CHANGED_SINCE_READ]
        with app.app_context():
            assert state(world) == (AWAITING_CONSENT, False)

    def test_the_author_cannot_consent_on_the_page(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
            version = the_story(world).version
        auth.login(world.mentee.email)
        page = client.get(self.base(world)).get_data(as_text=True)
        assert 'name="version"' not in page
        client.submit(f"{self.base(world)}/story/consent", data={"version": version})
        assert flashed(client) == [ONLY_OTHER_SIDE]
        with app.app_context():
            assert state(world) == (AWAITING_CONSENT, False)

    def test_asking_twice(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
        auth.login(world.mentee.email)
        client.submit(f"{self.base(world)}/story/ask")
        assert flashed(client) == [CANNOT_ASK]
        with app.app_context():
            assert [kind for kind, _l, _p in notifications(world.mentor.id)].count(
                "story_consent_requested") == 1

    def test_messages_in_italian(self, app, world):
        with app.app_context():
            db.session.get(User, world.mentor.id).language = "it"
            db.session.commit()
            make_story(world.mentorship, status=AWAITING_CONSENT)
        mentor = login_client(app, world.mentor.email)
        mentor.submit(f"{self.base(world)}/story/consent", data={"version": "old"})
        assert flashed(mentor) == [italian(CHANGED_SINCE_READ)]
        page = mentor.get(self.base(world)).get_data(as_text=True)
        assert italian("Waiting for the other side to agree.") in page
        assert italian("I agree to publish this story") in page
        mentor.submit(f"{self.base(world)}/story/consent",
                      data={"version": consent_version(page)})
        assert flashed(mentor) == [italian(CONSENT_THANKS)]

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_other_people_get_404(self, app, client, auth, world, who):
        with app.app_context():
            make_story(world.mentorship, status=AWAITING_CONSENT)
            version = the_story(world).version
        auth.login(getattr(world, who).email)
        base = self.base(world)
        assert client.get(f"{base}/story").status_code == 404
        assert client.submit(f"{base}/story",
                             data=story_data(NEW_TITLE, NEW_BODY)).status_code == 404
        assert client.submit(f"{base}/story/ask").status_code == 404
        assert client.submit(f"{base}/story/consent",
                             data={"version": version}).status_code == 404
        with app.app_context():
            story = the_story(world)
            assert (story.status, story.title, story.consent_at) == (AWAITING_CONSENT,
                                                                      TITLE, None)

    def test_unknown_mentorship_or_no_story_yet(self, client, auth, world):
        auth.login(world.mentee.email)
        assert client.get("/mentorships/9999/story").status_code == 404
        assert client.submit(f"{self.base(world)}/story/ask").status_code == 404
        assert client.submit(f"{self.base(world)}/story/consent").status_code == 404

    def test_without_csrf_token(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=DRAFT)
        auth.login(world.mentee.email)
        assert client.post(f"{self.base(world)}/story/ask").status_code == 400
        with app.app_context():
            assert state(world) == (DRAFT, False)


class TestAdminStories:
    def test_publish(self, app, client, auth, world, admin):
        with app.app_context():
            make_story(world.mentorship, status=SUBMITTED)
            story_id = the_story(world).id
        auth.login(admin.email)
        page = client.get("/admin/stories").get_data(as_text=True)
        assert TITLE in page and "Marco Mentor and Sara Seller" in page
        response = client.submit(f"/admin/stories/{story_id}/publish")
        assert response.status_code == 302 and response.location == "/admin/stories"
        assert flashed(client) == [STORY_PUBLISHED]
        with app.app_context():
            story = the_story(world)
            assert (story.status, story.published_at is not None) == (PUBLISHED, True)
            assert [e.ip for e in events("story.published")] == ["127.0.0.1"]
        page = client.get("/admin/stories").get_data(as_text=True)
        assert "No story is waiting for publication." in page
        assert TITLE in section(home(client), "Success stories")

    def test_return(self, app, client, auth, world, admin):
        with app.app_context():
            make_story(world.mentorship, status=SUBMITTED)
            story_id = the_story(world).id
        auth.login(admin.email)
        response = client.submit(f"/admin/stories/{story_id}/return", data={"note": NOTE})
        assert response.status_code == 302 and response.location == "/admin/stories"
        assert flashed(client) == [STORY_RETURNED]
        with app.app_context():
            story = the_story(world)
            assert (story.status, story.consent_at, story.review_note) == (RETURNED, None,
                                                                           NOTE)
        assert TITLE not in home(client)
        mentee = login_client(app, world.mentee.email)
        page = mentee.get(f"/mentorships/{world.mentorship.id}").get_data(as_text=True)
        assert escape(NOTE) in page and "Returned by the program team with a note." in page
        assert escape(NOTE) in mentee.get(
            f"/mentorships/{world.mentorship.id}/story").get_data(as_text=True)

    @pytest.mark.parametrize("note", ["", "   ", None, "x" * 2001])
    def test_return_needs_a_note(self, app, client, auth, world, admin, note):
        with app.app_context():
            make_story(world.mentorship, status=SUBMITTED)
            story_id = the_story(world).id
        auth.login(admin.email)
        data = {} if note is None else {"note": note}
        response = client.submit(f"/admin/stories/{story_id}/return", data=data)
        assert response.status_code == 302
        assert flashed(client) == [NOTE_NEEDED]
        with app.app_context():
            assert state(world) == (SUBMITTED, True)
            assert events("story.returned") == []

    @pytest.mark.parametrize("status", [DRAFT, AWAITING_CONSENT, PUBLISHED])
    def test_stories_not_waiting_cannot_be_published_or_returned(self, app, client, auth,
                                                                 world, admin, status):
        with app.app_context():
            make_story(world.mentorship, status=status)
            story_id = the_story(world).id
        auth.login(admin.email)
        assert TITLE not in client.get("/admin/stories").get_data(as_text=True)
        client.submit(f"/admin/stories/{story_id}/publish")
        assert flashed(client) == [PUBLISH_NEEDS_CONSENT]
        client.submit(f"/admin/stories/{story_id}/return", data={"note": NOTE})
        assert flashed(client) == [CANNOT_RETURN]
        with app.app_context():
            assert the_story(world).status == status

    def test_unknown_story(self, client, auth, admin):
        auth.login(admin.email)
        assert client.submit("/admin/stories/9999/publish").status_code == 404
        assert client.submit("/admin/stories/9999/return",
                             data={"note": NOTE}).status_code == 404

    def test_only_admins(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=SUBMITTED)
            story_id = the_story(world).id
        for who in ("mentee", "mentor"):
            auth.login(getattr(world, who).email)
            assert client.get("/admin/stories").status_code == 403
            assert client.submit(f"/admin/stories/{story_id}/publish").status_code == 403
            assert client.submit(f"/admin/stories/{story_id}/return",
                                 data={"note": NOTE}).status_code == 403
            auth.logout()
        with app.app_context():
            assert state(world) == (SUBMITTED, True)

    def test_in_italian(self, app, client, auth, world):
        with app.app_context():
            make_user(email="giulia@example.com", is_admin=True, language="it")
            make_story(world.mentorship, status=SUBMITTED)
            story_id = the_story(world).id
        auth.login("giulia@example.com")
        page = client.get("/admin/stories").get_data(as_text=True)
        assert italian("Success stories waiting for publication") in page
        client.submit(f"/admin/stories/{story_id}/publish")
        assert flashed(client) == [italian(STORY_PUBLISHED)]


class TestStoriesOnTheProgramPage:
    @pytest.mark.parametrize("status, shown", [
        (DRAFT, False), (AWAITING_CONSENT, False), (SUBMITTED, False), (PUBLISHED, True),
        (RETURNED, False)])
    def test_only_published_stories(self, app, client, auth, world, status, shown):
        with app.app_context():
            make_story(world.mentorship, status=SUBMITTED if status == RETURNED else status)
            if status == RETURNED:
                send_back(world)
        auth.login(world.outsider.email)
        assert (TITLE in home(client)) is shown

    def test_user_text_is_escaped(self, app, client, auth, world):
        with app.app_context():
            make_story(world.mentorship, status=PUBLISHED,
                       title='<script>alert(1)</script> "><svg onload=alert(1)> {{7*7}}')
        auth.login(world.outsider.email)
        page = home(client)
        assert "<script>alert(1)</script>" not in page and "<svg onload" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "{{7*7}}" in page


# Two sessions at the same moment -------------------------------------------------------

PAIRS = 4


@pytest.fixture
def race_app(make_app, app):
    """The same database (tables made by `app`), with a connection for every thread."""
    with app.app_context():
        program.settings()
        db.session.commit()
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                               "pool_size": 2 * PAIRS + 5, "max_overflow": 5})


class TestStoryRace:
    def test_rewrite_and_consent_at_the_same_moment(self, race_app, admin):
        """In each of several mentorships the author rewrites the story while the other
        side consents to the text they read: the new text never goes to the program
        team, nor out to the public, with a consent given to the old one."""
        with race_app.app_context():
            area = make_area()
            mentorship_ids = []
            for _ in range(PAIRS):
                profile = make_profile(make_user(), areas=[area])
                mentorship = make_mentorship(make_user(), profile, area, status=COMPLETED)
                make_story(mentorship, status=AWAITING_CONSENT)
                mentorship_ids.append(mentorship.id)

        def act(index, barrier):
            with race_app.app_context():
                mentorship = db.session.get(Mentorship, mentorship_ids[index // 2])
                story = mentorship.story
                mentee, mentor = mentorship.parties
                read = story.version
                db.session.commit()
                barrier.wait()
                try:
                    if index % 2:
                        stories.write_story(mentorship, actor=mentee, title=NEW_TITLE,
                                            body=NEW_BODY)
                        stories.ask_consent(story, actor=mentee)
                    else:
                        stories.give_consent(story, actor=mentor, version=read)
                except StoryError as error:
                    db.session.rollback()
                    return error.message
                db.session.commit()
                return "ok"

        results = run_together(act, 2 * PAIRS)
        for pair in range(PAIRS):
            consent_result, rewrite_result = results[2 * pair], results[2 * pair + 1]
            assert sorted([consent_result, rewrite_result]) in (
                sorted(["ok", WITH_THE_TEAM]), sorted(["ok", CHANGED_SINCE_READ]),
                sorted(["ok", NOT_WAITING])), results
        with race_app.app_context():
            for mentorship_id in mentorship_ids:
                story = db.session.get(Mentorship, mentorship_id).story
                if story.status == SUBMITTED:
                    assert (story.title, story.body) == (TITLE, STORY_BODY)
                    assert story.consent_at is not None
                    stories.publish(story, actor=db.session.get(User, admin.id))
                    db.session.commit()
                    assert the_published_text(story.id) == (TITLE, STORY_BODY)
                else:
                    assert (story.status, story.consent_at) == (AWAITING_CONSENT, None)
                    assert (story.title, story.body) == (NEW_TITLE, NEW_BODY)
            assert all(story.body == STORY_BODY for story in program_queries.published(limit=None))

    def test_both_pages_at_the_same_moment(self, race_app, admin):
        """The same race through the pages: Sara saves a new text as Marco clicks
        "I agree" on the page he read."""
        with race_app.app_context():
            area = make_area()
            mentor = make_user(email="marco@example.com")
            mentee = make_user(email="sara@example.com")
            mentorship = make_mentorship(mentee, make_profile(mentor, areas=[area]), area,
                                         status=COMPLETED)
            make_story(mentorship, status=AWAITING_CONSENT)
        base = f"/mentorships/{mentorship.id}"
        browsers = [login_client(race_app, mentor.email), login_client(race_app,
                                                                        mentee.email)]
        page = browsers[0].get(base).get_data(as_text=True)
        forms = [{"version": consent_version(page)}, story_data(NEW_TITLE, NEW_BODY)]
        urls = [f"{base}/story/consent", f"{base}/story"]
        tokens = [browser.csrf_token(base) for browser in browsers]

        def post(index, barrier):
            barrier.wait()
            response = browsers[index].post(urls[index], data={
                **forms[index], "csrf_token": tokens[index]})
            return response.status_code, flashed(browsers[index])

        consent_result, rewrite_result = run_together(post, 2)
        assert (consent_result, rewrite_result) in (
            ((302, [CONSENT_THANKS]), (409, [])),  # the refusal is shown on the form
            ((302, [NOT_WAITING]), (302, [STORY_SAVED])),
            ((302, [CHANGED_SINCE_READ]), (302, [STORY_SAVED])),
        ), (consent_result, rewrite_result)
        with race_app.app_context():
            story = db.session.get(Mentorship, mentorship.id).story
            if story.status == SUBMITTED:
                assert (story.body, story.consent_at is not None) == (STORY_BODY, True)
            else:
                assert (story.status, story.body, story.consent_at) == (DRAFT, NEW_BODY,
                                                                        None)


def the_published_text(story_id):
    story = get(SuccessStory, story_id)
    assert story.status == PUBLISHED and story.consent_at is not None
    return story.title, story.body


# The settings taking effect ------------------------------------------------------------

def mentor_with_area(area):
    """A listed mentor's profile; inside an application context."""
    return make_profile(make_user(), areas=[area], capacity=3, monthly_hours=10)


def request_data(area_id, **changes):
    """The request form as a browser posts it."""
    return {"area": str(area_id),
            "goal": "Close my first multi-year deal with a manufacturing customer.",
            "target_date": (date.today() + timedelta(days=90)).isoformat(),
            "current_situation": "I win renewals but multi-year deals stall at "
                                 "procurement; discounting did not help at all.",
            "success_measures": "One signed multi-year contract this year.",
            "hours_per_month": "2", "duration_months": "6", "cadence": "biweekly",
            "meeting_format": "video", "message": "", "acknowledge": "y", **changes}


def send_request(mentee_id, profile_id, area_id):
    """A request through the service (every rule checked): its id."""
    request = mentoring.submit_request(
        db.session.get(MentorProfile, profile_id), actor=db.session.get(User, mentee_id),
        area=db.session.get(FocusArea, area_id),
        goal="Close my first multi-year deal with a manufacturing customer.",
        target_date=date.today() + timedelta(days=90),
        current_situation="I win renewals but multi-year deals stall at procurement.",
        success_measures="One signed multi-year contract.", hours_per_month=2,
        duration_months=6, cadence="biweekly", meeting_format="video", message="")
    db.session.commit()
    return request.id


def requests_of(mentee_id, status=OPEN):
    return count(MentorshipRequest, MentorshipRequest.mentee_id == mentee_id,
                 MentorshipRequest.status == status)


@pytest.fixture
def market(app):
    """Four listed mentors in one area, each with room for a request."""
    with app.app_context():
        area = make_area()
        return SimpleNamespace(area=area, profiles=[mentor_with_area(area)
                                                    for _ in range(4)])


class TestSettingsTakeEffect:
    def save_settings(self, client, **values):
        response = client.submit("/admin/settings", data=settings_form(**values))
        assert response.status_code == 302 and response.location == "/admin/settings"
        assert flashed(client) == [SETTINGS_SAVED]

    def test_page_shows_the_request_settings(self, app, client, auth, admin):
        with app.app_context():
            current = program.settings()
            current.max_open_requests, current.request_expiry_days = 5, 30
            current.default_duration_months, current.max_open_invitations = 9, 4
            db.session.commit()
        auth.login(admin.email)
        page = client.get("/admin/settings").get_data(as_text=True)
        assert [input_value(page, name) for name in (
            "max_open_requests", "request_expiry_days", "default_duration_months",
            "max_open_invitations")] == ["5", "30", "9", "4"]

    @pytest.mark.parametrize("field, old, new", [
        ("max_open_requests", 3, 1), ("max_open_requests", 3, 10),
        ("max_open_invitations", 3, 1), ("max_open_invitations", 3, 10),
        ("request_expiry_days", 14, 1), ("request_expiry_days", 14, 90),
        ("default_duration_months", 6, 3), ("default_duration_months", 6, 12),
    ])
    def test_each_change_is_audited_with_before_and_after(self, app, client, auth, admin,
                                                          field, old, new):
        auth.login(admin.email)
        self.save_settings(client, **{field: new})
        with app.app_context():
            assert getattr(get(ProgramSettings, 1), field) == new
            [event] = events("settings.updated")
            assert (event.actor_id, event.ip) == (admin.id, "127.0.0.1")
            assert event.details == {"changes": {field: [old, new]}}
        client.submit("/admin/settings", data=settings_form(**{field: new}))
        assert flashed(client) == [NOTHING_CHANGED]
        with app.app_context():
            assert len(events("settings.updated")) == 1

    def test_several_changes_in_one_save(self, app, client, auth, admin):
        auth.login(admin.email)
        self.save_settings(client, max_open_requests=5, request_expiry_days=21,
                           default_duration_months=9)
        with app.app_context():
            [event] = events("settings.updated")
            assert event.details == {"changes": {"max_open_requests": [3, 5],
                                                 "request_expiry_days": [14, 21],
                                                 "default_duration_months": [6, 9]}}

    def test_max_open_requests(self, app, client, auth, admin, user, market):
        """With a limit of 2, Rita's third request is refused with the limit's words, on
        the page and in the service; raising the limit lets it through."""
        first, second, third, fourth = market.profiles
        auth.login(admin.email)
        self.save_settings(client, max_open_requests=2)
        with app.app_context():
            for profile in (first, second):
                send_request(user.id, profile.id, market.area.id)
            with pytest.raises(mentoring.RequestError) as error:
                send_request(user.id, third.id, market.area.id)
            db.session.rollback()
            assert error.value.message == open_requests_limit(2)

        rita = login_client(app, user.email)
        page = rita.get(f"/mentors/{third.id}/request").get_data(as_text=True)
        assert escape(open_requests_limit(2)) in page
        response = rita.submit(f"/mentors/{third.id}/request",
                               data=request_data(market.area.id))
        assert escape(open_requests_limit(2)) in response.get_data(as_text=True)
        with app.app_context():
            assert requests_of(user.id) == 2

        self.save_settings(client, max_open_requests=3)
        response = rita.submit(f"/mentors/{third.id}/request",
                               data=request_data(market.area.id))
        assert response.status_code == 302 and response.location == "/requests"
        with app.app_context():
            assert requests_of(user.id) == 3
            with pytest.raises(mentoring.RequestError) as error:
                send_request(user.id, fourth.id, market.area.id)
            db.session.rollback()
            assert error.value.message == open_requests_limit(3)

    def test_a_limit_of_one_in_both_languages(self, app, client, auth, admin, user, market):
        first, second = market.profiles[:2]
        auth.login(admin.email)
        self.save_settings(client, max_open_requests=1)
        with app.app_context():
            send_request(user.id, first.id, market.area.id)
        rita = login_client(app, user.email)
        page = rita.get(f"/mentors/{second.id}/request").get_data(as_text=True)
        assert escape(open_requests_limit(1)) in page
        with app.app_context():
            db.session.get(User, user.id).language = "it"
            db.session.commit()
        page = rita.get(f"/mentors/{second.id}/request").get_data(as_text=True)
        limit = CATALOG.get("You already have %(num)d open request, the most allowed. "
                            "Wait for an answer or withdraw it first.")
        assert escape(limit.string[0] % {"num": 1}) in page

    def test_lowering_the_limit_keeps_the_requests_already_sent(self, app, client, auth,
                                                                admin, user, market):
        with app.app_context():
            for profile in market.profiles[:3]:
                send_request(user.id, profile.id, market.area.id)
        auth.login(admin.email)
        self.save_settings(client, max_open_requests=1)
        with app.app_context():
            assert requests_of(user.id) == 3
            with pytest.raises(mentoring.RequestError) as error:
                send_request(user.id, market.profiles[3].id, market.area.id)
            assert error.value.message == open_requests_limit(3)

    def test_request_expiry_days(self, app, client, auth, admin, runner, user, market):
        """Requests 10 and 5 days old: kept at 14 days, the older expires at 7 days."""
        with app.app_context():
            old, recent = (send_request(user.id, profile.id, market.area.id)
                           for profile in market.profiles[:2])
            for request_id, days in ((old, 10), (recent, 5)):
                db.session.execute(update(MentorshipRequest)
                                   .where(MentorshipRequest.id == request_id)
                                   .values(created_at=utcnow() - timedelta(days=days)))
            db.session.commit()
        result = runner.invoke(args=["expire-requests"])
        assert result.exit_code == 0 and result.output.startswith("0 request(s) expired")

        auth.login(admin.email)
        self.save_settings(client, request_expiry_days=7)
        result = runner.invoke(args=["expire-requests"])
        assert result.exit_code == 0 and result.output.startswith("1 request(s) expired")
        with app.app_context():
            assert get(MentorshipRequest, old).status == EXPIRED
            assert get(MentorshipRequest, recent).status == OPEN
            assert notifications(user.id)[-1][0] == "request_expired"

        self.save_settings(client, request_expiry_days=4)
        with app.app_context():
            assert mentoring.expire_requests() == 1
            db.session.commit()
            assert get(MentorshipRequest, recent).status == EXPIRED

    def test_a_longer_expiry_keeps_requests_open(self, app, client, auth, admin, user,
                                                 market):
        with app.app_context():
            request_id = send_request(user.id, market.profiles[0].id, market.area.id)
            db.session.execute(update(MentorshipRequest)
                               .where(MentorshipRequest.id == request_id)
                               .values(created_at=utcnow() - timedelta(days=20)))
            db.session.commit()
        auth.login(admin.email)
        self.save_settings(client, request_expiry_days=30)
        with app.app_context():
            assert mentoring.expire_requests() == 0
            assert get(MentorshipRequest, request_id).status == OPEN

    def test_default_duration_months(self, app, client, auth, admin, user, market):
        profile = market.profiles[0]
        rita = login_client(app, user.email)

        def selected_duration():
            page = rita.get(f"/mentors/{profile.id}/request").get_data(as_text=True)
            select_html = re.search(r'<select[^>]*name="duration_months".*?</select>', page,
                                    re.S).group(0)
            return re.findall(r'<option selected value="(\d+)"', select_html)

        assert selected_duration() == ["6"]
        auth.login(admin.email)
        self.save_settings(client, default_duration_months=9)
        assert selected_duration() == ["9"]
        # What the mentee chooses still wins.
        data = request_data(market.area.id, duration_months="4")
        response = rita.submit(f"/mentors/{profile.id}/request", data=data)
        assert response.status_code == 302
        with app.app_context():
            request = db.session.scalar(select(MentorshipRequest))
            assert request.duration_months == 4
