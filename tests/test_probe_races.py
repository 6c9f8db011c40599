"""Races and duplicates an outside probe found (issue 17, items 1 and 2): the data stays
consistent when actions arrive at the same moment. The cap on a mentee's open requests
holds when requests to different mentors arrive at once, from one app instance or two,
and a check-in sent several times at once (a double click, a resent form) is recorded
once.

Real threads, each in its own application context (its own session and connection),
on the suite's database: an SQLite file by default, PostgreSQL when TEST_DATABASE_URL
is set. "Two instances" are two `create_app` objects on the same database, as two
servers behind a load balancer.
"""

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import services
from marketplace.mentorships.models import OPEN, CheckIn, Mentorship, MentorshipRequest
from marketplace.mentorships.services import MentorshipError, RequestError
from marketplace.program.models import FocusArea
from marketplace.program.services import settings

from .builders import italian, start_mentorship, today
from .factories import make_area, make_profile, make_user
from .helpers import count, flashed, login_client, run_together, tabs
from .test_mentorships import LOGGED, NEXT_STEPS, SUMMARY, check_in_data
from .test_requests import LIMIT_THREE, fields, form_data, sent_message

THREADS = 6     # requests sent at once, each to a different mentor
TRIALS = 20
COPIES = 5      # identical check-ins sent at once
RECORDED = "This check-in is already recorded."


@pytest.fixture
def race_apps(make_app, app):
    """Two app instances on the database `app` made, each with a pool big enough for
    every thread to hold its own connection at once."""
    with app.app_context():
        settings()  # a migrated database has its settings row from the start
        db.session.commit()
    options = {"pool_pre_ping": True, "pool_size": THREADS + 2, "max_overflow": 2}
    return [make_app(SQLALCHEMY_ENGINE_OPTIONS=options) for _ in range(2)]


