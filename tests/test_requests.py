"""Mentorship requests: sending, answering, withdrawing and expiring them, the /requests
page, and capacity that holds under concurrency (issue 5, "Requests" and "Capacity
that holds under concurrency"). Only the mentee and the mentor act on a request, each
on their own part; a form sets only the fields it offers; and a mentor's places and
hours are never overcommitted, even by requests accepted at the same moment.

Service tests call marketplace.mentorships.services directly; view tests check the
status, the redirect, the flashed message and the database. The concurrency tests run
real threads, each with its own application context (so its own session and
connection), on the suite's database: an SQLite file by default, PostgreSQL when
TEST_DATABASE_URL is set.
"""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.mentors import queries as mentor_queries
from marketplace.mentors.models import (
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    REJECTED,
    SUSPENDED,
    MentorProfile,
)
from marketplace.mentors.search import suggestions
from marketplace.mentorships import queries, services
from marketplace.mentorships.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    DECLINE_REASONS,
    DECLINED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    Mentorship,
    MentorshipRequest,
)
from marketplace.mentorships.services import RequestError
from marketplace.program.models import FocusArea
from marketplace.program.services import settings
from marketplace.program.texts import RESPONSIBILITIES
from marketplace.vetting import services as vetting

from .builders import GOAL, MEASURES, SITUATION, field_errors, request_fields, section, shows
from .factories import make_area, make_profile, make_user
from .helpers import count, flashed, get, login_client, run_together

MESSAGE = "I read your story about the Turin plant and would love to learn from it."
NOTE = "Happy to help: send me your account plan before our first call."

# What the app says (English).
SELF = "This is your own profile."
MANAGER = ("This is your manager, or someone above them in your reporting line: "
           "ask someone outside it.")
NOT_LISTED = "This mentor is not listed at the moment."
HAS_MENTORSHIP = "You already have a mentorship with this mentor."
ALREADY_OPEN = "You already have an open request to this mentor."
PAUSED = "This mentor is not taking new requests at the moment."
FULL = "This mentor has no free places at the moment."
NO_HOURS = "This mentor has no free hours this month."
LIMIT_ONE = ("You already have 1 open request, the most allowed. Wait for an answer "
             "or withdraw it first.")
LIMIT_THREE = ("You already have 3 open requests, the most allowed. Wait for an answer "
               "or withdraw one first.")
WRONG_AREA = "Choose one of the mentor's focus areas."
NO_ROOM = ("You have no free place or not enough free hours for this request. End a "
           "mentorship, or offer more places or hours, first.")
NO_PLACE = ("You have no free place: end a mentorship, or offer more places, to accept "
            "this request.")


def not_enough_hours(asked, free):
    return (f"This request asks for {asked} hours a month and you have {free} free: offer "
            "more hours to accept it.")


NO_LONGER_OPEN = ("This request is no longer open: it has already been answered, "
                  "withdrawn or has expired.")
CHOOSE_REASON = "Choose why you decline the request."
NOTE_TOO_LONG = "The note is too long."
WITHDRAWN_MESSAGE = "Your request has been withdrawn."
COMMITMENT_NOTICE = "A request is a commitment with a goal, not a chat over lunch."
SUGGESTIONS_TITLE = "Other mentors who may fit"
NOT_VALID_CHOICE = "Not a valid choice."
GOAL_REQUIRED = "Write the goal you want to reach."
DATE_REQUIRED = "Choose the date by which you want to reach your goal."
HOURS_RANGE = "Enter from 1 to 20 hours a month."


def sent_message(name):
    return f"Your request has been sent to {name}. You will be told when they answer."


def accepted_message(name, mentorship_id):
    """The flash after accepting, with its link to the mentorship (issue 21, fix 3)."""
    return (f'You are now mentoring {name}. '
            f'<a href="/mentorships/{mentorship_id}">Open the mentorship</a>')


def declined_message(name):
    return f"The request has been declined. {name} will be told."


def too_many_hours(free):
    unit = "hour" if free == 1 else "hours"
    return (f"This mentor has {free} free {unit} a month: ask for fewer hours, or choose "
            "another mentor.")


# Helpers -------------------------------------------------------------------------------------

def in_months(months, days=0):
    return add_months(date.today(), months) + timedelta(days=days)


def fields(**changes):
    """What submit_request takes besides the area, with a message to the mentor."""
    return request_fields(**{"target_date": in_months(4), "message": MESSAGE, **changes})


def form_data(area_id, **changes):
    """The request form as a browser posts it; a None value leaves the field out."""
    data = {"area": str(area_id), "goal": GOAL, "target_date": in_months(4).isoformat(),
            "current_situation": SITUATION, "success_measures": MEASURES,
            "hours_per_month": "2", "duration_months": "6", "cadence": "biweekly",
            "meeting_format": "video", "message": MESSAGE, "acknowledge": "y", **changes}
    return {name: value for name, value in data.items() if value is not None}


def new_mentor(areas, name=None, **profile_fields):
    """A listed mentor (user, profile); inside an application context."""
    mentor = make_user(full_name=name)
    return mentor, make_profile(mentor, areas=areas, **profile_fields)


def make_request(mentee_id, profile_id, area_id, *, created_at=None, **changes):
    """An open request written straight to the database (no rules checked): its id."""
    request = MentorshipRequest(mentee_id=mentee_id, profile_id=profile_id, area_id=area_id,
                                **fields(**changes))
    if created_at is not None:
        request.created_at = created_at
    db.session.add(request)
    db.session.commit()
    return request.id


def close_as(request_id, status):
    """Move an open request to `status` the way the product does."""
    request = db.session.get(MentorshipRequest, request_id)
    if status == ACCEPTED:
        services.accept_request(request, actor=request.profile.user)
    elif status == DECLINED:
        services.decline_request(request, actor=request.profile.user, reason="no_time")
    elif status == WITHDRAWN:
        services.withdraw_request(request, actor=request.mentee)
    elif status == EXPIRED:
        request.created_at = utcnow() - timedelta(days=30)
        db.session.flush()
        services.expire_requests()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MentorshipRequest, request_id).status == status


def open_requests():
    return count(MentorshipRequest, MentorshipRequest.status == OPEN)


def snapshot(app, request_id):
    """Everything an action on the request could change: the request, the mentor's
    counters, and how many mentorships and requests there are."""
    with app.app_context():
        request = db.session.get(MentorshipRequest, request_id)
        columns = {column.key: getattr(request, column.key)
                   for column in MentorshipRequest.__table__.columns}
        profile = request.profile
        return (columns, profile.active_mentees, profile.committed_hours,
                count(Mentorship), count(MentorshipRequest))


# Fixtures --------------------------------------------------------------------------------

@pytest.fixture
def world(app, user):
    """A mentee (Rita, the `user` fixture), a listed mentor (Marco: two places, six
    hours a month, one focus area, video calls) and an area Marco does not offer."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        other_area = make_area("Prospecting", "Prospezione")
        mentor_user, mentor = new_mentor([area], name="Marco Mentor", capacity=2,
                                         monthly_hours=6)
        return SimpleNamespace(area=area, other_area=other_area, mentee=user,
                               mentor_user=mentor_user, mentor=mentor)


@pytest.fixture
def open_request(app, world):
    """Rita's open request to Marco: its id."""
    with app.app_context():
        return make_request(world.mentee.id, world.mentor.id, world.area.id)


@pytest.fixture
def mentee_client(app, world):
    return login_client(app, world.mentee.email)


@pytest.fixture
def mentor_client(app, world):
    return login_client(app, world.mentor_user.email)


def _update(model, id_, **values):
    row = db.session.get(model, id_)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def _blocked_yourself(w):
    return w.mentor_user, SELF


def _blocked_manager(w):
    _update(User, w.mentee.id, manager_id=w.mentor_user.id)
    return w.mentee, MANAGER


def _blocked_above_manager(w):
    manager = make_user(full_name="Mara Manager", manager_id=w.mentor_user.id)
    _update(User, w.mentee.id, manager_id=manager.id)
    return w.mentee, MANAGER


def _blocked_paused(w):
    _update(MentorProfile, w.mentor.id, accepting=False)
    return w.mentee, PAUSED


