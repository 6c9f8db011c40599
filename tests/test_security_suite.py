"""Security checks that go wide, over every URL, form, page and log, beside the
focused ones of tests/test_security.py:

1. object-level access: every URL acting on, or showing, an object is refused with a
   404 to whoever is not a party, and the database stays as it was;
2. hostile text in every free-text field, shown escaped on every page, in English and
   in Italian;
3. fuzzing of every form (hypothesis): strange input never ends in a 500;
4. form length limits fit their columns, and text at the limit is stored;
5. security events in the audit log, and no secret in any log;
6. access denied is an audited security event.
"""

import importlib
import logging
import re
import types
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import Text, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import Forbidden
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from marketplace.accounts import forms as account_forms
from marketplace.accounts.models import User
from marketplace.admin import forms as admin_forms
from marketplace.config import PROJECT_ROOT
from marketplace.core import audit
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import utcnow
from marketplace.directory import forms as directory_forms
from marketplace.directory import services as directory
from marketplace.extensions import db
from marketplace.invitations import forms as invitation_forms
from marketplace.invitations import services as invitations
from marketplace.mentors import forms as mentor_forms
from marketplace.mentors.models import (
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    REJECTED,
    SUSPENDED,
    MentorProfile,
    ProfileRevision,
)
from marketplace.mentorships import forms as mentorship_forms
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import COMPLETED, Mentorship, MentorshipRequest
from marketplace.notifications import forms as notification_forms
from marketplace.notifications.models import Notification
from marketplace.privacy import forms as privacy_forms
from marketplace.program import texts
from marketplace.program.models import AREA_NAME_MAX, FocusArea
from marketplace.stories import forms as story_forms
from marketplace.stories.models import AWAITING_CONSENT, SuccessStory
from marketplace.vetting import forms as vetting_forms
from marketplace.web.forms import BaseForm

from . import factories
from .conftest import Auth
from .test_security import NEW_PASSWORD, PAYLOADS, STATE_CHANGING, rule_url, rules_for

REQUEST_GOAL = "Close my first multi-year deal with a manufacturing customer this year."
REQUEST_SITUATION = ("I win renewals but multi-year deals stall at procurement; "
                     "discounting did not help and I do not know whom to involve.")
REQUEST_MEASURES = "One signed multi-year contract before the end of the year."
PROFILE_BIO = ("Twenty years of enterprise sales in manufacturing, from first call to "
               "multi-year contract, and ten years leading teams of account managers.")
FIELD_ERRORS = re.compile(r'<div class="field-errors"[^>]*>(.*?)</div>', re.S)
FLASHES = re.compile(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', re.S)


# Helpers ------------------------------------------------------------------------------

def log_in(app, email, remote_addr=None):
    """A browser of its own, logged in as `email` (from `remote_addr` when given)."""
    client = app.test_client()
    if remote_addr:
        client.environ_base["REMOTE_ADDR"] = remote_addr
    response = Auth(client).login(email)
    assert response.status_code == 302, f"{email} could not log in"
    return client


def problems(response):
    """Field errors and flashes of a page, to say why a form was not accepted."""
    page = response.get_data(as_text=True)
    found = FIELD_ERRORS.findall(page) + FLASHES.findall(page)
    return " | ".join(re.sub(r"<[^>]+>|\s+", " ", item).strip() for item in found)


def send(client, url, data=None):
    """Post a form as a browser does and expect to be sent on (302)."""
    response = client.submit(url, data=data or {})
    assert response.status_code == 302, f"{url}: {response.status_code} {problems(response)}"
    return response


def snapshot(app, skip=("audit_events",)):
    """Every row of every table (but `skip`), to tell whether anything changed."""
    with app.app_context():
        return {table.name: sorted((tuple(row) for row in db.session.execute(select(table))),
                                   key=repr)
                for table in db.metadata.sorted_tables if table.name not in skip}


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after[name])


def audit_events(app, action=None):
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        events = db.session.scalars(statement).all()
        for event in events:
            db.session.expunge(event)
        return events


def request_form(area_id, **fields):
    return {"area": area_id, "goal": REQUEST_GOAL,
            "target_date": (utcnow().date() + timedelta(days=90)).isoformat(),
            "current_situation": REQUEST_SITUATION, "success_measures": REQUEST_MEASURES,
            "hours_per_month": "2", "duration_months": "6", "cadence": "biweekly",
            "meeting_format": "video", "message": "", "acknowledge": "y", **fields}


def profile_form(area_ids, **fields):
    return {"headline": "Enterprise deals in manufacturing", "headline_other": "",
            "bio": PROFILE_BIO, "bio_other": "", "areas": area_ids, "years_experience": "20",
            "region": "it-north", "languages": ["en", "it"], "formats": ["video"],
            "capacity": "4", "monthly_hours": "12",
            "working_style": "A call every two weeks, with an agenda sent the day before.",
            "motivation": "I learned the most from my own mentors.", "accepting": "y",
            "affiliation": "internal", "company": "", "conflicts": "", **fields}


def check_in_form(**fields):
    return {"date": utcnow().date().isoformat(), "minutes": "60",
            "summary": "We went through the account plan of the biggest customer.",
            "next_steps": "", **fields}


def submit_request_directly(mentee_id, profile_id, area_id):
    """An open request, made by the service as the request form would."""
    mentee = db.session.get(User, mentee_id)
    profile = db.session.get(MentorProfile, profile_id)
    fields = request_form(area_id)
    request = mentoring.submit_request(
        profile, actor=mentee, area=db.session.get(FocusArea, area_id), goal=fields["goal"],
        target_date=utcnow().date() + timedelta(days=90),
        current_situation=fields["current_situation"],
        success_measures=fields["success_measures"], hours_per_month=2, duration_months=6,
        cadence="biweekly", meeting_format="video", message="")
    db.session.commit()
    return request.id


