"""Notifications in the app and the email outbox (issue 6): every email and
notification is in the recipient's language, whatever the language of who acted.

Events are made the real way, through marketplace.mentorships.services,
marketplace.vetting.services, marketplace.accounts.services and the reminders, with the
actor working in their own language, and every notification and email is checked in the
recipient's: the Italian expected here comes from the compiled catalog (force_locale +
gettext), never typed in. View tests check the status, the redirect, the flashed message
and the database.

The outbox is tested with the memory backend, and against a real SMTP server (aiosmtpd)
that the tests start and stop on a free local port. The concurrent senders are real
threads, each with its own application context (so its own session and connection), on
the suite's database: an SQLite file by default, PostgreSQL when TEST_DATABASE_URL is set.
"""

import email
import re
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from email import policy
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from babel.dates import format_datetime
from flask_babel import force_locale, format_date, ngettext
from markupsafe import escape
from sqlalchemy import func, select, update

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.core import mail
from marketplace.core.clock import add_months, utcnow
from marketplace.core.mail import FAILED, SENDING, SENT, OutboxMail
from marketplace.core.mail import PENDING as WAITING
from marketplace.extensions import db
from marketplace.mentors.models import (
    APPROVE,
    PENDING,
    REJECT,
    REQUEST_CHANGES,
    MentorProfile,
)
from marketplace.mentorships import services as mentorships
from marketplace.mentorships.models import (
    Mentorship,
    MentorshipRequest,
)
from marketplace.notifications import queries, services
from marketplace.notifications.models import Notification
from marketplace.notifications.reminders import send_reminders
from marketplace.program.models import FocusArea
from marketplace.vetting import services as vetting

from .builders import (
    GOAL,
    MEASURES,
    REASON,
    SITUATION,
    accept,
    redirected_to,
    request_fields,
    start_mentorship,
    submit,
    today,
    translate,
)
from .factories import make_area, make_profile, make_user
from .helpers import count, delivered, flashed, free_port, get, login_client

NOTES = "Please add the results of your last two years."

# What the app says, in English (the catalog's msgids): the Italian is looked up.
WORDS = {
    "request_received": "%(name)s asked you for mentoring.",
    "request_accepted": "%(name)s accepted your request for mentoring.",
    "request_declined": "%(name)s declined your request for mentoring.",
    "request_withdrawn": "%(name)s withdrew their request for mentoring.",
    "request_expired": "Your request to %(name)s expired without an answer.",
    "request_reminder": "%(name)s has been waiting for your answer for more than a week.",
    "account_approved": "The program team approved your account: welcome!",
    "profile_approved": "Your mentor profile is approved and listed.",
    "profile_changes_requested": "The program team asked for changes to your mentor "
                                 "profile.",
    "profile_rejected": "Your mentor profile was not approved.",
    "invited_mentor_approved": "%(name)s, whom you invited, is now an approved mentor: "
                               "you can send them your request.",
    "invitation_revoked": "The program team cancelled your invitation to %(name)s.",
    "approval_expiring": "The approval of your mentor profile runs out on "
                         "%(expiry_date)s: check that it is up to date.",
    "approval_expired": "The approval of your mentor profile has run out: it is being "
                        "reviewed again.",
    "mentorship_completed": "%(name)s confirmed that your mentorship is completed. Leave "
                            "your feedback.",
    "completion_proposed": "%(name)s proposes to complete your mentorship: the goal is "
                           "reached. Confirm it, or object within %(days)s days; without "
                           "an answer it counts as completed.",
    "completion_objected": "%(name)s objected to completing your mentorship: it goes on. "
                           "Their reason is on the mentorship page.",
    "completion_settled": "Your mentorship with %(name)s counts as completed: no objection "
                          "came within %(days)s days. Leave your feedback.",
    "check_in_to_confirm": "%(name)s logged a check-in: confirm that it took place.",
    "mentorship_ended": "%(name)s ended your mentorship early. Leave your feedback.",
    "check_in_overdue": "A check-in with %(name)s is overdue: it was due on %(due_date)s.",
    "story_consent_requested": "%(name)s wrote the success story of your mentorship and "
                               "asks you to agree to publish it.",
    "story_published": "The success story of your mentorship is published.",
    "story_returned": "The program team returned your success story with a note.",
    "request_closed_by_leaver": "A request was closed because the other person deleted "
                                "their account.",
    "mentorship_ended_by_leaver": "A mentorship ended because the other person deleted "
                                  "their account.",
}
# Each kind's mail subject: short, without a final full stop.
SUBJECTS = {
    "request_received": "New request for mentoring from %(name)s",
    "request_accepted": "%(name)s accepted your request",
    "request_declined": "%(name)s declined your request",
    "request_withdrawn": "%(name)s withdrew their request",
    "request_expired": "Your request expired without an answer",
    "request_reminder": "%(name)s is waiting for your answer",
    "account_approved": "Your account is approved",
    "profile_approved": "Your mentor profile is approved",
    "profile_changes_requested": "Your mentor profile needs changes",
    "profile_rejected": "Your mentor profile was not approved",
    "invited_mentor_approved": "%(name)s is now an approved mentor",
    "invitation_revoked": "Your invitation to %(name)s was cancelled",
    "approval_expiring": "The approval of your mentor profile runs out soon",
    "approval_expired": "The approval of your mentor profile has run out",
    "mentorship_completed": "Mentorship completed: leave your feedback",
    "completion_proposed": "%(name)s proposes to complete your mentorship",
    "completion_objected": "%(name)s objected: your mentorship goes on",
    "completion_settled": "Your mentorship with %(name)s is completed",
    "check_in_to_confirm": "Confirm the check-in logged by %(name)s",
    "mentorship_ended": "%(name)s ended your mentorship early",
    "check_in_overdue": "Overdue check-in with %(name)s",
    "story_consent_requested": "Success story: %(name)s asks for your consent",
    "story_published": "Your success story is published",
    "story_returned": "Your success story was returned with a note",
    "request_closed_by_leaver": "Request closed: the other person deleted their account",
    "mentorship_ended_by_leaver": "Mentorship ended: the other person deleted their "
                                  "account",
}
HELLO = "Hello %(name)s,"
CHOOSE_EMAILS = "You can choose which emails you receive here:"
RESET_SUBJECT = "Reset your password"
SAVED = "Your email choices have been saved."
MARKED = ("%(num)d notification marked as read.", "%(num)d notifications marked as read.")
EMPTY = ("No notifications yet. You will find here the answers to your requests, the "
         "outcome of reviews and reminders.")
SITE = "http://localhost"  # TestConfig: SERVER_NAME "localhost", scheme http
ZONES = {"it": "Europe/Rome", "en": "Europe/London"}
OTHER = {"it": "en", "en": "it"}


# Helpers -------------------------------------------------------------------------------

def say(app, language, kind, **params):
    """The words of a notification of `kind` for a reader of `language`; dates (ISO in
    the parameters) in the locale's long format."""
    with app.test_request_context(), force_locale(language):
        values = {name: format_date(date.fromisoformat(value), "long")
                  if name.endswith("_date") else value for name, value in params.items()}
    return translate(app, language, WORDS[kind], **values)


def headline(app, language, kind, **params):
    """The subject of a notification mail of `kind` for a reader of `language`."""
    names = {"name": params["name"]} if "%(name)s" in SUBJECTS[kind] else {}
    return translate(app, language, SUBJECTS[kind], **names)