def _blocked_full(w):
    _update(MentorProfile, w.mentor.id, active_mentees=2, committed_hours=4)
    return w.mentee, FULL


def _blocked_no_hours(w):
    _update(MentorProfile, w.mentor.id, active_mentees=1, committed_hours=6)
    return w.mentee, NO_HOURS


def _blocked_open_request(w):
    make_request(w.mentee.id, w.mentor.id, w.area.id)
    return w.mentee, ALREADY_OPEN


def _blocked_mentorship(w):
    close_as(make_request(w.mentee.id, w.mentor.id, w.area.id), ACCEPTED)
    return w.mentee, HAS_MENTORSHIP


def _blocked_limit_one(w):
    settings().max_open_requests = 1
    db.session.commit()
    _other, profile = new_mentor([w.area])
    make_request(w.mentee.id, profile.id, w.area.id)
    return w.mentee, LIMIT_ONE


def _blocked_default_limit(w):
    for _ in range(3):
        _other, profile = new_mentor([w.area])
        make_request(w.mentee.id, profile.id, w.area.id)
    return w.mentee, LIMIT_THREE


BLOCKERS = {
    "yourself": _blocked_yourself,
    "manager": _blocked_manager,
    "above-manager": _blocked_above_manager,
    "paused": _blocked_paused,
    "full": _blocked_full,
    "no-free-hours": _blocked_no_hours,
    "open-request": _blocked_open_request,
    "active-mentorship": _blocked_mentorship,
    "limit-setting-1": _blocked_limit_one,
    "limit-default-3": _blocked_default_limit,
}


@pytest.fixture(params=list(BLOCKERS))
def blocked(request, app, world):
    """A rule that stops the asker from asking Marco: (asker, message)."""
    with app.app_context():
        return BLOCKERS[request.param](world)


# Submitting: the service ----------------------------------------------------------------

class TestSubmitService:
    def test_creates_an_open_request_with_every_field(self, app_ctx, world):
        mentee = db.session.get(User, world.mentee.id)
        profile = db.session.get(MentorProfile, world.mentor.id)
        request = services.submit_request(profile, actor=mentee,
                                          area=db.session.get(FocusArea, world.area.id),
                                          **fields())
        db.session.commit()
        saved = get(MentorshipRequest, request.id)
        assert {name: getattr(saved, name) for name in fields()} == fields()
        assert (saved.mentee_id, saved.profile_id, saved.area_id) == (
            world.mentee.id, world.mentor.id, world.area.id)
        assert saved.status == OPEN
        assert saved.created_at is not None
        assert (saved.answered_at, saved.closed_at, saved.decline_reason, saved.note) == (
            None, None, None, None)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.sent"))
        assert (event.actor_id, event.subject_id) == (world.mentee.id, world.mentor_user.id)

    def test_flushes_but_never_commits(self, app_ctx, world):
        """One user action is one transaction: a service only flushes, and the caller
        commits or rolls back."""
        settings()
        db.session.commit()  # a migrated database already has its settings row
        services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                actor=db.session.get(User, world.mentee.id),
                                area=db.session.get(FocusArea, world.area.id), **fields())
        db.session.rollback()
        assert count(MentorshipRequest) == 0

    def test_a_format_the_mentor_does_not_offer(self, app_ctx, world):
        with pytest.raises(RequestError, match="ways this mentor meets"):
            services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                    actor=db.session.get(User, world.mentee.id),
                                    area=db.session.get(FocusArea, world.area.id),
                                    **fields(meeting_format="phone"))

    def test_a_deactivated_mentor_cannot_be_asked(self, app_ctx, world):
        db.session.get(User, world.mentor_user.id).active = False
        db.session.flush()
        with pytest.raises(RequestError, match="not listed"):
            services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                    actor=db.session.get(User, world.mentee.id),
                                    area=db.session.get(FocusArea, world.area.id), **fields())

    def test_each_rule_has_its_own_message(self, app_ctx, world, blocked):
        asker, message = blocked
        asker = db.session.get(User, asker.id)
        profile = db.session.get(MentorProfile, world.mentor.id)
        before = count(MentorshipRequest)
        # The mentor page shows the same reason: it asks why_cannot_request too.
        assert services.why_cannot_request(services.requester(asker), profile) == message
        with pytest.raises(RequestError) as error:
            services.submit_request(profile, actor=asker,
                                    area=db.session.get(FocusArea, world.area.id), **fields())
        assert error.value.message == message
        db.session.rollback()
        assert count(MentorshipRequest) == before

    @pytest.mark.parametrize("status", [PENDING, SUSPENDED, DRAFT, CHANGES_REQUESTED,
                                        REJECTED])
    def test_not_to_a_mentor_who_is_not_listed(self, app_ctx, world, status):
        _other, profile = new_mentor([world.area], status=status)
        profile = db.session.get(MentorProfile, profile.id)
        with pytest.raises(RequestError) as error:
            services.submit_request(profile, actor=db.session.get(User, world.mentee.id),
                                    area=db.session.get(FocusArea, world.area.id), **fields())
        assert error.value.message == NOT_LISTED
        db.session.rollback()
        assert count(MentorshipRequest) == 0

    @pytest.mark.parametrize(("committed", "asked", "free"), [(4, 3, 2), (5, 2, 1)])
    def test_not_more_hours_than_the_mentor_has_free(self, app_ctx, world, committed, asked,
                                                     free):
        _update(MentorProfile, world.mentor.id, active_mentees=1, committed_hours=committed)
        with pytest.raises(RequestError) as error:
            services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                    actor=db.session.get(User, world.mentee.id),
                                    area=db.session.get(FocusArea, world.area.id),
                                    **fields(hours_per_month=asked))
        assert error.value.message == too_many_hours(free)
        db.session.rollback()
        assert count(MentorshipRequest) == 0

    def test_exactly_the_free_hours_is_fine(self, app_ctx, world):
        _update(MentorProfile, world.mentor.id, active_mentees=1, committed_hours=4)
        services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                actor=db.session.get(User, world.mentee.id),
                                area=db.session.get(FocusArea, world.area.id),
                                **fields(hours_per_month=2))
        db.session.commit()
        assert open_requests() == 1

    def test_only_in_an_area_the_mentor_offers(self, app_ctx, world):
        with pytest.raises(RequestError) as error:
            services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                    actor=db.session.get(User, world.mentee.id),
                                    area=db.session.get(FocusArea, world.other_area.id),
                                    **fields())
        assert error.value.message == WRONG_AREA
        db.session.rollback()
        assert count(MentorshipRequest) == 0

    def test_limit_counts_open_requests_only(self, app_ctx, world):
        for status in (DECLINED, WITHDRAWN, EXPIRED):
            _other, profile = new_mentor([world.area])
            close_as(make_request(world.mentee.id, profile.id, world.area.id), status)
        for _ in range(2):
            _other, profile = new_mentor([world.area])
            make_request(world.mentee.id, profile.id, world.area.id)
        services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                actor=db.session.get(User, world.mentee.id),
                                area=db.session.get(FocusArea, world.area.id), **fields())
        db.session.commit()
        assert open_requests() == 3

    @pytest.mark.parametrize("status", [DECLINED, WITHDRAWN, EXPIRED])
    def test_the_same_mentor_can_be_asked_again_once_a_request_is_closed(self, app_ctx, world,
                                                                         status):
        close_as(make_request(world.mentee.id, world.mentor.id, world.area.id), status)
        services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                actor=db.session.get(User, world.mentee.id),
                                area=db.session.get(FocusArea, world.area.id), **fields())
        db.session.commit()
        assert open_requests() == 1

    def test_a_finished_mentorship_does_not_block_a_new_request(self, app_ctx, world):
        close_as(make_request(world.mentee.id, world.mentor.id, world.area.id), ACCEPTED)
        mentorship = db.session.scalar(select(Mentorship))
        mentorship.status = COMPLETED
        mentorship.ended_at = utcnow()
        _update(MentorProfile, world.mentor.id, active_mentees=0, committed_hours=0)
        services.submit_request(db.session.get(MentorProfile, world.mentor.id),
                                actor=db.session.get(User, world.mentee.id),
                                area=db.session.get(FocusArea, world.area.id), **fields())
        db.session.commit()
        assert open_requests() == 1


