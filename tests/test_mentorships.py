"""The mentorship itself: the agreement, check-ins and their confirmation, progress,
completing or ending early, feedback once each, and the "My mentoring" dashboard
(issue 5, "Mentorships"). Only the mentor and the mentee act on a mentorship, each
post needs its CSRF token, a form sets only the fields it offers, what people write is
shown escaped, and two clicks at the same moment change the data once.

Mentorships are made the real way: a request submitted and accepted through
marketplace.mentorships.services, its dates moved back afterwards when a test needs
history. Service tests call the services directly; view tests check the status, the
redirect, the flashed message and the database. `progress` is tested as a pure
function with a fixed `today`.
"""

import re
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, format_date, ngettext
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import queries, services
from marketplace.mentorships.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    ENDED,
    OPEN,
    CheckIn,
    Feedback,
    Mentorship,
    MentorshipRequest,
)
from marketplace.mentorships.services import MentorshipError
from marketplace.program.services import settings

from .builders import (
    GOAL,
    MEASURES,
    REASON,
    accept,
    assert_italian_ui,
    field_errors,
    italian,
    move_start,
    other_side,
    redirected_to,
    section,
    shows,
    start_mentorship,
    submit,
    today,
)
from .factories import make_area, make_profile, make_user
from .helpers import count, flashed, get, login_client, run_together

SUMMARY = "We went through the account plan for Acme and the procurement map."
NEXT_STEPS = "Draft the proposal outline and book a call with the CFO."

# What the app says (English).
LOGGED = "The check-in is logged. The other side can now confirm it."
CONFIRMED = "The check-in is confirmed."
COMPLETED_MESSAGE = "Congratulations: the mentorship is complete. Please leave your feedback."
ENDED_MESSAGE = "The mentorship has ended. Please leave your feedback."
THANKS = "Thank you for your feedback."
OVER = "This mentorship is over."
PENDING = "Completion pending"


def proposed_message(other):
    """The flash after proposing to complete (issue 21, fix 2): `other` confirms."""
    return (f"{other} is asked to confirm that the goal is reached. Without an objection "
            "within 7 days, the mentorship counts as completed.")
IN_THE_FUTURE = "A check-in is logged once it has taken place."
BEFORE_START = "This date is before the mentorship started."
OWN_CHECK_IN = "You logged this check-in: the other side confirms it."
ALREADY_CONFIRMED = "This check-in is already confirmed."
SAY_WHY = "Say why the mentorship ends early."
FEEDBACK_LATER = "Feedback comes once the mentorship is over."
RATING_RANGE = "Choose a rating from 1 to 5."
ALREADY_GAVE_FEEDBACK = "You have already left your feedback."
ONLY_PARTIES = "Only the mentor and the mentee can do this."
NO_PLACE = ("You have no free place: end a mentorship, or offer more places, to accept "
            "this request.")
DATE_REQUIRED = "Enter the date of the meeting."
MINUTES_REQUIRED = "Enter how many minutes the meeting lasted."
SUMMARY_REQUIRED = "Write what you discussed."
END_REASON_REQUIRED = "Say why the mentorship ends early."
NOT_A_CHOICE = "Not a valid choice."
MINUTES_RANGE = "Enter from 5 to 480 minutes."
OVERDUE = "Overdue"
COMPLETED_COUNT = "Mentees who reached their goal"


def accepted_message(name, mentorship_id):
    """The flash after accepting, with its link to the mentorship (issue 21, fix 3)."""
    return (f'You are now mentoring {name}. '
            f'<a href="/mentorships/{mentorship_id}">Open the mentorship</a>')


# Helpers -------------------------------------------------------------------------------------

def log(mentorship_id, author_id, *, days_ago=0, minutes=60, summary=SUMMARY,
        confirmed=False):
    """A check-in logged through the service, confirmed by the other side if asked."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    author = db.session.get(User, author_id)
    check_in = services.log_check_in(
        mentorship, actor=author,
        held_on=today() - timedelta(days=days_ago), minutes=minutes, summary=summary,
        next_steps=NEXT_STEPS)
    if confirmed:
        services.confirm_check_in(check_in, mentorship,
                                  actor=mentorship.other_side(author))
    db.session.commit()
    return check_in.id


def finish(mentorship_id, status=COMPLETED):
    """The mentee completes or ends the mentorship through the service."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    if status == COMPLETED:
        services.complete_mentorship(mentorship, actor=mentorship.mentee)
    else:
        services.end_mentorship(mentorship, actor=mentorship.mentee, reason=REASON)
    db.session.commit()
    db.session.expire_all()


def counters(profile_id):
    profile = get(MentorProfile, profile_id)
    return profile.active_mentees, profile.committed_hours


def snapshot(app):
    """Everything an action on a mentorship could change: every mentorship, check-in,
    feedback and request, and the mentors' counters."""
    def rows(model):
        columns = [column.key for column in model.__table__.columns]
        return sorted(tuple(getattr(row, key) for key in columns)
                      for row in db.session.scalars(select(model)))

    with app.app_context():
        return {model.__name__: rows(model)
                for model in (Mentorship, CheckIn, Feedback, MentorshipRequest)} | {
            "counters": sorted((p.id, p.active_mentees, p.committed_hours)
                               for p in db.session.scalars(select(MentorProfile)))}