@contextmanager
def acting_in(app, language):
    """A request in the actor's language, as when they click in the app: what the
    recipient gets must not follow it."""
    with app.test_request_context(), force_locale(language):
        yield


def last_id(model):
    return db.session.scalar(select(func.max(model.id))) or 0


def start_watching(outbox):
    """Forget the mail sent so far; the notifications after the returned id are new."""
    outbox.clear()
    return last_id(Notification)


def new_notifications(since):
    """(recipient, kind, link, the words' parameters) of each new notification; the
    person it names is kept as an account (never as a name in the parameters) and
    shows here as "name", their name now."""
    db.session.expire_all()
    told = []
    for n in db.session.scalars(
            select(Notification).where(Notification.id > since).order_by(Notification.id)):
        assert "name" not in n.params or n.person is None, n.params
        params = n.params if n.person is None else {**n.params, "name": n.person.full_name}
        told.append((n.user_id, n.kind, n.link, params))
    return told


def check_mail(app, message, recipient, text, link, subject):
    """A notification email: to the recipient, its subject, the words as body, the link,
    all in the recipient's language and none in the other."""
    language = recipient.language
    hello = translate(app, language, HELLO, name=recipient.first_name)
    url = SITE + link
    assert message.to == recipient.email
    assert message.subject == subject
    lines = message.text.splitlines()
    assert hello in lines and text in lines and url in lines
    assert (f"{translate(app, language, CHOOSE_EMAILS)} {SITE}/notifications"
            in message.text)
    assert translate(app, OTHER[language], HELLO, name=recipient.first_name) not in lines
    assert f'<html lang="{language}">' in message.html
    assert str(escape(text)) in message.html and f'href="{url}"' in message.html
    assert str(escape(hello)) in message.html


def assert_told(app, outbox, since, recipient, kind, link, **params):
    """The event told `recipient` alone: one notification, one email, in their language."""
    assert new_notifications(since) == [(recipient.id, kind, link, params)]
    text = say(app, recipient.language, kind, **params)
    assert len(outbox) == 1, [message.to for message in outbox]
    subject = headline(app, recipient.language, kind, **params)
    check_mail(app, outbox[0], recipient, text, link, subject)
    with app.test_request_context(), force_locale(recipient.language):
        assert services.words(kind, params) == text
    row = db.session.scalar(select(OutboxMail).where(OutboxMail.id == last_id(OutboxMail)))
    assert (row.user_id, row.to, row.subject, row.status) == (
        recipient.id, recipient.email, subject, SENT)


def set_request_created(request_id, when):
    db.session.execute(update(MentorshipRequest).where(MentorshipRequest.id == request_id)
                       .values(created_at=when))
    db.session.commit()


def set_profile(profile_id, **values):
    db.session.execute(update(MentorProfile).where(MentorProfile.id == profile_id)
                       .values(**values))
    db.session.commit()


def make_user_in(app, **fields):
    """A user made outside the test's own application context."""
    with app.app_context():
        return make_user(**fields)


def page_of(client, url="/notifications"):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def listed(page):
    """The notifications on the list page, in order: (id, text, marked new, time)."""
    block = re.search(r'<ul class="history notifications">(.*?)</ul>', page, re.S)
    if block is None:
        return []
    items = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S):
        items.append((
            int(re.search(r"/notifications/(\d+)/open", item).group(1)),
            re.search(r'class="link-button">(.*?)</button>', item, re.S).group(1).strip(),
            '<span class="tag">' in item,
            re.search(r'<p class="muted">(.*?)</p>', item, re.S).group(1).strip(),
        ))
    return items


def bell(app, language, count_):
    """The navigation link with its unread badge."""
    return (f'{escape(translate(app, language, "Notifications"))} <span class="badge">'
            f'{count_}<span class="visually-hidden"> '
            f'{escape(translate(app, language, "unread"))}</span></span>')


def checkbox(page, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no checkbox {name}"
    return "checked" in tag.group(0)


def queue_mails(count_):
    """Plain messages in the outbox ("Mail 1"…), committed: their ids."""
    ids = [mail.queue(mail.Message(to=f"reader{n}@example.com", subject=f"Mail {n}",
                                   text=f"Text {n}", html=f"<p>Text {n}</p>")).id
           for n in range(1, count_ + 1)]
    db.session.commit()
    return ids


def outbox_rows():
    """The outbox as it stands, as copies, ending the transaction that read it: on SQLite
    a transaction outside a request holds the write lock that the senders need."""
    columns = [column.key for column in OutboxMail.__table__.columns]
    rows = [SimpleNamespace(**{key: getattr(row, key) for key in columns})
            for row in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))]
    db.session.rollback()
    return rows


def outbox_row(mail_id):
    [row] = [row for row in outbox_rows() if row.id == mail_id]
    return row


def seconds(moment):
    """A time the database keeps exactly (no microseconds)."""
    return moment.replace(microsecond=0)


class Sink:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def subjects(self):
        return [message["Subject"] for _to, message in self.messages]


def run_senders(app, senders=2, **kwargs):
    """`senders` threads, each with its own app context, started together on send_due."""
    barrier = threading.Barrier(senders)
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(mail.send_due(**kwargs))
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    return results


# Fixtures ------------------------------------------------------------------------------

@pytest.fixture(params=[("it", "en"), ("en", "it")],
                ids=["italian-mentee-english-mentor", "english-mentee-italian-mentor"])
def pair(request, app):
    """A mentee and a listed mentor who read different languages, and an admin who
    reads the mentor's."""
    mentee_language, mentor_language = request.param
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentee = make_user(email="giulia@example.com", full_name="Giulia Greco",
                           language=mentee_language, timezone=ZONES[mentee_language])
        mentor = make_user(email="ethan@example.com", full_name="Ethan Evans",
                           language=mentor_language, timezone=ZONES[mentor_language])
        profile = make_profile(mentor, areas=[area], capacity=2, monthly_hours=6)
        admin = make_user(email="ada@example.com", full_name="Ada Admin", is_admin=True,
                          language=mentor_language)
    return SimpleNamespace(area=area, mentee=mentee, mentor=mentor, profile=profile,
                           admin=admin)


@pytest.fixture(params=["it", "en"])
def candidate(request, app):
    """A mentor whose profile waits for review, and an admin who reads the other
    language."""
    language = request.param
    with app.app_context():
        admin = make_user(email="ada@example.com", full_name="Ada Admin", is_admin=True,
                          language=OTHER[language])
        mentor = make_user(email="maria@example.com", full_name="Maria Mentor",
                           language=language, timezone=ZONES[language])
        profile = make_profile(mentor, status=PENDING)
    return SimpleNamespace(admin=admin, mentor=mentor, profile=profile)


@pytest.fixture
def smtp(app, make_app):
    """A real SMTP server on a free local port, not started yet, and an app that sends
    to it through the outbox only."""
    port = free_port()
    sink = Sink()
    running = []

    def start():
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)

    def stop():
        running.pop().stop()

    smtp_app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                        MAIL_SEND_IMMEDIATELY=False)
    yield SimpleNamespace(app=smtp_app, sink=sink, port=port, start=start, stop=stop)
    while running:
        stop()


# Each kind has its words, in both languages ---------------------------------------------