# Submitting: the page --------------------------------------------------------------------

class TestRequestPage:
    def test_explains_the_commitment_and_offers_the_mentors_choices(self, app, world,
                                                                    mentee_client):
        response = mentee_client.get(f"/mentors/{world.mentor.id}/request")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert shows(page, COMMITMENT_NOTICE)
        with app.test_request_context():
            assert shows(page, str(RESPONSIBILITIES))
        for name in ("area", "goal", "target_date", "current_situation", "success_measures",
                     "hours_per_month", "duration_months", "cadence", "meeting_format",
                     "message", "acknowledge"):
            assert f'name="{name}"' in page, name
        # Only what this mentor offers; six months unless the mentee says otherwise.
        areas = re.search(r'<select[^>]*name="area".*?</select>', page, re.DOTALL).group(0)
        assert re.findall(r'<option[^>]*value="(\d+)"', areas) == [str(world.area.id)]
        assert 'value="video"' in page
        assert 'value="phone"' not in page and 'value="in_person"' not in page
        assert re.search(r'<option[^>]*selected[^>]*value="6"|<option[^>]*value="6"[^>]*selected',
                         page)

    def test_sends_the_request(self, app, world, mentee_client):
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request",
                                        data=form_data(world.area.id))
        assert response.status_code == 302
        assert response.headers["Location"] == "/requests"
        assert flashed(mentee_client) == [sent_message("Marco Mentor")]
        with app.app_context():
            saved = db.session.scalar(select(MentorshipRequest))
            assert {name: getattr(saved, name) for name in fields()} == fields()
            assert (saved.mentee_id, saved.profile_id, saved.area_id, saved.status) == (
                world.mentee.id, world.mentor.id, world.area.id, OPEN)
            assert saved.created_at is not None and saved.answered_at is None

    def test_message_is_optional(self, app, world, mentee_client):
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request",
                                        data=form_data(world.area.id, message=""))
        assert response.status_code == 302
        with app.app_context():
            assert db.session.scalar(select(MentorshipRequest.message)) == ""

    def test_shows_the_reason_instead_of_the_form(self, app, world, blocked):
        asker, message = blocked
        browser = login_client(app, asker.email)
        with app.app_context():
            before = count(MentorshipRequest)
        response = browser.get(f"/mentors/{world.mentor.id}/request")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert shows(page, message)
        assert 'name="goal"' not in page
        assert "Send the request" not in page
        # Posting anyway changes nothing, and says why.
        response = browser.submit(f"/mentors/{world.mentor.id}/request",
                                  data=form_data(world.area.id))
        assert shows(response.get_data(as_text=True), message)
        with app.app_context():
            assert count(MentorshipRequest) == before

    @pytest.mark.parametrize("status", [PENDING, SUSPENDED, DRAFT, CHANGES_REQUESTED,
                                        REJECTED])
    def test_a_mentor_who_is_not_listed_is_404(self, app, world, mentee_client, status):
        with app.app_context():
            _other, profile = new_mentor([world.area], status=status)
        url = f"/mentors/{profile.id}/request"
        assert mentee_client.get(url).status_code == 404
        assert mentee_client.submit(url, data=form_data(world.area.id)).status_code == 404
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_an_unknown_mentor_is_404(self, world, mentee_client):
        assert mentee_client.get("/mentors/999999/request").status_code == 404

    def test_needs_login(self, client, world):
        response = client.get(f"/mentors/{world.mentor.id}/request")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")

    def test_more_hours_than_the_mentor_has_free(self, app, world, mentee_client):
        with app.app_context():
            _update(MentorProfile, world.mentor.id, active_mentees=1, committed_hours=4)
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request",
                                        data=form_data(world.area.id, hours_per_month="3"))
        assert response.status_code in (200, 409, 422)
        page = response.get_data(as_text=True)
        assert shows(page, too_many_hours(2))
        assert shows(page, GOAL)  # the input is kept
        with app.app_context():
            assert count(MentorshipRequest) == 0

    @pytest.mark.parametrize(("changes", "field", "message"), [
        ({"goal": "Sell more."}, "goal",
         "Write at least 40 characters so your mentor understands what you want to achieve."),
        ({"goal": "x" * 1001}, "goal", "Shorten your goal to at most 1000 characters: the "
                                       "details go under “Where you are now”."),
        ({"goal": "   "}, "goal", GOAL_REQUIRED),
        ({"current_situation": "Things could be better."}, "current_situation",
         "Write at least 80 characters so your mentor understands where you stand."),
        ({"success_measures": "More deals."}, "success_measures",
         "Write at least 30 characters so you and your mentor can check the results."),
        ({"target_date": (date.today() - timedelta(days=1)).isoformat()}, "target_date",
         "Choose a date in the future."),
        ({"target_date": date.today().isoformat()}, "target_date",
         "Choose a date in the future."),
        ({"target_date": in_months(6, days=1).isoformat()}, "target_date",
         "Choose a date within the duration of the mentoring."),
        ({"target_date": in_months(4).isoformat(), "duration_months": "3"}, "target_date",
         "Choose a date within the duration of the mentoring."),
        ({"target_date": ""}, "target_date", DATE_REQUIRED),
        ({"target_date": "next spring"}, "target_date", "Not a valid date value."),
        ({"hours_per_month": "0"}, "hours_per_month", HOURS_RANGE),
        ({"hours_per_month": "21"}, "hours_per_month", HOURS_RANGE),
        ({"hours_per_month": "-3"}, "hours_per_month", HOURS_RANGE),
        ({"duration_months": "2"}, "duration_months", NOT_VALID_CHOICE),
        ({"duration_months": "13"}, "duration_months", NOT_VALID_CHOICE),
        ({"cadence": "daily"}, "cadence", NOT_VALID_CHOICE),
        ({"meeting_format": "phone"}, "meeting_format", NOT_VALID_CHOICE),
        ({"meeting_format": "carrier_pigeon"}, "meeting_format", NOT_VALID_CHOICE),
        ({"acknowledge": None}, "acknowledge",
         "Confirm that you commit to your responsibilities."),
    ], ids=["goal-short", "goal-long", "goal-blank", "situation-short", "measures-short",
            "date-past", "date-today", "date-after-duration", "date-after-short-duration",
            "date-missing", "date-garbage", "hours-0", "hours-21", "hours-negative",
            "duration-2", "duration-13", "cadence-unknown", "format-not-offered",
            "format-unknown", "not-acknowledged"])
    def test_validation_messages_next_to_the_field(self, app, world, mentee_client, changes,
                                                   field, message):
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request",
                                        data=form_data(world.area.id, **changes))
        assert response.status_code in (200, 422)
        page = response.get_data(as_text=True)
        assert shows(field_errors(page, field), message), field_errors(page, field)
        # The input is kept.
        for name, value in (("goal", GOAL), ("current_situation", SITUATION),
                            ("success_measures", MEASURES), ("message", MESSAGE)):
            if name not in changes:
                assert shows(page, value), name
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_an_area_the_mentor_does_not_offer(self, app, world, mentee_client):
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request",
                                        data=form_data(world.other_area.id))
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 422)
        assert shows(field_errors(page, "area"), NOT_VALID_CHOICE)
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_several_errors_at_once_and_the_commitment_is_kept(self, app, world,
                                                              mentee_client):
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request", data=form_data(
            world.area.id, goal="Sell more.", hours_per_month="5", cadence="monthly",
            acknowledge=None))
        page = response.get_data(as_text=True)
        assert field_errors(page, "goal") and field_errors(page, "acknowledge")
        assert re.search(r'name="hours_per_month"[^>]*value="5"'
                         r'|value="5"[^>]*name="hours_per_month"', page)
        assert re.search(r'<input[^>]*checked[^>]*value="monthly"|<input[^>]*value="monthly"'
                         r'[^>]*checked', page)
        assert "Sell more." in page

    @pytest.mark.parametrize(("hours", "duration"), [(1, 3), (20, 12), (1, 12), (20, 3)])
    def test_the_limits_themselves_are_accepted(self, app, world, mentee_client, hours,
                                                duration):
        with app.app_context():
            _update(MentorProfile, world.mentor.id, monthly_hours=20)
        # The target date may fall on the last day of the mentoring.
        target = in_months(duration)
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request", data=form_data(
            world.area.id, hours_per_month=str(hours), duration_months=str(duration),
            target_date=target.isoformat()))
        assert response.status_code == 302, field_errors(response.get_data(as_text=True),
                                                         "target_date")
        with app.app_context():
            saved = db.session.scalar(select(MentorshipRequest))
            assert (saved.hours_per_month, saved.duration_months, saved.target_date) == (
                hours, duration, target)

    def test_extra_fields_are_ignored(self, app, world, mentee_client):
        with app.app_context():
            other_user, other_profile = new_mentor([world.area])
        response = mentee_client.submit(f"/mentors/{world.mentor.id}/request", data={
            **form_data(world.area.id), "status": ACCEPTED, "mentee_id": str(other_user.id),
            "profile_id": str(other_profile.id), "answered_at": "2020-01-01",
            "decline_reason": "other", "note": "Accepted by myself."})
        assert response.status_code == 302
        with app.app_context():
            saved = db.session.scalar(select(MentorshipRequest))
            assert (saved.status, saved.mentee_id, saved.profile_id) == (
                OPEN, world.mentee.id, world.mentor.id)
            assert (saved.answered_at, saved.decline_reason, saved.note) == (None, None, None)
            assert count(Mentorship) == 0

    def test_without_a_csrf_token_is_400(self, app, world, mentee_client):
        response = mentee_client.post(f"/mentors/{world.mentor.id}/request",
                                      data=form_data(world.area.id))
        assert response.status_code == 400
        with app.app_context():
            assert count(MentorshipRequest) == 0