def page_of(client, mentorship_id):
    response = client.get(f"/mentorships/{mentorship_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def formatted(app, day, style, locale="en"):
    with app.test_request_context(), force_locale(locale):
        return format_date(day, style)


def check_in_data(**changes):
    """The check-in form as a browser posts it; a None value leaves the field out."""
    data = {"date": today().isoformat(), "minutes": "45", "summary": SUMMARY,
            "next_steps": NEXT_STEPS, **changes}
    return {name: value for name, value in data.items() if value is not None}


# Fixtures --------------------------------------------------------------------------------

@pytest.fixture
def world(app, user, admin):
    """Rita (the `user` fixture) is mentored by Marco (two places, six hours a month,
    one focus area, video calls) since today; Olga is neither; Ada is an admin."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor_user = make_user(email="marco@example.com", full_name="Marco Mentor")
        mentor = make_profile(mentor_user, areas=[area], capacity=2, monthly_hours=6)
        outsider = make_user(email="olga@example.com", full_name="Olga Outsider")
        mentorship_id = start_mentorship(user.id, mentor.id, area.id)
        return SimpleNamespace(area=area, mentee=user, mentor_user=mentor_user, mentor=mentor,
                               outsider=outsider, admin=admin, mentorship_id=mentorship_id)


@pytest.fixture
def mentee_client(app, world):
    return login_client(app, world.mentee.email)


@pytest.fixture
def mentor_client(app, world):
    return login_client(app, world.mentor_user.email)


@pytest.fixture
def outsider_client(app, world):
    return login_client(app, world.outsider.email)


@pytest.fixture
def admin_client(app, world):
    return login_client(app, world.admin.email)


@pytest.fixture
def clients(mentee_client, mentor_client):
    return {"mentee": mentee_client, "mentor": mentor_client}


def party_id(world, side):
    return world.mentee.id if side == "mentee" else world.mentor_user.id


@pytest.fixture
def second_mentor(app, world):
    """Paula, another listed mentor in the same area."""
    with app.app_context():
        user = make_user(email="paula@example.com", full_name="Paula Partner")
        return SimpleNamespace(user=user, profile=make_profile(
            user, areas=[world.area], capacity=2, monthly_hours=6))


# The agreement ---------------------------------------------------------------------------

class TestAgreement:
    def test_accepting_creates_the_mentorship_with_the_agreement(self, app_ctx, world):
        mentee = make_user(full_name="Nora Newcomer")
        target = add_months(today(), 5)
        request_id = submit(mentee.id, world.mentor.id, world.area.id, target_date=target,
                            hours_per_month=3, duration_months=9, cadence="weekly",
                            meeting_format="video")
        assert counters(world.mentor.id) == (1, 2)

        mentorship = get(Mentorship, accept(request_id))

        assert mentorship.request_id == request_id
        assert get(MentorshipRequest, request_id).status == ACCEPTED
        assert (mentorship.mentee_id, mentorship.profile_id, mentorship.area_id) == (
            mentee.id, world.mentor.id, world.area.id)
        assert (mentorship.goal, mentorship.success_measures, mentorship.target_date) == (
            GOAL, MEASURES, target)
        assert (mentorship.hours_per_month, mentorship.cadence, mentorship.meeting_format) == (
            3, "weekly", "video")
        assert mentorship.status == ACTIVE and mentorship.is_active
        assert mentorship.started_on == today()
        assert mentorship.planned_end_on == add_months(today(), 9)
        assert (mentorship.ended_at, mentorship.end_reason) == (None, None)
        assert counters(world.mentor.id) == (2, 5)

    @pytest.mark.parametrize(("started", "months", "planned_end"), [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),   # the month's last day when shorter
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 1), 12, date(2027, 3, 1)),
    ])
    def test_planned_end_is_the_start_plus_the_duration(self, app_ctx, world, monkeypatch,
                                                        started, months, planned_end):
        """The start is the day the mentor accepts; the end that many months later."""
        monkeypatch.setattr(services, "utcnow", lambda: utcnow().replace(
            year=started.year, month=started.month, day=started.day))
        mentee = make_user()
        mentorship = get(Mentorship, accept(submit(
            mentee.id, world.mentor.id, world.area.id, duration_months=months,
            target_date=planned_end)))
        assert (mentorship.started_on, mentorship.planned_end_on) == (started, planned_end)

    def test_accepting_on_the_page_creates_the_mentorship(self, app, world):
        with app.app_context():
            mentee = make_user(full_name="Nora Newcomer")
            request_id = submit(mentee.id, world.mentor.id, world.area.id)
        mentor = login_client(app, world.mentor_user.email)
        response = mentor.submit(f"/requests/{request_id}/accept", data={"note": ""})
        assert redirected_to(response, "/requests")
        with app.app_context():
            mentorship = db.session.scalar(
                select(Mentorship).where(Mentorship.request_id == request_id))
            assert mentorship.status == ACTIVE and mentorship.started_on == today()
            mentorship_id = mentorship.id
        assert flashed(mentor) == [accepted_message("Nora Newcomer", mentorship_id)]
        assert shows(page_of(mentor, mentorship_id), GOAL)

    @pytest.mark.parametrize("viewer", ["mentee", "mentor", "admin"])
    def test_the_page_shows_the_agreement_to_both_sides_and_admins(self, app, world, viewer):
        email = {"mentee": world.mentee.email, "mentor": world.mentor_user.email,
                 "admin": world.admin.email}[viewer]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
        page = page_of(login_client(app, email), world.mentorship_id)
        agreement = section(page, "agreement-title")
        assert shows(page, "Marco Mentor mentors Rita Rep")
        for text in (GOAL, MEASURES, "Negotiation", "2 hours a month", "Every two weeks",
                     "Video call", formatted(app, mentorship.target_date, "long"),
                     formatted(app, mentorship.started_on, "long"),
                     formatted(app, mentorship.planned_end_on, "long")):
            assert shows(agreement, text), text
        assert "In progress" in page
        # Only the two sides act on it; an admin only looks.
        forms = ("Log a check-in", "The goal is reached: complete the mentorship",
                 "End the mentorship early")
        for text in forms:
            assert shows(page, text) is (viewer != "admin"), text

    def test_anyone_else_gets_404(self, world, outsider_client):
        assert outsider_client.get(f"/mentorships/{world.mentorship_id}").status_code == 404

    def test_another_mentor_gets_404(self, app, world, second_mentor):
        browser = login_client(app, second_mentor.user.email)
        assert browser.get(f"/mentorships/{world.mentorship_id}").status_code == 404

    def test_anonymous_visitor_is_sent_to_log_in(self, client, world):
        response = client.get(f"/mentorships/{world.mentorship_id}")
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/auth/login"
        assert parse_qs(urlsplit(response.location).query)["next"] == [
            f"/mentorships/{world.mentorship_id}"]

    def test_unknown_mentorship_is_404(self, world, mentee_client, admin_client):
        assert mentee_client.get("/mentorships/999999").status_code == 404
        assert admin_client.get("/mentorships/999999").status_code == 404

    def test_mentorship_for(self, app_ctx, world):
        for user in (world.mentee, world.mentor_user, world.admin):
            viewer = db.session.get(User, user.id)
            assert queries.mentorship_for(viewer, world.mentorship_id).id == world.mentorship_id
        outsider = db.session.get(User, world.outsider.id)
        assert queries.mentorship_for(outsider, world.mentorship_id) is None
        assert queries.mentorship_for(db.session.get(User, world.admin.id), 999999) is None


# Check-ins: the service ------------------------------------------------------------------

class TestLogCheckInService:
    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_either_side_logs_one(self, app_ctx, world, side):
        move_start(world.mentorship_id, 10)
        mentorship = get(Mentorship, world.mentorship_id)
        author = db.session.get(User, party_id(world, side))
        held_on = today() - timedelta(days=3)
        check_in = services.log_check_in(mentorship, actor=author, held_on=held_on,
                                         minutes=50, summary=SUMMARY, next_steps=NEXT_STEPS)
        db.session.commit()
        stored = get(CheckIn, check_in.id)
        assert (stored.mentorship_id, stored.author_id, stored.held_on, stored.minutes) == (
            world.mentorship_id, author.id, held_on, 50)
        assert (stored.summary, stored.next_steps) == (SUMMARY, NEXT_STEPS)
        assert stored.confirmed_at is None and not stored.is_confirmed

    def test_on_the_first_day_and_today(self, app_ctx, world):
        move_start(world.mentorship_id, 5)
        log(world.mentorship_id, world.mentee.id, days_ago=5)
        log(world.mentorship_id, world.mentee.id, days_ago=0)
        assert count(CheckIn) == 2

    @pytest.mark.parametrize(("days_ago", "message"), [
        (-1, IN_THE_FUTURE), (-30, IN_THE_FUTURE), (6, BEFORE_START), (60, BEFORE_START)])
    def test_not_in_the_future_nor_before_the_start(self, app_ctx, world, days_ago, message):
        move_start(world.mentorship_id, 5)
        with pytest.raises(MentorshipError) as error:
            log(world.mentorship_id, world.mentee.id, days_ago=days_ago)
        assert error.value.message == message
        db.session.rollback()
        assert count(CheckIn) == 0

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_only_the_two_sides(self, app_ctx, world, who):
        with pytest.raises(MentorshipError) as error:
            log(world.mentorship_id, getattr(world, who).id)
        assert error.value.message == ONLY_PARTIES
        db.session.rollback()
        assert count(CheckIn) == 0

    @pytest.mark.parametrize("status", [COMPLETED, ENDED])
    def test_not_once_the_mentorship_is_over(self, app_ctx, world, status):
        finish(world.mentorship_id, status)
        with pytest.raises(MentorshipError) as error:
            log(world.mentorship_id, world.mentor_user.id)
        assert error.value.message == OVER
        db.session.rollback()
        assert count(CheckIn) == 0


class TestConfirmCheckInService:
    @pytest.mark.parametrize("author", ["mentee", "mentor"])
    def test_the_other_side_confirms(self, app_ctx, world, author):
        check_in_id = log(world.mentorship_id, party_id(world, author))
        mentorship = get(Mentorship, world.mentorship_id)
        before = utcnow()
        services.confirm_check_in(db.session.get(CheckIn, check_in_id), mentorship,
                                  actor=db.session.get(User, party_id(world, other_side(author))))
        db.session.commit()
        check_in = get(CheckIn, check_in_id)
        assert check_in.is_confirmed and before <= check_in.confirmed_at <= utcnow()

    def test_not_by_its_author(self, app_ctx, world):
        check_in_id = log(world.mentorship_id, world.mentee.id)
        with pytest.raises(MentorshipError) as error:
            services.confirm_check_in(db.session.get(CheckIn, check_in_id),
                                      get(Mentorship, world.mentorship_id),
                                      actor=db.session.get(User, world.mentee.id))
        assert error.value.message == OWN_CHECK_IN
        db.session.rollback()
        assert get(CheckIn, check_in_id).confirmed_at is None

    def test_not_twice(self, app_ctx, world):
        check_in_id = log(world.mentorship_id, world.mentee.id, confirmed=True)
        confirmed_at = get(CheckIn, check_in_id).confirmed_at
        with pytest.raises(MentorshipError) as error:
            services.confirm_check_in(db.session.get(CheckIn, check_in_id),
                                      get(Mentorship, world.mentorship_id),
                                      actor=db.session.get(User, world.mentor_user.id))
        assert error.value.message == ALREADY_CONFIRMED
        db.session.rollback()
        assert get(CheckIn, check_in_id).confirmed_at == confirmed_at

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_not_by_anyone_else(self, app_ctx, world, who):
        check_in_id = log(world.mentorship_id, world.mentee.id)
        with pytest.raises(MentorshipError) as error:
            services.confirm_check_in(db.session.get(CheckIn, check_in_id),
                                      get(Mentorship, world.mentorship_id),
                                      actor=db.session.get(User, getattr(world, who).id))
        assert error.value.message == ONLY_PARTIES
        db.session.rollback()
        assert get(CheckIn, check_in_id).confirmed_at is None


# Check-ins: the page ---------------------------------------------------------------------

class TestLogCheckInPage:
    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_either_side_logs_one(self, app, world, clients, side):
        with app.app_context():
            move_start(world.mentorship_id, 20)
        held_on = today() - timedelta(days=2)
        browser = clients[side]
        response = browser.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                  data=check_in_data(date=held_on.isoformat()))
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(browser) == [LOGGED]
        with app.app_context():
            check_in = db.session.scalar(select(CheckIn))
            assert (check_in.mentorship_id, check_in.author_id, check_in.held_on) == (
                world.mentorship_id, party_id(world, side), held_on)
            assert (check_in.minutes, check_in.summary, check_in.next_steps) == (
                45, SUMMARY, NEXT_STEPS)
            assert check_in.confirmed_at is None
            confirm_url = (f"/mentorships/{world.mentorship_id}/checkins/{check_in.id}"
                           "/confirm")

        page = page_of(browser, world.mentorship_id)
        assert shows(page, SUMMARY) and shows(page, NEXT_STEPS)
        assert "not confirmed yet" in page and "45 minutes" in page
        assert formatted(app, held_on, "long") in section(page, "checkins-title")
        # Only the other side is offered the confirmation.
        assert confirm_url not in page
        assert confirm_url in page_of(clients[other_side(side)], world.mentorship_id)

    def test_the_form_has_the_contract_field_names(self, world, mentee_client):
        page = page_of(mentee_client, world.mentorship_id)
        form = re.search(rf'<form [^>]*action="/mentorships/{world.mentorship_id}/checkins"'
                         r'.*?</form>', page, re.DOTALL).group(0)
        for name in ("csrf_token", "date", "minutes", "summary", "next_steps"):
            assert f'name="{name}"' in form, name

    def test_next_steps_are_optional(self, app, world, mentee_client):
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                         data=check_in_data(next_steps=None))
        assert response.status_code == 302
        with app.app_context():
            assert db.session.scalar(select(CheckIn.next_steps)) == ""

    @pytest.mark.parametrize("minutes", ["5", "480"])
    def test_the_minute_limits_themselves(self, app, world, mentee_client, minutes):
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                         data=check_in_data(minutes=minutes))
        assert response.status_code == 302
        with app.app_context():
            assert db.session.scalar(select(CheckIn.minutes)) == int(minutes)

    @pytest.mark.parametrize(("changes", "name", "message"), [
        ({"date": ""}, "date", DATE_REQUIRED),
        ({"date": None}, "date", DATE_REQUIRED),
        ({"date": "31/12/2025"}, "date", "Not a valid date value."),
        ({"minutes": "4"}, "minutes", MINUTES_RANGE),
        ({"minutes": "481"}, "minutes", MINUTES_RANGE),
        ({"minutes": "0"}, "minutes", MINUTES_RANGE),
        ({"minutes": "an hour"}, "minutes", "Not a valid integer value."),
        ({"minutes": ""}, "minutes", MINUTES_REQUIRED),
        ({"summary": ""}, "summary", SUMMARY_REQUIRED),
        ({"summary": "   "}, "summary", SUMMARY_REQUIRED),
        ({"summary": None}, "summary", SUMMARY_REQUIRED),
        ({"summary": "Talked."}, "summary",
         "Write at least 10 characters on what you discussed."),
        ({"summary": "x" * 3001}, "summary", "Shorten the summary to at most 3000 characters."),
        ({"next_steps": "x" * 2001}, "next_steps",
         "Shorten the next steps to at most 2000 characters."),
    ])
    def test_validation_errors_next_to_the_field(self, app, world, mentee_client, changes,
                                                 name, message):
        before = snapshot(app)
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                        data=check_in_data(**changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert shows(field_errors(page, name), message), field_errors(page, name)
        assert snapshot(app) == before
        # The rest of what was typed is kept.
        if name != "summary":
            assert shows(page, SUMMARY)

    @pytest.mark.parametrize(("days_ago", "message"), [(-1, IN_THE_FUTURE), (11, BEFORE_START)])
    def test_dates_the_agreement_rules_out(self, app, world, mentee_client, days_ago, message):
        with app.app_context():
            move_start(world.mentorship_id, 10)
        before = snapshot(app)
        held_on = today() - timedelta(days=days_ago)
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                        data=check_in_data(date=held_on.isoformat()))
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert shows(page, message)
        assert snapshot(app) == before
        assert f'value="{held_on.isoformat()}"' in page and shows(page, SUMMARY)

    @pytest.mark.parametrize("status", [COMPLETED, ENDED])
    def test_none_on_a_finished_mentorship(self, app, world, mentee_client, status):
        with app.app_context():
            finish(world.mentorship_id, status)
        assert "Log a check-in" not in page_of(mentee_client, world.mentorship_id)
        before = snapshot(app)
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                        data=check_in_data(), follow_redirects=True)
        # Sent back to the page, which says why (the form is no longer on it).
        assert response.request.path == f"/mentorships/{world.mentorship_id}"
        assert shows(response.get_data(as_text=True), OVER)
        assert snapshot(app) == before

    def test_anyone_else_gets_404_and_nothing_is_saved(self, app, world, outsider_client):
        before = snapshot(app)
        response = outsider_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                          data=check_in_data())
        assert response.status_code == 404
        assert snapshot(app) == before

    def test_an_admin_cannot_log_one(self, app, world, admin_client):
        before = snapshot(app)
        response = admin_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                       data=check_in_data())
        assert response.status_code == 409
        assert shows(response.get_data(as_text=True), ONLY_PARTIES)
        assert snapshot(app) == before

    def test_unknown_mentorship_is_404(self, world, mentee_client):
        response = mentee_client.submit("/mentorships/999999/checkins", data=check_in_data())
        assert response.status_code == 404


class TestConfirmCheckInPage:
    @pytest.fixture
    def check_in_id(self, app, world):
        """A check-in Rita, the mentee, logged."""
        with app.app_context():
            return log(world.mentorship_id, world.mentee.id)

    def url(self, world, check_in_id):
        return f"/mentorships/{world.mentorship_id}/checkins/{check_in_id}/confirm"

    def confirmed_at(self, app, check_in_id):
        with app.app_context():
            return get(CheckIn, check_in_id).confirmed_at

    def test_the_other_side_confirms(self, app, world, check_in_id, mentor_client):
        response = mentor_client.submit(self.url(world, check_in_id))
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(mentor_client) == [CONFIRMED]
        assert self.confirmed_at(app, check_in_id) is not None
        page = page_of(mentor_client, world.mentorship_id)
        assert "not confirmed yet" not in page and "confirmed" in page
        assert self.url(world, check_in_id) not in page

    def test_the_mentee_confirms_the_mentors_check_in(self, app, world, mentee_client):
        with app.app_context():
            check_in_id = log(world.mentorship_id, world.mentor_user.id)
        mentee_client.submit(self.url(world, check_in_id))
        assert flashed(mentee_client) == [CONFIRMED]
        assert self.confirmed_at(app, check_in_id) is not None

    def test_the_author_cannot(self, app, world, check_in_id, mentee_client):
        before = snapshot(app)
        response = mentee_client.submit(self.url(world, check_in_id))
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(mentee_client) == [OWN_CHECK_IN]
        assert snapshot(app) == before

    def test_confirming_twice_is_refused(self, app, world, check_in_id, mentor_client):
        mentor_client.submit(self.url(world, check_in_id))
        first = self.confirmed_at(app, check_in_id)
        response = mentor_client.submit(self.url(world, check_in_id))
        assert response.status_code == 302
        assert flashed(mentor_client) == [ALREADY_CONFIRMED]
        assert self.confirmed_at(app, check_in_id) == first

    def test_anyone_else_gets_404(self, app, world, check_in_id, outsider_client):
        before = snapshot(app)
        assert outsider_client.submit(self.url(world, check_in_id)).status_code == 404
        assert snapshot(app) == before

    def test_an_admin_cannot_confirm(self, app, world, check_in_id, admin_client):
        before = snapshot(app)
        admin_client.submit(self.url(world, check_in_id))
        assert flashed(admin_client) == [ONLY_PARTIES]
        assert snapshot(app) == before

    def test_a_check_in_of_another_mentorship_is_404(self, app, world, second_mentor,
                                                     mentee_client):
        """Rita is the mentee of both mentorships, so only the pairing in the URL is
        wrong."""
        with app.app_context():
            other_id = start_mentorship(world.mentee.id, second_mentor.profile.id,
                                        world.area.id)
            other_check_in = log(other_id, second_mentor.user.id)
        before = snapshot(app)
        response = mentee_client.submit(self.url(world, other_check_in))
        assert response.status_code == 404
        assert snapshot(app) == before
        # The right pairing works.
        mentee_client.submit(f"/mentorships/{other_id}/checkins/{other_check_in}/confirm")
        assert flashed(mentee_client) == [CONFIRMED]

    def test_an_unknown_check_in_is_404(self, world, mentor_client):
        assert mentor_client.submit(self.url(world, 999999)).status_code == 404


# Progress --------------------------------------------------------------------------------

START = date(2026, 1, 1)
PLANNED_END = date(2026, 7, 1)  # six months: 181 days


def agreement(*, cadence="biweekly", hours=4, status=ACTIVE, start=START, end=PLANNED_END,
              ended_at=None):
    return Mentorship(started_on=start, planned_end_on=end, cadence=cadence,
                      hours_per_month=hours, status=status, ended_at=ended_at)


def meeting(day, minutes=60, confirmed=False):
    return CheckIn(held_on=day, minutes=minutes,
                   confirmed_at=utcnow() if confirmed else None)


def day(number):
    """The day `number` days after the start."""
    return START + timedelta(days=number)


class TestProgress:
    def test_on_the_first_day(self):
        state = queries.progress(agreement(), [], today=START)
        assert (state.minutes_logged, state.minutes_confirmed, state.check_ins) == (0, 0, 0)
        assert (state.hours_committed_so_far, state.check_ins_expected) == (0, 0)
        assert state.hours_committed_total == 24  # 4 h × 181 / 30.44 days
        assert state.next_due == day(14)
        assert not state.overdue and state.on_cadence

    def test_hours_logged_and_confirmed(self):
        check_ins = [meeting(day(2), 60, confirmed=True), meeting(day(9), 45),
                     meeting(day(16), 30, confirmed=True)]
        state = queries.progress(agreement(), check_ins, today=day(20))
        assert (state.minutes_logged, state.minutes_confirmed) == (135, 90)
        assert (state.hours_logged, state.hours_confirmed) == (2.25, 1.5)
        assert state.check_ins == 3

    @pytest.mark.parametrize(("hours", "days", "expected"), [
        (4, 0, 0.0),
        (4, 30, 3.9),      # 4 × 30 / 30.44 = 3.94
        (4, 60, 7.9),      # 7.88
        (3, 10, 1.0),      # 0.99
        (2, 15, 1.0),      # 0.986
        (20, 100, 65.7),   # 65.70
        (4, 181, 23.8),    # the planned end
        (4, 182, 23.8),    # capped there
        (4, 400, 23.8),
    ])
    def test_hours_committed_so_far_pro_rated_by_days(self, hours, days, expected):
        state = queries.progress(agreement(hours=hours), [], today=day(days))
        assert state.hours_committed_so_far == expected

    @pytest.mark.parametrize(("cadence", "days", "expected"), [
        ("weekly", 6, 0), ("weekly", 7, 1), ("weekly", 60, 8),
        ("biweekly", 13, 0), ("biweekly", 14, 1), ("biweekly", 60, 4),
        ("monthly", 29, 0), ("monthly", 30, 1), ("monthly", 60, 2),
        ("weekly", 400, 25), ("biweekly", 400, 12), ("monthly", 400, 6),  # capped at the end
    ])
    def test_check_ins_expected_by_cadence(self, cadence, days, expected):
        state = queries.progress(agreement(cadence=cadence), [], today=day(days))
        assert state.check_ins_expected == expected

    @pytest.mark.parametrize(("cadence", "interval"), [
        ("weekly", 7), ("biweekly", 14), ("monthly", 30)])
    def test_next_due_one_interval_after_the_last_check_in_or_the_start(self, cadence,
                                                                        interval):
        assert queries.progress(agreement(cadence=cadence), [],
                                 today=day(1)).next_due == day(interval)
        check_ins = [meeting(day(20)), meeting(day(33)), meeting(day(5))]  # in any order
        state = queries.progress(agreement(cadence=cadence), check_ins, today=day(34))
        assert state.next_due == day(33 + interval)

    @pytest.mark.parametrize(("days_after_due", "overdue"), [
        (-1, False), (0, False), (1, False), (3, False), (4, True), (40, True)])
    def test_overdue_only_after_the_grace_days(self, days_after_due, overdue):
        state = queries.progress(agreement(cadence="weekly"), [meeting(day(10))],
                                  today=day(17 + days_after_due))
        assert state.next_due == day(17)
        assert state.overdue is overdue
        if overdue:
            assert not state.on_cadence

    @pytest.mark.parametrize("status", [COMPLETED, ENDED])
    def test_never_overdue_once_over(self, status):
        state = queries.progress(agreement(status=status), [], today=day(150))
        assert not state.overdue

    @pytest.mark.parametrize(("cadence", "held", "today_", "on_cadence"), [
        # every meeting held: on cadence
        ("biweekly", [14, 28, 42], 44, True),
        # one behind the expected count is tolerated
        ("weekly", [7, 14, 21, 34], 35, True),
        # not overdue, but far fewer meetings than agreed
        ("weekly", [33, 34], 35, False),
        # no meeting at all and past the grace days
        ("biweekly", [], 20, False),
        # no meeting yet, still within the first interval and its grace
        ("monthly", [], 33, True),
    ])
    def test_on_cadence(self, cadence, held, today_, on_cadence):
        state = queries.progress(agreement(cadence=cadence), [meeting(day(n)) for n in held],
                                  today=day(today_))
        assert state.on_cadence is on_cadence

    @pytest.mark.parametrize("status", [COMPLETED, ENDED])
    def test_a_finished_mentorship_commits_no_more_hours_after_its_end(self, status):
        """Ended after 30 days and looked at months later: the time committed "to date"
        and the check-ins expected stop where the mentorship stopped, not at the planned
        end (otherwise an early end reads as hours and meetings missed)."""
        finished = agreement(status=status, ended_at=utcnow().replace(
            year=2026, month=1, day=31, hour=12))
        state = queries.progress(finished, [], today=day(150))
        assert state.hours_committed_so_far == 3.9
        assert state.check_ins_expected == 2

    def test_the_page_shows_the_progress(self, app, world, mentee_client):
        with app.app_context():
            move_start(world.mentorship_id, 30)  # 2 h a month, every two weeks
            log(world.mentorship_id, world.mentee.id, days_ago=28, minutes=90, confirmed=True)
            log(world.mentorship_id, world.mentor_user.id, days_ago=25, minutes=30)
            next_due = today() - timedelta(days=25 - 14)
        page = page_of(mentee_client, world.mentorship_id)
        progress = section(page, "progress-title")
        # 2 h × 30 / 30.44 = 1.97
        assert "2 h of the 2 h committed to date (1.5 h confirmed)" in progress
        assert "2 of about 2 expected by now" in progress
        assert formatted(app, next_due, "long") in progress
        assert OVERDUE in progress  # due 11 days ago, grace 3

    def test_the_page_shows_no_overdue_tag_when_on_time(self, app, world, mentee_client):
        with app.app_context():
            move_start(world.mentorship_id, 16)
        progress = section(page_of(mentee_client, world.mentorship_id), "progress-title")
        assert formatted(app, today() - timedelta(days=2), "long") in progress
        assert OVERDUE not in progress


# Completing and ending early -------------------------------------------------------------

class TestFinishService:
    @pytest.fixture
    def two(self, app, world):
        """Marco mentors a second mentee too (3 h a month): counters (2, 5)."""
        with app.app_context():
            other = make_user(full_name="Nora Newcomer")
            start_mentorship(other.id, world.mentor.id, world.area.id, hours_per_month=3)
            assert counters(world.mentor.id) == (2, 5)

    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_complete(self, app_ctx, world, two, side):
        before = utcnow()
        services.complete_mentorship(get(Mentorship, world.mentorship_id),
                                     actor=db.session.get(User, party_id(world, side)))
        db.session.commit()
        mentorship = get(Mentorship, world.mentorship_id)
        assert mentorship.status == COMPLETED and not mentorship.is_active
        assert before <= mentorship.ended_at <= utcnow()
        assert mentorship.end_reason is None
        assert counters(world.mentor.id) == (1, 3)

    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_end_early_with_a_reason(self, app_ctx, world, two, side):
        services.end_mentorship(get(Mentorship, world.mentorship_id),
                                actor=db.session.get(User, party_id(world, side)),
                                reason=f"  {REASON}\n")
        db.session.commit()
        mentorship = get(Mentorship, world.mentorship_id)
        assert (mentorship.status, mentorship.end_reason) == (ENDED, REASON)
        assert mentorship.ended_at is not None
        assert counters(world.mentor.id) == (1, 3)

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_ending_early_needs_a_reason(self, app, world, two, reason):
        before = snapshot(app)
        with app.app_context():
            with pytest.raises(MentorshipError) as error:
                services.end_mentorship(get(Mentorship, world.mentorship_id),
                                        actor=db.session.get(User, world.mentee.id),
                                        reason=reason)
            assert error.value.message == SAY_WHY
            db.session.rollback()
        assert snapshot(app) == before

    @pytest.mark.parametrize(("first", "second"), [
        (COMPLETED, COMPLETED), (COMPLETED, ENDED), (ENDED, COMPLETED), (ENDED, ENDED)])
    def test_acting_twice_is_refused_and_frees_the_place_once(self, app, world, two, first,
                                                              second):
        with app.app_context():
            finish(world.mentorship_id, first)
            assert counters(world.mentor.id) == (1, 3)
        before = snapshot(app)
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            with pytest.raises(MentorshipError) as error:
                if second == COMPLETED:
                    services.complete_mentorship(mentorship, actor=mentorship.profile.user)
                else:
                    services.end_mentorship(mentorship, actor=mentorship.profile.user,
                                            reason=REASON)
            assert error.value.message == OVER
            db.session.rollback()
        assert snapshot(app) == before

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_only_the_two_sides(self, app, world, two, who):
        before = snapshot(app)
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            actor = db.session.get(User, getattr(world, who).id)
            for act in (lambda: services.complete_mentorship(mentorship, actor=actor),
                        lambda: services.end_mentorship(mentorship, actor=actor,
                                                        reason=REASON)):
                with pytest.raises(MentorshipError) as error:
                    act()
                assert error.value.message == ONLY_PARTIES
                db.session.rollback()
        assert snapshot(app) == before


class TestFinishPage:
    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_complete(self, app, world, clients, side):
        """One side proposes (issue 21, fix 2), the other confirms: then it is over."""
        browser, other = clients[side], clients[other_side(side)]
        response = browser.submit(f"/mentorships/{world.mentorship_id}/complete")
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        names = {"mentee": "Rita Rep", "mentor": "Marco Mentor"}
        assert flashed(browser) == [proposed_message(names[other_side(side)])]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.completion_proposed_by_id) == (
                ACTIVE, party_id(world, side))
            assert counters(world.mentor.id) == (1, 2)
        assert PENDING in page_of(browser, world.mentorship_id)
        response = other.submit(f"/mentorships/{world.mentorship_id}/complete/confirm")
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(other) == [COMPLETED_MESSAGE]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert mentorship.status == COMPLETED and mentorship.ended_at is not None
            assert counters(world.mentor.id) == (0, 0)
        page = page_of(browser, world.mentorship_id)
        assert "Completed" in page
        for gone in ("Log a check-in", "End the mentorship early", "Next check-in"):
            assert gone not in page

    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_end_early(self, app, world, clients, side):
        browser = clients[side]
        response = browser.submit(f"/mentorships/{world.mentorship_id}/end",
                                  data={"reason": REASON})
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(browser) == [ENDED_MESSAGE]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.end_reason) == (ENDED, REASON)
            assert counters(world.mentor.id) == (0, 0)
        page = page_of(browser, world.mentorship_id)
        assert "Ended early" in page and shows(page, REASON)
        assert "Why it ended early" in page

    @pytest.mark.parametrize(("reason", "message"), [
        (None, END_REASON_REQUIRED), ("", END_REASON_REQUIRED), ("   ", END_REASON_REQUIRED),
        ("Bored.", "Write at least 10 characters so the other side understands why it ends.")])
    def test_end_early_needs_a_reason(self, app, world, mentee_client, reason, message):
        before = snapshot(app)
        data = {} if reason is None else {"reason": reason}
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/end", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert shows(field_errors(page, "reason"), message)
        assert snapshot(app) == before

    def test_the_place_and_hours_are_free_at_once(self, app, world):
        """Marco (two places, four hours a month) is full; once a mentorship is complete
        he can accept the request waiting for him."""
        with app.app_context():
            profile = db.session.get(MentorProfile, world.mentor.id)
            profile.capacity, profile.monthly_hours = 2, 4
            db.session.commit()
            waiting = submit(make_user(full_name="Nora Newcomer").id, world.mentor.id,
                             world.area.id)
            accept(submit(make_user().id, world.mentor.id, world.area.id))
            assert counters(world.mentor.id) == (2, 4)
        mentor = login_client(app, world.mentor_user.email)
        mentor.submit(f"/requests/{waiting}/accept")
        assert flashed(mentor) == [NO_PLACE]
        mentor.get("/")

        login_client(app, world.mentee.email).submit(
            f"/mentorships/{world.mentorship_id}/complete")
        with app.app_context():  # proposed: the place is still taken
            assert counters(world.mentor.id) == (2, 4)
        mentor.submit(f"/mentorships/{world.mentorship_id}/complete/confirm")
        with app.app_context():
            assert counters(world.mentor.id) == (1, 2)
        mentor.get("/")
        mentor.submit(f"/requests/{waiting}/accept")
        with app.app_context():
            started = db.session.scalar(select(Mentorship.id)
                                        .where(Mentorship.request_id == waiting))
        assert flashed(mentor) == [accepted_message("Nora Newcomer", started)]
        with app.app_context():
            assert get(MentorshipRequest, waiting).status == ACCEPTED
            assert counters(world.mentor.id) == (2, 4)

    @pytest.mark.parametrize(("first", "second", "data"), [
        ("complete", "complete", {}), ("complete", "end", {"reason": REASON}),
        ("end", "complete", {}), ("end", "end", {"reason": REASON})])
    def test_acting_twice_says_so_and_changes_nothing(self, app, world, clients, first,
                                                      second, data):
        clients["mentee"].submit(f"/mentorships/{world.mentorship_id}/{first}",
                                 data={"reason": REASON})
        if first == "complete":  # completed once the other side confirms
            clients["mentor"].submit(f"/mentorships/{world.mentorship_id}/complete/confirm")
            page_of(clients["mentor"], world.mentorship_id)  # (its message shown)
        before = snapshot(app)
        browser = clients["mentor"]
        response = browser.submit(f"/mentorships/{world.mentorship_id}/{second}", data=data)
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(browser) == [OVER]
        assert snapshot(app) == before

    @pytest.mark.parametrize(("action", "data"), [("complete", {}),
                                                   ("end", {"reason": REASON})])
    def test_anyone_else_gets_404(self, app, world, outsider_client, action, data):
        before = snapshot(app)
        response = outsider_client.submit(f"/mentorships/{world.mentorship_id}/{action}",
                                          data=data)
        assert response.status_code == 404
        assert snapshot(app) == before

    @pytest.mark.parametrize(("action", "data"), [("complete", {}),
                                                   ("end", {"reason": REASON})])
    def test_an_admin_cannot_finish_it(self, app, world, admin_client, action, data):
        before = snapshot(app)
        admin_client.submit(f"/mentorships/{world.mentorship_id}/{action}", data=data)
        assert flashed(admin_client) == [ONLY_PARTIES]
        assert snapshot(app) == before

    @pytest.mark.parametrize("action", ["complete", "end"])
    def test_unknown_mentorship_is_404(self, world, mentee_client, action):
        response = mentee_client.submit(f"/mentorships/999999/{action}",
                                        data={"reason": REASON})
        assert response.status_code == 404

    def test_completions_count_towards_the_mentors_recognition(self, app, world,
                                                               second_mentor):
        """The mentor page's "Mentees who reached their goal": completions only."""
        viewer = login_client(app, world.outsider.email)

        def completed():
            page = viewer.get(f"/mentors/{world.mentor.id}").get_data(as_text=True)
            match = re.search(rf"<dt>{COMPLETED_COUNT}</dt><dd>([^<]*)</dd>", page)
            assert match, "no completed-mentees count on the mentor page"
            return match.group(1)

        assert completed() == "0"
        with app.app_context():
            ended = start_mentorship(make_user().id, world.mentor.id, world.area.id)
            finish(ended, ENDED)
            # Paula's completions are hers.
            finish(start_mentorship(make_user().id, second_mentor.profile.id, world.area.id))
        assert completed() == "0"
        login_client(app, world.mentee.email).submit(
            f"/mentorships/{world.mentorship_id}/complete")
        assert completed() == "0"  # proposed: it counts once the mentor agrees
        login_client(app, world.mentor_user.email).submit(
            f"/mentorships/{world.mentorship_id}/complete/confirm")
        assert completed() == "1"


# Two clicks at the same time -------------------------------------------------------------

THREADS = 10


@pytest.fixture
def race_app(make_app, app):
    """The same database (tables made by `app`), with a pool big enough for every
    thread to hold its own connection at once."""
    with app.app_context():
        settings()
        db.session.commit()
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                               "pool_size": THREADS + 5, "max_overflow": 5})


