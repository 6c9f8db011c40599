"""What an outside probe found in mail, notifications and the data export (issue 17,
items 4, 5, 6 and 15).

4. Nothing in the outbox opens an account: sent mail loses its bodies, and a mail whose
   link expired before it could leave is not sent.
5. A data export holds the user's own addresses only.
6. A deleted user's name leaves other people's notifications and the unsent mail.
15. Delivery is at least once, so every mail keeps one Message-ID across attempts, and
   `send-emails` drains a backlog within its time budget.

The mail leaves through the real outbox and `send-emails`, with the memory backend or a
real SMTP server (aiosmtpd) on a free local port; events are made through the services
and the pages, on SQLite or on PostgreSQL (TEST_DATABASE_URL).
"""

import email
import json
import re
import threading
import time
from datetime import timedelta
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from flask import current_app
from sqlalchemy import event, select, update
from werkzeug.security import check_password_hash

from marketplace.accounts import services as accounts
from marketplace.accounts.models import AccountToken, User
from marketplace.core import mail
from marketplace.core.clock import utcnow
from marketplace.core.mail import FAILED, PENDING, SENT, OutboxMail
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.invitations.models import Invitation
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import services as mentorships
from marketplace.mentorships.models import MentorshipRequest
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Notification
from marketplace.privacy.services import delete_account, export_data
from marketplace.vetting import services as vetting

from .builders import submit
from .factories import PASSWORD, make_area, make_profile, make_user
from .helpers import count, delivered, free_port, login_client

NEW_PASSWORD = "violet harbour lantern nine"
# Every one-time link the app mails: password reset, address confirmation, invitation.
LINK = re.compile(r"/(auth/reset|auth/verify|invitations)/([\w-]{20,})")
MENTEE_IP, MENTOR_IP, ADMIN_IP = "203.0.113.7", "198.51.100.9", "192.0.2.44"


# Helpers -------------------------------------------------------------------------------

def outbox_rows():
    """The outbox as it stands, detached, ending the reading transaction (on SQLite it
    would hold the lock the sender needs)."""
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    columns = [column.key for column in OutboxMail.__table__.columns]
    copies = [SimpleNamespace(**{key: getattr(row, key) for key in columns}) for row in rows]
    db.session.rollback()
    return copies


def links_in(rows):
    """(kind of link, token) of every one-time link anywhere in these outbox rows."""
    found = set()
    for row in rows:
        for value in vars(row).values():
            if isinstance(value, str):
                found.update(LINK.findall(value))
    return found


def link_works(kind, token):
    if kind == "auth/reset":
        return accounts.token_user(token, accounts.RESET) is not None
    if kind == "auth/verify":
        return accounts.token_user(token, accounts.VERIFY) is not None
    return invitations.invitation_for(token) is not None


def send_emails(an_app, *args):
    result = an_app.test_cli_runner().invoke(args=["send-emails", *args])
    assert result.exit_code == 0, result.output
    return result.output


def queue_plain(how_many):
    for number in range(1, how_many + 1):
        mail.queue(mail.Message(to=f"reader{number}@example.com", subject=f"Mail {number}",
                                text=f"Text {number}"))
    db.session.commit()


