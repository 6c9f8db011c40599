"""A user's own data: everyone can download all of it as JSON and delete their account.

Deleting anonymises: personal data goes, open requests close, active mentorships end
and free the mentor's place, sessions end, and the other side keeps the history under
"Deleted user".
"""

import json

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.accounts.models import AccountToken, User
from marketplace.accounts.services import AccountError, request_password_reset
from marketplace.core.audit import AuditEvent
from marketplace.core.mail import OutboxMail
from marketplace.extensions import db
from marketplace.mentors.models import SUSPENDED, MentorProfile, ProfileRevision
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import (
    ACTIVE,
    COMPLETED,
    ENDED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    CheckIn,
    Feedback,
    Mentorship,
    MentorshipRequest,
)
from marketplace.notifications.models import Notification
from marketplace.privacy.services import delete_account, export_data
from marketplace.stories.models import SuccessStory

from .builders import submit
from .factories import (
    PASSWORD,
    make_area,
    make_mentorship,
    make_profile,
    make_story,
    make_user,
)
from .helpers import count, flashed, get

DELETED = "Your account has been deleted. Thank you for taking part."
WRONG_PASSWORD = "Your password is incorrect."
ONLY_ADMIN = ("You are the only admin. Make someone else an admin before you delete your "
              "account.")


@pytest.fixture
def world(app):
    """Rita (the leaver) is a mentee of Marco and the mentor of Nina; she has an open
    request to Olga and an open request from Paolo; a story of a completed mentorship
    with Marco; a reset link; notifications; Luca reports to her."""
    with app.app_context():
        area = make_area()
        rita = make_user(email="rita@example.com", full_name="Rita Rep", region="it-north",
                         job_title="Account manager")
        make_user(email="team@example.com", is_admin=True)
        marco = make_user(email="marco@example.com", full_name="Marco Mentor")
        olga = make_user(email="olga@example.com", full_name="Olga Mentor")
        nina = make_user(email="nina@example.com", full_name="Nina Newcomer")
        luca = make_user(email="luca@example.com", full_name="Luca Report",
                         manager_id=rita.id)
        paolo = make_user(email="paolo@example.com", full_name="Paolo Prospect")
        marco_profile = make_profile(marco, areas=[area], capacity=3)
        olga_profile = make_profile(olga, areas=[area])
        rita_profile = make_profile(rita, areas=[area], capacity=3, monthly_hours=8,
                                    content={"bio_it": "Biografia di Rita. " * 6,
                                             "headline_it": "Titolo di Rita"})
        completed = make_mentorship(rita, marco_profile, area, status=COMPLETED,
                                    confirmed_minutes=[60])
        make_story(completed)
        as_mentee = make_mentorship(rita, marco_profile, area, confirmed_minutes=[45])
        as_mentor = make_mentorship(nina, rita_profile, area, confirmed_minutes=[30])
        sent = submit(rita.id, olga_profile.id, area.id)
        received = submit(paolo.id, rita_profile.id, area.id)
        mentorship = db.session.get(Mentorship, completed.id)
        mentoring.leave_feedback(mentorship, actor=mentorship.mentee, rating=5,
                                 comment="Rita came prepared every time.")
        request_password_reset("rita@example.com")
        db.session.commit()
        return {"area": area, "rita": rita, "marco": marco, "olga": olga, "nina": nina,
                "luca": luca, "paolo": paolo, "rita_profile": rita_profile,
                "marco_profile": marco_profile,
                "completed": completed, "as_mentee": as_mentee, "as_mentor": as_mentor,
                "sent": sent, "received": received}


# Export --------------------------------------------------------------------------------

def test_export_holds_the_users_data_and_no_secret(app, world):
    with app.app_context():
        rita = get(User, world["rita"].id)
        data = export_data(rita)
        assert data["account"]["email"] == "rita@example.com"
        assert data["account"]["full_name"] == "Rita Rep"
        assert data["account"]["job_title"] == "Account manager"
        assert data["mentor_profile"]["id"] == world["rita_profile"].id
        assert data["mentor_profile"]["revisions"][0]["headline_it"] == "Titolo di Rita"
        assert {row["id"] for row in data["requests"]} >= {world["sent"], world["received"]}
        assert {row["id"] for row in data["mentorships"]} == {
            world["completed"].id, world["as_mentee"].id, world["as_mentor"].id}
        assert sorted(row["minutes"] for row in data["check_ins"]) == [30, 45, 60]
        # Her region when she asked is hers; her mentees' regions are not.
        for row in data["requests"] + data["mentorships"]:
            if row["mentee_id"] == rita.id:
                assert row["mentee_region"] == "it-north"
            else:
                assert "mentee_region" not in row
        assert {row["mentee_id"] for row in data["requests"]} > {rita.id}
        assert data["feedback_given"][0]["comment"] == "Rita came prepared every time."
        assert data["success_stories"][0]["title"] == "A plan for every account"
        assert any(row["action"] == "account.password_reset_requested"
                   or row["action"].startswith("request.") for row in data["security_events"])
        text = json.dumps(data)
        assert "password_hash" not in text and "session_token" not in text
        assert rita.password_hash not in text and rita.session_token not in text
        assert "token_hash" not in text


