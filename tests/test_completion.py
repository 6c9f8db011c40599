"""Issue 21, fix 2: completing a mentorship takes both sides. One side proposes (behind
a confirmation step), the other confirms or objects with a reason; a proposal nobody
objects to for COMPLETION_OBJECTION_DAYS counts as completed. Only completions that
count are on the honor roll, in the dashboard's completion rate and shown as completed;
pending ones read "Completion pending". Ending early stays one-sided, behind a
confirmation step in the danger style. Also the day-0 words of the mentorship page.

Services are called directly; view tests check the status, the redirect, the message
and the database.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.admin.queries import Period, dashboard
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import services
from marketplace.mentorships.models import (
    ACTIVE,
    COMPLETED,
    COMPLETION_OBJECTION_DAYS,
    COMPLETION_PENDING,
    ENDED,
    Mentorship,
)
from marketplace.mentorships.queries import progress
from marketplace.mentorships.services import MentorshipError
from marketplace.notifications.models import Notification
from marketplace.program.queries import honor_roll

from .builders import REASON, assert_italian_ui, redirected_to, start_mentorship
from .factories import make_area, make_profile, make_user
from .helpers import flashed, get, login_client

OBJECTION = "We have not signed the contract yet: two more meetings, please."
PROPOSED = ("Marco Mentor is asked to confirm that the goal is reached. Without an "
            "objection within 7 days, the mentorship counts as completed.")
COMPLETED_FLASH = "Congratulations: the mentorship is complete. Please leave your feedback."
PENDING_LABEL = "Completion pending"


@pytest.fixture
def world(app, user, admin):
    """Rita (the `user` fixture) is mentored by Marco; Olga is neither; Ada is an admin."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor_user = make_user(email="marco@example.com", full_name="Marco Mentor")
        profile = make_profile(mentor_user, areas=[area], capacity=2, monthly_hours=6)
        outsider = make_user(email="olga@example.com", full_name="Olga Outsider")
        mentorship_id = start_mentorship(user.id, profile.id, area.id, days_ago=40)
        return SimpleNamespace(area=area, mentee=user, mentor_user=mentor_user,
                               profile=profile, outsider=outsider, admin=admin,
                               mentorship_id=mentorship_id)


def load(world):
    db.session.expire_all()
    return db.session.get(Mentorship, world.mentorship_id)


def people(world):
    mentorship = load(world)
    return mentorship, mentorship.mentee, mentorship.profile.user


def propose(world, days_ago=0, side="mentee"):
    """`side` proposes completing, `days_ago` days ago."""
    mentorship, mentee, mentor = people(world)
    services.propose_completion(mentorship, actor=mentee if side == "mentee" else mentor,
                                now=utcnow() - timedelta(days=days_ago))
    db.session.commit()


def unread(user_id, kind):
    return db.session.scalars(select(Notification.link).where(
        Notification.user_id == user_id, Notification.kind == kind,
        Notification.read_at.is_(None))).all()


def completed_on_roll(profile_id):
    return {profile.id: completed for profile, completed, _hours in honor_roll()}.get(
        profile_id, 0)


def completion_rate():
    return dashboard(Period.last_days(30), [], []).overall.completion_rate


# The services ----------------------------------------------------------------------------

