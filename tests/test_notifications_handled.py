"""Issue 21, fix 9: notifications about something the user has since handled are
marked read: a mentor's notifications about a request once they answer it, the
notification asking to confirm a check-in once it is confirmed (and the one asking to
confirm a completion once it is answered: see test_completion).

`mark_handled` is tested directly; the pages show it through the services that call it.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import Mentorship
from marketplace.notifications import services
from marketplace.notifications.models import Notification
from marketplace.notifications.reminders import send_reminders

from .builders import redirected_to, start_mentorship, submit, today
from .factories import make_area, make_profile, make_user
from .helpers import flashed, login_client


@pytest.fixture
def world(app, user):
    """Rita (the `user` fixture) and Nora both ask Marco (two places)."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor_user = make_user(email="marco@example.com", full_name="Marco Mentor")
        profile = make_profile(mentor_user, areas=[area], capacity=2, monthly_hours=6)
        nora = make_user(email="nora@example.com", full_name="Nora Newcomer")
        return SimpleNamespace(area=area, mentee=user, nora=nora, mentor_user=mentor_user,
                               profile=profile)


def unread(user_id):
    """(kind, link) of each of the user's unread notifications, oldest first."""
    db.session.expire_all()
    return db.session.execute(
        select(Notification.kind, Notification.link)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.id)).all()


class TestMarkHandled:
    def test_marks_only_that_users_kinds_at_that_link(self, request_ctx, world):
        mentor, mentee = (db.session.merge(world.mentor_user), db.session.merge(world.mentee))
        services.notify(mentor, "request_received", "/requests#request-1", person=mentee)
        services.notify(mentor, "request_reminder", "/requests#request-1", person=mentee)
        services.notify(mentor, "request_received", "/requests#request-2", person=mentee)
        services.notify(mentor, "request_withdrawn", "/requests#request-1", person=mentee)
        services.notify(mentee, "request_received", "/requests#request-1", person=mentor)
        db.session.commit()
        assert services.mark_handled(
            mentor, ("request_received", "request_reminder"),
            "http://localhost/requests#request-1") == 2  # a full address is made local
        db.session.commit()
        assert unread(mentor.id) == [("request_received", "/requests#request-2"),
                                     ("request_withdrawn", "/requests#request-1")]
        assert unread(mentee.id) == [("request_received", "/requests#request-1")]

    def test_one_kind_and_what_is_read_already(self, request_ctx, world):
        mentor = db.session.merge(world.mentor_user)
        read = services.notify(mentor, "check_in_to_confirm", "/mentorships/1#check-in-1")
        earlier = utcnow() - timedelta(days=2)
        read.read_at = earlier
        db.session.commit()
        assert services.mark_handled(mentor, "check_in_to_confirm",
                                     "/mentorships/1#check-in-1") == 0
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Notification, read.id).read_at == earlier

    def test_the_fragment_is_kept_in_the_link(self, request_ctx, world):
        notification = services.notify(db.session.merge(world.mentor_user),
                                       "request_received",
                                       "http://localhost/requests?x=1#request-3")
        assert notification.link == "/requests?x=1#request-3"


class TestAnsweringARequest:
    @pytest.mark.parametrize(("action", "data"), [
        ("accept", {"note": ""}), ("decline", {"reason": "no_time", "note": ""})])
    def test_answering_marks_its_notifications_read(self, app, world, action, data):
        with app.app_context():
            answered = submit(world.mentee.id, world.profile.id, world.area.id)
            waiting = submit(world.nora.id, world.profile.id, world.area.id)
            # A week on, the mentor is reminded of both.
            send_reminders(now=utcnow() + timedelta(days=8))
            db.session.commit()
            assert [kind for kind, _link in unread(world.mentor_user.id)] == [
                "request_received", "request_received", "request_reminder",
                "request_reminder"]
        mentor = login_client(app, world.mentor_user.email)
        response = mentor.submit(f"/requests/{answered}/{action}", data=data)
        assert redirected_to(response, "/requests")
        assert flashed(mentor)[0].startswith(
            "You are now mentoring" if action == "accept" else "The request has been declined")
        with app.app_context():
            assert unread(world.mentor_user.id) == [
                ("request_received", f"/requests#request-{waiting}"),
                ("request_reminder", f"/requests#request-{waiting}")]


class TestLoggingAnOverdueCheckIn:
    def test_both_sides_overdue_notices_are_marked_read(self, request_ctx, world):
        mentorship_id = start_mentorship(world.mentee.id, world.profile.id, world.area.id,
                                         days_ago=30)
        assert send_reminders()["check_in_overdue"] == 1
        db.session.commit()
        link = f"/mentorships/{mentorship_id}"
        for user in (world.mentee, world.mentor_user):
            assert ("check_in_overdue", link) in unread(user.id)
        mentorship = db.session.get(Mentorship, mentorship_id)
        mentoring.log_check_in(mentorship, actor=db.session.get(type(world.mentee),
                                                                 world.mentor_user.id),
                               held_on=today(), minutes=60, summary="Caught up at last.")
        db.session.commit()
        for user in (world.mentee, world.mentor_user):
            assert ("check_in_overdue", link) not in unread(user.id)


class TestConfirmingACheckIn:
    def test_logging_asks_the_other_side_and_confirming_marks_it_read(self, app, world):
        with app.test_request_context():
            mentorship_id = start_mentorship(world.mentee.id, world.profile.id,
                                             world.area.id, days_ago=10)
            mentorship = db.session.get(Mentorship, mentorship_id)
            first, second = (mentoring.log_check_in(
                mentorship, actor=mentorship.mentee, held_on=today() - timedelta(days=days),
                minutes=60, summary=f"We reviewed the pipeline ({days}).")
                for days in (5, 2))
            db.session.commit()
            first_id, second_id = first.id, second.id
            link = f"/mentorships/{mentorship_id}#check-in-"
            assert unread(world.mentor_user.id)[-2:] == [
                ("check_in_to_confirm", f"{link}{first_id}"),
                ("check_in_to_confirm", f"{link}{second_id}")]
        mentor = login_client(app, world.mentor_user.email)
        page = mentor.get(f"/mentorships/{mentorship_id}").get_data(as_text=True)
        assert f'id="check-in-{first_id}"' in page  # where the notification leads
        response = mentor.submit(
            f"/mentorships/{mentorship_id}/checkins/{first_id}/confirm")
        assert redirected_to(response, f"/mentorships/{mentorship_id}")
        assert flashed(mentor) == ["The check-in is confirmed."]
        with app.app_context():
            kinds = [item for item in unread(world.mentor_user.id)
                     if item[0] == "check_in_to_confirm"]
            assert kinds == [("check_in_to_confirm", f"{link}{second_id}")]
            # The author is not asked to confirm their own check-in.
            assert [item for item in unread(world.mentee.id)
                    if item[0] == "check_in_to_confirm"] == []


def test_each_request_on_the_page_is_the_target_of_its_notifications_link(app, world):
    """Both sides' lists give each request the id its notifications point at."""
    with app.test_request_context():
        request_id = submit(world.mentee.id, world.profile.id, world.area.id)
        db.session.commit()
    for email in (world.mentor_user.email, world.mentee.email):
        page = login_client(app, email).get("/requests").get_data(as_text=True)
        assert page.count(f'id="request-{request_id}"') == 1, email