def test_every_kind_has_its_words_in_both_languages(app):
    assert {kind: message for kind, (message, _category) in services.KINDS.items()} == WORDS
    for kind in WORDS:
        params = {"name": "Giulia Greco", "expiry_date": "2026-11-22",
                  "due_date": "2026-11-22", "days": 7}
        used = {name: value for name, value in params.items() if f"%({name})s" in WORDS[kind]}
        italian, english = say(app, "it", kind, **used), say(app, "en", kind, **used)
        assert italian != english
        with app.test_request_context(), force_locale("it"):
            assert services.words(kind, used) == italian
    assert "22 novembre 2026" in say(app, "it", "approval_expiring", expiry_date="2026-11-22")
    assert "November 22, 2026" in say(app, "en", "check_in_overdue", name="X",
                                      due_date="2026-11-22")


# Requests ------------------------------------------------------------------------------

class TestRequestEvents:
    def test_received_tells_the_mentor_in_their_language(self, app, app_ctx, outbox, pair):
        since = start_watching(outbox)
        with acting_in(app, pair.mentee.language):
            request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        # At the request itself (issue 21, fix 9: answering it marks it read).
        assert_told(app, outbox, since, pair.mentor, "request_received",
                    f"/requests#request-{request_id}", name=pair.mentee.full_name)

    def test_accepted_tells_the_mentee(self, app, app_ctx, outbox, pair):
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        since = start_watching(outbox)
        with acting_in(app, pair.mentor.language):
            mentorship_id = accept(request_id)
        assert_told(app, outbox, since, pair.mentee, "request_accepted",
                    f"/mentorships/{mentorship_id}", name=pair.mentor.full_name)

    def test_declined_tells_the_mentee(self, app, app_ctx, outbox, pair):
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        since = start_watching(outbox)
        with acting_in(app, pair.mentor.language):
            request = db.session.get(MentorshipRequest, request_id)
            mentorships.decline_request(request, actor=request.profile.user,
                                        reason="no_time")
            db.session.commit()
        assert_told(app, outbox, since, pair.mentee, "request_declined", "/requests",
                    name=pair.mentor.full_name)

    def test_withdrawn_tells_the_mentor(self, app, app_ctx, outbox, pair):
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        since = start_watching(outbox)
        with acting_in(app, pair.mentee.language):
            request = db.session.get(MentorshipRequest, request_id)
            mentorships.withdraw_request(request, actor=request.mentee)
            db.session.commit()
        assert_told(app, outbox, since, pair.mentor, "request_withdrawn", "/requests",
                    name=pair.mentee.full_name)

    def test_expired_by_the_command_tells_the_mentee(self, app, app_ctx, outbox, pair,
                                                     runner):
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        set_request_created(request_id, utcnow() - timedelta(days=15))
        since = start_watching(outbox)
        result = runner.invoke(args=["expire-requests"])
        assert result.exit_code == 0, result.output
        assert "1 request(s) expired" in result.output
        assert_told(app, outbox, since, pair.mentee, "request_expired", "/requests",
                    name=pair.mentor.full_name)

    def test_expired_by_suspension_tells_the_mentee(self, app, app_ctx, outbox, pair):
        submit(pair.mentee.id, pair.profile.id, pair.area.id)
        since = start_watching(outbox)
        with acting_in(app, pair.admin.language):
            vetting.suspend(db.session.get(MentorProfile, pair.profile.id),
                            actor=db.session.get(User, pair.admin.id),
                            reason="Under investigation.")
            db.session.commit()
        assert_told(app, outbox, since, pair.mentee, "request_expired", "/requests",
                    name=pair.mentor.full_name)


# Vetting -------------------------------------------------------------------------------

class TestVettingEvents:
    @pytest.mark.parametrize("decision, kind", [
        (APPROVE, "profile_approved"),
        (REQUEST_CHANGES, "profile_changes_requested"),
        (REJECT, "profile_rejected"),
    ])
    def test_a_decision_tells_the_mentor(self, app, app_ctx, outbox, candidate, decision,
                                         kind):
        since = start_watching(outbox)
        with acting_in(app, candidate.admin.language):
            vetting.decide(db.session.get(MentorProfile, candidate.profile.id),
                           actor=db.session.get(User, candidate.admin.id),
                           decision=decision, notes=NOTES)
            db.session.commit()
        assert_told(app, outbox, since, candidate.mentor, kind, "/profile/mentor")

    def test_approval_expired_tells_the_mentor(self, app, app_ctx, outbox, runner, pair):
        set_profile(pair.profile.id, approval_expires_at=utcnow() - timedelta(hours=1))
        since = start_watching(outbox)
        result = runner.invoke(args=["expire-profiles"])
        assert result.exit_code == 0, result.output
        assert "1 profile(s) sent back to review" in result.output
        assert get(MentorProfile, pair.profile.id).status == PENDING
        assert_told(app, outbox, since, pair.mentor, "approval_expired", "/profile/mentor")


# Mentorships ---------------------------------------------------------------------------

class TestMentorshipEvents:
    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_completing_tells_each_side_in_turn(self, app, app_ctx, outbox, pair, side):
        """Issue 21, fix 2: the other side is asked to confirm; once they do, the
        proposer is told, and the question is marked read."""
        mentorship_id = start_mentorship(pair.mentee.id, pair.profile.id, pair.area.id)
        actor = getattr(pair, side)
        other = pair.mentor if side == "mentee" else pair.mentee
        since = start_watching(outbox)
        with acting_in(app, actor.language):
            mentorships.propose_completion(db.session.get(Mentorship, mentorship_id),
                                           actor=db.session.get(User, actor.id))
            db.session.commit()
        link = f"/mentorships/{mentorship_id}"
        assert_told(app, outbox, since, other, "completion_proposed", link,
                    name=actor.full_name, days=7)
        since = start_watching(outbox)
        with acting_in(app, other.language):
            mentorships.confirm_completion(db.session.get(Mentorship, mentorship_id),
                                           actor=db.session.get(User, other.id))
            db.session.commit()
        assert_told(app, outbox, since, actor, "mentorship_completed", link,
                    name=other.full_name)
        assert db.session.scalar(select(Notification.read_at).where(
            Notification.kind == "completion_proposed")) is not None

    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_an_objection_tells_the_proposer(self, app, app_ctx, outbox, pair, side):
        mentorship_id = start_mentorship(pair.mentee.id, pair.profile.id, pair.area.id)
        actor = getattr(pair, side)
        other = pair.mentor if side == "mentee" else pair.mentee
        mentorships.propose_completion(db.session.get(Mentorship, mentorship_id),
                                       actor=db.session.get(User, actor.id))
        db.session.commit()
        since = start_watching(outbox)
        with acting_in(app, other.language):
            mentorships.object_to_completion(db.session.get(Mentorship, mentorship_id),
                                             actor=db.session.get(User, other.id),
                                             reason=REASON)
            db.session.commit()
        assert_told(app, outbox, since, actor, "completion_objected",
                    f"/mentorships/{mentorship_id}", name=other.full_name)

    @pytest.mark.parametrize("side", ["mentee", "mentor"])
    def test_ending_early_tells_the_other_side(self, app, app_ctx, outbox, pair, side):
        mentorship_id = start_mentorship(pair.mentee.id, pair.profile.id, pair.area.id)
        actor = getattr(pair, side)
        other = pair.mentor if side == "mentee" else pair.mentee
        since = start_watching(outbox)
        with acting_in(app, actor.language):
            mentorships.end_mentorship(db.session.get(Mentorship, mentorship_id),
                                       actor=db.session.get(User, actor.id), reason=REASON)
            db.session.commit()
        assert_told(app, outbox, since, other, "mentorship_ended",
                    f"/mentorships/{mentorship_id}", name=actor.full_name)