class TestPropose:
    def test_proposing_records_who_and_when_and_tells_the_other_side(self, request_ctx,
                                                                      world):
        propose(world)
        mentorship = load(world)
        assert mentorship.status == ACTIVE and mentorship.completion_pending
        assert mentorship.completion_proposed_by_id == world.mentee.id
        assert mentorship.completion_counts_on == (
            mentorship.completion_proposed_at + timedelta(days=COMPLETION_OBJECTION_DAYS))
        assert mentorship.shown_state(utcnow()) == COMPLETION_PENDING
        assert unread(world.mentor_user.id, "completion_proposed") == [
            f"/mentorships/{world.mentorship_id}"]
        notice = db.session.scalar(select(Notification).where(
            Notification.kind == "completion_proposed"))
        assert notice.params == {"days": COMPLETION_OBJECTION_DAYS}

    def test_a_pending_completion_does_not_count_anywhere(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS - 1)
        assert completed_on_roll(world.profile.id) == 0
        assert completion_rate() is None
        assert dashboard(Period.last_days(30), [], []).overall.active_mentorships == 1
        mentorship = load(world)
        assert mentorship.shown_state(utcnow()) == COMPLETION_PENDING
        assert db.session.get(MentorProfile, world.profile.id).active_mentees == 1

    def test_the_proposer_cannot_propose_again_nor_answer(self, request_ctx, world):
        propose(world)
        mentorship, mentee, _mentor = people(world)
        with pytest.raises(MentorshipError, match="already proposed"):
            services.propose_completion(mentorship, actor=mentee)
        with pytest.raises(MentorshipError, match="the other side confirms"):
            services.confirm_completion(mentorship, actor=mentee)
        with pytest.raises(MentorshipError, match="the other side confirms"):
            services.object_to_completion(mentorship, actor=mentee, reason=OBJECTION)
        db.session.rollback()
        assert load(world).status == ACTIVE

    def test_someone_else_cannot_propose(self, request_ctx, world):
        mentorship = load(world)
        for who in (world.outsider, world.admin):
            with pytest.raises(MentorshipError):
                services.propose_completion(mentorship, actor=db.session.merge(who))
        db.session.rollback()
        assert load(world).completion_proposed_at is None

    def test_nothing_to_answer_without_a_proposal(self, request_ctx, world):
        mentorship, _mentee, mentor = people(world)
        with pytest.raises(MentorshipError, match="No completion is waiting"):
            services.confirm_completion(mentorship, actor=mentor)

    def test_proposing_what_the_other_side_proposed_completes_it(self, request_ctx, world):
        propose(world, side="mentor")
        mentorship, mentee, _mentor = people(world)
        assert services.propose_completion(mentorship, actor=mentee) is True
        db.session.commit()
        assert load(world).status == COMPLETED


class TestConfirm:
    def test_confirming_completes_it_and_it_counts(self, request_ctx, world):
        propose(world)
        mentorship, _mentee, mentor = people(world)
        services.confirm_completion(mentorship, actor=mentor)
        db.session.commit()
        mentorship = load(world)
        assert (mentorship.status, mentorship.ended_at is not None) == (COMPLETED, True)
        assert mentorship.shown_state(utcnow()) == COMPLETED
        assert completed_on_roll(world.profile.id) == 1
        assert completion_rate() == 1.0
        assert db.session.get(MentorProfile, world.profile.id).active_mentees == 0
        # The proposer is told; the confirmer's request to confirm is handled.
        assert unread(world.mentee.id, "mentorship_completed") == [
            f"/mentorships/{world.mentorship_id}"]
        assert unread(world.mentor_user.id, "completion_proposed") == []


class TestObject:
    def test_objecting_needs_a_reason(self, request_ctx, world):
        propose(world)
        mentorship, _mentee, mentor = people(world)
        with pytest.raises(MentorshipError, match="Say why"):
            services.object_to_completion(mentorship, actor=mentor, reason="  ")
        db.session.rollback()
        assert load(world).completion_pending

    def test_objecting_goes_back_to_active_and_tells_the_proposer(self, request_ctx, world):
        propose(world)
        mentorship, mentee, mentor = people(world)
        services.object_to_completion(mentorship, actor=mentor, reason=f"  {OBJECTION} ")
        db.session.commit()
        mentorship = load(world)
        assert (mentorship.status, mentorship.completion_pending) == (ACTIVE, False)
        assert (mentorship.completion_objection, mentorship.completion_objected_at
                is not None) == (OBJECTION, True)
        assert unread(world.mentee.id, "completion_objected") == [
            f"/mentorships/{world.mentorship_id}"]
        assert unread(world.mentor_user.id, "completion_proposed") == []
        assert completed_on_roll(world.profile.id) == 0
        # It can be proposed again later, and then counts once confirmed.
        services.propose_completion(mentorship, actor=mentee)
        services.confirm_completion(load(world), actor=mentor)
        db.session.commit()
        assert load(world).status == COMPLETED

    def test_ending_early_while_pending_ends_it(self, request_ctx, world):
        propose(world)
        mentorship, _mentee, mentor = people(world)
        services.end_mentorship(mentorship, actor=mentor, reason=REASON)
        db.session.commit()
        assert load(world).status == ENDED
        assert completed_on_roll(world.profile.id) == 0
        assert completion_rate() == 0.0