class LostReplySink:
    """An SMTP server that takes every message but, the first time, answers as if
    something went wrong after it had it: what a reply lost to a timeout looks like
    to the sender."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=policy.default))
            first = len(self.messages) == 1
        return "451 Local error, try again later" if first else "250 OK"


@pytest.fixture
def people(app):
    """Rita (a rep, Italian) and Ethan (an approved mentor, English); Ada the admin;
    Nina, an address not yet confirmed."""
    with app.app_context():
        area = make_area()
        rita = make_user(email="rita@example.com", full_name="Rita Rossi", language="it")
        ethan = make_user(email="ethan@example.com", full_name="Ethan Evans", language="en")
        profile = make_profile(ethan, areas=[area])
        ada = make_user(email="ada@example.com", full_name="Ada Admin", is_admin=True)
        nina = make_user(email="nina@example.com", full_name="Nina Nuova", verified=False)
    return SimpleNamespace(area=area, rita=rita, ethan=ethan, profile=profile, ada=ada,
                           nina=nina)


def queue_link_mails(people):
    """A password reset for Rita, a new confirmation link for Nina and an invitation
    from Rita, committed and waiting in the outbox."""
    accounts.request_password_reset(people.rita.email)
    accounts.send_verification(db.session.get(User, people.nina.id))
    invitations.invite(actor=db.session.get(User, people.rita.id), name="Marco Bianchi",
                       email="marco@outside.example.com", message="Teach me closing.",
                       language="en")
    db.session.commit()


# 4. One-time links do not stay in the outbox -------------------------------------------

class TestNoWorkingLinkAtRest:
    def test_after_send_emails_no_outbox_row_holds_a_working_link(self, quiet, people):
        with quiet.app_context():
            queue_link_mails(people)
            waiting = outbox_rows()
            assert {row.kind for row in waiting} == {"reset_password", "verify_email",
                                                     "invitation"}
            before = links_in(waiting)
            assert len(before) == 3 and all(link_works(*link) for link in before)

        assert "3 email(s) sent, 0 failed" in send_emails(quiet)

        with quiet.app_context():
            rows = outbox_rows()
            assert [(row.status, row.text, row.html) for row in rows] == [
                (SENT, None, None)] * 3
            assert links_in(rows) == set()
            # What support needs stays.
            for row in rows:
                assert row.to and row.subject and row.kind and row.message_id
                assert row.sent_at is not None and row.created_at is not None
        assert len(delivered(quiet)) == 3

    def test_a_reset_link_from_the_delivered_mail_still_works_once(self, quiet, people):
        with quiet.app_context():
            accounts.request_password_reset(people.rita.email)
            db.session.commit()
        send_emails(quiet)
        [message] = delivered(quiet)
        [(_kind, token)] = LINK.findall(message.text)
        link = f"/auth/reset/{token}"
        browser = quiet.test_client()
        assert 'name="password"' in browser.get(link).get_data(as_text=True)
        response = browser.submit(link, data={"password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
        assert response.status_code == 302 and response.location == "/home"
        with quiet.app_context():
            rita = db.session.get(User, people.rita.id)
            assert check_password_hash(rita.password_hash, NEW_PASSWORD)
        # Used up: a second time it no longer works.
        assert 'name="password"' not in browser.get(link).get_data(as_text=True)

    def test_a_link_mail_expired_before_it_could_leave_is_not_sent(self, quiet, people):
        with quiet.app_context():
            queue_link_mails(people)
            notifications.notify(db.session.get(User, people.ethan.id), "profile_approved",
                                 "/profile/mentor")
            db.session.commit()
            rows = {row.kind: row for row in outbox_rows()}
            # Each mail expires with its link.
            [token] = db.session.scalars(select(AccountToken).where(
                AccountToken.user_id == people.rita.id)).all()
            assert abs(rows["reset_password"].expires_at - token.expires_at) < timedelta(
                seconds=5)
            invitation = db.session.scalar(select(Invitation))
            assert rows["invitation"].expires_at == invitation.expires_at
            assert rows["notification"].expires_at is None
            db.session.rollback()

            # The SMTP server was down for two hours: the reset link (one hour) is dead,
            # the confirmation (two days) and the invitation (two weeks) still work.
            later = utcnow() + timedelta(hours=2)
            assert mail.send_due(now=later) == (3, 0)
            rows = {row.kind: row for row in outbox_rows()}
            reset = rows["reset_password"]
            assert (reset.status, reset.text, reset.html, reset.sent_at) == (
                FAILED, None, None, None)
            assert reset.last_error == mail.LINK_EXPIRED
            assert {rows[kind].status for kind in ("verify_email", "invitation",
                                                   "notification")} == {SENT}
            assert mail.send_due(now=later + timedelta(days=30)) == (0, 0)  # nothing left
        assert sorted(message.kind for message in delivered(quiet)) == [
            "invitation", "notification", "verify_email"]

    def test_an_expired_invitation_waiting_for_a_retry_is_dropped(self, quiet, people):
        with quiet.app_context():
            invitations.invite(actor=db.session.get(User, people.rita.id), name="Marco Bianchi",
                               email="marco@outside.example.com", message="Teach me.",
                               language="en")
            db.session.commit()
            db.session.execute(update(OutboxMail).values(attempts=3))
            db.session.commit()
            assert mail.send_due(now=utcnow() + timedelta(days=15)) == (0, 0)
            [row] = outbox_rows()
            assert (row.status, row.text, row.html) == (FAILED, None, None)
        assert delivered(quiet) == []


# 5. A data export holds no one else's address ------------------------------------------

class TestExportAddresses:
    @pytest.fixture
    def history(self, app, people):
        """Rita asks Ethan from her address; Ethan accepts from his; Ada suspends
        Ethan's profile from hers."""
        with app.app_context():
            with app.test_request_context(environ_base={"REMOTE_ADDR": MENTEE_IP}):
                request_id = submit(people.rita.id, people.profile.id, people.area.id)
            with app.test_request_context(environ_base={"REMOTE_ADDR": MENTOR_IP}):
                request = db.session.get(MentorshipRequest, request_id)
                mentorships.accept_request(request, actor=request.profile.user)
                db.session.commit()
            with app.test_request_context(environ_base={"REMOTE_ADDR": ADMIN_IP}):
                vetting.suspend(db.session.get(MentorProfile, people.profile.id),
                                actor=db.session.get(User, people.ada.id),
                                reason="Under review.")
                db.session.commit()
        return people

    def test_the_mentor_s_export_holds_no_address_of_the_mentee_or_the_admin(
            self, app, history):
        with app.app_context():
            data = export_data(db.session.get(User, history.ethan.id))
        text = json.dumps(data)
        assert MENTEE_IP not in text and ADMIN_IP not in text
        events = data["security_events"]
        own = [row for row in events if "ip" in row]
        assert {row["action"] for row in own} == {"request.accepted"}
        assert {row["ip"] for row in own} == {MENTOR_IP}
        # What others did to him: the event and its time, nothing about who.
        others = [row for row in events if "ip" not in row]
        assert {row["action"] for row in others} >= {"request.sent", "profile.suspended"}
        assert all(set(row) == {"action", "created_at"} for row in others)

    def test_the_mentee_s_export_holds_her_own_address_and_not_the_mentor_s(
            self, app, history):
        with app.app_context():
            data = export_data(db.session.get(User, history.rita.id))
        text = json.dumps(data)
        assert MENTOR_IP not in text and ADMIN_IP not in text
        [sent] = [row for row in data["security_events"] if row["action"] == "request.sent"]
        assert sent["ip"] == MENTEE_IP and sent["actor_id"] == history.rita.id
        [accepted] = [row for row in data["security_events"]
                      if row["action"] == "request.accepted"]
        assert set(accepted) == {"action", "created_at"}

    def test_the_export_page_gives_the_same(self, app, history):
        response = login_client(app, history.ethan.email).get("/account/export")
        assert response.status_code == 200
        assert MENTEE_IP not in response.get_data(as_text=True)