@pytest.fixture
def world(app):
    """Two mentees and two mentors with listed profiles, an admin, and objects that
    belong to one side: Mia (mentee) and Mara (mentor) have an active mentorship with a
    check-in Mia logged and a completed one whose story waits for Mara's consent; Abe
    has an open request to Mara. Theo and Otto (the other mentee and mentor) have a
    mentorship of their own. Profiles that are not listed belong to other people."""
    with app.app_context():
        area = factories.make_area()
        mentor = factories.make_user(full_name="Mara Mentor")
        profile = factories.make_profile(mentor, areas=[area], capacity=4, monthly_hours=12)
        other_mentor = factories.make_user(full_name="Otto Othermentor")
        other_profile = factories.make_profile(other_mentor, areas=[area])
        mentee = factories.make_user(full_name="Mia Mentee")
        other_mentee = factories.make_user(full_name="Theo Thirdparty")
        applicant = factories.make_user(full_name="Abe Applicant")
        admin = factories.make_user(full_name="Ada Admin", is_admin=True)

        finished = factories.make_mentorship(mentee, profile, area, status=COMPLETED,
                                             confirmed_minutes=[60])
        story = factories.make_story(finished, status=AWAITING_CONSENT)
        mentorship = factories.make_mentorship(mentee, profile, area)
        check_in = mentoring.log_check_in(
            db.session.get(Mentorship, mentorship.id), actor=db.session.get(User, mentee.id),
            held_on=utcnow().date(), minutes=45, summary="We prepared the negotiation.")
        db.session.commit()
        own_mentorship = factories.make_mentorship(other_mentee, other_profile, area)
        request_id = submit_request_directly(applicant.id, profile.id, area.id)
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.user_id == mentee.id)
            .order_by(Notification.id))
        invitation = invitations.invite(actor=db.session.get(User, mentee.id), name="Ivo Invitee",
                                        email="ivo@example.net", message="Mentor me?",
                                        language="en")
        db.session.commit()
        # Pia says the goal of her mentorship with Mara is reached: Mara's to answer.
        proposer = factories.make_user(full_name="Pia Proposer")
        proposed = factories.make_mentorship(proposer, profile, area)
        mentoring.propose_completion(db.session.get(Mentorship, proposed.id),
                                     actor=db.session.get(User, proposer.id))
        db.session.commit()
        chart = directory.upload(b"email,full_name,manager_email,region,job_title\n"
                                 b"dora@example.com,Dora Directory,,,\n",
                                 actor=db.session.get(User, admin.id))
        db.session.commit()
        hidden = {}
        for status in (DRAFT, PENDING, CHANGES_REQUESTED, REJECTED, SUSPENDED):
            owner = factories.make_user(full_name=f"Hidden {status}")
            hidden[status] = types.SimpleNamespace(
                owner=owner, profile=factories.make_profile(owner, status=status,
                                                            areas=[area]).id)
        return types.SimpleNamespace(
            area=area.id, mentor=mentor, profile=profile.id, other_mentor=other_mentor,
            other_profile=other_profile.id, mentee=mentee, other_mentee=other_mentee,
            applicant=applicant, admin=admin, finished=finished.id, story=story.id,
            story_version=db.session.get(SuccessStory, story.id).version,
            mentorship=mentorship.id, check_in=check_in.id, own_mentorship=own_mentorship.id,
            request=request_id, notification=notification_id, invitation=invitation.id,
            proposed=proposed.id,
            directory_import=chart.id, directory_sha256=chart.sha256, hidden=hidden)


def fill(template, world):
    """A URL or form value with the world's ids put in."""
    if not isinstance(template, str):
        return template
    return template.format(**{name: value for name, value in vars(world).items()
                              if isinstance(value, int | str)})


# 1. Object-level access ----------------------------------------------------------------

# (owner: who may use it, method, path, form). Paths name the world's objects.
FOREIGN_OBJECTS = {
    "open-request": [
        ("mentor", "POST", "/requests/{request}/accept", {"note": "Happy to help."}),
        ("mentor", "POST", "/requests/{request}/decline",
         {"reason": "no_time", "note": "Not this quarter."}),
        ("applicant", "POST", "/requests/{request}/withdraw", {}),
    ],
    "active-mentorship": [
        ("mentee", "GET", "/mentorships/{mentorship}", None),
        ("mentee", "POST", "/mentorships/{mentorship}/checkins", check_in_form()),
        ("mentor", "POST", "/mentorships/{mentorship}/checkins/{check_in}/confirm", {}),
        # The check-in, through a mentorship the outsider is a party of.
        (None, "POST", "/mentorships/{own_mentorship}/checkins/{check_in}/confirm", {}),
        ("mentee", "POST", "/mentorships/{mentorship}/end",
         {"reason": "My territory changed this month."}),
        ("mentee", "POST", "/mentorships/{mentorship}/complete", {}),
    ],
    "completed-mentorship-and-story": [
        ("mentee", "GET", "/mentorships/{finished}", None),
        ("mentee", "POST", "/mentorships/{finished}/feedback",
         {"rating": "5", "comment": "Very useful."}),
        ("mentee", "GET", "/mentorships/{finished}/story", None),
        ("mentee", "POST", "/mentorships/{finished}/story",
         {"title": "Taken over", "body": factories.STORY_BODY}),
        ("mentee", "POST", "/mentorships/{finished}/story/ask", {}),
        ("mentor", "POST", "/mentorships/{finished}/story/consent",
         {"version": "{story_version}"}),
    ],
    "notification": [
        ("mentee", "POST", "/notifications/{notification}/open", {}),
    ],
}
UNLISTED = [DRAFT, PENDING, CHANGES_REQUESTED, REJECTED, SUSPENDED]
# Who is not a party: the other mentee and the other mentor, each with a mentorship of
# their own.
OUTSIDERS = ["other_mentee", "other_mentor"]


def unlisted_profile_urls(world):
    return [(None, method, path.format(profile=world.hidden[status].profile), data)
            for status in UNLISTED
            for method, path, data in [
                ("GET", "/mentors/{profile}", None),
                ("GET", "/mentors/{profile}/request", None),
                ("POST", "/mentors/{profile}/request", request_form(world.area))]]


def assert_refused_and_unchanged(app, client, role, cases, world):
    failures = []
    for method, path, data in cases:
        url = fill(path, world)
        form = {name: fill(value, world) for name, value in (data or {}).items()}
        before = snapshot(app)
        response = client.get(url) if method == "GET" else client.submit(url, data=form)
        changed = changed_tables(before, snapshot(app))
        if response.status_code != 404 or changed:
            failures.append(f"{role}: {method} {url} -> {response.status_code}, "
                            f"changed {changed}")
    assert failures == []


@pytest.mark.parametrize("group", [*FOREIGN_OBJECTS, "unlisted-profiles"])
def test_outsiders_get_404_and_change_nothing(app, world, group):
    objects = (unlisted_profile_urls(world) if group == "unlisted-profiles"
               else FOREIGN_OBJECTS[group])
    cases = [(method, path, data) for _owner, method, path, data in objects]
    for role in OUTSIDERS:
        client = log_in(app, getattr(world, role).email)
        seen = len(audit_events(app))
        assert_refused_and_unchanged(app, client, role, cases, world)
        # Every refusal is kept in the audit log (those of one object folded into one row
        # with a count), and nothing else was written there.
        events = audit_events(app)[seen:]
        assert {(event.action, event.actor_id) for event in events} == \
            {("access.denied", getattr(world, role).id)}
        assert sum(event.count for event in events) == len(cases)


def test_unlisted_profiles_are_seen_only_by_their_owner_and_admins(app, client, world):
    admin = log_in(app, world.admin.email)
    for status in UNLISTED:
        hidden = world.hidden[status]
        url = f"/mentors/{hidden.profile}"
        # A visitor is sent to log in before anything is loaded, as for a listed one.
        assert client.get(url).status_code == 302, f"a visitor sees the {status} profile"
        assert log_in(app, hidden.owner.email).get(url).status_code == 200, status
        assert admin.get(url).status_code == 200, status


def test_the_parties_reach_every_url_of_the_matrix(app, world):
    """The matrix above is not vacuous: its URLs exist, and the parties get past the
    404 that outsiders get."""
    clients = {}
    failures = []
    for owner, method, path, data in (case for group in FOREIGN_OBJECTS.values()
                                      for case in group):
        if owner is None:
            continue
        client = clients.get(owner) or clients.setdefault(
            owner, log_in(app, getattr(world, owner).email))
        url = fill(path, world)
        form = {name: fill(value, world) for name, value in (data or {}).items()}
        response = client.get(url) if method == "GET" else client.submit(url, data=form)
        if response.status_code not in {200, 302}:
            failures.append(f"{owner}: {method} {url} -> {response.status_code}")
    assert failures == []