# Account emails --------------------------------------------------------------------------

class TestAccountEmails:
    @pytest.mark.parametrize("language", ["it", "en"])
    def test_password_reset_goes_through_the_outbox_in_the_user_s_language(
            self, app, app_ctx, outbox, language):
        user = make_user(email="paola@example.com", full_name="Paola Papi", language=language)
        since = start_watching(outbox)
        with acting_in(app, OTHER[language]):  # the visitor's browser reads the other
            accounts.request_password_reset("Paola@Example.com")
            db.session.commit()
        [message] = outbox
        assert message.to == user.email
        assert message.subject == translate(app, language, RESET_SUBJECT)
        assert translate(app, language, HELLO, name=user.first_name) in message.text
        assert f"{SITE}/auth/reset/" in message.text
        assert f'<html lang="{language}">' in message.html
        [row] = outbox_rows()
        assert (row.user_id, row.to, row.status, row.attempts) == (user.id, user.email, SENT,
                                                                    1)
        assert row.sent_at is not None
        assert new_notifications(since) == []  # an account email, not a notification


# Through the pages: the actor's language never reaches the recipient ------------------

class TestThroughThePages:
    @pytest.fixture
    def people(self, app):
        with app.app_context():
            area = make_area("Negotiation", "Negoziazione")
            mentee = make_user(email="giulia@example.com", full_name="Giulia Greco",
                               language="it", timezone="Europe/Rome")
            mentor = make_user(email="ethan@example.com", full_name="Ethan Evans",
                               language="en", timezone="Europe/London")
            profile = make_profile(mentor, areas=[area], capacity=2, monthly_hours=6)
        return SimpleNamespace(area=area, mentee=mentee, mentor=mentor, profile=profile)

    def test_english_mentor_gets_english_when_italian_mentee_sends_a_request(
            self, app, outbox, people):
        mentee_browser = login_client(app, people.mentee.email)
        outbox.clear()
        response = mentee_browser.submit(f"/mentors/{people.profile.id}/request", data={
            "area": str(people.area.id), "goal": GOAL,
            "target_date": add_months(today(), 4).isoformat(),
            "current_situation": SITUATION, "success_measures": MEASURES,
            "hours_per_month": "2", "duration_months": "6", "cadence": "biweekly",
            "meeting_format": "video", "message": "", "acknowledge": "y"})
        assert redirected_to(response, "/requests")
        assert flashed(mentee_browser) == [translate(
            app, "it", "Your request has been sent to %(name)s. You will be told when they "
            "answer.", name=people.mentor.full_name)]
        english = say(app, "en", "request_received", name=people.mentee.full_name)
        [message] = outbox
        check_mail(app, message, people.mentor, english, "/requests#request-1",
                   headline(app, "en", "request_received", name=people.mentee.full_name))
        with app.app_context():
            assert [(n.user_id, n.kind, n.person_id, n.params) for n in db.session.scalars(
                select(Notification))] == [(people.mentor.id, "request_received",
                                            people.mentee.id, {})]
        mentor_page = page_of(login_client(app, people.mentor.email))
        assert [text for _id, text, _new, _when in listed(mentor_page)] == [
            str(escape(english))]

    def test_italian_mentee_gets_italian_when_english_mentor_accepts(self, app, outbox,
                                                                      people):
        with app.app_context():
            request_id = submit(people.mentee.id, people.profile.id, people.area.id)
        mentor_browser = login_client(app, people.mentor.email)
        outbox.clear()
        response = mentor_browser.submit(f"/requests/{request_id}/accept", data={"note": ""})
        assert redirected_to(response, "/requests")
        with app.app_context():
            mentorship_id = db.session.scalar(select(Mentorship.id))
        assert flashed(mentor_browser) == [
            f"You are now mentoring {people.mentee.full_name}. "
            f'<a href="/mentorships/{mentorship_id}">Open the mentorship</a>']
        with app.app_context():
            assert db.session.scalars(
                select(Notification.kind).where(Notification.user_id == people.mentee.id)
            ).all() == ["request_accepted"]
        italian = say(app, "it", "request_accepted", name=people.mentor.full_name)
        [message] = outbox
        check_mail(app, message, people.mentee, italian, f"/mentorships/{mentorship_id}",
                   headline(app, "it", "request_accepted", name=people.mentor.full_name))
        mentee_page = page_of(login_client(app, people.mentee.email))
        assert [text for _id, text, _new, _when in listed(mentee_page)] == [
            str(escape(italian))]


# Reminders -----------------------------------------------------------------------------

NOTHING = {"request_reminder": 0, "check_in_overdue": 0, "approval_expiring": 0}