# 6. A deleted user's name leaves others' notifications and the unsent mail ---------------

def leave(user):
    delete_account(actor=db.session.get(User, user.id), password=PASSWORD)
    db.session.commit()


class TestDeletedUserName:
    @pytest.mark.parametrize("language, deleted_user", [("en", "Deleted user"),
                                                        ("it", "Utente eliminato")])
    def test_the_other_side_s_notifications_say_deleted_user(self, app, people, language,
                                                             deleted_user):
        with app.app_context():
            db.session.execute(update(User).where(User.id == people.ethan.id)
                               .values(language=language))
            db.session.commit()
            request_id = submit(people.rita.id, people.profile.id, people.area.id)
            request = db.session.get(MentorshipRequest, request_id)
            mentorships.decline_request(request, actor=request.profile.user,
                                        reason="no_time")
            db.session.commit()
            submit(people.rita.id, people.profile.id, people.area.id)
        browser = login_client(app, people.ethan.email)
        page = browser.get("/notifications").get_data(as_text=True)
        assert page.count("Rita Rossi") == 2  # two requests, before she leaves

        with app.app_context():
            leave(people.rita)
        page = browser.get("/notifications").get_data(as_text=True)
        assert "Rita" not in page
        assert page.count(deleted_user) == 2

    def test_older_notifications_holding_the_name_lose_it_too(self, app, people):
        """Notifications from before `person` existed kept the name in their params."""
        with app.app_context():
            ethan = db.session.get(User, people.ethan.id)
            db.session.add_all([
                Notification(user_id=ethan.id, kind="request_received", link="/requests",
                             params={"name": "Rita Rossi"}),
                Notification(user_id=ethan.id, kind="request_received", link="/requests",
                             params={"name": "Someone Else"})])
            db.session.commit()
            leave(people.rita)
            rows = db.session.scalars(select(Notification).order_by(Notification.id)).all()
            assert [(row.person_id, row.params) for row in rows] == [
                (people.rita.id, {}), (None, {"name": "Someone Else"})]
        page = login_client(app, people.ethan.email).get("/notifications").get_data(
            as_text=True)
        assert "Rita" not in page
        assert "Deleted user asked you for mentoring." in page
        assert "Someone Else asked you for mentoring." in page

    def test_no_unsent_mail_about_the_leaver_remains(self, app, quiet, people):
        with quiet.app_context():
            submit(people.rita.id, people.profile.id, people.area.id)  # mail to Ethan
        send_emails(quiet)
        with quiet.app_context():
            # A second event about Rita waits in the outbox; one about someone else too.
            ethan = db.session.get(User, people.ethan.id)
            notifications.notify(ethan, "check_in_overdue", "/mentorships/1",
                                 person=db.session.get(User, people.rita.id),
                                 due_date="2026-11-22")
            notifications.notify(ethan, "profile_approved", "/profile/mentor")
            db.session.commit()
            assert count(OutboxMail, OutboxMail.about_user_id == people.rita.id,
                         OutboxMail.status == PENDING) == 1

            leave(people.rita)
            rows = outbox_rows()
            assert [row for row in rows if row.about_user_id == people.rita.id
                    and row.status != SENT] == []
            assert not any("Rita" in (value or "") for row in rows
                           for value in (row.subject, row.text, row.html))
            # The sent one stays, for support, without her name; the mail about no one
            # still leaves, with the notice that the request was closed.
            assert [(row.kind, row.status) for row in rows] == [
                ("notification", SENT), ("notification", PENDING),
                ("notification", PENDING)]
            assert rows[0].subject == "" and rows[0].about_user_id == people.rita.id
        send_emails(quiet)
        assert [message.subject for message in delivered(quiet)[1:]] == [
            "Your mentor profile is approved",
            "Request closed: the other person deleted their account"]

    def test_an_invitation_queued_by_the_leaver_is_gone(self, app, quiet, people):
        with quiet.app_context():
            invitations.invite(actor=db.session.get(User, people.rita.id), name="Marco Bianchi",
                               email="marco@outside.example.com",
                               message="Rita here: teach me closing.", language="en")
            db.session.commit()
            [row] = outbox_rows()
            assert (row.about_user_id, row.status) == (people.rita.id, PENDING)
            leave(people.rita)
            assert outbox_rows() == []
        assert "0 email(s) sent" in send_emails(quiet)
        assert delivered(quiet) == []

    def test_reading_notifications_is_a_constant_number_of_statements(self, app, people):
        def statements_for(how_many):
            with app.app_context():
                reader = make_user(full_name="Reader")
                for number in range(how_many):
                    person = make_user(full_name=f"Person {number}")
                    notifications.notify(db.session.get(User, reader.id),
                                         "request_received", "/requests",
                                         person=db.session.get(User, person.id))
                db.session.commit()
                browser = login_client(app, reader.email)
                statements = []

                def record(*args):
                    statements.append(args[2])

                event.listen(db.engine, "before_cursor_execute", record)
                try:
                    page = browser.get("/notifications").get_data(as_text=True)
                finally:
                    event.remove(db.engine, "before_cursor_execute", record)
            assert f"Person {how_many - 1}" in page
            return len(statements)

        assert statements_for(2) == statements_for(20)