# /requests ---------------------------------------------------------------------------------

class TestRequestsPage:
    def test_empty_states(self, world, mentee_client):
        page = mentee_client.get("/requests").get_data(as_text=True)
        assert "You have not received any request." in page
        assert "You have not sent any request yet." in page
        assert SUGGESTIONS_TITLE not in page

    def test_needs_login(self, client):
        response = client.get("/requests")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")

    def test_the_mentor_sees_goals_and_commitments_in_full(self, app, world, mentor_client):
        with app.app_context():
            _update(User, world.mentee.id, job_title="Account executive")
            make_request(world.mentee.id, world.mentor.id, world.area.id,
                         hours_per_month=3, duration_months=9, cadence="weekly")
        response = mentor_client.get("/requests")
        assert response.status_code == 200
        received = section(response.get_data(as_text=True), "received-title")
        for text in ("Rita Rep", "Account executive", "Negotiation", GOAL, SITUATION,
                     MEASURES, MESSAGE, "3 hours a month", "9 months", "Weekly", "Video call",
                     "Waiting for an answer (1)"):
            assert shows(received, text), text
        assert f'action="/requests/{_only_request_id(app)}/accept"' in received
        assert f'action="/requests/{_only_request_id(app)}/decline"' in received
        for reason in DECLINE_REASONS:
            assert f'value="{reason}"' in received

    def test_grouped_by_state_on_both_sides(self, app, world, mentee_client, mentor_client):
        with app.app_context():
            mentees = [make_user(full_name=f"Mentee {n}") for n in range(5)]
            ids = {}
            for mentee, status in zip(mentees, (OPEN, OPEN, ACCEPTED, DECLINED, WITHDRAWN),
                                      strict=True):
                ids[mentee.full_name] = make_request(mentee.id, world.mentor.id, world.area.id)
                if status != OPEN:
                    close_as(ids[mentee.full_name], status)
            others = [new_mentor([world.area], name=f"Mentor {n}")[1] for n in range(3)]
            for profile, status in zip(others, (OPEN, DECLINED, EXPIRED), strict=True):
                request_id = make_request(world.mentee.id, profile.id, world.area.id)
                if status != OPEN:
                    close_as(request_id, status)
        received = section(mentor_client.get("/requests").get_data(as_text=True),
                           "received-title")
        headings = re.findall(r"<h3>(.*?)</h3>", received)
        assert headings == ["Waiting for an answer (2)", "Accepted (1)", "Declined (1)",
                            "Withdrawn (1)"]
        # Only open requests can be answered.
        assert received.count('/accept"') == 2 and received.count('/decline"') == 2
        sent = section(mentee_client.get("/requests").get_data(as_text=True), "sent-title")
        assert re.findall(r"<h3>(.*?)</h3>", sent) == [
            "Waiting for an answer (1)", "Declined (1)", "Expired (1)"]
        assert sent.count('/withdraw"') == 1
        assert "You have not received any request." in mentee_client.get(
            "/requests").get_data(as_text=True)

    def test_the_mentee_sees_the_answer(self, app, world, mentee_client):
        with app.app_context():
            accepted = make_request(world.mentee.id, world.mentor.id, world.area.id)
            request = db.session.get(MentorshipRequest, accepted)
            services.accept_request(request, actor=request.profile.user, note=NOTE)
            db.session.commit()
            _other, profile = new_mentor([world.area], name="Dora Decliner")
            declined = make_request(world.mentee.id, profile.id, world.area.id)
            request = db.session.get(MentorshipRequest, declined)
            services.decline_request(request, actor=request.profile.user,
                                     reason="not_my_expertise", note="Ask someone in retail.")
            db.session.commit()
        sent = section(mentee_client.get("/requests").get_data(as_text=True), "sent-title")
        for text in ("Marco Mentor", NOTE, "Dora Decliner",
                     "Reason: This is not my area of expertise", "Ask someone in retail.",
                     "Accepted (1)", "Declined (1)"):
            assert shows(sent, text), text
        assert "/withdraw" not in sent

    def test_user_text_is_escaped(self, app, world, mentor_client):
        with app.app_context():
            make_request(world.mentee.id, world.mentor.id, world.area.id,
                         goal="<script>alert(1)</script> " + GOAL,
                         message='"><svg onload=alert(1)> {{7*7}}')
        page = mentor_client.get("/requests").get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<svg onload" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "{{7*7}}" in page

    def test_nobody_else_sees_the_request(self, app, world, open_request):
        with app.app_context():
            outsider = make_user(full_name="Olga Outsider")
            new_mentor([world.area], name="Ugo Unrelated")
        page = login_client(app, outsider.email).get("/requests").get_data(as_text=True)
        assert GOAL not in page and "Marco Mentor" not in page and "Rita Rep" not in page


def _only_request_id(app):
    with app.app_context():
        return db.session.scalar(select(MentorshipRequest.id))


# Accepting --------------------------------------------------------------------------------