@pytest.fixture
def mentors(app):
    """Six listed mentors in one focus area, each free to take a request."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        names = [f"Mentor {number}" for number in range(THREADS)]
        profiles = [make_profile(make_user(full_name=name), areas=[area], capacity=2,
                                 monthly_hours=6) for name in names]
        assert settings().max_open_requests == 3
        return SimpleNamespace(area_id=area.id, profile_ids=[p.id for p in profiles],
                               names=names)


def new_mentee(app):
    with app.app_context():
        return make_user().id


def submit(app, mentee_id, profile_id, area_id):
    """One request through the service, committed: None, or the rule it broke."""
    try:
        services.submit_request(db.session.get(MentorProfile, profile_id),
                                actor=db.session.get(User, mentee_id),
                                area=db.session.get(FocusArea, area_id), **fields())
    except RequestError as error:
        db.session.rollback()
        return error.message
    db.session.commit()
    return None


def submit_together(apps, mentee_id, profile_ids, area_id):
    """The mentee sends one request to each mentor at the same moment, thread i on
    instance i % len(apps): "ok" or the refusal, per thread."""
    def work(index, barrier):
        app = apps[index % len(apps)]
        with app.app_context():
            barrier.wait()
            return submit(app, mentee_id, profile_ids[index], area_id) or "ok"

    return run_together(work, len(profile_ids))


def open_requests_of(app, mentee_id):
    with app.app_context():
        return count(MentorshipRequest, MentorshipRequest.mentee_id == mentee_id,
                     MentorshipRequest.status == OPEN)


# Item 1: the open-request cap ----------------------------------------------------------------

class TestOpenRequestCap:
    @pytest.mark.parametrize("instances", [1, 2])
    def test_six_at_once_from_none_open_give_exactly_the_cap(self, app, race_apps, mentors,
                                                              instances):
        for trial in range(TRIALS):
            mentee_id = new_mentee(app)
            results = submit_together(race_apps[:instances], mentee_id, mentors.profile_ids,
                                      mentors.area_id)
            assert sorted(results) == sorted(["ok"] * 3 + [LIMIT_THREE] * (THREADS - 3)), (
                trial, results)
            assert open_requests_of(app, mentee_id) == 3, trial

    def test_two_at_once_with_two_open_give_three(self, app, race_apps, mentors):
        for trial in range(TRIALS):
            mentee_id = new_mentee(app)
            with app.app_context():
                for profile_id in mentors.profile_ids[:2]:
                    assert submit(app, mentee_id, profile_id, mentors.area_id) is None
            results = submit_together(race_apps, mentee_id, mentors.profile_ids[2:4],
                                      mentors.area_id)
            assert sorted(results) == sorted(["ok", LIMIT_THREE]), (trial, results)
            assert open_requests_of(app, mentee_id) == 3, trial

    def test_six_at_once_on_the_page_from_two_instances(self, app, race_apps, mentors):
        """One person, six tabs, one session, served by either instance: three are
        sent, the other three are told the cap on the request page."""
        with app.app_context():
            email = db.session.get(User, new_mentee(app)).email
        first = login_client(race_apps[0], email)
        token = first.csrf_token("/")
        browsers = tabs(first, race_apps, THREADS)

        def post(index, barrier):
            barrier.wait()
            response = browsers[index].post(
                f"/mentors/{mentors.profile_ids[index]}/request",
                data={**form_data(mentors.area_id), "csrf_token": token})
            return response.status_code, response.location, response.get_data(as_text=True)

        results = run_together(post, THREADS)
        sent = [index for index, result in enumerate(results) if result[0] == 302]
        assert len(sent) == 3, [result[:2] if isinstance(result, tuple) else result
                                for result in results]
        for index, (status, location, page) in enumerate(results):
            if index in sent:
                assert urlsplit(location).path == "/requests"
            else:
                assert status == 200 and str(escape(LIMIT_THREE)) in page, (index, status)
        messages = sorted(message for index in sent for message in flashed(browsers[index]))
        assert messages == sorted(sent_message(mentors.names[index]) for index in sent)
        with app.app_context():
            mentee_id = db.session.scalar(select(User.id).where(User.email == email))
        assert open_requests_of(app, mentee_id) == 3


# Item 2: duplicate check-ins -----------------------------------------------------------------

@pytest.fixture
def mentorship(app, mentors):
    """A mentee mentored by the first of the mentors for ten days."""
    with app.app_context():
        mentee_id = make_user(email="rita@example.com", full_name="Rita Rep").id
        mentorship_id = start_mentorship(mentee_id, mentors.profile_ids[0], mentors.area_id,
                                         days_ago=10)
        mentor_id = db.session.get(Mentorship, mentorship_id).profile.user_id
        return SimpleNamespace(id=mentorship_id, mentee_id=mentee_id, mentor_id=mentor_id,
                               url=f"/mentorships/{mentorship_id}")


def log(mentorship_id, author_id, **changes):
    """A check-in logged through the service and committed: its id, or the rule broken."""
    values = {"held_on": today(), "minutes": 45, "summary": SUMMARY,
              "next_steps": NEXT_STEPS, **changes}
    try:
        check_in = services.log_check_in(db.session.get(Mentorship, mentorship_id),
                                         actor=db.session.get(User, author_id), **values)
    except MentorshipError as error:
        db.session.rollback()
        return error.message
    db.session.commit()
    return check_in.id


def check_ins(app, mentorship_id):
    with app.app_context():
        return count(CheckIn, CheckIn.mentorship_id == mentorship_id)


class TestDuplicateCheckIns:
    def test_five_identical_at_once_record_one(self, app, race_apps, mentorship):
        def work(index, barrier):
            with race_apps[index % 2].app_context():
                barrier.wait()
                result = log(mentorship.id, mentorship.mentee_id)
                return "ok" if isinstance(result, int) else result

        results = run_together(work, COPIES)
        assert sorted(results) == sorted(["ok"] + [RECORDED] * (COPIES - 1)), results
        assert check_ins(app, mentorship.id) == 1

    def test_five_identical_posts_at_once_record_one(self, app, race_apps, mentorship):
        with app.app_context():
            email = db.session.get(User, mentorship.mentee_id).email
        first = login_client(race_apps[0], email)
        token = first.csrf_token(mentorship.url)
        browsers = tabs(first, race_apps, COPIES)

        def post(index, barrier):
            barrier.wait()
            response = browsers[index].post(f"{mentorship.url}/checkins",
                                            data={**check_in_data(), "csrf_token": token})
            return response.status_code, urlsplit(response.location or "").path

        results = run_together(post, COPIES)
        assert results == [(302, mentorship.url)] * COPIES, results
        messages = [flashed(browser) for browser in browsers]
        assert sorted(messages) == sorted([[LOGGED]] + [[RECORDED]] * (COPIES - 1)), messages
        assert check_ins(app, mentorship.id) == 1
        with app.app_context():
            check_in = db.session.scalar(select(CheckIn))
            assert (check_in.author_id, check_in.held_on, check_in.minutes, check_in.summary,
                    check_in.next_steps) == (mentorship.mentee_id, today(), 45, SUMMARY,
                                             NEXT_STEPS)
        # The recorded check-in is on the page they are sent back to.
        page = browsers[0].get(mentorship.url).get_data(as_text=True)
        assert str(escape(SUMMARY)) in page

    def test_a_resent_form_is_answered_on_the_mentorship(self, app, mentorship):
        browser = login_client(app, "rita@example.com")
        url = f"{mentorship.url}/checkins"
        assert browser.submit(url, data=check_in_data()).status_code == 302
        assert flashed(browser) == [LOGGED]
        # The same form again, the texts with the spaces a browser may leave around them.
        again = browser.submit(url, data=check_in_data(summary=f"  {SUMMARY}\n",
                                                       next_steps=f"{NEXT_STEPS} "))
        assert again.status_code == 302 and urlsplit(again.location).path == mentorship.url
        assert flashed(browser) == [RECORDED]
        assert check_ins(app, mentorship.id) == 1

    def test_a_different_check_in_the_same_day_still_records(self, app_ctx, mentorship):
        first = log(mentorship.id, mentorship.mentee_id)
        assert isinstance(first, int)
        assert log(mentorship.id, mentorship.mentee_id) == RECORDED
        assert log(mentorship.id, mentorship.mentee_id, summary=f" {SUMMARY} ") == RECORDED
        # What makes it another meeting: the minutes, the texts, the date, the author.
        others = [log(mentorship.id, mentorship.mentee_id, minutes=30),
                  log(mentorship.id, mentorship.mentee_id, summary="A second meeting: the "
                      "pricing for the renewal."),
                  log(mentorship.id, mentorship.mentee_id, next_steps=""),
                  log(mentorship.id, mentorship.mentee_id,
                      held_on=today() - timedelta(days=1)),
                  log(mentorship.id, mentorship.mentor_id)]
        assert all(isinstance(other, int) for other in others), others
        assert count(CheckIn) == 6
        assert len(set(db.session.execute(select(CheckIn.author_id, CheckIn.fingerprint)))) == 6

    def test_a_different_check_in_the_same_day_on_the_page(self, app, mentorship):
        browser = login_client(app, "rita@example.com")
        url = f"{mentorship.url}/checkins"
        for summary in (SUMMARY, "A second meeting: the pricing for the renewal."):
            response = browser.submit(url, data=check_in_data(summary=summary))
            assert response.status_code == 302
            assert flashed(browser) == [LOGGED]
        assert check_ins(app, mentorship.id) == 2

    def test_the_message_is_in_italian(self, app):
        assert italian(app, RECORDED) == "Questo check-in è già registrato."