class TestConcurrency:
    @pytest.fixture
    def two(self, race_app, world):
        """Marco has a second mentee, so a counter decremented twice would show."""
        with race_app.app_context():
            start_mentorship(make_user().id, world.mentor.id, world.area.id)
            assert counters(world.mentor.id) == (2, 4)

    def test_simultaneous_completes_and_ends_free_the_place_once(self, race_app, world, two):
        def act(index, barrier):
            with race_app.app_context():
                mentorship = db.session.get(Mentorship, world.mentorship_id)
                actor = db.session.get(User, (world.mentee.id, world.mentor_user.id)[index % 2])
                db.session.commit()
                barrier.wait()
                try:
                    if index % 3:
                        services.complete_mentorship(mentorship, actor=actor)
                    else:
                        services.end_mentorship(mentorship, actor=actor, reason=REASON)
                except MentorshipError as error:
                    db.session.rollback()
                    return error.message
                db.session.commit()
                return "ok"

        results = run_together(act, THREADS)
        assert sorted(set(results)) == ["This mentorship is over.", "ok"], results
        assert results.count("ok") == 1
        with race_app.app_context():
            assert get(Mentorship, world.mentorship_id).status in (COMPLETED, ENDED)
            assert counters(world.mentor.id) == (1, 2)

    def test_both_sides_complete_at_once_on_the_page(self, race_app, world, two):
        browsers = [login_client(race_app, world.mentee.email),
                    login_client(race_app, world.mentor_user.email)]
        tokens = [browser.csrf_token(f"/mentorships/{world.mentorship_id}")
                  for browser in browsers]

        def post(index, barrier):
            barrier.wait()
            response = browsers[index].post(f"/mentorships/{world.mentorship_id}/complete",
                                            data={"csrf_token": tokens[index]})
            return response.status_code, flashed(browsers[index])

        results = run_together(post, count=2)
        # Both said the goal is reached: the first a proposal, the second its agreement.
        assert sorted(results) in [
            sorted([(302, [COMPLETED_MESSAGE]), (302, [proposed_message(other)])])
            for other in ("Marco Mentor", "Rita Rep")], results
        with race_app.app_context():
            assert get(Mentorship, world.mentorship_id).status == COMPLETED
            assert counters(world.mentor.id) == (1, 2)