WRONG_SIDE = [
    ("mentee", "POST", "/requests/{request}/accept", {}),        # Abe's request, not Mia's
    ("applicant", "POST", "/requests/{request}/accept", {}),     # the mentee of the request
    ("applicant", "POST", "/requests/{request}/decline", {"reason": "other"}),
    ("mentor", "POST", "/requests/{request}/withdraw", {}),      # the mentor of the request
    ("admin", "POST", "/requests/{request}/accept", {}),
    ("admin", "POST", "/requests/{request}/withdraw", {}),
    ("admin", "POST", "/notifications/{notification}/open", {}),
    ("admin", "GET", "/mentorships/{finished}/story", None),
    ("admin", "POST", "/mentorships/{finished}/story/consent", {"version": "{story_version}"}),
]


def test_each_side_only_does_its_own_part(app, world):
    clients = {}
    for role, method, path, data in WRONG_SIDE:
        client = clients.get(role) or clients.setdefault(
            role, log_in(app, getattr(world, role).email))
        assert_refused_and_unchanged(app, client, role, [(method, path, data)], world)


ADMIN_IS_NO_PARTY = [
    ("/mentorships/{mentorship}/checkins", check_in_form()),
    ("/mentorships/{mentorship}/checkins/{check_in}/confirm", {}),
    ("/mentorships/{mentorship}/complete", {}),
    ("/mentorships/{mentorship}/end", {"reason": "The admin decided it."}),
    ("/mentorships/{finished}/feedback", {"rating": "1", "comment": "Bad."}),
]


def test_admins_see_mentorships_but_do_not_act_for_the_parties(app, world):
    client = log_in(app, world.admin.email)
    assert client.get(f"/mentorships/{world.mentorship}").status_code == 200
    failures = []
    for path, data in ADMIN_IS_NO_PARTY:
        url = fill(path, world)
        before = snapshot(app)
        response = client.submit(url, data={k: fill(v, world) for k, v in data.items()})
        changed = changed_tables(before, snapshot(app))
        if response.status_code not in {302, 404, 409, 422} or changed:
            failures.append(f"admin: POST {url} -> {response.status_code}, changed {changed}")
    assert failures == []


def test_the_statement_shows_only_the_mentors_own_mentees(app, world):
    assert log_in(app, world.other_mentee.email).get(
        "/profile/mentor/statement").status_code == 404
    own = log_in(app, world.mentor.email).get("/profile/mentor/statement")
    assert own.status_code == 200 and "Mia Mentee" in own.get_data(as_text=True)
    other = log_in(app, world.other_mentor.email).get("/profile/mentor/statement")
    assert other.status_code == 200
    page = other.get_data(as_text=True)
    assert "Theo Thirdparty" in page
    assert "Mia Mentee" not in page


def test_sending_a_profile_for_review_needs_a_profile_of_ones_own(app, world):
    client = log_in(app, world.other_mentee.email)
    before = snapshot(app)
    assert client.submit("/profile/mentor/submit").status_code == 404
    assert changed_tables(before, snapshot(app)) == []


# 2. Hostile text in every field, on every page, in both languages -------------------------

class Inspector:
    """Hands out hostile values, one per field (each starting with its own marker), and
    checks every page they may show up on."""

    def __init__(self, payload):
        self.payload = payload
        self.values = {}  # marker: the text as typed, without padding
        self.shown = {"en": set(), "it": set()}  # the markers seen on some page

    def value(self, key, padding=""):
        text = f"@{key} {self.payload}"
        self.values[key] = text
        return f"{text} {padding}" if padding else text

    def check_text(self, text, where):
        """`text` (HTML) shows the hostile values as text, never as markup or as the
        result of evaluating them."""
        if str(escape(self.payload)) != self.payload:
            assert self.payload not in text, f"{where}: unescaped {self.payload!r}"
        assert "<script>alert" not in text and "<svg onload" not in text, where
        for key in self.values:
            assert f"@{key} 49" not in text, f"{where}: {key} was evaluated as a template"

    def check(self, client, url):
        response = client.get(url)
        where = f"{client.language} {url}"
        assert response.status_code == 200, f"{where} -> {response.status_code}"
        page = response.get_data(as_text=True)
        assert f'<html lang="{client.language}">' in page, where
        self.check_text(page, where)
        self.shown[client.language].update(
            key for key, text in self.values.items() if str(escape(text)) in page)

    def act(self, client, url, data=None):
        """Send a form, then check the page it leads to (with its flash message)."""
        response = send(client, url, data)
        self.check(client, response.location)
        return response

    def check_in_both_languages(self, client, urls):
        for language in ("en", "it"):
            speak(client, language)
            for url in urls:
                self.check(client, url)
        speak(client, "en")


def speak(client, language):
    assert client.submit("/language", data={"language": language}).status_code == 302
    client.language = language


def browser(app, user):
    client = log_in(app, user.email)
    client.language = "en"
    return client


