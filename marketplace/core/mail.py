"""Outgoing mail: rendered in the recipient's language, written to the outbox in the
same transaction as the event it tells of, and delivered by `send_due`.

`flask --app wsgi send-emails` delivers what is due (run it every minute), batch after
batch until the outbox is empty or its time budget is spent. With MAIL_SEND_IMMEDIATELY
(development and tests) the messages of a transaction are also tried right after it
commits; whatever fails stays in the outbox for the command.

Delivery is at least once: a server that accepts a message but whose answer never
arrives, or a sender killed between the SMTP "250" and its own update, leads to the
message being sent again later. Every message therefore gets its Message-ID when it is
queued and keeps it on every attempt, so receivers can drop the second copy.

Nothing in the outbox opens an account: a sent message loses its bodies (they may hold a
one-time link) in the update that marks it sent, and a message whose link expired before
it could leave is marked failed without its bodies rather than sent.
"""

import logging
import smtplib
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from ..i18n import in_language_of
from .clock import UTCDateTime, utcnow

# Outbox states.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
OUTBOX_STATES = (PENDING, SENDING, SENT, FAILED)


class OutboxMail(db.Model):
    """An email waiting to leave, written in the same transaction as what it tells.

    A sender claims a message (pending → sending) with a conditional update before
    sending it, so two senders never send the same one; failures wait longer each
    time, and a message that keeps failing is marked failed.
    """

    __tablename__ = "outbox_mails"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_outbox_mails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whom or what the mail is about besides its recipient (the person a notification
    # names, an invitation's sender): their deletion drops it while it is unsent.
    about_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str | None] = mapped_column(String(40))  # the template
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The bodies are dropped once sent: they may hold one-time links.
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # Kept across retries, so a receiver can drop a second delivery of the same mail.
    message_id: Mapped[str | None] = mapped_column(String(255))
    # When the link in the body stops working: an unsent mail is dropped after that.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


# Named as before the move to core/: log filters and dashboards key on it.
log = logging.getLogger("marketplace.mail")
QUEUED = "queued_mail_ids"
# Waits before the next attempt after 1, 2, 3… failures; then the message is failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
# A message claimed longer ago than this was left by a sender that died: try again.
STALE_CLAIM = timedelta(minutes=15)


# Why an unsent message was dropped (for whoever reads the outbox, not for users).
LINK_EXPIRED = "The link in this mail expired before it could be sent."


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None = None
    kind: str | None = None  # the template it was made from
    message_id: str | None = None  # given when queued


def render(user, template, subject, **context):
    """Build a message from `emails/<template>.txt` and `.html` in the user's language.

    The templates extend `emails/_layout.*`, which greet `user.first_name` and sign off;
    they get the subject too (the HTML part's title)."""
    with in_language_of(user):
        subject = str(subject)
        return Message(
            to=user.email,
            subject=subject,
            text=render_template(f"emails/{template}.txt", user=user, subject=subject,
                                 **context),
            html=render_template(f"emails/{template}.html", user=user, subject=subject,
                                 **context),
            kind=template,
        )


def new_message_id():
    """A Message-ID on this site's domain: SERVER_NAME, else the sender's domain.

    Given explicitly because `make_msgid` would otherwise ask the resolver for the
    machine's name, which can take seconds.
    """
    config = current_app.config
    domain = urlsplit(f"//{config.get('SERVER_NAME') or ''}").hostname
    if not domain:
        domain = parseaddr(config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2]
    return make_msgid(domain=domain or "localhost")


def queue(message, user=None, *, about=None, expires_at=None):
    """Put a message in the outbox, in the current transaction.

    `about` is the person the message names besides its recipient (their deletion
    drops it while unsent); `expires_at` is when the link it carries stops working
    (it is not sent after that).
    """
    mail = OutboxMail(user_id=user.id if user is not None else None,
                      about_user_id=about.id if about is not None else None,
                      kind=message.kind, to=message.to, subject=message.subject[:300],
                      text=message.text, html=message.html,
                      message_id=message.message_id or new_message_id(),
                      expires_at=expires_at)
    db.session.add(mail)
    db.session.flush()
    db.session.info.setdefault(QUEUED, []).append(mail.id)
    return mail


def queue_many(messages):
    """Put many messages in the outbox in one statement: `messages` are
    (message, user_id, expires_at) triples. For imports that write many accounts at
    once (the company directory), where `queue`'s flush per message would not scale."""
    if not messages:
        return []
    now = utcnow()
    ids = db.session.scalars(
        insert(OutboxMail).returning(OutboxMail.id, sort_by_parameter_order=True),
        [{"user_id": user_id, "kind": message.kind, "to": message.to,
          "subject": message.subject[:300], "text": message.text, "html": message.html,
          "message_id": message.message_id or new_message_id(), "expires_at": expires_at,
          "status": PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now}
         for message, user_id, expires_at in messages]).all()
    db.session.info.setdefault(QUEUED, []).extend(ids)
    return ids