# Feedback --------------------------------------------------------------------------------

class TestFeedbackService:
    def give(self, world, side, **values):
        mentorship = get(Mentorship, world.mentorship_id)
        feedback = services.leave_feedback(
            mentorship, actor=db.session.get(User, party_id(world, side)),
            **{"rating": 5, "comment": "Great.", **values})
        db.session.commit()
        return feedback.id

    def test_only_once_the_mentorship_is_over(self, app_ctx, world):
        with pytest.raises(MentorshipError) as error:
            self.give(world, "mentee")
        assert error.value.message == FEEDBACK_LATER
        db.session.rollback()
        assert count(Feedback) == 0

    @pytest.mark.parametrize("status", [COMPLETED, ENDED])
    def test_both_sides_once_the_mentorship_is_over(self, app_ctx, world, status):
        finish(world.mentorship_id, status)
        mentee_feedback = get(Feedback, self.give(world, "mentee", rating=4, comment="Useful.",
                                                  gained="Ignored for a mentee."))
        assert (mentee_feedback.author_id, mentee_feedback.rating) == (world.mentee.id, 4)
        assert mentee_feedback.comment == "Useful."
        assert mentee_feedback.gained is None
        mentor_feedback = get(Feedback, self.give(world, "mentor", rating=5, comment="",
                                                  gained="A view of the new deals."))
        assert mentor_feedback.author_id == world.mentor_user.id
        assert mentor_feedback.gained == "A view of the new deals."
        assert count(Feedback) == 2

    @pytest.mark.parametrize("rating", [0, 6, -1])
    def test_rating_from_1_to_5(self, app_ctx, world, rating):
        finish(world.mentorship_id)
        with pytest.raises(MentorshipError) as error:
            self.give(world, "mentee", rating=rating)
        assert error.value.message == RATING_RANGE
        db.session.rollback()
        assert count(Feedback) == 0

    def test_once_each(self, app_ctx, world):
        finish(world.mentorship_id)
        first = self.give(world, "mentee", rating=2, comment="First thoughts.")
        with pytest.raises(MentorshipError) as error:
            self.give(world, "mentee", rating=5, comment="Second thoughts.")
        assert error.value.message == ALREADY_GAVE_FEEDBACK
        db.session.rollback()
        stored = get(Feedback, first)
        assert (stored.rating, stored.comment) == (2, "First thoughts.")
        assert count(Feedback) == 1
        self.give(world, "mentor")  # the other side still can
        assert count(Feedback) == 2

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_only_the_two_sides(self, app_ctx, world, who):
        finish(world.mentorship_id)
        with pytest.raises(MentorshipError) as error:
            services.leave_feedback(get(Mentorship, world.mentorship_id),
                                    actor=db.session.get(User, getattr(world, who).id),
                                    rating=1)
        assert error.value.message == ONLY_PARTIES
        db.session.rollback()
        assert count(Feedback) == 0