def only_id(model, *conditions):
    with db.session.no_autoflush:
        return db.session.scalar(select(model.id).where(*conditions).order_by(model.id.desc()))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_shown_escaped_everywhere(app, outbox, payload):
    """Every free-text field gets the payload through its form; then every page that
    shows it, to every viewer, in English and Italian, shows it as text."""
    with app.app_context():
        admin_user = factories.make_user(is_admin=True)
        mentee_user, mentor_user, second_user, third_user, other_user = (
            factories.make_user() for _ in range(5))
        other_profile = factories.make_profile(other_user, areas=[factories.make_area()])
    admin, mentee, mentor, second, other = (
        browser(app, user) for user in (admin_user, mentee_user, mentor_user, second_user,
                                        other_user))
    hostile = Inspector(payload)
    value = hostile.value

    # The program team: an area, the program page, a suspension.
    hostile.act(admin, "/admin/areas", {"name_en": value("area_en"),
                                        "name_it": value("area_it")})
    hostile.act(admin, "/admin/program", {
        f"{key}_{language}": value(f"program_{key}_{language}")
        for key in texts.PARTS for language in ("en", "it")})
    hostile.act(admin, f"/admin/vetting/{other_profile.id}/suspend",
                {"reason": value("suspension")})
    with app.app_context():
        area_id = only_id(FocusArea, FocusArea.name_en == hostile.values["area_en"])

    # People: names and job titles.
    for client, key in ((mentee, "mentee"), (mentor, "mentor"), (second, "second")):
        hostile.act(client, "/account", {
            "full_name": value(f"{key}_name"), "job_title": value(f"{key}_job"),
            "language": "en", "timezone": "UTC", "region": "", "manager_email": ""})

    # The mentor's profile, vetted with notes.
    hostile.act(mentor, "/profile/mentor", profile_form(
        [area_id], headline=value("headline"), headline_other=value("headline_other"),
        bio=value("bio", PROFILE_BIO), bio_other=value("bio_other", PROFILE_BIO),
        working_style=value("working_style"), motivation=value("motivation"),
        affiliation="external", company=value("company"), confidentiality="y",
        conflicts=value("conflicts")))
    hostile.act(mentor, "/profile/mentor/submit")
    with app.app_context():
        profile_id = only_id(MentorProfile, MentorProfile.user_id == mentor_user.id)
    hostile.check(admin, "/admin/vetting")
    hostile.check(admin, f"/admin/vetting/{profile_id}")
    hostile.act(admin, f"/admin/vetting/{profile_id}",
                {"decision": "approve", "notes": value("vetting_notes")})

    # Requests: one accepted with a note, one declined with a note.
    hostile.act(mentee, "/account/looking-for", {"interests": [area_id], "desired_hours": "2"})
    hostile.check(mentee, f"/mentors/{profile_id}/request")
    hostile.act(mentee, f"/mentors/{profile_id}/request", request_form(
        area_id, goal=value("goal", REQUEST_GOAL),
        current_situation=value("situation", REQUEST_SITUATION),
        success_measures=value("measures", REQUEST_MEASURES), message=value("message")))
    hostile.act(second, f"/mentors/{profile_id}/request", request_form(area_id))
    with app.app_context():
        accepted, declined = (only_id(MentorshipRequest, MentorshipRequest.mentee_id == user.id)
                              for user in (mentee_user, second_user))
    hostile.check(mentor, "/requests")
    hostile.act(mentor, f"/requests/{accepted}/accept", {"note": value("accept_note")})
    hostile.act(mentor, f"/requests/{declined}/decline",
                {"reason": "no_time", "note": value("decline_note")})

    # The mentorship: a check-in, completion, feedback from both sides.
    with app.app_context():
        mentorship_id = only_id(Mentorship, Mentorship.request_id == accepted)
        ended_id = factories.make_mentorship(
            third_user, db.session.get(MentorProfile, profile_id),
            db.session.get(FocusArea, area_id)).id
    third = browser(app, third_user)
    hostile.act(third, f"/mentorships/{ended_id}/end",
                {"reason": value("end_reason", "for a new role")})
    mentorship = f"/mentorships/{mentorship_id}"
    hostile.act(mentee, f"{mentorship}/checkins", check_in_form(
        summary=value("summary", "the account plan"), next_steps=value("next_steps")))
    with app.app_context():
        check_in_id = db.session.get(Mentorship, mentorship_id).check_ins[0].id
    hostile.act(mentor, f"{mentorship}/checkins/{check_in_id}/confirm")
    hostile.act(mentee, f"{mentorship}/complete")
    hostile.act(mentor, f"{mentorship}/complete/confirm")
    hostile.act(mentee, f"{mentorship}/feedback",
                {"rating": "5", "comment": value("mentee_comment")})
    hostile.act(mentor, f"{mentorship}/feedback", {
        "rating": "4", "comment": value("mentor_comment"), "gained": value("gained")})

    # The success story: written, agreed, returned with a note, then published.
    def tell_and_agree(title):
        hostile.act(mentee, f"{mentorship}/story", {
            "title": title, "body": value("story_body", factories.STORY_BODY)})
        hostile.act(mentee, f"{mentorship}/story/ask")
        with app.app_context():
            story = db.session.scalar(select(SuccessStory)
                                      .where(SuccessStory.mentorship_id == mentorship_id))
        hostile.act(mentor, f"{mentorship}/story/consent", {"version": story.version})
        return story.id

    story_id = tell_and_agree(value("story_title"))
    hostile.check(admin, "/admin/stories")
    hostile.act(admin, f"/admin/stories/{story_id}/return", {"note": value("return_note")})
    hostile.check_in_both_languages(mentee, [mentorship])
    tell_and_agree(hostile.values["story_title"])
    hostile.act(admin, f"/admin/stories/{story_id}/publish")

    # Every page that shows any of it, to each viewer, in both languages.
    hostile.check_in_both_languages(mentee, [
        "/", "/account", "/account/looking-for", "/mentors", f"/mentors/{profile_id}",
        "/requests", mentorship, "/mentoring", "/notifications"])
    hostile.check_in_both_languages(mentor, [
        "/profile/mentor", "/requests", mentorship, f"/mentorships/{ended_id}",
        "/profile/mentor/statement", "/mentoring", "/notifications"])
    hostile.check_in_both_languages(second, ["/requests", "/notifications"])
    hostile.check_in_both_languages(other, ["/profile/mentor", "/notifications"])
    hostile.check_in_both_languages(admin, [
        "/admin", "/admin/users", "/admin/vetting?status=approved",
        "/admin/vetting?status=suspended", f"/admin/vetting/{profile_id}",
        f"/admin/vetting/{other_profile.id}", "/admin/areas", "/admin/program",
        mentorship, f"/mentors/{profile_id}"])

    for language in ("en", "it"):
        assert set(hostile.values) - hostile.shown[language] == set(), \
            f"never shown in {language}"
    assert outbox
    for message in outbox:
        hostile.check_text(message.html or "", f"email {message.subject!r}")


# 3. Fuzzing every form -------------------------------------------------------------------

ALLOWED_ANSWERS = {200, 302, 400, 404, 409, 422, 429}
FUZZ_SETTINGS = settings(max_examples=25, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                HealthCheck.too_slow,
                                                HealthCheck.data_too_large,
                                                HealthCheck.large_base_example])
# Text of every kind: any Unicode, control characters, huge, numbers, dates, nothing.
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F), max_size=5),
    st.builds(lambda part, times: part * times,
              st.sampled_from(["a", "è", "字", "😀", " ", "\x00", "<b>", "'", "\u202e"]),
              st.integers(min_value=150, max_value=6000)),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.just(""),
)
FUZZ_FIELD_NAMES = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


def form_fields(form_class):
    """The names of a form's fields, read from the class."""
    return {name for name in dir(form_class)
            if isinstance(getattr(form_class, name, None), UnboundField)}


def program_texts_form_fields():
    return {f"{key}_{language}" for key in texts.PARTS for language in ("en", "it")} | \
        form_fields(admin_forms.ProgramTextsForm)


@st.composite
def form_data(draw, fields, valid):
    """Form data: either the valid form with a few fields spoiled, or each field valid,
    junk, repeated or left out; and sometimes fields the form does not have."""
    junk = st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=3), st.none())
    names = sorted(fields)
    if names and draw(st.booleans()):
        data = dict(valid)
        for name in draw(st.sets(st.sampled_from(names), min_size=1, max_size=3)):
            data[name] = draw(junk)
    else:
        data = {name: draw(st.one_of(st.just(valid.get(name, "")), junk)) for name in names}
    extra = draw(st.dictionaries(
        FUZZ_FIELD_NAMES.filter(lambda name: name not in fields and name != "csrf_token"),
        ANY_TEXT, max_size=2))
    return {name: value for name, value in {**extra, **data}.items() if value is not None}


def emailed_link(outbox, path):
    for message in reversed(outbox):
        match = re.search(rf"http://localhost({path}[^\s\"<]+)", message.text)
        if match:
            return match.group(1)
    raise AssertionError(f"no email with a {path} link")


