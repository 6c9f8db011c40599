"""Outgoing mail: rendered in the recipient's language, written to the outbox in the
same transaction as the event it tells of, and delivered by `send_due`.

`flask --app wsgi send-emails` delivers what is due (run it every minute). With
MAIL_SEND_IMMEDIATELY (development and tests) the messages of a transaction are also
tried right after it commits; whatever fails stays in the outbox for the command.
"""

import logging
import smtplib
import sys
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from .clock import utcnow
from .extensions import db
from .i18n import in_language_of
from .notifications.models import FAILED, PENDING, SENDING, SENT, OutboxMail

log = logging.getLogger(__name__)
QUEUED = "queued_mail_ids"
# Waits before the next attempt after 1, 2, 3… failures; then the message is failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
# A message claimed longer ago than this was left by a sender that died: try again.
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str | None = None


def render(user, template, subject, **context):
    """Build a message from `emails/<template>.txt` and `.html` in the user's language."""
    with in_language_of(user):
        return Message(
            to=user.email,
            subject=str(subject),
            text=render_template(f"emails/{template}.txt", user=user, **context),
            html=render_template(f"emails/{template}.html", user=user, **context),
        )


def queue(message, user=None):
    """Put a message in the outbox, in the current transaction."""
    mail = OutboxMail(user_id=user.id if user is not None else None, to=message.to,
                      subject=message.subject[:300], text=message.text, html=message.html)
    db.session.add(mail)
    db.session.flush()
    db.session.info.setdefault(QUEUED, []).append(mail.id)
    return mail


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


def send_due(now=None, ids=None, limit=200):
    """Deliver the messages that are due (or only `ids`), each claimed first.

    Runs on a connection of its own, one short transaction per step, so it can be
    called right after another transaction committed. Returns (sent, failed).
    """
    now = now or utcnow()
    table = OutboxMail.__table__
    sent = failed = 0
    with db.engine.connect() as connection:
        with connection.begin():  # messages left claimed by a sender that died
            connection.execute(update(table).where(
                table.c.status == SENDING, table.c.claimed_at < now - STALE_CLAIM)
                .values(status=PENDING))
        query = (select(table).where(table.c.status == PENDING,
                                     table.c.next_attempt_at <= now)
                 .order_by(table.c.id).limit(limit))
        if ids is not None:
            query = query.where(table.c.id.in_(ids))
        with connection.begin():
            due = connection.execute(query).all()
        for row in due:
            with connection.begin():
                # Still pending and still due: another sender may have taken it, or
                # failed it and set its next attempt later, since the list was read.
                claimed = connection.execute(
                    update(table).where(table.c.id == row.id, table.c.status == PENDING,
                                        table.c.next_attempt_at <= now)
                    .values(status=SENDING, claimed_at=utcnow())).rowcount
            if claimed != 1:
                continue  # another sender has it
            try:
                deliver(Message(to=row.to, subject=row.subject, text=row.text,
                                html=row.html))
            except Exception as error:  # any failure is retried later
                attempts = row.attempts + 1
                gave_up = attempts > len(BACKOFF)
                log.warning("Mail %s to %s failed (attempt %d): %s", row.id, row.to,
                            attempts, error)
                with connection.begin():
                    connection.execute(update(table).where(table.c.id == row.id).values(
                        status=FAILED if gave_up else PENDING, attempts=attempts,
                        last_error=str(error)[:500],
                        next_attempt_at=now + BACKOFF[min(attempts, len(BACKOFF)) - 1]))
                failed += 1
            else:
                with connection.begin():
                    connection.execute(update(table).where(table.c.id == row.id).values(
                        status=SENT, sent_at=utcnow(), attempts=row.attempts + 1))
                sent += 1
    return sent, failed


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