class TestAccept:
    def test_creates_the_mentorship_with_the_agreement(self, app_ctx, world):
        request_id = make_request(world.mentee.id, world.mentor.id, world.area.id,
                                  hours_per_month=3, duration_months=9, cadence="weekly",
                                  target_date=in_months(8))
        request = db.session.get(MentorshipRequest, request_id)
        before = utcnow()
        mentorship = services.accept_request(request, actor=request.profile.user, note=NOTE)
        db.session.commit()
        mentorship = get(Mentorship, mentorship.id)
        today = utcnow().date()
        assert (mentorship.request_id, mentorship.mentee_id, mentorship.profile_id,
                mentorship.area_id) == (request_id, world.mentee.id, world.mentor.id,
                                        world.area.id)
        assert (mentorship.goal, mentorship.success_measures, mentorship.target_date,
                mentorship.hours_per_month, mentorship.cadence, mentorship.meeting_format) == (
            GOAL, MEASURES, in_months(8), 3, "weekly", "video")
        assert mentorship.status == ACTIVE
        assert mentorship.started_on == today
        assert mentorship.planned_end_on == add_months(today, 9)
        request = get(MentorshipRequest, request_id)
        assert (request.status, request.note) == (ACCEPTED, NOTE)
        assert request.answered_at >= before and request.closed_at >= before
        profile = get(MentorProfile, world.mentor.id)
        assert (profile.active_mentees, profile.committed_hours) == (1, 3)
        event = db.session.scalar(select(AuditEvent)
                                  .where(AuditEvent.action == "request.accepted"))
        assert (event.actor_id, event.subject_id) == (world.mentor_user.id, world.mentee.id)

    def test_without_a_note(self, app_ctx, world, open_request):
        request = db.session.get(MentorshipRequest, open_request)
        services.accept_request(request, actor=request.profile.user, note="")
        db.session.commit()
        assert get(MentorshipRequest, open_request).note is None

    def test_a_rollback_leaves_nothing(self, app_ctx, world, open_request):
        request = db.session.get(MentorshipRequest, open_request)
        services.accept_request(request, actor=request.profile.user)
        db.session.rollback()
        assert get(MentorshipRequest, open_request).status == OPEN
        assert count(Mentorship) == 0
        assert get(MentorProfile, world.mentor.id).active_mentees == 0

    @pytest.mark.parametrize(("profile_fields", "hours", "why"), [
        ({"capacity": 1, "monthly_hours": 10}, (2, 2), NO_PLACE),   # no place left
        ({"capacity": 3, "monthly_hours": 6}, (4, 3),               # 4 + 3 hours > 6
         not_enough_hours(3, 2)),
    ], ids=["no-free-place", "not-enough-hours"])
    def test_refused_when_it_would_exceed_capacity(self, app_ctx, world, profile_fields,
                                                   hours, why):
        _update(MentorProfile, world.mentor.id, **profile_fields)
        other = make_user(full_name="Second Mentee")
        first = make_request(world.mentee.id, world.mentor.id, world.area.id,
                             hours_per_month=hours[0])
        second = make_request(other.id, world.mentor.id, world.area.id,
                              hours_per_month=hours[1])
        close_as(first, ACCEPTED)
        request = db.session.get(MentorshipRequest, second)
        with pytest.raises(RequestError) as error:
            services.accept_request(request, actor=request.profile.user)
        assert error.value.message == why
        db.session.rollback()
        assert get(MentorshipRequest, second).status == OPEN
        assert get(MentorshipRequest, second).answered_at is None
        assert count(Mentorship) == 1
        profile = get(MentorProfile, world.mentor.id)
        assert (profile.active_mentees, profile.committed_hours) == (1, hours[0])

    def test_other_open_requests_stay_open_and_the_mentor_shows_as_full(self, app_ctx, world):
        _update(MentorProfile, world.mentor.id, capacity=1)
        other = make_user()
        first = make_request(world.mentee.id, world.mentor.id, world.area.id)
        second = make_request(other.id, world.mentor.id, world.area.id)
        close_as(first, ACCEPTED)
        assert get(MentorshipRequest, second).status == OPEN
        newcomer = make_user()
        assert services.why_cannot_request(
            services.requester(db.session.get(User, newcomer.id)),
            get(MentorProfile, world.mentor.id)) == FULL

    def test_page(self, app, world, open_request, mentor_client):
        response = mentor_client.submit(f"/requests/{open_request}/accept", data={"note": NOTE})
        assert response.status_code == 302
        assert response.headers["Location"] == "/requests"
        with app.app_context():
            assert get(MentorshipRequest, open_request).status == ACCEPTED
            assert get(MentorshipRequest, open_request).note == NOTE
            mentorship = db.session.scalar(select(Mentorship))
            assert flashed(mentor_client) == [accepted_message("Rita Rep", mentorship.id)]
            assert (mentorship.mentee_id, mentorship.profile_id) == (world.mentee.id,
                                                                     world.mentor.id)
            profile = get(MentorProfile, world.mentor.id)
            assert (profile.active_mentees, profile.committed_hours) == (1, 2)

    def test_page_refuses_when_full_and_changes_nothing(self, app, world, open_request,
                                                        mentor_client):
        with app.app_context():
            _update(MentorProfile, world.mentor.id, active_mentees=2, committed_hours=4)
        before = snapshot(app, open_request)
        response = mentor_client.submit(f"/requests/{open_request}/accept")
        assert response.status_code == 302
        assert flashed(mentor_client) == [NO_PLACE]
        assert snapshot(app, open_request) == before

    def test_page_refuses_a_note_too_long(self, app, world, open_request, mentor_client):
        before = snapshot(app, open_request)
        response = mentor_client.submit(f"/requests/{open_request}/accept",
                                        data={"note": "x" * 1501})
        assert response.status_code == 302
        assert flashed(mentor_client) == [NOTE_TOO_LONG]
        assert snapshot(app, open_request) == before

    def test_extra_fields_are_ignored(self, app, world, open_request, mentor_client):
        with app.app_context():
            other_user, other_profile = new_mentor([world.area])
        response = mentor_client.submit(f"/requests/{open_request}/accept", data={
            "note": NOTE, "status": DECLINED, "mentee_id": str(other_user.id),
            "profile_id": str(other_profile.id), "hours_per_month": "1",
            "decline_reason": "other"})
        assert response.status_code == 302
        with app.app_context():
            request = get(MentorshipRequest, open_request)
            assert (request.status, request.mentee_id, request.profile_id,
                    request.hours_per_month, request.decline_reason) == (
                ACCEPTED, world.mentee.id, world.mentor.id, 2, None)
            mentorship = db.session.scalar(select(Mentorship))
            assert (mentorship.mentee_id, mentorship.profile_id,
                    mentorship.hours_per_month) == (world.mentee.id, world.mentor.id, 2)
            assert get(MentorProfile, other_profile.id).active_mentees == 0


# Declining --------------------------------------------------------------------------------

class TestDecline:
    @pytest.mark.parametrize("reason", DECLINE_REASONS)
    def test_with_each_reason(self, app_ctx, world, open_request, reason):
        request = db.session.get(MentorshipRequest, open_request)
        before = utcnow()
        services.decline_request(request, actor=request.profile.user, reason=reason,
                                 note="Not this quarter.")
        db.session.commit()
        request = get(MentorshipRequest, open_request)
        assert (request.status, request.decline_reason, request.note) == (
            DECLINED, reason, "Not this quarter.")
        assert request.answered_at >= before and request.closed_at >= before
        assert count(Mentorship) == 0
        profile = get(MentorProfile, world.mentor.id)
        assert (profile.active_mentees, profile.committed_hours) == (0, 0)
        # The answer counts towards the mentor's typical answer time.
        assert world.mentor.id in mentor_queries.typical_answer_times([world.mentor.id])

    def test_note_is_optional(self, app_ctx, world, open_request):
        request = db.session.get(MentorshipRequest, open_request)
        services.decline_request(request, actor=request.profile.user, reason="other",
                                 note="")
        db.session.commit()
        assert get(MentorshipRequest, open_request).note is None

    @pytest.mark.parametrize("reason", ["", None, "rude", "no time"])
    def test_needs_a_known_reason(self, app, world, open_request, reason):
        before = snapshot(app, open_request)
        with app.app_context():
            request = db.session.get(MentorshipRequest, open_request)
            with pytest.raises(RequestError) as error:
                services.decline_request(request, actor=request.profile.user, reason=reason)
            assert error.value.message == "Choose a reason."
            db.session.rollback()
        assert snapshot(app, open_request) == before

    @pytest.mark.parametrize("reason", DECLINE_REASONS)
    def test_page(self, app, world, open_request, mentor_client, reason):
        response = mentor_client.submit(f"/requests/{open_request}/decline",
                                        data={"reason": reason, "note": "Not this quarter."})
        assert response.status_code == 302
        assert response.headers["Location"] == "/requests"
        assert flashed(mentor_client) == [declined_message("Rita Rep")]
        with app.app_context():
            request = get(MentorshipRequest, open_request)
            assert (request.status, request.decline_reason, request.note) == (
                DECLINED, reason, "Not this quarter.")
            assert request.answered_at is not None

    @pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "rude"},
                                      {"reason": "other", "note": "x" * 1501}],
                             ids=["missing", "empty", "unknown", "note-too-long"])
    def test_page_refuses_without_a_valid_reason(self, app, world, open_request,
                                                 mentor_client, data):
        before = snapshot(app, open_request)
        response = mentor_client.submit(f"/requests/{open_request}/decline", data=data)
        assert response.status_code == 302
        assert flashed(mentor_client) == [CHOOSE_REASON]
        assert snapshot(app, open_request) == before

    def test_extra_fields_are_ignored(self, app, world, open_request, mentor_client):
        with app.app_context():
            other = make_user()
        response = mentor_client.submit(f"/requests/{open_request}/decline", data={
            "reason": "no_time", "status": ACCEPTED, "mentee_id": str(other.id),
            "answered_at": "2020-01-01"})
        assert response.status_code == 302
        with app.app_context():
            request = get(MentorshipRequest, open_request)
            assert (request.status, request.mentee_id) == (DECLINED, world.mentee.id)
            assert request.answered_at.year == utcnow().year
            assert count(Mentorship) == 0