def fuzz_targets(world, links):
    """endpoint: (who posts, URL values, form class or field names, valid data)."""
    area = str(world.area)
    program = {f"{key}_{language}": "Mentoring with a goal." for key in texts.PARTS
               for language in ("en", "it")}
    user_target = {"user_id": world.hidden[CHANGES_REQUESTED].owner.id}
    return {
        # Visitors.
        "accounts.login": (None, {}, account_forms.LoginForm, {
            "email": world.mentee.email, "password": factories.PASSWORD, "remember": "y"}),
        "accounts.register": (None, {}, account_forms.RegistrationForm, {
            "email": "new@example.com", "full_name": "Nora New", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "language": "en"}),
        "accounts.forgot_password": (None, {}, account_forms.ForgotPasswordForm,
                                     {"email": world.applicant.email}),
        "accounts.reset_password": (None, {"token": links["reset"]},
                                    account_forms.ResetPasswordForm,
                                    {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        "accounts.verify_email": (None, {"token": links["verify"]}, set(), {}),
        "accounts.set_language": (None, {}, {"language", "next"},
                                  {"language": "it", "next": "/account"}),
        "invitations.accept": (None, {"token": links["invitation"]},
                               invitation_forms.InviteeSignupForm, {
                                   "full_name": "Ivo Invitee", "company": "",
                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                   "language": "en"}),
        # Everyone's own account and notifications.
        "accounts.account": ("mentee", {}, account_forms.AccountForm, {
            "full_name": "Mia Mentee", "language": "en", "timezone": "Europe/Rome",
            "region": "it-north", "job_title": "Account manager",
            "manager_email": world.mentor.email}),
        "accounts.looking_for": ("mentee", {}, account_forms.LookingForForm,
                                 {"interests": [area], "desired_hours": "3"}),
        "notifications.preferences": ("mentee", {}, notification_forms.PreferencesForm,
                                      {"requests": "y", "vetting": "", "mentorships": "y"}),
        "notifications.open_notification": ("mentee", {"notification_id": world.notification},
                                            set(), {}),
        "notifications.read_all": ("mentee", {}, set(), {}),
        "invitations.index": ("mentee", {}, invitation_forms.InvitationForm, {
            "name": "Nina New", "email": "nina@example.net", "message": "Mentor me?",
            "language": "it"}),
        "invitations.resend": ("mentee", {"invitation_id": world.invitation}, set(), {}),
        "invitations.cancel": ("mentee", {"invitation_id": world.invitation}, set(), {}),
        # Mentors and mentees.
        "mentors.my_profile": ("mentor", {}, mentor_forms.MentorProfileForm,
                               profile_form([area])),
        "mentors.submit_profile": (world.hidden[DRAFT].owner, {}, set(), {}),
        "mentorships.new_request": ("other_mentee", {"profile_id": world.profile},
                                    mentorship_forms.RequestForm, request_form(area)),
        "mentorships.accept": ("mentor", {"request_id": world.request},
                               mentorship_forms.AcceptForm, {"note": "Welcome."}),
        "mentorships.decline": ("mentor", {"request_id": world.request},
                                mentorship_forms.DeclineForm,
                                {"reason": "no_time", "note": "Not now."}),
        "mentorships.withdraw": ("applicant", {"request_id": world.request}, set(), {}),
        "mentorships.log_check_in": ("mentee", {"mentorship_id": world.mentorship},
                                     mentorship_forms.CheckInForm, check_in_form()),
        "mentorships.confirm_check_in": ("mentor", {"mentorship_id": world.mentorship,
                                                    "check_in_id": world.check_in}, set(), {}),
        "mentorships.end": ("mentee", {"mentorship_id": world.mentorship},
                            mentorship_forms.EndForm, {"reason": "A new role for me."}),
        "mentorships.complete": ("mentee", {"mentorship_id": world.mentorship}, set(), {}),
        "mentorships.confirm_completion": ("mentor", {"mentorship_id": world.proposed},
                                           set(), {}),
        "mentorships.object_to_completion": ("mentor", {"mentorship_id": world.proposed},
                                             mentorship_forms.ObjectForm,
                                             {"reason": "Two more meetings, please."}),
        "mentorships.feedback": ("mentee", {"mentorship_id": world.finished},
                                 mentorship_forms.FeedbackForm,
                                 {"rating": "5", "comment": "Useful.", "gained": ""}),
        "stories.write": ("mentee", {"mentorship_id": world.finished}, story_forms.StoryForm,
                          {"title": "A plan for every account",
                           "body": factories.STORY_BODY}),
        "stories.ask": ("mentee", {"mentorship_id": world.finished}, set(), {}),
        "stories.consent": ("mentor", {"mentorship_id": world.finished}, {"version"},
                            {"version": world.story_version}),
        # The program team.
        "admin.areas": ("admin", {}, admin_forms.AreaForm,
                        {"name_en": "Negotiation", "name_it": "Negoziazione"}),
        "admin.rename_area": ("admin", {"area_id": world.area}, admin_forms.AreaForm,
                              {"name_en": "Closing", "name_it": "Chiusura"}),
        "admin.retire_area": ("admin", {"area_id": world.area}, set(), {}),
        "admin.restore_area": ("admin", {"area_id": world.area}, set(), {}),
        "admin.settings": ("admin", {}, admin_forms.SettingsForm, {
            "required_approvals": "1", "approval_months": "12", "max_open_requests": "3",
            "max_open_invitations": "3",
            "request_expiry_days": "14", "default_duration_months": "6",
            "internal_domains": "example.com", "outside_signups": "y",
            "organisation_name_en": "Acme Sales", "organisation_name_it": "Acme Vendite"}),
        "admin.program_texts": ("admin", {}, program_texts_form_fields(), {
            **program, "pilot_starts_on": "2027-01-15", "rollout_starts_on": "2027-06-01"}),
        "admin.publish_story": ("admin", {"story_id": world.story}, set(), {}),
        "admin.return_story": ("admin", {"story_id": world.story}, admin_forms.ReturnForm,
                               {"note": "Shorter, please."}),
        "admin.deactivate_user": ("admin", user_target, set(), {}),
        "admin.reactivate_user": ("admin", user_target, set(), {}),
        "admin.grant_admin": ("admin", user_target, set(), {}),
        "admin.revoke_admin": ("admin", user_target, set(), {}),
        "admin.approve_user": ("admin", user_target, set(), {}),
        "admin.make_external": ("admin", user_target, set(), {}),
        "admin.make_internal": ("admin", user_target, set(), {}),
        "admin.revoke_invitation": ("admin", {"invitation_id": world.invitation}, set(), {}),
        "vetting.decide": ("admin", {"profile_id": world.hidden[PENDING].profile},
                           vetting_forms.DecisionForm, {"decision": "approve", "notes": ""}),
        "vetting.suspend": ("admin", {"profile_id": world.other_profile},
                            vetting_forms.SuspendForm, {"reason": "Complaints from mentees."}),
        "vetting.reinstate": ("admin", {"profile_id": world.hidden[SUSPENDED].profile},
                              set(), {}),
        "directory.index": ("admin", {}, directory_forms.UploadForm,
                            {"deactivate_missing": "y"}),
        "directory.apply": ("admin", {"import_id": world.directory_import},
                            directory_forms.ApplyForm, {
                                "sha256": world.directory_sha256, "digest": "0" * 64,
                                "deactivate_missing": "0"}),
        # Last, as they end the session or the account.
        "accounts.change_password": ("other_mentor", {}, account_forms.ChangePasswordForm, {
            "current_password": factories.PASSWORD, "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}),
        "privacy.delete_account": ("newcomer", {},
                                    privacy_forms.DeleteAccountForm,
                                    {"password": factories.PASSWORD}),
        "accounts.logout": ("newcomer", {}, set(), {}),
    }


def fuzz_world_links(app, outbox, world):
    """One-time links to fuzz the pages behind them: a reset and a confirmation."""
    client = app.test_client()
    send(client, "/auth/forgot", {"email": world.other_mentee.email})
    send(client, "/auth/register", {
        "email": "unconfirmed@example.com", "full_name": "Una Unconfirmed",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "en"})
    return {"reset": emailed_link(outbox, "/auth/reset/").rsplit("/", 1)[1],
            "verify": emailed_link(outbox, "/auth/verify/").rsplit("/", 1)[1],
            "invitation": emailed_link(outbox, "/invitations/").rsplit("/", 1)[1]}


def post_rules(app):
    return {rule.endpoint: rule for rule in rules_for(app, lambda r: r.methods & STATE_CHANGING)}


RENEWS_SESSION = {"accounts.change_password"}
FUZZ_PARTS = {
    "visitors": ["accounts.login", "accounts.register", "accounts.forgot_password",
                 "accounts.reset_password", "accounts.verify_email", "accounts.set_language",
                 "invitations.accept"],
    "mentoring": ["accounts.account", "accounts.looking_for", "notifications.preferences",
                  "notifications.open_notification", "notifications.read_all",
                  "mentors.my_profile", "mentors.submit_profile", "mentorships.new_request",
                  "mentorships.accept", "mentorships.decline", "mentorships.withdraw",
                  "mentorships.log_check_in", "mentorships.confirm_check_in",
                  "mentorships.end", "mentorships.complete", "mentorships.confirm_completion",
                  "mentorships.object_to_completion", "mentorships.feedback",
                  "stories.write", "stories.ask", "stories.consent", "invitations.index",
                  "invitations.resend", "invitations.cancel"],
    "program-team": ["admin.areas", "admin.rename_area", "admin.retire_area",
                     "admin.restore_area", "admin.settings", "admin.program_texts",
                     "admin.publish_story", "admin.return_story", "admin.deactivate_user",
                     "admin.reactivate_user", "admin.grant_admin", "admin.revoke_admin",
                     "admin.approve_user", "admin.make_external", "admin.make_internal",
                     "admin.revoke_invitation", "vetting.decide", "vetting.suspend",
                     "vetting.reinstate", "directory.index", "directory.apply"],
    "leaving": ["accounts.change_password", "privacy.delete_account", "accounts.logout"],
}


def test_every_form_endpoint_is_fuzzed(app, outbox, world):
    targets = fuzz_targets(world, {"reset": "token", "verify": "token",
                                   "invitation": "token"})
    assert set(targets) == set(post_rules(app))
    assert sorted(targets) == sorted(name for part in FUZZ_PARTS.values() for name in part)
    for endpoint, (_who, _values, fields, valid) in targets.items():
        names = form_fields(fields) if isinstance(fields, type) else fields
        assert set(valid) <= names, f"{endpoint}: {set(valid) - names} are not form fields"


def fuzz(endpoint, url, fields, valid, browser):
    """Post random data built on `fields` to `url`, with a browser from `browser()`."""
    @FUZZ_SETTINGS
    @given(data=form_data(fields, valid))
    def post(data):
        client, token = browser()
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code in ALLOWED_ANSWERS, \
            f"{endpoint} answered {response.status_code}"

    post()


def visitor(app):
    def browser():
        client = app.test_client()  # a new one each time: a login must not carry over
        return client, client.csrf_token()
    return browser


def logged_in(app, user, renews_session=False):
    client = log_in(app, user.email)
    token = client.csrf_token()
    if renews_session:  # the session, and so the token, changes when it works
        return lambda: (client, client.csrf_token())
    return lambda: (client, token)


def newcomer(app):
    """For the forms that end an account or a session: a new user each time."""
    def browser():
        with app.app_context():
            user = factories.make_user()
        client = log_in(app, user.email)
        return client, client.csrf_token()
    return browser


@pytest.mark.parametrize("part", FUZZ_PARTS)
def test_strange_form_input_never_fails(app, outbox, world, part):
    """Random data in every field of every form: the answer
    is a page, a redirect or a refusal, never a server error."""
    targets = fuzz_targets(world, fuzz_world_links(app, outbox, world))
    rules = post_rules(app)
    for endpoint in FUZZ_PARTS[part]:
        who, values, fields, valid = targets[endpoint]
        names = form_fields(fields) if isinstance(fields, type) else fields
        if who is None:
            browser = visitor(app)
        elif who == "newcomer":
            browser = newcomer(app)
        else:
            browser = logged_in(app, getattr(world, who) if isinstance(who, str) else who,
                                renews_session=endpoint in RENEWS_SESSION)
        fuzz(endpoint, rule_url(rules[endpoint], values), names, valid, browser)


# 4. Length limits fit the columns ----------------------------------------------------------

# Every domain's forms, found rather than listed, so that a new module is not forgotten.
FORM_MODULES = [importlib.import_module(f"marketplace.{path.parent.name}.forms")
                for path in sorted((PROJECT_ROOT / "marketplace").glob("*/forms.py"))
                if path.parent.name != "web"]
# Where each length-limited field is stored: "table.column" (or several), or None when
# it is not stored as typed (passwords are hashed, emails to log in are looked up).
STORED_IN = {
    "RegistrationForm.email": "users.email",
    "RegistrationForm.full_name": "users.full_name",
    "RegistrationForm.password": None,
    "LoginForm.email": None,
    "LoginForm.password": None,
    "ForgotPasswordForm.email": None,
    "ResetPasswordForm.password": None,
    "ChangePasswordForm.password": None,
    "ChangePasswordForm.current_password": None,
    "DeleteAccountForm.password": None,
    "DeleteAccountForm.email": None,  # compared with the account's
    "AccountForm.full_name": "users.full_name",
    "AccountForm.job_title": "users.job_title",
    "AccountForm.manager_email": None,  # looked up; the manager's id is stored
    "MentorProfileForm.headline": ("profile_revisions.headline_en",
                                   "profile_revisions.headline_it"),
    "MentorProfileForm.headline_other": ("profile_revisions.headline_en",
                                         "profile_revisions.headline_it"),
    "MentorProfileForm.bio": ("profile_revisions.bio_en", "profile_revisions.bio_it"),
    "MentorProfileForm.bio_other": ("profile_revisions.bio_en", "profile_revisions.bio_it"),
    "MentorProfileForm.working_style": "mentor_profiles.working_style",
    "MentorProfileForm.motivation": "mentor_profiles.motivation",
    "MentorProfileForm.company": "profile_revisions.company",
    "MentorProfileForm.conflicts": "profile_revisions.conflicts",
    "DecisionForm.notes": "profile_reviews.notes",
    "SuspendForm.reason": "mentor_profiles.suspension_reason",
    "RequestForm.goal": ("mentorship_requests.goal", "mentorships.goal"),
    "RequestForm.current_situation": "mentorship_requests.current_situation",
    "RequestForm.success_measures": ("mentorship_requests.success_measures",
                                     "mentorships.success_measures"),
    "RequestForm.message": "mentorship_requests.message",
    "AcceptForm.note": "mentorship_requests.note",
    "DeclineForm.note": "mentorship_requests.note",
    "CheckInForm.summary": "check_ins.summary",
    "CheckInForm.next_steps": "check_ins.next_steps",
    "EndForm.reason": "mentorships.end_reason",
    "ObjectForm.reason": "mentorships.completion_objection",
    "FeedbackForm.comment": "feedback.comment",
    "FeedbackForm.gained": "feedback.gained",
    "StoryForm.title": "success_stories.title",
    "StoryForm.body": "success_stories.body",
    "ReturnForm.note": "success_stories.review_note",
    "SettingsForm.internal_domains": "program_settings.internal_domains",
    "SettingsForm.organisation_name_en": "program_settings.organisation_name_en",
    "SettingsForm.organisation_name_it": "program_settings.organisation_name_it",
    "AreaForm.name_en": "focus_areas.name_en",
    "AreaForm.name_it": "focus_areas.name_it",
    "InvitationForm.name": "invitations.name",
    "InvitationForm.email": "invitations.email",
    # Compared with what the preview showed (directory_imports.sha256, a plan's digest).
    "ApplyForm.sha256": None,
    "ApplyForm.digest": None,
    "InvitationForm.message": "invitations.message",
    "InviteeSignupForm.full_name": "users.full_name",
    "InviteeSignupForm.company": "users.company",
    "InviteeSignupForm.password": None,
    "ProgramTextsForm.<part>_en": "program_texts.text_en",
    "ProgramTextsForm.<part>_it": "program_texts.text_it",
}


def length_limits(form_class, name_of=lambda name: name):
    """{"Form.field": max} for the fields of `form_class` with a Length(max=…)."""
    limits = {}
    for name in form_fields(form_class):
        unbound = getattr(form_class, name)
        validators = unbound.kwargs.get("validators") or []
        for validator in validators:
            if isinstance(validator, Length) and validator.max != -1:
                limits[f"{form_class.__name__}.{name_of(name)}"] = validator.max
    return limits


def every_length_limit(app):
    forms = {cls for module in FORM_MODULES for cls in vars(module).values()
             if isinstance(cls, type) and issubclass(cls, BaseForm)}
    limits = {}
    for form_class in forms:
        limits.update(length_limits(form_class))
    with app.test_request_context():
        texts_form = type(admin_forms.program_texts_form(texts.PARTS))
    limits.update(length_limits(texts_form, lambda name: re.sub(r"^\w+_(en|it)$",
                                                                r"<part>_\1", name)))
    return limits


def test_every_length_limit_is_known_to_fit_a_column(app):
    limits = every_length_limit(app)
    assert limits.keys() == STORED_IN.keys()
    too_long = []
    for field, maximum in sorted(limits.items()):
        columns = STORED_IN[field]
        for column in (columns,) if isinstance(columns, str) else columns or ():
            table, name = column.split(".")
            type_ = db.metadata.tables[table].c[name].type
            if not isinstance(type_, Text) and (type_.length or 0) < maximum:
                too_long.append(f"{field} allows {maximum}, {column} holds {type_.length}")
    assert too_long == []


def assert_stored(app, model, column, value):
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(model)
                                  .where(column == value))
    assert count == 1, f"{column} = {value[:20]}… ({len(value)} characters) not stored"


def at_most(limit, character):
    """`limit` characters, the first a letter (the forms strip spaces), of several bytes
    each in UTF-8: the databases count characters."""
    return ("A" + character * limit)[:limit]


@pytest.mark.parametrize("character", ["é", "😀"])
def test_text_at_the_length_limit_is_stored(app, world, character):
    """On PostgreSQL a value longer than its column is an error, not a silent cut."""
    name = at_most(120, character)
    mentee = log_in(app, world.mentee.email)
    send(mentee, "/account", {"full_name": name, "language": "en", "timezone": "UTC",
                              "region": "", "job_title": at_most(120, character),
                              "manager_email": ""})
    assert_stored(app, User, User.full_name, name)

    title = at_most(160, character)
    send(mentee, f"/mentorships/{world.finished}/story", {"title": title,
                                                         "body": factories.STORY_BODY})
    assert_stored(app, SuccessStory, SuccessStory.title, title)

    headline = at_most(160, character)
    send(log_in(app, world.hidden[DRAFT].owner.email), "/profile/mentor", profile_form(
        [world.area], headline=headline, headline_other=at_most(160, "ß"),
        affiliation="external", company=at_most(120, character), confidentiality="y",
        conflicts="none"))
    assert_stored(app, ProfileRevision, ProfileRevision.headline_en, headline)

    admin = log_in(app, world.admin.email)
    names = {"name_en": at_most(AREA_NAME_MAX, character), "name_it": at_most(80, "ü")}
    send(admin, "/admin/areas", names)
    assert_stored(app, FocusArea, FocusArea.name_it, names["name_it"])
    # One character more is refused by the form, not by the database.
    response = admin.submit("/admin/areas", data={"name_en": names["name_en"] + "x",
                                                  "name_it": "Nuovo"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(FocusArea)
                                 .where(FocusArea.name_it == "Nuovo")) == 0


# 5. The audit log, and no secret in any log -------------------------------------------------

SAM_EMAIL = "sam@example.com"
RESET_PASSWORD = "lantern meadow pebble song"
WRONG_PASSWORD = "not the right password at all"


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def reset_password_by_email(client, outbox, email, password):
    send(client, "/auth/forgot", {"email": email})
    link = emailed_link(outbox, "/auth/reset/")
    assert client.get(link).status_code == 200
    send(client, link, {"password": password, "confirm": password})
    return link.rsplit("/", 1)[1]


def test_security_events_are_audited_with_utc_time_actor_and_ip(app, outbox, world):
    started = utcnow()
    with app.app_context():
        sam = factories.make_user(email=SAM_EMAIL)
        declined = submit_request_directly(world.other_mentee.id, world.profile, world.area)
    # Sam, from 192.0.2.10: a failed login, a login, a password change, a logout, a
    # reset, and the end of the account.
    client = from_address(app, "192.0.2.10")
    assert Auth(client).login(SAM_EMAIL, WRONG_PASSWORD).status_code == 200
    assert Auth(client).login(SAM_EMAIL).status_code == 302
    send(client, "/account/password", {"current_password": factories.PASSWORD,
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    send(client, "/auth/logout")
    reset_password_by_email(client, outbox, SAM_EMAIL, RESET_PASSWORD)
    # The mentor, from 192.0.2.20, answers two requests.
    mentor = log_in(app, world.mentor.email, "192.0.2.20")
    send(mentor, f"/requests/{world.request}/accept", {"note": ""})
    send(mentor, f"/requests/{declined}/decline", {"reason": "no_time"})
    # An admin, from 192.0.2.30, approves a profile and makes Sam an admin and back.
    admin = log_in(app, world.admin.email, "192.0.2.30")
    pending = world.hidden[PENDING]
    send(admin, f"/admin/vetting/{pending.profile}", {"decision": "approve", "notes": ""})
    send(admin, f"/admin/users/{sam.id}/grant-admin")
    send(admin, f"/admin/users/{sam.id}/revoke-admin")
    send(client, "/account/delete", {"password": RESET_PASSWORD})
    # Someone who is not an admin tries an admin page, from 192.0.2.40.
    mentee = log_in(app, world.mentee.email, "192.0.2.40")
    assert mentee.get("/admin/users").status_code == 403
    finished = utcnow()

    expected = [  # action, actor, subject, address
        ("login.failed", None, sam.id, "192.0.2.10"),
        ("login.success", sam.id, sam.id, "192.0.2.10"),
        ("account.password_changed", sam.id, sam.id, "192.0.2.10"),
        ("logout", sam.id, sam.id, "192.0.2.10"),
        ("account.password_reset_requested", None, sam.id, "192.0.2.10"),
        ("account.password_reset", sam.id, sam.id, "192.0.2.10"),
        ("request.accepted", world.mentor.id, world.applicant.id, "192.0.2.20"),
        ("request.declined", world.mentor.id, world.other_mentee.id, "192.0.2.20"),
        ("profile.approved", world.admin.id, pending.owner.id, "192.0.2.30"),
        ("user.admin_granted", world.admin.id, sam.id, "192.0.2.30"),
        ("user.admin_revoked", world.admin.id, sam.id, "192.0.2.30"),
        ("account.deleted", sam.id, sam.id, "192.0.2.10"),
        ("access.denied", world.mentee.id, None, "192.0.2.40"),
    ]
    events = [event for event in audit_events(app) if event.created_at >= started]
    recorded = [(event.action, event.actor_id, event.subject_id, event.ip)
                for event in events]
    for event in expected:
        assert recorded.count(event) == 1, f"{event} not recorded once in {recorded}"
    for event in events:
        assert event.created_at.utcoffset() == timedelta(0), event.action
        assert started <= event.created_at <= finished, event.action


class Recorder(logging.Handler):
    """Keeps every record as it was logged: before any other handler's filter could
    clean it up, with its message, arguments and extra fields."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.getMessage()}\n{vars(record)!r}")


@pytest.fixture
def all_logs(app, caplog):
    """Every log record, at DEBUG, from the root logger and the app's own loggers (which
    do not propagate to the root)."""
    recorder = Recorder()
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(), app.logger, logging.getLogger("werkzeug")]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
        logger.handlers.insert(0, recorder)
    yield recorder
    for logger in loggers:
        logger.removeHandler(recorder)


def test_no_password_cookie_or_token_reaches_a_log(app, outbox, all_logs, caplog):
    with app.app_context():
        sam = factories.make_user(email=SAM_EMAIL)
    secrets_ = {factories.PASSWORD, NEW_PASSWORD, RESET_PASSWORD, WRONG_PASSWORD}
    client = from_address(app, "192.0.2.10")

    def keep_secrets():
        for name in ("session", "remember_token"):
            cookie = client.get_cookie(name)
            if cookie is not None:
                secrets_.add(cookie.value)
        secrets_.add(client.csrf_token())
        with app.app_context():
            user = db.session.get(User, sam.id)
            secrets_.update({user.session_token, user.password_hash})

    assert Auth(client).login(SAM_EMAIL, WRONG_PASSWORD).status_code == 200
    assert Auth(client).login(SAM_EMAIL, remember="y").status_code == 302
    keep_secrets()
    send(client, "/account/password", {"current_password": factories.PASSWORD,
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    keep_secrets()
    send(client, "/auth/logout")
    keep_secrets()
    secrets_.add(reset_password_by_email(client, outbox, SAM_EMAIL, RESET_PASSWORD))
    keep_secrets()
    send(client, "/account/delete", {"password": RESET_PASSWORD})
    keep_secrets()
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        audit_rows = [repr((event.action, event.ip, event.details)) for event in events]
        assert {event.action for event in events} >= {
            "login.failed", "login.success", "account.password_changed", "logout",
            "account.password_reset_requested", "account.password_reset",
            "account.deleted"}

    secrets_.discard(None)
    assert all(len(secret) >= 12 for secret in secrets_)
    logged = all_logs.records + [caplog.text]
    assert any("/auth/reset/" in text for text in all_logs.records)  # the logs were seen
    leaks = sorted({secret[:8] + "…" for secret in secrets_
                    for text in logged + audit_rows if secret in text})
    assert leaks == []


# 6. Access denied is a security event ---------------------------------------------------------

def denials(app):
    return [(event.actor_id, event.ip, event.details)
            for event in audit_events(app, "access.denied")]


def test_admin_pages_refused_to_others_are_audited(app, world):
    client = log_in(app, world.mentee.email, "198.51.100.7")
    assert client.get("/admin/users").status_code == 403
    response = client.submit(f"/admin/users/{world.applicant.id}/deactivate")
    assert response.status_code == 403
    assert denials(app) == [
        (world.mentee.id, "198.51.100.7",
         {"method": "GET", "path": "/admin/users", "status": 403}),
        (world.mentee.id, "198.51.100.7",
         {"method": "POST", "path": f"/admin/users/{world.applicant.id}/deactivate",
          "status": 403})]


def test_someone_elses_object_is_audited_as_access_denied(app, client, world):
    outsider = log_in(app, world.other_mentee.email, "198.51.100.8")
    assert outsider.get(f"/mentorships/{world.mentorship}").status_code == 404
    hidden = world.hidden[PENDING].profile
    assert outsider.get(f"/mentors/{hidden}").status_code == 404
    assert client.get(f"/mentors/{hidden}").status_code == 302  # a visitor: not recorded
    assert denials(app) == [
        (world.other_mentee.id, "198.51.100.8",
         {"method": "GET", "path": f"/mentorships/{world.mentorship}", "status": 404,
          "object": "mentorship", "object_id": world.mentorship}),
        (world.other_mentee.id, "198.51.100.8",
         {"method": "GET", "path": f"/mentors/{hidden}", "status": 404,
          "object": "profile", "object_id": hidden})]


def test_what_does_not_exist_is_not_audited(app, world):
    client = log_in(app, world.other_mentee.email)
    for url in ("/mentorships/99999", "/mentors/99999", "/no-such-page"):
        assert client.get(url).status_code == 404
    assert client.submit("/requests/99999/accept").status_code == 404
    assert denials(app) == []


def test_a_refusal_is_recorded_without_what_the_request_had_begun(app, make_app, world):
    """The audit event is committed in a transaction of its own: changes the refused
    request had made are rolled back, as they would be anyway."""
    refusing = make_app()

    def rename_then_refuse():
        user = db.session.get(User, world.mentee.id)
        user.full_name = "Changed before the refusal"
        db.session.flush()
        raise Forbidden()

    refusing.add_url_rule("/refuse", "refuse", rename_then_refuse, methods=["POST"])
    client = log_in(refusing, world.mentee.email)
    assert client.submit("/refuse").status_code == 403
    with app.app_context():
        assert db.session.get(User, world.mentee.id).full_name == "Mia Mentee"
    assert denials(app) == [(world.mentee.id, "127.0.0.1",
                             {"method": "POST", "path": "/refuse", "status": 403})]


def test_a_refusal_stays_a_refusal_when_it_cannot_be_recorded(app, world, monkeypatch):
    def broken(actor, code):
        raise SQLAlchemyError("the audit table is unreachable")

    monkeypatch.setattr(audit, "record_denied", broken)
    client = log_in(app, world.mentee.email)
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/mentorships/{world.own_mentorship}").status_code == 404
    assert client.get("/account").status_code == 200
    assert denials(app) == []