class TestFeedbackPage:
    def url(self, world):
        return f"/mentorships/{world.mentorship_id}/feedback"

    @pytest.fixture
    def completed(self, app, world):
        with app.app_context():
            finish(world.mentorship_id)

    def test_both_sides_leave_it_and_it_is_shown(self, app, world, clients, completed):
        mentee, mentor = clients["mentee"], clients["mentor"]
        page = page_of(mentee, world.mentorship_id)
        assert "Your feedback" in page and 'name="rating"' in page
        assert 'name="gained"' not in page  # a mentee is not asked
        assert 'name="gained"' in page_of(mentor, world.mentorship_id)

        response = mentee.submit(self.url(world), data={
            "rating": "4", "comment": "Clear advice, every time.",
            "gained": "A mentee's gain is not asked."})
        assert redirected_to(response, f"/mentorships/{world.mentorship_id}")
        assert flashed(mentee) == [THANKS]
        response = mentor.submit(self.url(world), data={
            "rating": "5", "comment": "A committed mentee.",
            "gained": "How new reps use social selling."})
        assert flashed(mentor) == [THANKS]

        with app.app_context():
            rows = {row.author_id: (row.rating, row.comment, row.gained)
                    for row in db.session.scalars(select(Feedback))}
        assert rows == {
            world.mentee.id: (4, "Clear advice, every time.", None),
            world.mentor_user.id: (5, "A committed mentee.", "How new reps use social selling.")}

        for browser in (mentee, mentor):
            feedback = section(page_of(browser, world.mentorship_id), "feedback-title")
            for text in ("4 out of 5", "5 out of 5", "Clear advice, every time.",
                         "A committed mentee.", "How new reps use social selling.",
                         "What I got out of it:"):
                assert shows(feedback, text), text
            assert "A mentee&#39;s gain" not in feedback and "not asked" not in feedback
            assert "Your feedback" not in feedback  # given: the form is gone

    def test_shown_to_an_admin_once_both_gave_it(self, app, world, completed, clients,
                                                 admin_client):
        """Feedback is blind (issue 21, fix 7): to an admin too, until both gave it."""
        clients["mentee"].submit(self.url(world),
                                 data={"rating": "3", "comment": "It was fine."})
        page = page_of(admin_client, world.mentorship_id)
        assert not shows(page, "It was fine.") and "3 out of 5" not in page
        clients["mentor"].submit(self.url(world), data={"rating": "4"})
        page = page_of(admin_client, world.mentorship_id)
        assert shows(page, "It was fine.") and "3 out of 5" in page
        assert "Your feedback" not in page

    def test_no_feedback_yet(self, world, completed, mentee_client):
        assert "No feedback yet." in page_of(mentee_client, world.mentorship_id)

    def test_only_after_the_end(self, app, world, mentee_client):
        page = page_of(mentee_client, world.mentorship_id)
        assert "Your feedback" not in page and 'name="rating"' not in page
        before = snapshot(app)
        response = mentee_client.submit(self.url(world), data={"rating": "5"})
        assert response.status_code == 302
        assert flashed(mentee_client) == [FEEDBACK_LATER]
        assert snapshot(app) == before

    def test_after_an_early_end_too(self, app, world, mentee_client):
        mentee_client.submit(f"/mentorships/{world.mentorship_id}/end",
                             data={"reason": REASON})
        mentee_client.get("/")
        mentee_client.submit(self.url(world), data={"rating": "2", "comment": "Too soon."})
        assert flashed(mentee_client) == [THANKS]
        with app.app_context():
            assert db.session.scalar(select(Feedback.rating)) == 2

    @pytest.mark.parametrize(("rating", "message"), [
        ("0", NOT_A_CHOICE), ("6", NOT_A_CHOICE), ("five", None), ("", None), (None, None)])
    def test_rating_from_1_to_5(self, app, world, completed, mentee_client, rating, message):
        before = snapshot(app)
        data = {"comment": "Kept on error."} | ({} if rating is None else {"rating": rating})
        response = mentee_client.submit(self.url(world), data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        errors = field_errors(page, "rating")
        assert errors
        if message:
            assert shows(errors, message)
        assert shows(page, "Kept on error.")
        assert snapshot(app) == before

    def test_once_each(self, app, world, completed, mentee_client):
        mentee_client.submit(self.url(world), data={"rating": "2", "comment": "First."})
        mentee_client.get("/")
        before = snapshot(app)
        response = mentee_client.submit(self.url(world), data={"rating": "5",
                                                               "comment": "Changed my mind."})
        assert response.status_code == 302
        assert flashed(mentee_client) == [ALREADY_GAVE_FEEDBACK]
        assert snapshot(app) == before

    def test_anyone_else_gets_404(self, app, world, completed, outsider_client):
        before = snapshot(app)
        response = outsider_client.submit(self.url(world), data={"rating": "1"})
        assert response.status_code == 404
        assert snapshot(app) == before

    def test_an_admin_cannot_leave_it(self, app, world, completed, admin_client):
        before = snapshot(app)
        admin_client.submit(self.url(world), data={"rating": "1"})
        assert flashed(admin_client) == [ONLY_PARTIES]
        assert snapshot(app) == before


# Mass assignment: a form sets only the fields it offers -----------------------------------

class TestMassAssignment:
    @pytest.fixture
    def other(self, app, world, second_mentor):
        """Another mentorship (Olga with Paula) that extra fields could point at."""
        with app.app_context():
            mentorship_id = start_mentorship(world.outsider.id, second_mentor.profile.id,
                                             world.area.id)
            return SimpleNamespace(id=mentorship_id, profile_id=second_mentor.profile.id)

    def injected(self, world, other):
        return {"status": "completed", "mentee_id": str(world.outsider.id),
                "profile_id": str(other.profile_id), "mentorship_id": str(other.id),
                "author_id": str(world.outsider.id), "confirmed_at": "2026-01-01 10:00",
                "ended_at": "2026-01-01 10:00", "end_reason": "Injected.",
                "hours_per_month": "20", "is_admin": "y", "user_id": str(world.outsider.id)}

    def unchanged_agreement(self, app, world):
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.mentee_id, mentorship.profile_id, mentorship.hours_per_month) == (
                world.mentee.id, world.mentor.id, 2)
            assert not get(User, world.mentee.id).is_admin

    def test_check_in(self, app, world, other, mentee_client):
        response = mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                                        data={**check_in_data(), **self.injected(world, other)})
        assert response.status_code == 302
        with app.app_context():
            check_in = db.session.scalar(select(CheckIn))
            assert (check_in.mentorship_id, check_in.author_id) == (
                world.mentorship_id, world.mentee.id)
            assert check_in.confirmed_at is None
            assert get(Mentorship, world.mentorship_id).status == ACTIVE
            assert get(Mentorship, other.id).status == ACTIVE
        self.unchanged_agreement(app, world)

    def test_confirm(self, app, world, other, mentor_client):
        with app.app_context():
            check_in_id = log(world.mentorship_id, world.mentee.id)
        mentor_client.submit(
            f"/mentorships/{world.mentorship_id}/checkins/{check_in_id}/confirm",
            data=self.injected(world, other))
        with app.app_context():
            check_in = get(CheckIn, check_in_id)
            assert check_in.author_id == world.mentee.id and check_in.is_confirmed
            assert get(Mentorship, world.mentorship_id).status == ACTIVE
        self.unchanged_agreement(app, world)

    def test_complete(self, app, world, other, mentee_client):
        mentee_client.submit(f"/mentorships/{world.mentorship_id}/complete",
                             data={**self.injected(world, other), "status": "ended",
                                   "completion_proposed_by_id": world.mentor_user.id})
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.end_reason) == (ACTIVE, None)
            assert mentorship.completion_proposed_by_id == world.mentee.id
            assert get(Mentorship, other.id).status == ACTIVE
            assert counters(world.mentor.id) == (1, 2)
            assert counters(other.profile_id) == (1, 2)
        self.unchanged_agreement(app, world)

    def test_end(self, app, world, other, mentee_client):
        mentee_client.submit(f"/mentorships/{world.mentorship_id}/end",
                             data={**self.injected(world, other), "reason": REASON})
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.end_reason) == (ENDED, REASON)
            assert get(Mentorship, other.id).status == ACTIVE
        self.unchanged_agreement(app, world)

    def test_feedback(self, app, world, other, mentee_client):
        with app.app_context():
            finish(world.mentorship_id)
        mentee_client.submit(f"/mentorships/{world.mentorship_id}/feedback",
                             data={**self.injected(world, other), "rating": "4",
                                   "gained": "Injected gain."})
        with app.app_context():
            feedback = db.session.scalar(select(Feedback))
            assert (feedback.mentorship_id, feedback.author_id, feedback.rating) == (
                world.mentorship_id, world.mentee.id, 4)
            assert feedback.gained is None
        self.unchanged_agreement(app, world)


