"""Issue 21's fixes to requests and mentorships: the accepted request and the
acceptance flash lead to the mentorship (fix 3); "Accept" gives way to the reason when
the mentor is full (fix 8); the two sides see each other's address and get a calendar
file of their check-ins (fix 5); feedback is blind until both gave it or 14 days have
passed (fix 7); the request form preselects a mentor's only meeting format and says,
and holds to, the mentor's free hours.

Services are called directly; view tests check the status, the redirect, the message
and the database.
"""

import re
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile, ProfileFormat
from marketplace.mentorships import queries, services
from marketplace.mentorships.models import (
    ACCEPTED,
    OPEN,
    Feedback,
    Mentorship,
    MentorshipRequest,
)
from marketplace.mentorships.services import RequestError

from .builders import (
    GOAL,
    MEASURES,
    SITUATION,
    accept,
    field_errors,
    italian,
    redirected_to,
    section,
    shows,
    start_mentorship,
    submit,
)
from .factories import make_area, make_profile, make_user
from .helpers import count, flashed, get, login_client

NO_PLACE = ("You have no free place: end a mentorship, or offer more places, to accept "
            "this request.")
BLIND = "Feedback is blind"


def not_enough_hours(asked, free):
    return (f"This request asks for {asked} hours a month and you have {free} free: offer "
            "more hours to accept it.")


def too_many_hours(free):
    return (f"This mentor has {free} free hours a month: ask for fewer hours, or choose "
            "another mentor.")