@event.listens_for(Session, "after_commit")
def _send_queued(session):
    if session.in_nested_transaction():  # a savepoint: the real commit is yet to come
        return
    ids = session.info.pop(QUEUED, [])
    if ids and current_app.config.get("MAIL_SEND_IMMEDIATELY"):
        send_due(ids=ids)  # messages rolled back with a savepoint are not found


@event.listens_for(Session, "after_rollback")
def _forget_queued(session):
    if not session.in_nested_transaction():
        session.info.pop(QUEUED, None)


def send_due(now=None, ids=None, limit=200, budget=None):
    """Deliver the messages that are due (or only `ids`), each claimed first.

    Goes on batch after batch of `limit` until nothing is due, or until `budget`
    seconds are spent (checked before each message: the rest waits for the next run).
    Runs on a connection of its own, one short transaction per step, so it can be
    called right after another transaction committed. Returns (sent, failed).
    """
    deadline = None if budget is None else time.monotonic() + budget
    sent = failed = 0
    with db.engine.connect() as connection:
        while True:
            batch_now = now or utcnow()
            _release_and_drop(connection, batch_now)
            due = _due(connection, batch_now, ids, limit)
            for row in due:
                if deadline is not None and time.monotonic() >= deadline:
                    return sent, failed
                outcome = _send_one(connection, row, batch_now)
                sent += outcome == SENT
                failed += outcome == FAILED
            if ids is not None or len(due) < limit:
                return sent, failed


def _unexpired(table, now):
    return or_(table.c.expires_at.is_(None), table.c.expires_at > now)


def _release_and_drop(connection, now):
    """Put back messages left claimed by a sender that died, and fail without their
    bodies the unsent ones whose link has expired: sending them would only annoy, and
    keeping them would keep a link in the database for nothing."""
    table = OutboxMail.__table__
    with connection.begin():
        connection.execute(update(table).where(
            table.c.status == SENDING, table.c.claimed_at < now - STALE_CLAIM)
            .values(status=PENDING))
        dropped = connection.execute(update(table).where(
            table.c.status == PENDING, table.c.expires_at <= now)
            .values(status=FAILED, text=None, html=None, last_error=LINK_EXPIRED)).rowcount
    if dropped:
        log.info("%d unsent mail(s) dropped: their links had expired", dropped)


def _due(connection, now, ids, limit):
    table = OutboxMail.__table__
    query = (select(table).where(table.c.status == PENDING, table.c.next_attempt_at <= now,
                                 _unexpired(table, now))
             .order_by(table.c.id).limit(limit))
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    with connection.begin():
        return connection.execute(query).all()


def _send_one(connection, row, now):
    """Claim, deliver and record one message: SENT, FAILED (to be retried or given up)
    or None when another sender has it."""
    table = OutboxMail.__table__
    # A message queued before Message-IDs existed gets one now, kept for its retries.
    message_id = row.message_id or new_message_id()
    with connection.begin():
        # Still pending and still due: another sender may have taken it, or failed it
        # and set its next attempt later, since the list was read.
        claimed = connection.execute(
            update(table).where(table.c.id == row.id, table.c.status == PENDING,
                                table.c.next_attempt_at <= now, _unexpired(table, now))
            .values(status=SENDING, claimed_at=utcnow(),
                    message_id=func.coalesce(table.c.message_id, message_id))).rowcount
    if claimed != 1:
        return None  # another sender has it
    try:
        deliver(Message(to=row.to, subject=row.subject, text=row.text, html=row.html,
                        kind=row.kind, message_id=message_id))
    except Exception as error:  # any failure is retried later
        attempts = row.attempts + 1
        gave_up = attempts > len(BACKOFF)
        log.warning("Mail %s to %s failed (attempt %d): %s", row.id, row.to,
                    attempts, error)
        # A message given up on keeps no body: nothing will send it, and it may hold
        # a link that still works.
        bodies = {"text": None, "html": None} if gave_up else {}
        with connection.begin():
            connection.execute(update(table).where(table.c.id == row.id).values(
                status=FAILED if gave_up else PENDING, attempts=attempts,
                last_error=str(error)[:500],
                next_attempt_at=now + BACKOFF[min(attempts, len(BACKOFF)) - 1], **bodies))
        return FAILED
    with connection.begin():
        # The bodies go in the same update: a sent message keeps only what support
        # needs (recipient, subject, kind, times, status, Message-ID).
        connection.execute(update(table).where(table.c.id == row.id).values(
            status=SENT, sent_at=utcnow(), attempts=row.attempts + 1, text=None,
            html=None))
    return SENT


def deliver(message):
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "log":
        # Development only (refused in production): printed as it is, links included,
        # because the log's own handler would redact the one-time links.
        print(f"--- Mail to {message.to}\nSubject: {message.subject}\n\n{message.text}\n---",
              file=sys.stderr, flush=True)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")


def _send_smtp(message):
    config = current_app.config
    mail = EmailMessage()
    mail["From"] = config["MAIL_DEFAULT_SENDER"]
    mail["To"] = message.to
    mail["Subject"] = message.subject
    if message.message_id:  # the same on every attempt: receivers drop a second copy
        mail["Message-ID"] = message.message_id
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(mail)