# Withdrawing ------------------------------------------------------------------------------

class TestWithdraw:
    def test_service(self, app_ctx, world, open_request):
        request = db.session.get(MentorshipRequest, open_request)
        before = utcnow()
        services.withdraw_request(request, actor=request.mentee)
        db.session.commit()
        request = get(MentorshipRequest, open_request)
        assert request.status == WITHDRAWN
        assert request.closed_at >= before
        # Not an answer of the mentor's: it does not count towards their answer time.
        assert request.answered_at is None
        assert mentor_queries.typical_answer_times([world.mentor.id]) == {}

    def test_page(self, app, world, open_request, mentee_client):
        response = mentee_client.submit(f"/requests/{open_request}/withdraw",
                                        data={"status": ACCEPTED})
        assert response.status_code == 302
        assert response.headers["Location"] == "/requests"
        assert flashed(mentee_client) == [WITHDRAWN_MESSAGE]
        with app.app_context():
            assert get(MentorshipRequest, open_request).status == WITHDRAWN
            assert count(Mentorship) == 0


# A request that is no longer open ---------------------------------------------------------

CLOSED_STATES = [ACCEPTED, DECLINED, WITHDRAWN, EXPIRED]


class TestNoLongerOpen:
    @pytest.mark.parametrize("status", CLOSED_STATES)
    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_service_refuses_and_changes_nothing(self, app, world, open_request, status,
                                                 action):
        with app.app_context():
            close_as(open_request, status)
        before = snapshot(app, open_request)
        with app.app_context():
            request = db.session.get(MentorshipRequest, open_request)
            call = {
                "accept": lambda: services.accept_request(request, actor=request.profile.user),
                "decline": lambda: services.decline_request(
                    request, actor=request.profile.user, reason="other"),
                "withdraw": lambda: services.withdraw_request(request, actor=request.mentee),
            }[action]
            with pytest.raises(RequestError) as error:
                call()
            assert error.value.message == NO_LONGER_OPEN
            db.session.rollback()
        assert snapshot(app, open_request) == before

    @pytest.mark.parametrize("status", CLOSED_STATES)
    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_page_says_so_and_changes_nothing(self, app, world, open_request, status, action):
        with app.app_context():
            close_as(open_request, status)
        before = snapshot(app, open_request)
        actor = world.mentee if action == "withdraw" else world.mentor_user
        browser = login_client(app, actor.email)
        response = browser.submit(f"/requests/{open_request}/{action}",
                                  data={"reason": "other", "note": "Changed my mind."})
        assert response.status_code == 302
        assert response.headers["Location"] == "/requests"
        assert flashed(browser) == [NO_LONGER_OPEN]
        assert snapshot(app, open_request) == before


# Who may act ------------------------------------------------------------------------------

ACTION_DATA = {"accept": {"note": "Mine now."}, "decline": {"reason": "other"},
               "withdraw": {}}


class TestAccess:
    @pytest.mark.parametrize("action", ["accept", "decline"])
    def test_the_mentee_cannot_answer_their_own_request(self, app, world, open_request,
                                                        mentee_client, action):
        before = snapshot(app, open_request)
        response = mentee_client.submit(f"/requests/{open_request}/{action}",
                                        data=ACTION_DATA[action])
        assert response.status_code == 404
        assert snapshot(app, open_request) == before

    def test_the_mentor_cannot_withdraw_it(self, app, world, open_request, mentor_client):
        before = snapshot(app, open_request)
        response = mentor_client.submit(f"/requests/{open_request}/withdraw")
        assert response.status_code == 404
        assert snapshot(app, open_request) == before

    @pytest.mark.parametrize("outsider", ["another-mentee", "another-mentor", "admin",
                                          "mentees-manager"])
    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_anyone_else_gets_404(self, app, world, open_request, outsider, action):
        with app.app_context():
            if outsider == "another-mentor":
                person, _profile = new_mentor([world.area])
            elif outsider == "admin":
                person = make_user(is_admin=True)
            elif outsider == "mentees-manager":
                person = make_user()
                _update(User, world.mentee.id, manager_id=person.id)
            else:
                person = make_user()
        before = snapshot(app, open_request)
        browser = login_client(app, person.email)
        response = browser.submit(f"/requests/{open_request}/{action}",
                                  data=ACTION_DATA[action])
        assert response.status_code == 404
        assert snapshot(app, open_request) == before

    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_an_unknown_request_is_404(self, app, world, mentor_client, action):
        response = mentor_client.submit(f"/requests/999999/{action}", data=ACTION_DATA[action])
        assert response.status_code == 404

    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_needs_login_and_a_csrf_token(self, app, client, world, open_request, action):
        before = snapshot(app, open_request)
        response = client.post(f"/requests/{open_request}/{action}", data=ACTION_DATA[action])
        assert response.status_code in (302, 400)
        assert snapshot(app, open_request) == before
        browser = login_client(app, (world.mentee if action == "withdraw"
                                     else world.mentor_user).email)
        response = browser.post(f"/requests/{open_request}/{action}", data=ACTION_DATA[action])
        assert response.status_code == 400
        assert snapshot(app, open_request) == before

    @pytest.mark.parametrize("action", ["accept", "decline", "withdraw"])
    def test_get_is_not_allowed(self, world, open_request, mentor_client, action):
        assert mentor_client.get(f"/requests/{open_request}/{action}").status_code == 405

    def test_request_for(self, app_ctx, world, open_request):
        outsider = make_user()
        admin = make_user(is_admin=True)
        for person, visible in ((world.mentee, True), (world.mentor_user, True),
                                (admin, True), (outsider, False)):
            found = queries.request_for(db.session.get(User, person.id), open_request)
            assert (found is not None) == visible, person.full_name
        assert queries.request_for(db.session.get(User, admin.id), 999999) is None


# Other mentors who may fit ---------------------------------------------------------------

@pytest.fixture
def candidates(app, world):
    """Mentors in Rita's area and outside it, free and not."""
    with app.app_context():
        names = SimpleNamespace(
            suitable=new_mentor([world.area], name="Sara Suitable")[0].full_name,
            full=new_mentor([world.area], name="Fiona Full", capacity=1,
                            active_mentees=1, committed_hours=2)[0].full_name,
            paused=new_mentor([world.area], name="Paolo Paused", accepting=False)[0].full_name,
            elsewhere=new_mentor([world.other_area], name="Otto Other")[0].full_name,
            unlisted=new_mentor([world.area], name="Penny Pending",
                                status=PENDING)[0].full_name,
        )
        boss, _profile = new_mentor([world.area], name="Bruno Boss")
        _update(User, world.mentee.id, manager_id=boss.id)
        names.manager = boss.full_name
        return names