@pytest.fixture
def world(app, user, admin):
    """Rita (the `user` fixture) asks Marco (two places, six hours a month, video only);
    Nora, a second mentee, asks him too; Olga is neither; Ada is an admin."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor_user = make_user(email="marco@example.com", full_name="Marco Mentor",
                                timezone="Europe/Rome")
        mentor = make_profile(mentor_user, areas=[area], capacity=2, monthly_hours=6)
        nora = make_user(email="nora@example.com", full_name="Nora Newcomer",
                         language="it", timezone="America/New_York")
        outsider = make_user(email="olga@example.com", full_name="Olga Outsider")
        return SimpleNamespace(area=area, mentee=user, mentor_user=mentor_user,
                               mentor=mentor, nora=nora, outsider=outsider, admin=admin)


def set_profile(profile_id, **values):
    db.session.execute(update(MentorProfile).where(MentorProfile.id == profile_id)
                       .values(**values))
    db.session.commit()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.get_data(as_text=True)


# Fix 3: the accepted request leads to the mentorship ------------------------------------

class TestAcceptedRequestLinks:
    def test_service_the_mentorship_of_each_accepted_request(self, app_ctx, world):
        accepted = submit(world.mentee.id, world.mentor.id, world.area.id)
        waiting = submit(world.nora.id, world.mentor.id, world.area.id)
        mentorship_id = accept(accepted)
        requests = db.session.scalars(select(MentorshipRequest)).all()
        assert queries.mentorships_of_requests(requests) == {accepted: mentorship_id}
        assert waiting not in queries.mentorships_of_requests(requests)
        assert queries.mentorships_of_requests([]) == {}

    def test_accepting_flashes_a_link_and_both_sides_requests_link_to_it(self, app, world):
        with app.app_context():
            request_id = submit(world.mentee.id, world.mentor.id, world.area.id)
        mentor = login_client(app, world.mentor_user.email)
        response = mentor.submit(f"/requests/{request_id}/accept", data={"note": ""})
        assert redirected_to(response, "/requests")
        with app.app_context():
            assert get(MentorshipRequest, request_id).status == ACCEPTED
            mentorship_id = db.session.scalar(
                select(Mentorship.id).where(Mentorship.request_id == request_id))
        link = f'<a href="/mentorships/{mentorship_id}">Open the mentorship</a>'
        assert flashed(mentor) == [f"You are now mentoring Rita Rep. {link}"]
        shown = page(mentor, "/requests")
        assert link in shown  # the flash, shown as a link, not as escaped text
        href = f'href="/mentorships/{mentorship_id}"'
        assert href in section(shown, "received-title")
        mentee = login_client(app, world.mentee.email)
        assert href in section(page(mentee, "/requests"), "sent-title")
        assert page(mentee, f"/mentorships/{mentorship_id}")

    def test_the_flash_escapes_the_name(self, app, world):
        with app.app_context():
            tricky = make_user(full_name='<script>alert(1)</script>')
            request_id = submit(tricky.id, world.mentor.id, world.area.id)
        mentor = login_client(app, world.mentor_user.email)
        mentor.submit(f"/requests/{request_id}/accept", data={"note": ""})
        shown = page(mentor, "/requests")
        assert "<script>alert(1)</script>" not in shown
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown

    def test_italian(self, app, world):
        assert italian(app, "Open the mentorship")


# Fix 8: "Accept" is not offered when the mentor is full --------------------------------

class TestAcceptWhenFull:
    def test_service_says_why(self, app_ctx, world):
        first = submit(world.mentee.id, world.mentor.id, world.area.id, hours_per_month=2)
        second = submit(world.nora.id, world.mentor.id, world.area.id, hours_per_month=5)
        request = db.session.get(MentorshipRequest, second)
        assert services.why_cannot_accept(request) is None
        accept(first)  # 4 of 6 hours free now
        request = get(MentorshipRequest, second)
        assert services.why_cannot_accept(request) == not_enough_hours(5, 4)
        with pytest.raises(RequestError) as error:
            services.accept_request(request, actor=request.profile.user)
        assert error.value.message == not_enough_hours(5, 4)
        db.session.rollback()
        assert get(MentorshipRequest, second).status == OPEN
        set_profile(world.mentor.id, capacity=1)
        assert services.why_cannot_accept(get(MentorshipRequest, second)) == NO_PLACE

    def test_the_page_says_why_instead_of_accept(self, app, world):
        with app.app_context():
            first = submit(world.mentee.id, world.mentor.id, world.area.id)
            second = submit(world.nora.id, world.mentor.id, world.area.id)
        mentor = login_client(app, world.mentor_user.email)
        assert f"/requests/{second}/accept" in page(mentor, "/requests")
        with app.app_context():
            set_profile(world.mentor.id, capacity=1)
            accept(first)
        shown = page(mentor, "/requests")
        assert f"/requests/{second}/accept" not in shown
        assert shows(shown, NO_PLACE)
        assert f"/requests/{second}/decline" in shown  # declining stays possible
        response = mentor.submit(f"/requests/{second}/accept", data={"note": ""})
        assert redirected_to(response, "/requests")
        assert flashed(mentor) == [NO_PLACE]
        with app.app_context():
            assert get(MentorshipRequest, second).status == OPEN
            assert count(Mentorship) == 1

    def test_italian(self, app, world):
        with app.app_context():
            first = submit(world.nora.id, world.mentor.id, world.area.id)
            set_profile(world.mentor.id, capacity=1)
            second = submit(world.mentee.id, world.mentor.id, world.area.id)
            set_profile(world.mentor.id, capacity=2)
            accept(first)
            set_profile(world.mentor.id, capacity=1)
            db.session.execute(update(User).where(User.id == world.mentor_user.id)
                               .values(language="it"))
            db.session.commit()
        mentor = login_client(app, world.mentor_user.email)
        shown = page(mentor, "/requests")
        assert f"/requests/{second}/accept" not in shown
        assert shows(shown, italian(app, NO_PLACE)) or italian(app, NO_PLACE) in shown


# Fix 5: reaching the other person ------------------------------------------------------

@pytest.fixture
def mentorship_id(app, world):
    with app.app_context():
        return start_mentorship(world.nora.id, world.mentor.id, world.area.id,
                                cadence="weekly", duration_months=3)


class TestContact:
    def test_both_sides_see_the_others_address_and_the_calendar(self, app, world,
                                                                 mentorship_id):
        for email, other in (("nora@example.com", "marco@example.com"),
                             ("marco@example.com", "nora@example.com")):
            shown = section(page(login_client(app, email), f"/mentorships/{mentorship_id}"),
                            "contact-title")
            assert f'href="mailto:{other}"' in shown
            assert f"/mentorships/{mentorship_id}/calendar.ics" in shown

    def test_an_admin_sees_no_contact_box(self, app, world, mentorship_id):
        shown = page(login_client(app, world.admin.email), f"/mentorships/{mentorship_id}")
        assert "contact-title" not in shown


class TestCalendar:
    def url(self, mentorship_id):
        return f"/mentorships/{mentorship_id}/calendar.ics"

    def parse(self, response):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and ".ics" in disposition
        return icalendar.Calendar.from_ical(response.data)

    def test_the_mentee_in_italian_and_new_york(self, app, world, mentorship_id):
        client = login_client(app, world.nora.email)
        calendar = self.parse(client.get(self.url(mentorship_id)))
        [event] = calendar.walk("VEVENT")
        with app.app_context():
            mentorship = db.session.get(Mentorship, mentorship_id)
            started, planned_end = mentorship.started_on, mentorship.planned_end_on
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and str(start.tzinfo) == "America/New_York"
        assert event["dtstart"].params["TZID"] == "America/New_York"
        assert start.date() == started
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
        rule = event["rrule"]
        assert rule["FREQ"] == ["WEEKLY"] and "INTERVAL" not in rule
        [until] = rule["UNTIL"]
        assert until.tzinfo is not None and until.utcoffset() == timedelta(0)
        zone = ZoneInfo("America/New_York")
        assert until == datetime.combine(planned_end, time(23, 59, 59),
                                         tzinfo=zone).astimezone(UTC)
        assert str(event["summary"]) == "Check-in di mentoring: Marco Mentor e Nora Newcomer"
        assert GOAL in str(event["description"])
        assert str(event["uid"]).startswith(f"mentorship-{mentorship_id}-")
        # Stable: the same UID the next time, and for the other side.
        again = self.parse(client.get(self.url(mentorship_id)))
        assert again.walk("VEVENT")[0]["uid"] == event["uid"]
        other = self.parse(login_client(app, world.mentor_user.email)
                           .get(self.url(mentorship_id)))
        [mentor_event] = other.walk("VEVENT")
        assert mentor_event["uid"] == event["uid"]
        assert str(mentor_event.decoded("dtstart").tzinfo) == "Europe/Rome"
        assert str(mentor_event["summary"]) == ("Mentoring check-in: Marco Mentor and "
                                                "Nora Newcomer")

    @pytest.mark.parametrize(("cadence", "rule"), [
        ("weekly", {"FREQ": ["WEEKLY"]}),
        ("biweekly", {"FREQ": ["WEEKLY"], "INTERVAL": [2]}),
        ("monthly", {"FREQ": ["MONTHLY"]}),
    ])
    def test_the_cadence(self, app, world, cadence, rule):
        with app.app_context():
            mentorship_id = start_mentorship(world.mentee.id, world.mentor.id,
                                             world.area.id, cadence=cadence)
        calendar = self.parse(login_client(app, world.mentee.email)
                              .get(self.url(mentorship_id)))
        got = calendar.walk("VEVENT")[0]["rrule"]
        assert {key: got[key] for key in got if key != "UNTIL"} == rule

    @pytest.mark.parametrize("who", ["outsider", "admin"])
    def test_others_get_404(self, app, world, mentorship_id, who):
        client = login_client(app, getattr(world, who).email)
        assert client.get(self.url(mentorship_id)).status_code == 404
        assert client.get(self.url(mentorship_id + 100)).status_code == 404

    def test_needs_login(self, app, world, mentorship_id):
        response = app.test_client().get(self.url(mentorship_id))
        assert response.status_code == 302 and "/auth/login" in response.location


# Fix 7: blind feedback -------------------------------------------------------------------

def finished(mentorship_id, days_ago=0):
    mentorship = db.session.get(Mentorship, mentorship_id)
    services.complete_mentorship(mentorship, actor=mentorship.mentee)
    db.session.commit()
    if days_ago:
        db.session.execute(update(Mentorship).where(Mentorship.id == mentorship_id)
                           .values(ended_at=datetime.now(UTC) - timedelta(days=days_ago)))
        db.session.commit()
    db.session.expire_all()


def give(mentorship_id, who_id, rating, comment):
    services.leave_feedback(db.session.get(Mentorship, mentorship_id),
                            actor=db.session.get(User, who_id), rating=rating,
                            comment=comment)
    db.session.commit()
    db.session.expire_all()


class TestBlindFeedback:
    def test_service(self, app_ctx, world, mentorship_id):
        finished(mentorship_id)
        give(mentorship_id, world.nora.id, 2, "Hard to reach.")
        mentorship = db.session.get(Mentorship, mentorship_id)
        nora, marco, ada = (db.session.get(User, person.id)
                            for person in (world.nora, world.mentor_user, world.admin))
        own, hidden = queries.visible_feedback(mentorship, nora)
        assert [item.comment for item in own] == ["Hard to reach."] and hidden == 0
        assert queries.visible_feedback(mentorship, marco) == ([], 1)
        assert queries.visible_feedback(mentorship, ada) == ([], 1)
        later = mentorship.ended_at + timedelta(days=14)
        assert len(queries.visible_feedback(mentorship, marco, now=later)[0]) == 1
        give(mentorship_id, world.mentor_user.id, 5, "Great mentee.")
        mentorship = db.session.get(Mentorship, mentorship_id)
        assert len(queries.visible_feedback(mentorship, marco)[0]) == 2
        assert count(Feedback) == 2

    def test_the_page_hides_the_others_until_both_gave(self, app, world, mentorship_id):
        with app.app_context():
            finished(mentorship_id)
        mentee = login_client(app, world.nora.email)
        mentor = login_client(app, world.mentor_user.email)
        url = f"/mentorships/{mentorship_id}"
        response = mentee.submit(f"{url}/feedback", data={"rating": "2",
                                                         "comment": "Hard to reach."})
        assert redirected_to(response, url)
        assert flashed(mentee) == [italian(app, "Thank you for your feedback.")]
        mine = section(page(mentee, url), "feedback-title")
        assert "Hard to reach." in mine
        theirs = section(page(mentor, url), "feedback-title")
        assert "Hard to reach." not in theirs and "2 out of 5" not in theirs
        assert BLIND in theirs
        mentor.submit(f"{url}/feedback", data={"rating": "5", "comment": "Great mentee."})
        both = section(page(mentor, url), "feedback-title")
        assert "Hard to reach." in both and "Great mentee." in both
        assert BLIND not in both
        with app.app_context():
            assert count(Feedback) == 2

    def test_shown_after_14_days(self, app, world, mentorship_id):
        with app.app_context():
            finished(mentorship_id, days_ago=15)
            give(mentorship_id, world.nora.id, 2, "Hard to reach.")
        theirs = section(page(login_client(app, world.mentor_user.email),
                              f"/mentorships/{mentorship_id}"), "feedback-title")
        assert "Hard to reach." in theirs and BLIND not in theirs

    def test_own_data_export_keeps_what_they_wrote(self, app_ctx, world, mentorship_id):
        finished(mentorship_id)
        give(mentorship_id, world.nora.id, 2, "Hard to reach.")
        written = db.session.scalars(select(Feedback.comment).where(
            Feedback.author_id == world.nora.id)).all()
        assert written == ["Hard to reach."]


# The request form: one format preselected, the free hours said and held to ----------

class TestRequestForm:
    def url(self, world):
        return f"/mentors/{world.mentor.id}/request"

    def test_the_only_format_is_preselected(self, app, world):
        shown = page(login_client(app, world.mentee.email), self.url(world))
        assert re.search(r'<input[^>]*\bchecked\b[^>]*value="video"', shown)

    def test_not_preselected_among_several(self, app, world):
        with app.app_context():
            db.session.add(ProfileFormat(profile_id=world.mentor.id, format="phone"))
            db.session.commit()
        shown = page(login_client(app, world.mentee.email), self.url(world))
        assert not re.search(r'<input[^>]*\bchecked\b[^>]*name="meeting_format"', shown)
        assert not re.search(r'<input[^>]*name="meeting_format"[^>]*\bchecked\b', shown)

    def test_the_free_hours_beside_the_field(self, app, world):
        with app.app_context():
            set_profile(world.mentor.id, committed_hours=2, active_mentees=1)
        shown = page(login_client(app, world.mentee.email), self.url(world))
        assert "This mentor has 4 free hours a month." in shown
        assert 'max="4"' in shown

    def test_more_hours_than_free_are_refused_beside_the_field(self, app, world):
        with app.app_context():
            set_profile(world.mentor.id, committed_hours=2, active_mentees=1)
        client = login_client(app, world.mentee.email)
        response = client.submit(self.url(world), data={
            "area": str(world.area.id), "goal": GOAL,
            "target_date": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
            "current_situation": SITUATION, "success_measures": MEASURES,
            "hours_per_month": "5", "duration_months": "6", "cadence": "weekly",
            "meeting_format": "video", "acknowledge": "y"})
        assert response.status_code == 422
        assert shows(field_errors(response, "hours_per_month"), too_many_hours(4))
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_the_service_names_the_field(self, app_ctx, world):
        set_profile(world.mentor.id, committed_hours=2, active_mentees=1)
        with pytest.raises(RequestError) as error:
            submit(world.mentee.id, world.mentor.id, world.area.id, hours_per_month=5)
        assert error.value.message == too_many_hours(4)
        assert error.value.field == "hours_per_month"
        db.session.rollback()
        assert count(MentorshipRequest) == 0
