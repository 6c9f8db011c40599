"""Notifications shown in the app, and the outbox that email leaves through."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import UTCDateTime, utcnow
from ..extensions import db

# Outbox states.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
OUTBOX_STATES = (PENDING, SENDING, SENT, FAILED)


class Notification(db.Model):
    """Something that happened, for one user; its words are made in their language
    when they read it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The person the words name, read through their account when shown, so that a
    # deleted account shows as "Deleted user" here too.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    link: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person = relationship("User", foreign_keys=[person_id])

    @property
    def is_read(self):
        return self.read_at is not None


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