class TestSuggestions:
    @pytest.mark.parametrize("status", [DECLINED, WITHDRAWN, EXPIRED])
    def test_after_a_request_did_not_work_out(self, app, world, open_request, candidates,
                                              mentee_client, status):
        with app.app_context():
            close_as(open_request, status)
        page = mentee_client.get("/requests").get_data(as_text=True)
        suggested = section(page, "suggestions-title")
        assert SUGGESTIONS_TITLE in suggested
        assert "Sara Suitable" in suggested
        for name in ("Marco Mentor", candidates.full, candidates.paused, candidates.elsewhere,
                     candidates.unlisted, candidates.manager):
            assert name not in suggested, name

    @pytest.mark.parametrize("status", [OPEN, ACCEPTED])
    def test_not_while_the_latest_request_is_open_or_accepted(self, app, world, open_request,
                                                              candidates, mentee_client,
                                                              status):
        if status != OPEN:
            with app.app_context():
                close_as(open_request, status)
        page = mentee_client.get("/requests").get_data(as_text=True)
        assert SUGGESTIONS_TITLE not in page
        assert "Sara Suitable" not in page

    def test_mentors_already_asked_are_not_suggested_again(self, app, world, open_request,
                                                           candidates, mentee_client):
        with app.app_context():
            sara = db.session.scalar(
                select(MentorProfile).join(User, User.id == MentorProfile.user_id)
                .where(User.full_name == "Sara Suitable"))
            sara_request = make_request(world.mentee.id, sara.id, world.area.id,
                                        created_at=utcnow() - timedelta(days=1))
            close_as(sara_request, DECLINED)
            close_as(open_request, DECLINED)
            new_mentor([world.area], name="Nadia New")
        suggested = section(mentee_client.get("/requests").get_data(as_text=True),
                            "suggestions-title")
        assert "Nadia New" in suggested
        assert "Sara Suitable" not in suggested and "Marco Mentor" not in suggested

    def test_service_excludes_who_cannot_be_asked(self, app, world, candidates):
        with app.test_request_context():
            viewer = db.session.get(User, world.mentee.id)
            found = [card.mentor.name for card in suggestions(
                viewer, "en", area_id=world.area.id, exclude=[world.mentor.id])]
        assert found == ["Sara Suitable"]


# Expiry -----------------------------------------------------------------------------------

class TestExpiry:
    def test_expires_open_requests_older_than_the_setting(self, app_ctx, world):
        now = utcnow()
        others = [make_user() for _ in range(4)]
        old = make_request(others[0].id, world.mentor.id, world.area.id,
                           created_at=now - timedelta(days=15))
        recent = make_request(others[1].id, world.mentor.id, world.area.id,
                              created_at=now - timedelta(days=13))
        old_declined = make_request(others[2].id, world.mentor.id, world.area.id,
                                    created_at=now - timedelta(days=20))
        old_accepted = make_request(others[3].id, world.mentor.id, world.area.id,
                                    created_at=now - timedelta(days=20))
        close_as(old_declined, DECLINED)
        close_as(old_accepted, ACCEPTED)
        declined_closed_at = get(MentorshipRequest, old_declined).closed_at

        assert services.expire_requests(now=now) == 1
        db.session.commit()
        expired = get(MentorshipRequest, old)
        assert (expired.status, expired.closed_at, expired.answered_at) == (EXPIRED, now, None)
        assert get(MentorshipRequest, recent).status == OPEN
        assert get(MentorshipRequest, old_declined).status == DECLINED
        assert get(MentorshipRequest, old_declined).closed_at == declined_closed_at
        assert get(MentorshipRequest, old_accepted).status == ACCEPTED
        assert db.session.scalar(select(Mentorship.status)) == ACTIVE

        # Again: nothing more to do, nothing changes.
        assert services.expire_requests(now=now + timedelta(minutes=5)) == 0
        db.session.commit()
        assert get(MentorshipRequest, old).closed_at == now
        assert get(MentorshipRequest, recent).status == OPEN

    def test_the_period_is_a_setting(self, app_ctx, world):
        settings().request_expiry_days = 7
        db.session.commit()
        now = utcnow()
        other = make_user()
        eight_days = make_request(world.mentee.id, world.mentor.id, world.area.id,
                                  created_at=now - timedelta(days=8))
        six_days = make_request(other.id, world.mentor.id, world.area.id,
                                created_at=now - timedelta(days=6))
        assert services.expire_requests(now=now) == 1
        db.session.commit()
        assert get(MentorshipRequest, eight_days).status == EXPIRED
        assert get(MentorshipRequest, six_days).status == OPEN

    def test_the_default_period_is_fourteen_days(self, app_ctx, world, open_request):
        created = get(MentorshipRequest, open_request).created_at
        assert services.expire_requests(now=created + timedelta(days=14, minutes=-1)) == 0
        assert services.expire_requests(now=created + timedelta(days=14, minutes=1)) == 1
        db.session.commit()
        assert get(MentorshipRequest, open_request).status == EXPIRED

    def test_an_expired_request_frees_the_mentee_to_ask_again(self, app_ctx, world,
                                                              open_request):
        services.expire_requests(now=utcnow() + timedelta(days=15))
        db.session.commit()
        assert services.why_cannot_request(
            services.requester(db.session.get(User, world.mentee.id)),
            get(MentorProfile, world.mentor.id)) is None

    def test_command(self, app, runner, world, open_request):
        with app.app_context():
            _update(MentorshipRequest, open_request,
                    created_at=utcnow() - timedelta(days=15))
        result = runner.invoke(args=["expire-requests"])
        assert result.exit_code == 0, result.output
        assert "1 request(s) expired" in result.output
        with app.app_context():
            assert get(MentorshipRequest, open_request).status == EXPIRED
        result = runner.invoke(args=["expire-requests"])
        assert result.exit_code == 0, result.output
        assert "0 request(s) expired" in result.output

    def test_suspending_a_mentor_expires_their_open_requests(self, app_ctx, world, admin):
        other_mentee = make_user()
        _elsewhere_user, elsewhere = new_mentor([world.area])
        to_suspend = make_request(world.mentee.id, world.mentor.id, world.area.id)
        accepted = make_request(other_mentee.id, world.mentor.id, world.area.id)
        close_as(accepted, ACCEPTED)
        to_other_mentor = make_request(world.mentee.id, elsewhere.id, world.area.id)

        vetting.suspend(db.session.get(MentorProfile, world.mentor.id),
                        actor=db.session.get(User, admin.id), reason="Complaints.")
        db.session.commit()
        expired = get(MentorshipRequest, to_suspend)
        assert expired.status == EXPIRED and expired.closed_at is not None
        assert expired.answered_at is None
        assert get(MentorshipRequest, accepted).status == ACCEPTED
        assert db.session.scalar(select(Mentorship.status)) == ACTIVE  # carries on
        assert get(MentorshipRequest, to_other_mentor).status == OPEN

    def test_suspending_on_the_admin_page(self, app, client, auth, admin, world,
                                          open_request):
        auth.login(admin.email)
        response = client.submit(f"/admin/vetting/{world.mentor.id}/suspend",
                                 data={"reason": "Complaints."})
        assert response.status_code == 302
        with app.app_context():
            assert get(MentorshipRequest, open_request).status == EXPIRED


# Capacity that holds under concurrency ---------------------------------------------------

THREADS = 20


@pytest.fixture
def race_app(make_app, app):
    """The same database (tables made by `app`), with a pool big enough for every
    thread to hold its own connection at once."""
    with app.app_context():
        settings()  # a migrated database has its settings row from the start
        db.session.commit()
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                               "pool_size": THREADS + 5, "max_overflow": 5})


def service_call(app, barrier, load, call):
    """In its own application context (its own session and connection): load the
    objects, wait for the others, then call the service and commit, or roll back on a
    domain error. Returns "ok" or the error's message."""
    with app.app_context():
        try:
            objects = load()
            # Like a request, each call is one transaction of its own: the loading
            # one ends before the race (a transaction that will write holds SQLite's
            # write lock from its start).
            db.session.commit()
            barrier.wait()
            try:
                call(*objects)
            except RequestError as error:
                db.session.rollback()
                return error.message
            db.session.commit()
            return "ok"
        except Exception:
            db.session.rollback()
            raise


def assert_only(results, expected):
    unexpected = [result for result in results if result not in expected]
    assert unexpected == [], unexpected