def test_export_of_another_user_holds_nothing_of_rita(app, world):
    with app.app_context():
        data = export_data(get(User, world["olga"].id))
        assert data["account"]["email"] == "olga@example.com"
        assert data["mentor_profile"]["id"] != world["rita_profile"].id
        assert "Rita came prepared" not in json.dumps(data)
        assert [row["id"] for row in data["mentorships"]] == []


def test_export_view_downloads_json(app, client, auth, world):
    auth.login("rita@example.com")
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "rita@example.com"


def test_export_needs_login(client):
    response = client.get("/account/export")
    assert response.status_code == 302 and "/auth/login" in response.location


# Deleting: the service --------------------------------------------------------------------

def test_delete_anonymises_and_closes_everything(app, world):
    with app.app_context():
        rita = get(User, world["rita"].id)
        assert get(MentorshipRequest, world["sent"]).mentee_region == "it-north"
        delete_account(actor=rita, password=PASSWORD)
        db.session.commit()

        rita = get(User, world["rita"].id)
        assert rita.email == f"deleted-{rita.id}@deleted.invalid"
        assert rita.stored_name == "" and rita.full_name == "Deleted user"
        assert (rita.region, rita.job_title, rita.company, rita.manager_id) == (
            None, None, None, None)
        assert rita.interests == [] and not rita.active and not rita.is_admin
        assert rita.is_deleted
        with force_locale("it"):
            assert rita.full_name == "Utente eliminato"
        assert get(User, world["luca"].id).manager_id is None
        # Nor do the dashboard's figures by region count her any more.
        for model in (MentorshipRequest, Mentorship):
            assert count(model, model.mentee_id == rita.id) > 0
            assert count(model, model.mentee_id == rita.id, model.mentee_region.is_not(None)) == 0

        # Requests closed, mentorships ended, places and hours freed.
        assert get(MentorshipRequest, world["sent"]).status == WITHDRAWN
        assert get(MentorshipRequest, world["received"]).status == EXPIRED
        assert get(Mentorship, world["as_mentee"].id).status == ENDED
        assert get(Mentorship, world["as_mentor"].id).status == ENDED
        assert get(Mentorship, world["completed"].id).status == COMPLETED
        marco_profile = get(MentorProfile, world["marco_profile"].id)
        assert (marco_profile.active_mentees, marco_profile.committed_hours) == (0, 0)
        profile = get(MentorProfile, world["rita_profile"].id)
        assert (profile.status, profile.accepting) == (SUSPENDED, False)
        assert (profile.active_mentees, profile.committed_hours) == (0, 0)
        assert (profile.working_style, profile.motivation) == ("", "")
        for revision in db.session.scalars(select(ProfileRevision).where(
                ProfileRevision.profile_id == profile.id)):
            assert (revision.headline_en, revision.headline_it, revision.bio_en,
                    revision.bio_it) == (None, None, None, None)

        # What only concerned her is gone; the shared history stays.
        assert count(SuccessStory) == 0
        assert count(AccountToken, AccountToken.user_id == rita.id) == 0
        assert count(Notification, Notification.user_id == rita.id) == 0
        assert count(OutboxMail, OutboxMail.user_id == rita.id) == 0
        assert count(OutboxMail, OutboxMail.to == "rita@example.com") == 0
        assert count(CheckIn) == 3 and count(Feedback) == 1

        # The others are told, without her name.
        for user_key, kind in (("olga", "request_closed_by_leaver"),
                               ("paolo", "request_closed_by_leaver"),
                               ("marco", "mentorship_ended_by_leaver"),
                               ("nina", "mentorship_ended_by_leaver")):
            [notification] = db.session.scalars(select(Notification).where(
                Notification.user_id == world[user_key].id, Notification.kind == kind))
            assert notification.params == {}
        [event] = db.session.scalars(select(AuditEvent)
                                     .where(AuditEvent.action == "account.deleted"))
        assert event.subject_id == rita.id
        assert event.details == {"requests_closed": 2, "mentorships_ended": 2}


def test_the_deleted_user_cannot_log_in_with_the_old_details(app, client, auth, world):
    with app.app_context():
        delete_account(actor=get(User, world["rita"].id), password=PASSWORD)
        db.session.commit()
    response = auth.login("rita@example.com")
    assert response.status_code != 302
    with app.app_context():
        assert count(User, User.email == "rita@example.com") == 0