# CSRF (every post needs its token) and escaping (text shown as text) ---------------------

@pytest.mark.parametrize(("path", "data"), [
    ("checkins", check_in_data()), ("complete", {}), ("end", {"reason": REASON}),
    ("feedback", {"rating": "5"}), ("checkins/{check_in}/confirm", {})])
def test_posts_without_a_csrf_token_are_400(app, world, mentor_client, path, data):
    with app.app_context():
        check_in_id = log(world.mentorship_id, world.mentee.id)
        if path == "feedback":
            finish(world.mentorship_id)
    before = snapshot(app)
    url = f"/mentorships/{world.mentorship_id}/" + path.format(check_in=check_in_id)
    response = mentor_client.post(url, data=data)
    assert response.status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize("path", ["checkins", "complete", "end", "feedback"])
def test_get_on_an_action_is_not_allowed(world, mentee_client, path):
    assert mentee_client.get(f"/mentorships/{world.mentorship_id}/{path}").status_code == 405


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><svg onload=alert(1)>',
                                     "{{7*7}}"])
def test_user_text_is_shown_escaped(app, world, mentee_client, mentor_client, payload):
    summary = f"Summary {payload} of our call"
    steps = f"Steps {payload}"
    reason = f"Reason {payload} for ending"
    comment = f"Comment {payload}"
    mentee_client.submit(f"/mentorships/{world.mentorship_id}/checkins",
                         data=check_in_data(summary=summary, next_steps=steps))
    mentee_client.submit(f"/mentorships/{world.mentorship_id}/end", data={"reason": reason})
    mentor_client.submit(f"/mentorships/{world.mentorship_id}/feedback",
                         data={"rating": "4", "comment": comment, "gained": comment})
    # Feedback is blind until both sides gave theirs (issue 21, fix 7).
    mentee_client.submit(f"/mentorships/{world.mentorship_id}/feedback", data={"rating": "3"})
    with app.app_context():
        assert db.session.scalar(select(CheckIn.summary)) == summary
    page = page_of(mentee_client, world.mentorship_id)
    for text in (summary, steps, reason, comment):
        assert shows(page, text), text
    assert "<script>alert" not in page and "<svg onload" not in page
    assert "Comment 49" not in page


