"""Notifications shown in the app (the mail outbox is in core.mail)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import UTCDateTime, utcnow
from ..extensions import db


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