def test_wrong_password_changes_nothing(app, world):
    with app.app_context():
        with pytest.raises(AccountError) as error:
            delete_account(actor=get(User, world["rita"].id), password="not my password at all")
        assert error.value.message == WRONG_PASSWORD
        db.session.rollback()
        rita = get(User, world["rita"].id)
        assert rita.email == "rita@example.com" and rita.active and not rita.is_deleted
        assert get(MentorshipRequest, world["sent"]).status == OPEN
        assert get(Mentorship, world["as_mentee"].id).status == ACTIVE


def test_the_only_admin_cannot_leave(app, admin):
    with app.app_context():
        with pytest.raises(AccountError) as error:
            delete_account(actor=get(User, admin.id), password=PASSWORD)
        assert error.value.message == ONLY_ADMIN


def test_an_admin_can_leave_when_another_admin_remains(app, admin):
    with app.app_context():
        make_user(email="second@example.com", is_admin=True)
        delete_account(actor=get(User, admin.id), password=PASSWORD)
        db.session.commit()
        assert get(User, admin.id).is_deleted


def test_a_deleted_account_cannot_be_reactivated(app, client, auth, admin, world):
    with app.app_context():
        delete_account(actor=get(User, world["rita"].id), password=PASSWORD)
        db.session.commit()
    auth.login(admin.email)
    response = client.submit(f"/admin/users/{world['rita'].id}/reactivate")
    assert response.status_code == 302
    assert flashed(client)[-1] == ("This account was deleted by its owner and cannot come "
                                   "back.")
    with app.app_context():
        assert not get(User, world["rita"].id).active


# Deleting: the page -------------------------------------------------------------------------

def test_delete_page_explains_and_asks_for_the_password(client, auth, world):
    auth.login("rita@example.com")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Deleting your account cannot be undone." in page
    assert 'name="password"' in page and 'autocomplete="current-password"' in page


def test_delete_page_in_italian(client, auth, world):
    auth.login("rita@example.com")
    client.submit("/language", data={"language": "it"})
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Elimina il tuo account" in page
    assert "Deleting your account cannot be undone." not in page


def test_delete_view_logs_out_and_ends_every_session(app, client, auth, world):
    other_device = app.test_client()
    other_device.submit("/auth/login", data={"email": "rita@example.com",
                                             "password": PASSWORD})
    assert other_device.get("/account").status_code == 200
    auth.login("rita@example.com")
    response = client.submit("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert flashed(client) == [DELETED]
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    with app.app_context():
        assert get(User, world["rita"].id).is_deleted


def test_delete_view_with_a_wrong_password(app, client, auth, world):
    auth.login("rita@example.com")
    response = client.submit("/account/delete", data={"password": "wrong password here"})
    assert response.status_code == 409
    assert WRONG_PASSWORD in response.get_data(as_text=True)
    with app.app_context():
        assert not get(User, world["rita"].id).is_deleted
    assert client.get("/account").status_code == 200


def test_delete_view_without_a_password(app, client, auth, world):
    auth.login("rita@example.com")
    response = client.submit("/account/delete", data={"password": ""})
    assert response.status_code == 422
    with app.app_context():
        assert not get(User, world["rita"].id).is_deleted


def test_guessing_the_password_on_the_delete_page_is_limited(app, client, auth, world):
    auth.login("rita@example.com")
    statuses = [client.submit("/account/delete", data={"password": f"guess number {n}"}
                              ).status_code for n in range(25)]
    assert 429 in statuses
    with app.app_context():
        assert not get(User, world["rita"].id).is_deleted


def test_the_other_side_keeps_the_history_under_deleted_user(app, client, auth, world):
    with app.app_context():
        # Feedback is blind until both sides have given theirs: Marco gives his.
        mentorship = get(Mentorship, world["completed"].id)
        mentoring.leave_feedback(mentorship, actor=mentorship.profile.user, rating=4)
        delete_account(actor=get(User, world["rita"].id), password=PASSWORD)
        db.session.commit()
    auth.login("marco@example.com")
    page = client.get(f"/mentorships/{world['completed'].id}").get_data(as_text=True)
    assert "Deleted user" in page and "Rita Rep" not in page
    assert "Rita came prepared every time." in page


def test_the_deleted_mentor_is_no_longer_listed(app, client, auth, world):
    with app.app_context():
        delete_account(actor=get(User, world["rita"].id), password=PASSWORD)
        db.session.commit()
    auth.login("paolo@example.com")
    assert client.get(f"/mentors/{world['rita_profile'].id}").status_code == 404
    assert "Rita" not in client.get("/mentors").get_data(as_text=True)
