"""Outgoing mail, rendered in the recipient's language and sent once the data is saved.

Messages are queued on the database session and leave only after the transaction
commits, so a rolled-back action never sends a link to something that does not exist.
"""

import logging
import smtplib
import sys
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import event
from sqlalchemy.orm import Session

from .i18n import in_language_of

log = logging.getLogger(__name__)
PENDING = "pending_mail"


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


def send_after_commit(session, message):
    session.info.setdefault(PENDING, []).append(message)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    for message in session.info.pop(PENDING, []):
        try:
            deliver(message)
        except Exception:
            log.exception("Could not send mail to %s", message.to)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(PENDING, None)


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