# 15. At least once, with one Message-ID; a backlog drains in one run ---------------------

class TestDelivery:
    def test_a_retried_mail_carries_the_same_message_id(self, app, make_app, people):
        sink = LostReplySink()
        port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            smtp_app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                                MAIL_PORT=port, MAIL_SEND_IMMEDIATELY=False)
            with smtp_app.app_context():
                notifications.notify(db.session.get(User, people.ethan.id),
                                     "profile_approved", "/profile/mentor")
                db.session.commit()
                [row] = outbox_rows()
                assert re.fullmatch(r"<[^@<>\s]+@localhost>", row.message_id)
                now = utcnow() + timedelta(seconds=1)
                assert mail.send_due(now=now) == (0, 1)  # the server had it, though
                assert mail.send_due(now=now + mail.BACKOFF[0]) == (1, 0)
                [row] = outbox_rows()
                assert (row.status, row.attempts) == (SENT, 2)
        finally:
            controller.stop()
        first, second = sink.messages
        assert first["Message-ID"] == second["Message-ID"] == row.message_id
        assert first["Subject"] == second["Subject"]

    def test_every_mail_gets_its_own_message_id_when_queued(self, app, app_ctx):
        queue_plain(3)
        ids = [row.message_id for row in outbox_rows()]
        assert len(set(ids)) == 3 and all(re.fullmatch(r"<\S+@localhost>", i) for i in ids)

    def test_the_message_id_falls_back_to_the_sender_s_domain(self, make_app, app):
        other = make_app(SERVER_NAME=None,
                         MAIL_DEFAULT_SENDER="Mentor Marketplace <mentors@sales.example.com>")
        with other.app_context():
            assert mail.new_message_id().endswith("@sales.example.com>")
            assert current_app.config["SERVER_NAME"] is None

    def test_one_run_sends_a_backlog_of_450(self, quiet):
        with quiet.app_context():
            queue_plain(450)
        assert "450 email(s) sent, 0 failed" in send_emails(quiet)
        with quiet.app_context():
            assert count(OutboxMail, OutboxMail.status != SENT) == 0
        assert len(delivered(quiet)) == 450

    def test_a_tiny_budget_stops_early_and_leaves_the_rest_waiting(self, quiet,
                                                                   monkeypatch):
        real_deliver = mail.deliver

        def slow_deliver(message):
            time.sleep(0.05)
            real_deliver(message)

        monkeypatch.setattr(mail, "deliver", slow_deliver)
        with quiet.app_context():
            queue_plain(30)
        output = send_emails(quiet, "--budget", "0.3")  # 30 mails take 1.5 s
        sent = len(delivered(quiet))
        assert sent < 30
        assert f"{sent} email(s) sent, 0 failed" in output
        with quiet.app_context():
            assert count(OutboxMail, OutboxMail.status == PENDING) == 30 - sent
        # The next run sends the rest, each once.
        send_emails(quiet)
        assert sorted(message.subject for message in delivered(quiet)) == sorted(
            f"Mail {number}" for number in range(1, 31))