class TestNoObjection:
    def test_after_the_objection_period_it_counts_before_it_is_settled(self, request_ctx,
                                                                        world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        mentorship = load(world)
        assert mentorship.status == ACTIVE  # not settled yet…
        assert mentorship.shown_state(utcnow()) == COMPLETED  # …but it reads as completed
        assert completed_on_roll(world.profile.id) == 1
        assert completion_rate() == 1.0
        overall = dashboard(Period.last_days(30), [], []).overall
        assert (overall.active_mentorships, overall.overdue_check_ins) == (0, 0)

    def test_it_counts_in_the_period_it_began_to_count(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 2)  # counts since 2 days ago
        today = utcnow().date()
        before = Period(start=today - timedelta(days=30), end=today - timedelta(days=3))
        assert dashboard(before, [], []).overall.completion_rate is None
        assert dashboard(Period.last_days(3), [], []).overall.completion_rate == 1.0

    def test_settling_records_it_and_frees_the_place(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        mentorship = load(world)
        proposed_at = mentorship.completion_proposed_at
        assert services.settle_completion(mentorship) is True
        db.session.commit()
        mentorship = load(world)
        assert mentorship.status == COMPLETED
        assert mentorship.ended_at == proposed_at + timedelta(days=COMPLETION_OBJECTION_DAYS)
        assert db.session.get(MentorProfile, world.profile.id).active_mentees == 0
        assert completed_on_roll(world.profile.id) == 1
        for user in (world.mentee, world.mentor_user):
            assert unread(user.id, "completion_settled") == [
                f"/mentorships/{world.mentorship_id}"]
        assert unread(world.mentor_user.id, "completion_proposed") == []
        assert services.settle_completion(mentorship) is False  # once

    def test_all_lapsed_completions_are_settled_at_once(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        assert services.settle_lapsed_completions() == 1
        db.session.commit()
        assert load(world).status == COMPLETED
        assert services.settle_lapsed_completions() == 0

    def test_the_hourly_command_settles_them(self, app, request_ctx, world, runner):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        db.session.commit()
        result = runner.invoke(args=["send-reminders"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("completion_settled: 1, ")
        db.session.expire_all()
        assert load(world).status == COMPLETED
        assert db.session.get(MentorProfile, world.profile.id).active_mentees == 0

    def test_nothing_settles_within_the_period(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS - 1)
        assert services.settle_completion(load(world)) is False
        assert services.settle_completions_of(db.session.merge(world.mentee)) == 0
        assert load(world).status == ACTIVE

    def test_the_time_to_object_has_passed(self, request_ctx, world):
        propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        mentorship, _mentee, mentor = people(world)
        with pytest.raises(MentorshipError, match="time to object has passed"):
            services.object_to_completion(mentorship, actor=mentor, reason=OBJECTION)


# The pages -------------------------------------------------------------------------------

def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.get_data(as_text=True)


def finishing(html):
    match = re.search(r'<section aria-labelledby="finish-title".*?</section>', html, re.S)
    return match.group(0) if match else ""


class TestPages:
    def url(self, world, action=""):
        return f"/mentorships/{world.mentorship_id}{action}"

    def test_complete_and_end_early_sit_behind_a_confirmation_step(self, app, world):
        mentee = login_client(app, world.mentee.email)
        html = finishing(page(mentee, self.url(world)))
        complete = re.search(r"<details>\s*<summary>The goal is reached: complete the "
                             r"mentorship</summary>(.*?)</details>", html, re.S)
        assert complete and f'action="{self.url(world, "/complete")}"' in complete.group(1)
        assert "Marco Mentor will be asked to confirm." in complete.group(1)
        end = re.search(r"<details>\s*<summary>End the mentorship early</summary>"
                        r"(.*?)</details>", html, re.S)
        assert end and 'class="button button-danger"' in end.group(1)
        # No form of the section lies outside a disclosure.
        assert html.count("<form") == html.count("<details") == 2

    def test_proposing_from_the_page(self, app, world):
        mentee = login_client(app, world.mentee.email)
        response = mentee.submit(self.url(world, "/complete"))
        assert redirected_to(response, self.url(world))
        assert flashed(mentee) == [PROPOSED]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.completion_proposed_by_id) == (
                ACTIVE, world.mentee.id)
        own = page(mentee, self.url(world))
        assert f'<span class="tag">{PENDING_LABEL}</span>' in own
        assert "You proposed on" in finishing(own)
        assert "/complete/confirm" not in own
        listed = page(mentee, "/mentoring")
        assert PENDING_LABEL in listed
        # Twice: refused, nothing changes.
        mentee.submit(self.url(world, "/complete"))
        assert flashed(mentee) == ["You have already proposed to complete this mentorship: "
                                   "the other side is asked to confirm it."]

    def test_the_other_side_confirms_from_the_page_and_home(self, app, world):
        with app.test_request_context():
            propose(world)
        mentor = login_client(app, world.mentor_user.email)
        home = page(mentor, "/home")
        assert "Completions to confirm" in home
        assert f'href="{self.url(world)}#finishing"' in home
        html = finishing(page(mentor, self.url(world)))
        assert "Rita Rep proposes to complete the mentorship: the goal is reached." in html
        assert f'action="{self.url(world, "/complete/confirm")}"' in html
        response = mentor.submit(self.url(world, "/complete/confirm"))
        assert redirected_to(response, self.url(world))
        assert flashed(mentor) == [COMPLETED_FLASH]
        with app.app_context():
            assert get(Mentorship, world.mentorship_id).status == COMPLETED
            assert unread(world.mentor_user.id, "completion_proposed") == []
        assert "Completions to confirm" not in page(mentor, "/home")

    def test_the_other_side_objects_from_the_page(self, app, world):
        with app.test_request_context():
            propose(world)
        mentor = login_client(app, world.mentor_user.email)
        response = mentor.submit(self.url(world, "/complete/object"), data={"reason": "no"})
        assert response.status_code == 422
        assert ("Write at least 10 characters so the other side understands what is "
                "missing.") in response.get_data(as_text=True)
        with app.app_context():
            assert get(Mentorship, world.mentorship_id).completion_pending
        response = mentor.submit(self.url(world, "/complete/object"),
                                 data={"reason": OBJECTION})
        assert redirected_to(response, self.url(world))
        assert flashed(mentor) == [
            "You objected: the mentorship goes on, and Rita Rep is told why."]
        with app.app_context():
            mentorship = get(Mentorship, world.mentorship_id)
            assert (mentorship.status, mentorship.completion_pending,
                    mentorship.completion_objection) == (ACTIVE, False, OBJECTION)
            assert unread(world.mentee.id, "completion_objected")
        mentee = login_client(app, world.mentee.email)
        html = finishing(page(mentee, self.url(world)))
        assert "Marco Mentor objected to completing the mentorship:" in html
        assert OBJECTION in html

    def test_the_page_settles_a_completion_nobody_objected_to(self, app, world):
        with app.test_request_context():
            propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        mentor = login_client(app, world.mentor_user.email)
        html = page(mentor, self.url(world))
        assert '<span class="tag">Completed</span>' in html
        assert "Your feedback" in html
        with app.app_context():
            assert get(Mentorship, world.mentorship_id).status == COMPLETED

    def test_my_mentoring_settles_them_too(self, app, world):
        with app.test_request_context():
            propose(world, days_ago=COMPLETION_OBJECTION_DAYS + 1)
        mentee = login_client(app, world.mentee.email)
        assert PENDING_LABEL not in page(mentee, "/mentoring")
        with app.app_context():
            assert get(Mentorship, world.mentorship_id).status == COMPLETED

    def test_the_mentees_home(self, app, world):
        """The mentee's next action: answer the mentor's proposal; once the time to
        object has passed, leave feedback on a completed mentorship."""
        with app.test_request_context():
            propose(world, side="mentor")
        mentee = login_client(app, world.mentee.email)
        home = page(mentee, "/home")
        assert "Marco Mentor proposes to complete the mentorship. Confirm it, or object" in home
        assert f'href="{self.url(world)}#finishing">Confirm or object</a>' in home
        with app.app_context():
            db.session.execute(update(Mentorship).where(Mentorship.id == world.mentorship_id)
                               .values(completion_proposed_at=utcnow() - timedelta(days=8)))
            db.session.commit()
        home = page(mentee, "/home")
        assert "Confirm or object" not in home
        feedback = re.search(r'<section aria-labelledby="feedback-title".*?</section>', home,
                             re.S).group(0)
        assert "Marco Mentor</strong> · Completed" in feedback

    def test_outsiders_get_404_and_nothing_changes(self, app, world):
        outsider = login_client(app, world.outsider.email)
        for action in ("/complete", "/complete/confirm", "/complete/object"):
            assert outsider.submit(self.url(world, action),
                                   data={"reason": OBJECTION}).status_code == 404
        with app.app_context():
            assert get(Mentorship, world.mentorship_id).completion_proposed_at is None

    def test_italian(self, app, world):
        with app.test_request_context():
            propose(world)
            db.session.execute(update(User).where(User.id == world.mentor_user.id)
                               .values(language="it"))
            db.session.commit()
        client = login_client(app, world.mentor_user.email)
        html = page(client, self.url(world))
        assert_italian_ui(app, html, [PENDING_LABEL, "Confirm: the goal is reached",
                                      "Object: the goal is not reached yet",
                                      "Object and go on", "End the mentorship early",
                                      "End the mentorship now"])


class TestDayZero:
    def test_a_new_mentorship_reads_well(self, app, world):
        with app.app_context():
            fresh_id = start_mentorship(world.outsider.id, world.profile.id, world.area.id)
        mentor = login_client(app, world.mentor_user.email)
        html = page(mentor, f"/mentorships/{fresh_id}")
        assert "No hours logged yet" in html
        assert "0 h of the 0 h" not in html and "0 of about 0" not in html
        assert "None yet" in html

    def test_forty_days_in_with_nothing_logged(self, app, world):
        mentee = login_client(app, world.mentee.email)
        html = page(mentee, f"/mentorships/{world.mentorship_id}")
        assert re.search(r"No hours logged yet, of the [\d.]+ h committed to date", html)
        assert "None yet, about 2 expected by now" in html

    def test_my_mentoring_without_requests(self, app, world):
        mentee = login_client(app, world.mentee.email)
        html = page(mentee, "/mentoring")
        assert "0 requests" not in html
        assert "No request you sent is waiting for an answer." in html


def test_pending_completions_are_not_overdue(request_ctx, world):
    """No check-in is expected once a completion is proposed: no overdue flag."""
    with_overdue = load(world)
    db.session.execute(update(Mentorship).where(Mentorship.id == with_overdue.id)
                       .values(completion_proposed_at=utcnow(),
                               completion_proposed_by_id=world.mentee.id))
    db.session.commit()
    mentorship = load(world)
    assert progress(mentorship, mentorship.check_ins).overdue is False