# My mentoring ----------------------------------------------------------------------------

class TestMyMentoring:
    def test_needs_login(self, client):
        response = client.get("/mentoring")
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/auth/login"

    def test_empty_states(self, outsider_client):
        response = outsider_client.get("/mentoring")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "No request you sent is waiting for an answer." in page  # day 0 words
        assert "waiting for your answer" not in page
        assert "You have no mentor yet." in section(page, "mentee-title")
        assert 'href="/mentors"' in section(page, "mentee-title")
        assert "You are not mentoring anyone at the moment." in section(page, "mentor-title")
        assert "/mentorships/" not in page

    def test_open_requests_and_requests_waiting_for_my_answer(self, app, world,
                                                              second_mentor, mentee_client,
                                                              mentor_client):
        with app.app_context():
            submit(world.mentee.id, second_mentor.profile.id, world.area.id)  # Rita → Paula
            for _ in range(2):
                submit(make_user().id, world.mentor.id, world.area.id)  # → Marco
        page = mentee_client.get("/mentoring").get_data(as_text=True)
        assert "1 request you sent is waiting for an answer" in page
        assert "waiting for your answer" not in page
        page = mentor_client.get("/mentoring").get_data(as_text=True)
        assert "No request you sent is waiting for an answer." in page  # day 0 words
        assert "2 requests are waiting for your answer" in page
        with app.app_context():
            assert count(MentorshipRequest, MentorshipRequest.status == OPEN) == 3

    def test_mentorships_as_mentee_and_as_mentor_with_the_next_check_in(
            self, app, world, second_mentor, mentee_client):
        """Rita is mentored by Marco (on time) and mentors Nora herself (overdue); her
        finished mentorship with Paula is listed as past."""
        with app.app_context():
            move_start(world.mentorship_id, 10)
            log(world.mentorship_id, world.mentor_user.id, days_ago=5)
            marco_due = today() + timedelta(days=9)
            rita_profile = make_profile(world.mentee, areas=[world.area.id])
            nora = make_user(full_name="Nora Newcomer")
            nora_id = start_mentorship(nora.id, rita_profile.id, world.area.id,
                                       days_ago=40, cadence="monthly")
            nora_due = today() - timedelta(days=10)
            paula_id = start_mentorship(world.mentee.id, second_mentor.profile.id,
                                        world.area.id, days_ago=60, cadence="weekly")
            finish(paula_id)

        page = mentee_client.get("/mentoring").get_data(as_text=True)
        as_mentee = section(page, "mentee-title")
        as_mentor = section(page, "mentor-title")
        rows = re.findall(r"<tr>.*?</tr>", as_mentee, re.DOTALL)[1:]
        assert len(rows) == 2
        marco_row = next(row for row in rows if "Marco Mentor" in row)
        assert f'href="/mentorships/{world.mentorship_id}"' in marco_row
        assert shows(marco_row, GOAL[:60])
        assert "In progress" in marco_row
        assert formatted(app, marco_due, "medium") in marco_row
        assert OVERDUE not in marco_row
        paula_row = next(row for row in rows if "Paula Partner" in row)
        assert f'href="/mentorships/{paula_id}"' in paula_row
        assert "Completed" in paula_row and "–" in paula_row
        assert OVERDUE not in paula_row  # weekly, 60 days, no check-in: but it is over

        mentor_rows = re.findall(r"<tr>.*?</tr>", as_mentor, re.DOTALL)[1:]
        assert len(mentor_rows) == 1
        assert "Nora Newcomer" in mentor_rows[0]
        assert f'href="/mentorships/{nora_id}"' in mentor_rows[0]
        assert formatted(app, nora_due, "medium") in mentor_rows[0]
        assert OVERDUE in mentor_rows[0]

    def test_the_mentor_sees_the_mentee_and_the_overdue_tag(self, app, world, mentor_client):
        with app.app_context():
            move_start(world.mentorship_id, 30)
        page = mentor_client.get("/mentoring").get_data(as_text=True)
        row = re.findall(r"<tr>.*?</tr>", section(page, "mentor-title"), re.DOTALL)[1]
        assert "Rita Rep" in row and OVERDUE in row
        assert formatted(app, today() - timedelta(days=16), "medium") in row
        assert "You have no mentor yet." in section(page, "mentee-title")

    def test_only_my_own(self, app, world, outsider_client):
        page = outsider_client.get("/mentoring").get_data(as_text=True)
        assert "Marco Mentor" not in page and "Rita Rep" not in page

    def test_my_mentoring_service(self, app_ctx, world):
        submit(make_user().id, world.mentor.id, world.area.id)
        as_mentee, as_mentor, open_requests, waiting = queries.my_mentoring(
            db.session.get(User, world.mentor_user.id))
        assert ([m.id for m in as_mentee], [m.id for m in as_mentor]) == (
            [], [world.mentorship_id])
        assert (open_requests, waiting) == (0, 1)
        as_mentee, as_mentor, open_requests, waiting = queries.my_mentoring(
            db.session.get(User, world.mentee.id))
        assert ([m.id for m in as_mentee], as_mentor, open_requests, waiting) == (
            [world.mentorship_id], [], 0, 0)