class TestConcurrency:
    def _mentees_with_requests(self, app, world, capacity=2, monthly_hours=40, hours=1):
        with app.app_context():
            _update(MentorProfile, world.mentor.id, capacity=capacity,
                    monthly_hours=monthly_hours)
            return [make_request(make_user().id, world.mentor.id, world.area.id,
                                 hours_per_month=hours) for _ in range(THREADS)]

    def _assert_mentor_holds(self, app, world, mentorships, hours):
        with app.app_context():
            assert count(Mentorship) == mentorships
            assert count(MentorshipRequest, MentorshipRequest.status == ACCEPTED) == mentorships
            assert open_requests() == THREADS - mentorships
            profile = get(MentorProfile, world.mentor.id)
            assert (profile.active_mentees, profile.committed_hours) == (mentorships, hours)

    def test_simultaneous_accepts_never_exceed_the_places(self, race_app, world):
        request_ids = self._mentees_with_requests(race_app, world, capacity=2)

        def accept(index, barrier):
            return service_call(
                race_app, barrier,
                lambda: (db.session.get(MentorshipRequest, request_ids[index]),
                         db.session.get(User, world.mentor_user.id)),
                lambda request, mentor: services.accept_request(request, actor=mentor))

        results = run_together(accept, THREADS)
        assert_only(results, {"ok", NO_ROOM, NO_PLACE})
        assert results.count("ok") == 2
        assert results.count(NO_ROOM) + results.count(NO_PLACE) == THREADS - 2
        self._assert_mentor_holds(race_app, world, mentorships=2, hours=2)

    def test_simultaneous_accepts_never_exceed_the_hours(self, race_app, world):
        request_ids = self._mentees_with_requests(race_app, world, capacity=10,
                                                  monthly_hours=5, hours=2)

        def accept(index, barrier):
            return service_call(
                race_app, barrier,
                lambda: (db.session.get(MentorshipRequest, request_ids[index]),
                         db.session.get(User, world.mentor_user.id)),
                lambda request, mentor: services.accept_request(request, actor=mentor))

        results = run_together(accept, THREADS)
        assert_only(results, {"ok", NO_ROOM, not_enough_hours(2, 1)})
        assert results.count("ok") == 2  # 2 + 2 hours of 5; a third would need 6
        self._assert_mentor_holds(race_app, world, mentorships=2, hours=4)

    def test_simultaneous_identical_submissions_make_one_request(self, race_app, world):
        def submit(index, barrier):
            return service_call(
                race_app, barrier,
                lambda: (db.session.get(User, world.mentee.id),
                         db.session.get(MentorProfile, world.mentor.id),
                         db.session.get(FocusArea, world.area.id)),
                lambda mentee, profile, area: services.submit_request(
                    profile, actor=mentee, area=area, **fields()))

        results = run_together(submit, THREADS)
        assert_only(results, {"ok", ALREADY_OPEN})
        assert results.count("ok") == 1
        assert results.count(ALREADY_OPEN) == THREADS - 1
        with race_app.app_context():
            assert count(MentorshipRequest) == 1
            assert open_requests() == 1

    @staticmethod
    def _browsers(app, email, token_page):
        """THREADS browsers sharing one logged-in session (one person, many tabs), and
        the session's CSRF token."""
        first = login_client(app, email)
        token = first.csrf_token(token_page)
        cookie = first.get_cookie("session").value
        browsers = []
        for _ in range(THREADS):
            browser = app.test_client()
            browser.set_cookie("session", cookie)
            browsers.append(browser)
        return browsers, token

    @staticmethod
    def _post_together(browsers, urls, data):
        def post(index, barrier):
            barrier.wait()
            response = browsers[index].post(urls[index], data=data)
            return (response.status_code, response.get_data(as_text=True),
                    flashed(browsers[index]))

        return run_together(post, THREADS)

    def test_simultaneous_accepts_on_the_page(self, race_app, world):
        request_ids = self._mentees_with_requests(race_app, world, capacity=2)
        browsers, token = self._browsers(race_app, world.mentor_user.email, "/requests")
        results = self._post_together(
            browsers, [f"/requests/{request_id}/accept" for request_id in request_ids],
            {"csrf_token": token})
        statuses = [result[0] if isinstance(result, tuple) else result for result in results]
        assert statuses == [302] * THREADS, results
        messages = [result[2] for result in results]
        accepted = [m for m in messages if len(m) == 1 and m[0].startswith("You are now")]
        assert len(accepted) == 2, messages
        assert messages.count([NO_ROOM]) + messages.count([NO_PLACE]) == THREADS - 2, messages
        self._assert_mentor_holds(race_app, world, mentorships=2, hours=2)

    def test_simultaneous_submissions_on_the_page(self, race_app, world):
        url = f"/mentors/{world.mentor.id}/request"
        browsers, token = self._browsers(race_app, world.mentee.email, url)
        results = self._post_together(browsers, [url] * THREADS,
                                      {**form_data(world.area.id), "csrf_token": token})
        statuses = [result[0] if isinstance(result, tuple) else result for result in results]
        # One is sent; the others are told on the form page, never a 409/500/503.
        assert sorted(statuses) == [200] * (THREADS - 1) + [302], results
        with race_app.app_context():
            assert count(MentorshipRequest) == 1
        assert [r[2] for r in results if r[0] == 302] == [[sent_message("Marco Mentor")]]
        refused = [r[1] for r in results if r[0] == 200]
        assert all(shows(page, ALREADY_OPEN) for page in refused)


# Italian ----------------------------------------------------------------------------------

REQUEST_MESSAGES = [SELF, MANAGER, NOT_LISTED, HAS_MENTORSHIP, ALREADY_OPEN, PAUSED, FULL,
                    NO_HOURS, WRONG_AREA, NO_ROOM, NO_PLACE, NO_LONGER_OPEN, CHOOSE_REASON,
                    NOTE_TOO_LONG, WITHDRAWN_MESSAGE, COMMITMENT_NOTICE, SUGGESTIONS_TITLE,
                    "Choose a reason.", "Choose a date in the future.",
                    "Choose a date within the duration of the mentoring.",
                    "Confirm that you commit to your responsibilities.",
                    "Your request has been sent to %(name)s. You will be told when they "
                    "answer.", "You are now mentoring %(name)s.",
                    "The request has been declined. %(name)s will be told.",
                    "Requests you received", "Requests you sent",
                    "You have not received any request.", "You have not sent any request yet.",
                    "Waiting for an answer", "Accepted", "Declined", "Withdrawn", "Expired",
                    "I do not have enough time", "This is not my area of expertise",
                    "Another mentor would fit better", "Other",
                    "Your responsibilities as a mentee", "Send the request",
                    "Withdraw the request", "Decline the request"]


class TestItalian:
    @pytest.mark.parametrize("message", REQUEST_MESSAGES)
    def test_every_message_is_translated(self, app, message):
        with app.test_request_context(), force_locale("it"):
            assert gettext(message) != message

    @pytest.mark.parametrize("num", [1, 3])
    def test_plural_messages_are_translated(self, app, num):
        plurals = [
            ("You already have %(num)d open request, the most allowed. Wait for an answer "
             "or withdraw it first.",
             "You already have %(num)d open requests, the most allowed. Wait for an answer "
             "or withdraw one first."),
            ("This mentor has %(num)d free hour a month: ask for fewer hours, or choose "
             "another mentor.",
             "This mentor has %(num)d free hours a month: ask for fewer hours, or choose "
             "another mentor."),
        ]
        with app.test_request_context():
            for singular, plural in plurals:
                english = ngettext(singular, plural, num)
                with force_locale("it"):
                    italian = ngettext(singular, plural, num)
                assert italian != english and str(num) in italian

    def test_an_italian_mentee_sends_a_request_in_italian(self, app, world):
        with app.app_context():
            _update(User, world.mentee.id, language="it")
        browser = login_client(app, world.mentee.email)
        page = browser.get(f"/mentors/{world.mentor.id}/request").get_data(as_text=True)
        with app.test_request_context(), force_locale("it"):
            notice = gettext(COMMITMENT_NOTICE)
            sent = gettext("Your request has been sent to %(name)s. You will be told when "
                           "they answer.", name="Marco Mentor")
        assert notice != COMMITMENT_NOTICE and shows(page, notice)
        browser.submit(f"/mentors/{world.mentor.id}/request", data=form_data(world.area.id))
        assert flashed(browser) == [sent]