class TestReminders:
    def test_a_request_waiting_more_than_a_week_reminds_the_mentor_once(
            self, app, app_ctx, outbox, pair):
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        now = utcnow()
        set_request_created(request_id, now - timedelta(days=7, hours=1))
        since = start_watching(outbox)
        assert send_reminders(now=now) == {**NOTHING, "request_reminder": 1}
        db.session.commit()
        assert_told(app, outbox, since, pair.mentor, "request_reminder",
                    f"/requests#request-{request_id}", name=pair.mentee.full_name)
        assert get(MentorshipRequest, request_id).reminded_at is not None
        # Again an hour later, and days later: the request was already reminded.
        since = start_watching(outbox)
        for later in (timedelta(hours=1), timedelta(days=5)):
            assert send_reminders(now=now + later) == NOTHING
            db.session.commit()
        assert new_notifications(since) == [] and outbox == []

    def test_recent_and_answered_requests_are_not_reminded(self, app, app_ctx, outbox,
                                                           pair):
        now = utcnow()
        recent = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        set_request_created(recent, now - timedelta(days=6, hours=23))
        other_mentor = make_user(full_name="Olga Other", language="it")
        other = make_profile(other_mentor, areas=[pair.area])
        answered = submit(pair.mentee.id, other.id, pair.area.id)
        accept(answered)
        set_request_created(answered, now - timedelta(days=10))
        since = start_watching(outbox)
        assert send_reminders(now=now) == NOTHING
        db.session.commit()
        assert new_notifications(since) == [] and outbox == []

    def test_an_overdue_check_in_tells_both_sides_once_per_due_date(self, app, app_ctx,
                                                                    outbox, pair):
        # Every two weeks, started 20 days ago, nothing logged: due on day 14, overdue
        # three days later.
        mentorship_id = start_mentorship(pair.mentee.id, pair.profile.id, pair.area.id,
                                         days_ago=20)
        due = today() - timedelta(days=6)
        now = utcnow()
        since = start_watching(outbox)
        assert send_reminders(now=now) == {**NOTHING, "check_in_overdue": 1}
        db.session.commit()
        link = f"/mentorships/{mentorship_id}"
        assert new_notifications(since) == [
            (pair.mentee.id, "check_in_overdue", link,
             {"name": pair.mentor.full_name, "due_date": due.isoformat()}),
            (pair.mentor.id, "check_in_overdue", link,
             {"name": pair.mentee.full_name, "due_date": due.isoformat()}),
        ]
        by_recipient = {message.to: message for message in outbox}
        assert len(outbox) == 2
        for person, other in ((pair.mentee, pair.mentor), (pair.mentor, pair.mentee)):
            check_mail(app, by_recipient[person.email], person,
                       say(app, person.language, "check_in_overdue", name=other.full_name,
                           due_date=due.isoformat()), link,
                       headline(app, person.language, "check_in_overdue",
                                name=other.full_name))
        assert get(Mentorship, mentorship_id).overdue_notice_for == due

        # Running again tells no one.
        since = start_watching(outbox)
        assert send_reminders(now=now + timedelta(hours=1)) == NOTHING
        db.session.commit()
        assert new_notifications(since) == [] and outbox == []

        # A check-in moves the due date on; once that one is missed too, both are told
        # again, about the new date.
        mentorship = db.session.get(Mentorship, mentorship_id)
        mentorships.log_check_in(mentorship, actor=mentorship.mentee,
                                 held_on=today() - timedelta(days=1), minutes=60,
                                 summary="We went through the account plan.")
        db.session.commit()
        since = start_watching(outbox)  # (the mentor is asked to confirm it)
        new_due = today() - timedelta(days=1) + timedelta(days=14)
        assert send_reminders(now=now + timedelta(hours=2)) == NOTHING
        assert send_reminders(now=now + timedelta(days=16)) == NOTHING  # within grace
        db.session.commit()
        assert new_notifications(since) == []
        assert send_reminders(now=now + timedelta(days=17)) == {**NOTHING,
                                                                 "check_in_overdue": 1}
        db.session.commit()
        assert sorted((user_id, params["due_date"]) for user_id, _kind, _link, params
                      in new_notifications(since)) == sorted(
            [(pair.mentee.id, new_due.isoformat()), (pair.mentor.id, new_due.isoformat())])
        assert sorted(message.subject for message in outbox) == sorted(
            headline(app, person.language, "check_in_overdue", name=other.full_name)
            for person, other in ((pair.mentee, pair.mentor), (pair.mentor, pair.mentee)))
        since = start_watching(outbox)
        assert send_reminders(now=now + timedelta(days=18)) == NOTHING
        assert new_notifications(since) == []

    def test_an_approval_expiring_within_30_days_is_announced_once(self, app, app_ctx,
                                                                   outbox, pair):
        now = utcnow()
        expires = (now + timedelta(days=29)).replace(hour=12)  # the same day everywhere
        set_profile(pair.profile.id, approval_expires_at=expires)
        # A mentor whose approval runs out later is not told yet.
        later = make_profile(make_user(full_name="Luca Later", language="it"))
        set_profile(later.id, approval_expires_at=now + timedelta(days=31))
        since = start_watching(outbox)
        assert send_reminders(now=now) == {**NOTHING, "approval_expiring": 1}
        db.session.commit()
        assert_told(app, outbox, since, pair.mentor, "approval_expiring", "/profile/mentor",
                    expiry_date=expires.date().isoformat())
        # Again: nothing for her; the later mentor's turn comes when 30 days are left.
        since = start_watching(outbox)
        assert send_reminders(now=now + timedelta(hours=1)) == NOTHING
        assert send_reminders(now=now + timedelta(days=2)) == {**NOTHING,
                                                               "approval_expiring": 1}
        db.session.commit()
        assert [(user_id, kind) for user_id, kind, _link, _params
                in new_notifications(since)] == [(later.user_id, "approval_expiring")]
        assert send_reminders(now=now + timedelta(days=3)) == NOTHING

    def test_the_expiry_date_is_the_mentor_s_own_day(self, app, outbox):
        """The approval runs out at 23:30 UTC: in Rome that is already the next day,
        which is also the day the mentor's own profile page shows."""
        expires = (utcnow() + timedelta(days=20)).replace(hour=23, minute=30, second=0,
                                                          microsecond=0)
        rome_day = expires.astimezone(ZoneInfo("Europe/Rome")).date()
        assert rome_day == expires.date() + timedelta(days=1)
        with app.app_context():
            mentor = make_user(email="maria@example.com", full_name="Maria Mentor",
                               language="it", timezone="Europe/Rome")
            profile = make_profile(mentor)
            set_profile(profile.id, approval_expires_at=expires)
            outbox.clear()
            send_reminders(now=utcnow())
            db.session.commit()
        with app.test_request_context(), force_locale("it"):
            shown = format_date(rome_day, "long")
        profile_page = page_of(login_client(app, mentor.email), "/profile/mentor")
        assert shown in profile_page  # the profile page shows the mentor's own day
        [message] = outbox
        assert message.subject == headline(app, "it", "approval_expiring")
        assert say(app, "it", "approval_expiring", expiry_date=rome_day.isoformat()) \
            in message.text.splitlines()

    def test_the_command_reminds_once_in_each_recipient_s_language(self, app, app_ctx,
                                                                   outbox, runner, pair):
        now = utcnow()
        request_id = submit(pair.mentee.id, pair.profile.id, pair.area.id)
        set_request_created(request_id, now - timedelta(days=8))
        marta = make_user(full_name="Marta Mentee", language="it")
        mentorship_id = accept(submit(marta.id, pair.profile.id, pair.area.id))
        db.session.get(Mentorship, mentorship_id).started_on = today() - timedelta(days=20)
        db.session.commit()
        expires = (now + timedelta(days=10)).replace(hour=12)
        set_profile(pair.profile.id, approval_expires_at=expires)
        since = start_watching(outbox)

        result = runner.invoke(args=["send-reminders"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == ("completion_settled: 0, request_reminder: 1, "
                                         "check_in_overdue: 1, approval_expiring: 1")
        kinds = Counter((user_id, kind) for user_id, kind, _link, _params
                        in new_notifications(since))
        assert kinds == Counter({(pair.mentor.id, "request_reminder"): 1,
                                 (pair.mentor.id, "check_in_overdue"): 1,
                                 (marta.id, "check_in_overdue"): 1,
                                 (pair.mentor.id, "approval_expiring"): 1})
        mentor_mail = sorted(m.subject for m in outbox if m.to == pair.mentor.email)
        assert mentor_mail == sorted([
            headline(app, pair.mentor.language, "request_reminder",
                     name=pair.mentee.full_name),
            headline(app, pair.mentor.language, "check_in_overdue", name="Marta Mentee"),
            headline(app, pair.mentor.language, "approval_expiring"),
        ])
        assert len(outbox) == 4

        since = start_watching(outbox)
        again = runner.invoke(args=["send-reminders"])
        assert again.exit_code == 0, again.output
        assert again.output.strip() == ("completion_settled: 0, request_reminder: 0, "
                                        "check_in_overdue: 0, approval_expiring: 0")
        assert new_notifications(since) == [] and outbox == []


# The list page and the bell ------------------------------------------------------------

@pytest.fixture
def reader(app):
    """Giulia (Italian, in Rome) with three notifications, the middle one already read;
    Olga has one of her own."""
    with app.app_context():
        giulia = make_user(email="giulia@example.com", full_name="Giulia Greco",
                           language="it", timezone="Europe/Rome")
        olga = make_user(email="olga@example.com", full_name="Olga Other")
        user = db.session.get(User, giulia.id)
        now = seconds(utcnow())
        made = [
            (services.notify(user, "profile_approved", "/profile/mentor"), 3),
            (services.notify(user, "request_received", "/requests", name="Ethan Evans"), 1),
            (services.notify(user, "check_in_overdue", "/mentorships/7",
                             name="Ethan Evans", due_date="2026-11-22"), 2),
        ]
        theirs = services.notify(db.session.get(User, olga.id), "request_received",
                                 "/requests", name="Giulia Greco")
        db.session.flush()
        for notification, hours_ago in made:
            notification.created_at = now - timedelta(hours=hours_ago)
        made[2][0].read_at = now
        db.session.commit()
        ids = [notification.id for notification, _hours in made]
        times = {notification.id: notification.created_at for notification, _h in made}
        return SimpleNamespace(user=giulia, olga=olga, approved=ids[0], received=ids[1],
                               overdue=ids[2], theirs=theirs.id, times=times)


def read_at(notification_id):
    return get(Notification, notification_id).read_at


class TestListPage:
    def test_newest_first_in_the_reader_s_language_with_new_on_unread(self, app, reader):
        page = page_of(login_client(app, reader.user.email))
        items = listed(page)
        assert [item[0] for item in items] == [reader.received, reader.overdue,
                                               reader.approved]
        assert [item[1] for item in items] == [str(escape(text)) for text in (
            say(app, "it", "request_received", name="Ethan Evans"),
            say(app, "it", "check_in_overdue", name="Ethan Evans", due_date="2026-11-22"),
            say(app, "it", "profile_approved"))]
        assert "22 novembre 2026" in items[1][1]
        assert [item[2] for item in items] == [True, False, True]
        new = str(escape(translate(app, "it", "New")))
        assert page.count(f'<span class="tag">{new}</span>') == 2
        # The time in the reader's zone and language.
        assert items[0][3] == str(escape(format_datetime(
            reader.times[reader.received], "d MMM y, HH:mm", tzinfo=ZoneInfo("Europe/Rome"),
            locale="it")))
        assert reader.theirs not in [item[0] for item in items]  # Olga's is hers alone

    def test_the_bell_shows_the_unread_count_on_every_page(self, app, reader):
        browser = login_client(app, reader.user.email)
        for url in ("/", "/notifications", "/requests"):
            assert bell(app, "it", 2) in page_of(browser, url), url
        english = login_client(app, reader.olga.email)
        assert bell(app, "en", 1) in page_of(english, "/")

    def test_opening_marks_read_and_goes_to_what_it_is_about(self, app, reader):
        browser = login_client(app, reader.user.email)
        response = browser.submit(f"/notifications/{reader.received}/open")
        assert response.status_code == 302 and response.location == "/requests"
        with app.app_context():
            assert read_at(reader.received) is not None
            assert read_at(reader.approved) is None
            assert queries.unread_count(db.session.get(User, reader.user.id)) == 1
        assert bell(app, "it", 1) in page_of(browser)
        # A notification already read keeps the time it was first read.
        with app.app_context():
            first = read_at(reader.overdue)
        response = browser.submit(f"/notifications/{reader.overdue}/open")
        assert response.status_code == 302 and response.location == "/mentorships/7"
        with app.app_context():
            assert read_at(reader.overdue) == first

    def test_someone_else_s_or_unknown_notification_is_404(self, app, reader):
        browser = login_client(app, reader.user.email)
        assert browser.submit(f"/notifications/{reader.theirs}/open").status_code == 404
        assert browser.submit("/notifications/999999/open").status_code == 404
        with app.app_context():
            assert read_at(reader.theirs) is None

    def test_mark_all_read(self, app, reader):
        browser = login_client(app, reader.user.email)
        page = page_of(browser)
        mark_all = str(escape(translate(app, "it", "Mark all as read")))
        assert mark_all in page
        response = browser.submit("/notifications/read")
        assert redirected_to(response, "/notifications")
        with app.test_request_context(), force_locale("it"):
            expected = ngettext(*MARKED, 2)
        assert expected != MARKED[1] % {"num": 2}
        assert flashed(browser) == [expected]
        with app.app_context():
            assert all(read_at(id_) is not None for id_ in (reader.approved, reader.received))
            assert read_at(reader.theirs) is None  # Olga's stays unread
        page = page_of(browser)
        assert [item[2] for item in listed(page)] == [False, False, False]
        assert 'class="badge"' not in page and mark_all not in page

    @pytest.mark.parametrize("language", ["en", "it"])
    def test_empty_state(self, app, reader, language):
        newcomer = make_user_in(app, email="nina@example.com", language=language)
        page = page_of(login_client(app, newcomer.email))
        assert listed(page) == []
        assert str(escape(translate(app, language, EMPTY))) in page
        assert 'class="badge"' not in page

    def test_more_than_a_page(self, app, reader):
        with app.app_context():
            user = db.session.get(User, reader.user.id)
            for number in range(queries.PER_PAGE):
                services.notify(user, "request_received", "/requests", name=f"Mentee {number}")
            db.session.commit()
        browser = login_client(app, reader.user.email)
        first, second = listed(page_of(browser)), listed(page_of(browser, "/notifications?page=2"))
        assert len(first) == queries.PER_PAGE
        assert [item[0] for item in second] == [reader.received, reader.overdue,
                                                reader.approved]

    @pytest.mark.parametrize("method, url", [
        ("get", "/notifications"),
        ("post", "/notifications/{id}/open"),
        ("post", "/notifications/read"),
        ("post", "/notifications/preferences"),
    ])
    def test_login_required(self, app, client, reader, method, url):
        url = url.format(id=reader.received)
        response = client.get(url) if method == "get" else client.submit(url)
        assert redirected_to(response, "/auth/login")
        with app.app_context():
            assert read_at(reader.received) is None
            assert get(User, reader.user.id).email_requests is True


# Email preferences ---------------------------------------------------------------------

class TestPreferences:
    @pytest.mark.parametrize("off", services.CATEGORIES)
    def test_a_category_off_stops_its_emails_not_its_notifications(self, app, app_ctx,
                                                                   outbox, pair, off):
        services.set_preferences(actor=db.session.get(User, pair.mentor.id), **{off: False})
        db.session.commit()
        since = start_watching(outbox)
        # requests: a request arrives; mentorships: the mentee completes the mentorship;
        # vetting: the approval runs out.
        mentorship_id = accept(submit(pair.mentee.id, pair.profile.id, pair.area.id))
        mentorship = db.session.get(Mentorship, mentorship_id)
        mentorships.complete_mentorship(mentorship, actor=mentorship.mentee)
        db.session.commit()
        set_profile(pair.profile.id, approval_expires_at=utcnow() - timedelta(minutes=1))
        vetting.expire_approvals()
        db.session.commit()

        told = {kind: category for kind, (_words, category) in services.KINDS.items()}
        mentor_kinds = [kind for user_id, kind, _link, _params in new_notifications(since)
                        if user_id == pair.mentor.id]
        assert mentor_kinds == ["request_received", "completion_proposed",
                                "approval_expired"]
        mailed = {message.subject for message in outbox if message.to == pair.mentor.email}
        texts = {"request_received": headline(app, pair.mentor.language,
                                              "request_received",
                                              name=pair.mentee.full_name),
                 "completion_proposed": headline(app, pair.mentor.language,
                                                 "completion_proposed",
                                                 name=pair.mentee.full_name),
                 "approval_expired": headline(app, pair.mentor.language,
                                              "approval_expired")}
        assert mailed == {text for kind, text in texts.items() if told[kind] != off}
        # The mentee's own choices are untouched: they still got the acceptance, and the
        # mentor's agreement that the mentorship is completed.
        assert [message.to for message in outbox].count(pair.mentee.email) == 2

    def test_account_emails_are_always_sent(self, app, app_ctx, outbox):
        user = make_user(email="paola@example.com", language="it")
        services.set_preferences(actor=db.session.get(User, user.id),
                                 **dict.fromkeys(services.CATEGORIES, False))
        db.session.commit()
        outbox.clear()
        with app.test_request_context():
            accounts.request_password_reset(user.email)
            db.session.commit()
        assert [(m.to, m.subject) for m in outbox] == [
            (user.email, translate(app, "it", RESET_SUBJECT))]

    def test_the_form_saves_and_flashes(self, app):
        user = make_user_in(app, email="giulia@example.com", language="it")
        browser = login_client(app, user.email)
        page = page_of(browser)
        assert [checkbox(page, name) for name in services.CATEGORIES] == [True, True, True]
        response = browser.submit("/notifications/preferences", data={"vetting": "y"})
        assert redirected_to(response, "/notifications")
        assert flashed(browser) == [translate(app, "it", SAVED)]
        with app.app_context():
            saved = get(User, user.id)
            assert (saved.email_requests, saved.email_vetting, saved.email_mentorships) == (
                False, True, False)
        page = page_of(browser)
        assert [checkbox(page, name) for name in services.CATEGORIES] == [False, True, False]
        response = browser.submit("/notifications/preferences",
                                  data={"requests": "y", "mentorships": "y"})
        assert redirected_to(response, "/notifications")
        with app.app_context():
            saved = get(User, user.id)
            assert (saved.email_requests, saved.email_vetting, saved.email_mentorships) == (
                True, False, True)


# The outbox ----------------------------------------------------------------------------

class TestOutbox:
    @pytest.fixture
    def people(self, app):
        with app.app_context():
            area = make_area()
            mentee = make_user(email="giulia@example.com", full_name="Giulia Greco",
                               language="it")
            mentor = make_user(email="ethan@example.com", full_name="Ethan Evans",
                               language="it")
            profile = make_profile(mentor, areas=[area])
        return SimpleNamespace(area=area, mentee=mentee, mentor=mentor, profile=profile)

    def test_an_event_writes_a_pending_mail_in_its_own_transaction(self, app, quiet,
                                                                   people):
        with quiet.app_context():
            mentorships.submit_request(
                db.session.get(MentorProfile, people.profile.id),
                actor=db.session.get(User, people.mentee.id),
                area=db.session.get(FocusArea, people.area.id), **request_fields())
            assert count(OutboxMail) == 1 and count(Notification) == 1
            # Not there for anyone else before the commit (a reading connection).
            with quiet.test_request_context(), db.engine.connect() as elsewhere:
                assert elsewhere.scalar(select(func.count()).select_from(OutboxMail)) == 0
            db.session.rollback()
            assert count(OutboxMail) == 0 and count(Notification) == 0

            submit(people.mentee.id, people.profile.id, people.area.id)
            [row] = outbox_rows()
            assert (row.to, row.status, row.attempts, row.sent_at) == (
                people.mentor.email, WAITING, 0, None)
            assert row.subject == headline(app, "it", "request_received",
                                           name=people.mentee.full_name)
            assert count(Notification) == 1
        assert delivered(quiet) == []

    def test_send_emails_delivers_what_is_waiting_once(self, app, quiet, people):
        with quiet.app_context():
            request_id = submit(people.mentee.id, people.profile.id, people.area.id)
        runner = quiet.test_cli_runner()
        result = runner.invoke(args=["send-emails"])
        assert result.exit_code == 0, result.output
        assert "1 email(s) sent, 0 failed" in result.output
        [message] = delivered(quiet)
        check_mail(app, message, people.mentor,
                   say(app, "it", "request_received", name=people.mentee.full_name),
                   f"/requests#request-{request_id}",
                   headline(app, "it", "request_received", name=people.mentee.full_name))
        with quiet.app_context():
            [row] = outbox_rows()
            assert (row.status, row.attempts) == (SENT, 1) and row.sent_at is not None
        again = runner.invoke(args=["send-emails"])
        assert "0 email(s) sent, 0 failed" in again.output
        assert len(delivered(quiet)) == 1

    def test_a_rolled_back_savepoint_s_mail_is_not_sent(self, app, app_ctx, outbox):
        kept = make_user(email="kept@example.com")
        dropped = make_user(email="dropped@example.com")
        outbox.clear()

        class Undone(Exception):
            pass

        services.notify(db.session.get(User, kept.id), "profile_approved", "/profile/mentor")
        with pytest.raises(Undone), db.session.begin_nested():
            services.notify(db.session.get(User, dropped.id), "profile_rejected",
                            "/profile/mentor")
            raise Undone
        db.session.commit()
        assert [message.to for message in outbox] == [kept.email]
        assert [(row.to, row.status) for row in outbox_rows()] == [(kept.email, SENT)]
        assert count(Notification, Notification.user_id == dropped.id) == 0

    def test_a_rolled_back_transaction_s_mail_is_never_sent(self, app, app_ctx, outbox):
        kept = make_user(email="kept@example.com")
        dropped = make_user(email="dropped@example.com")
        outbox.clear()
        services.notify(db.session.get(User, dropped.id), "profile_rejected",
                        "/profile/mentor")
        db.session.rollback()
        services.notify(db.session.get(User, kept.id), "profile_approved", "/profile/mentor")
        db.session.commit()
        assert [message.to for message in outbox] == [kept.email]
        assert [row.to for row in outbox_rows()] == [kept.email]

    def test_an_immediate_send_that_fails_stays_in_the_outbox(self, app, make_app):
        port = free_port()  # nothing listens there
        failing = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                           MAIL_SEND_IMMEDIATELY=True)
        with failing.app_context():
            user = make_user(email="kept@example.com")
            before = utcnow()
            services.notify(db.session.get(User, user.id), "profile_approved",
                            "/profile/mentor")
            db.session.commit()  # the event is saved; the mail waits
            [row] = outbox_rows()
            assert (row.status, row.attempts) == (WAITING, 1)
            assert row.last_error and row.next_attempt_at > before
            assert count(Notification) == 1


# A real SMTP server ----------------------------------------------------------------------

class TestSmtp:
    def test_a_server_that_is_down_loses_nothing(self, smtp):
        with smtp.app.app_context():
            giulia = make_user(email="giulia@example.com", full_name="Giulia Greco",
                               language="it")
            ethan = make_user(email="ethan@example.com", full_name="Ethan Evans")
            for person in (giulia, ethan):
                services.notify(db.session.get(User, person.id), "profile_approved",
                                "/profile/mentor")
            db.session.commit()
            start = seconds(utcnow()) + timedelta(seconds=1)

            assert mail.send_due(now=start) == (0, 2)
            for row in outbox_rows():
                assert (row.status, row.attempts, row.sent_at) == (WAITING, 1, None)
                assert row.last_error
                assert row.next_attempt_at == start + mail.BACKOFF[0]
            # Not tried again before the wait is over.
            assert mail.send_due(now=start + timedelta(seconds=30)) == (0, 0)
            assert [row.attempts for row in outbox_rows()] == [1, 1]

            smtp.start()
            assert mail.send_due(now=start + mail.BACKOFF[0]) == (2, 0)
            assert sorted(to for to, _message in smtp.sink.messages) == [
                [ethan.email], [giulia.email]]
            for row in outbox_rows():
                assert (row.status, row.attempts) == (SENT, 2) and row.sent_at is not None
            assert mail.send_due(now=start + timedelta(days=1)) == (0, 0)
            assert len(smtp.sink.messages) == 2

            # Down again: the next mail waits for it, the sent ones are not resent.
            smtp.stop()
            services.notify(db.session.get(User, giulia.id), "profile_rejected",
                            "/profile/mentor")
            db.session.commit()
            later = start + timedelta(days=2)
            assert mail.send_due(now=later) == (0, 1)
            smtp.start()
            assert mail.send_due(now=later + mail.BACKOFF[0]) == (1, 0)
            assert [row.status for row in outbox_rows()] == [SENT, SENT, SENT]
        assert len(smtp.sink.messages) == 3

    def test_plain_text_and_html_in_one_message(self, app, smtp):
        smtp.start()
        with smtp.app.app_context():
            giulia = make_user(email="giulia@example.com", full_name="Giulia Greco",
                               language="it")
            services.notify(db.session.get(User, giulia.id), "request_received", "/requests",
                            name="Ethan Evans")
            db.session.commit()
            assert mail.send_due() == (1, 0)
            sender = smtp.app.config["MAIL_DEFAULT_SENDER"]
        [(recipients, message)] = smtp.sink.messages
        text = say(app, "it", "request_received", name="Ethan Evans")
        assert recipients == [giulia.email]
        assert (message["To"], message["From"], message["Subject"]) == (
            giulia.email, sender, headline(app, "it", "request_received", name="Ethan Evans"))
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == [
            "text/plain", "text/html"]
        plain = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert text in plain and f"{SITE}/requests" in plain
        assert translate(app, "it", HELLO, name="Giulia") in plain
        assert str(escape(text)) in html and f'href="{SITE}/requests"' in html

    def test_a_mail_that_keeps_failing_is_marked_failed(self, smtp):
        with smtp.app.app_context():
            [mail_id] = queue_mails(1)
            now = seconds(utcnow()) + timedelta(seconds=1)
            for attempt, wait in enumerate(mail.BACKOFF, start=1):
                assert mail.send_due(now=now) == (0, 1)
                row = outbox_row(mail_id)
                assert (row.status, row.attempts) == (WAITING, attempt)
                assert row.next_attempt_at == now + wait  # each wait longer than the last
                now += wait
            assert mail.send_due(now=now) == (0, 1)
            row = outbox_row(mail_id)
            assert (row.status, row.attempts) == (FAILED, len(mail.BACKOFF) + 1)
            assert row.last_error
            smtp.start()  # a failed mail is left for a person to look at
            assert mail.send_due(now=now + timedelta(days=7)) == (0, 0)
        assert smtp.sink.messages == []
        assert list(mail.BACKOFF) == sorted(mail.BACKOFF)

    def test_a_mail_left_claimed_by_a_dead_sender_is_sent(self, smtp):
        smtp.start()
        with smtp.app.app_context():
            dead, busy = queue_mails(2)
            now = utcnow()
            db.session.execute(update(OutboxMail).where(OutboxMail.id == dead).values(
                status=SENDING, claimed_at=now - timedelta(minutes=20)))
            db.session.execute(update(OutboxMail).where(OutboxMail.id == busy).values(
                status=SENDING, claimed_at=now - timedelta(minutes=1)))
            db.session.commit()
            assert mail.send_due(now=now) == (1, 0)
            assert outbox_row(dead).status == SENT
            assert outbox_row(busy).status == SENDING  # its sender is still at it
        assert smtp.sink.subjects == ["Mail 1"]


# Two senders at once -------------------------------------------------------------------

class TestConcurrentSenders:
    @pytest.mark.parametrize("backend", ["memory", "smtp"])
    def test_each_mail_is_sent_once(self, app, make_app, smtp, monkeypatch, backend):
        if backend == "smtp":
            smtp.start()
            sender_app = smtp.app
        else:
            sender_app = make_app(MAIL_SEND_IMMEDIATELY=False)
        real_deliver = mail.deliver

        def slow_deliver(message):  # so that the two senders overlap
            time.sleep(0.002)
            real_deliver(message)

        monkeypatch.setattr(mail, "deliver", slow_deliver)
        with sender_app.app_context():
            ids = queue_mails(40)
        results = run_senders(sender_app)
        assert sum(sent for sent, _failed in results) == len(ids)
        assert sum(failed for _sent, failed in results) == 0
        if backend == "smtp":
            subjects = smtp.sink.subjects
        else:
            subjects = [message.subject for message in delivered(sender_app)]
        assert Counter(subjects) == Counter(f"Mail {n}" for n in range(1, len(ids) + 1))
        with sender_app.app_context():
            assert {(row.status, row.attempts) for row in outbox_rows()} == {(SENT, 1)}

    def test_a_mail_that_failed_in_the_other_sender_waits_for_its_backoff(self, app, quiet,
                                                                          monkeypatch):
        """Sender A has listed mails 1 and 2; while it sends mail 1, sender B tries mail 2
        and fails. A must not send mail 2 at once with its stale list."""
        real_deliver = mail.deliver
        tried = []

        def deliver(message):
            tried.append(message.subject)
            if tried == ["Mail 1"]:  # A is busy with mail 1: B runs meanwhile
                assert mail.send_due(now=now, ids=[second]) == (0, 1)
            elif tried == ["Mail 1", "Mail 2"]:
                raise ConnectionRefusedError("the server is down")
            real_deliver(message)

        monkeypatch.setattr(mail, "deliver", deliver)
        with quiet.app_context():
            first, second = queue_mails(2)
            now = seconds(utcnow()) + timedelta(seconds=1)
            mail.send_due(now=now)
            assert tried == ["Mail 1", "Mail 2"]
            row = outbox_row(second)
            assert (row.status, row.attempts) == (WAITING, 1)
            assert row.next_attempt_at == now + mail.BACKOFF[0]
            assert outbox_row(first).status == SENT

    def test_a_slow_sender_s_claim_is_not_taken_as_dead(self, app, quiet, monkeypatch):
        """A sender whose batch takes longer than the stale-claim limit claims its last
        mail late: that claim is fresh, and a second sender must not send it too."""
        clock = []
        monkeypatch.setattr(mail, "utcnow", lambda: clock[0])
        real_deliver = mail.deliver
        tried = []

        def deliver(message):
            tried.append(message.subject)
            if tried == ["Mail 1"]:  # the first mail of the batch takes 16 minutes
                clock[0] += mail.STALE_CLAIM + timedelta(minutes=1)
            elif tried == ["Mail 1", "Mail 2"]:  # meanwhile another sender starts
                mail.send_due()
            real_deliver(message)

        monkeypatch.setattr(mail, "deliver", deliver)
        with quiet.app_context():
            queue_mails(2)
            clock.append(utcnow() + timedelta(seconds=1))
            mail.send_due()
        assert Counter(message.subject for message in delivered(quiet)) == Counter(
            {"Mail 1": 1, "Mail 2": 1})