# Italian ---------------------------------------------------------------------------------

class TestItalian:
    @pytest.fixture
    def italian_mentee(self, app, world):
        with app.app_context():
            user = db.session.get(User, world.mentee.id)
            user.language = "it"
            db.session.commit()
        return login_client(app, world.mentee.email)

    def test_the_mentorship_page(self, app, world, italian_mentee):
        with app.app_context():
            move_start(world.mentorship_id, 30)
            log(world.mentorship_id, world.mentor_user.id, days_ago=20)
            mentorship = get(Mentorship, world.mentorship_id)
        page = page_of(italian_mentee, world.mentorship_id)
        assert '<html lang="it">' in page
        assert "Negoziazione" in page and shows(page, GOAL)
        assert_italian_ui(app, page, [
            "Mentorship", "The agreement", "Focus area", "Goal", "By when",
            "How success is measured", "Commitment", "Started", "Planned end", "Progress",
            "Hours logged", "Check-ins", "Next check-in", "Overdue", "In progress",
            "Log a check-in", "Date of the meeting",
            "Minutes", "What you discussed", "Next steps (optional)", "Log the check-in",
            "Confirm this check-in", "not confirmed yet", "Next steps:", "Finishing",
            "The goal is reached: complete the mentorship", "End the mentorship early",
            "Why the mentorship ends early", "End the mentorship now",
            "Propose to complete the mentorship"])
        assert "ogni due settimane · videochiamata" in page  # words in running text
        for day_ in (mentorship.started_on, mentorship.planned_end_on, mentorship.target_date):
            assert formatted(app, day_, "long", "it") in page
        for english in (">The agreement<", ">Progress<", ">Log a check-in<", ">Goal<",
                        "In progress", "Every two weeks", "not confirmed yet"):
            assert english not in page

    def test_messages_and_errors(self, app, world, italian_mentee):
        url = f"/mentorships/{world.mentorship_id}/checkins"
        response = italian_mentee.submit(url, data=check_in_data(summary="", minutes="481"))
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert shows(field_errors(page, "summary"), italian(app, SUMMARY_REQUIRED))
        assert shows(field_errors(page, "minutes"), italian(
            app, "Enter from %(min)s to %(max)s minutes.") % {"min": 5, "max": 480})

        italian_mentee.submit(url, data=check_in_data())
        assert flashed(italian_mentee) == [italian(app, LOGGED)]
        italian_mentee.get("/")
        italian_mentee.submit(f"/mentorships/{world.mentorship_id}/complete")
        with app.test_request_context(), force_locale("it"):
            proposed = ngettext(
                "%(name)s is asked to confirm that the goal is reached. Without an "
                "objection within %(num)d day, the mentorship counts as completed.",
                "%(name)s is asked to confirm that the goal is reached. Without an "
                "objection within %(num)d days, the mentorship counts as completed.",
                7, name="Marco Mentor")
        assert flashed(italian_mentee) == [proposed]
        italian_mentee.get("/")
        login_client(app, world.mentor_user.email).submit(
            f"/mentorships/{world.mentorship_id}/complete/confirm")
        page = page_of(italian_mentee, world.mentorship_id)
        assert_italian_ui(app, page, ["Completed", "Your feedback",
                                      "How did it go?", "5 – excellent", "Comment (optional)",
                                      "Send the feedback", "No feedback yet."])

    @pytest.mark.parametrize("message", [
        LOGGED, CONFIRMED, COMPLETED_MESSAGE, ENDED_MESSAGE, THANKS, OVER, IN_THE_FUTURE,
        BEFORE_START, OWN_CHECK_IN, ALREADY_CONFIRMED, SAY_WHY, FEEDBACK_LATER,
        RATING_RANGE, ALREADY_GAVE_FEEDBACK, ONLY_PARTIES])
    def test_every_message_has_its_italian(self, app, message):
        assert italian(app, message)

    def test_a_refusal_in_italian(self, app, world, italian_mentee):
        with app.app_context():
            check_in_id = log(world.mentorship_id, world.mentee.id)
        italian_mentee.submit(
            f"/mentorships/{world.mentorship_id}/checkins/{check_in_id}/confirm")
        assert flashed(italian_mentee) == [italian(app, OWN_CHECK_IN)]

    def test_my_mentoring(self, app, world, italian_mentee):
        page = italian_mentee.get("/mentoring").get_data(as_text=True)
        assert '<html lang="it">' in page
        assert_italian_ui(app, page, ["My mentoring", "As a mentee", "As a mentor", "With",
                                      "Goal", "Status", "Next check-in", "In progress",
                                      "You are not mentoring anyone at the moment."])
        assert "As a mentee" not in page and "In progress" not in page


def test_mentor_page_counts_only_confirmed_hours(app, world, mentee_client):
    """Recognition: the hours a mentor has given, as both sides confirmed them."""
    with app.app_context():
        mentorship = db.session.get(Mentorship, world.mentorship_id)
        mentee = db.session.get(User, mentorship.mentee_id)
        mentor = mentorship.profile.user
        confirmed = services.log_check_in(mentorship, actor=mentee, held_on=date.today(),
                                          minutes=90, summary="Planned the quarter.")
        services.confirm_check_in(confirmed, mentorship, actor=mentor)
        services.log_check_in(mentorship, actor=mentee, held_on=date.today(), minutes=60,
                              summary="Not confirmed yet.")
        db.session.commit()
        profile_id = mentorship.profile_id
    page = mentee_client.get(f"/mentors/{profile_id}").get_data(as_text=True)
    assert "<dt>Hours of mentoring given</dt><dd>1.5</dd>" in page
