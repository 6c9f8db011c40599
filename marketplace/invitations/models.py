"""An invitation from a rep to someone outside the company to become their mentor.

Its state is read from its dates and the invitee's profile: sent, opened (the invitee
saw the page), registered (they signed up with the link), in vetting (their profile is
being reviewed), not approved, approved (their profile was listed and the rep told),
expired, or cancelled (by the rep or an admin). The link's token is stored only as a
hash.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import EMAIL_MAX, NAME_MAX, User
from ..core.clock import UTCDateTime, utcnow
from ..extensions import db
from ..mentors.models import CHANGES_REQUESTED, PENDING, REJECTED

MESSAGE_MAX = 2000

SENT = "sent"
OPENED = "opened"
REGISTERED = "registered"
IN_VETTING = "in_vetting"
NOT_APPROVED = "not_approved"
APPROVED = "approved"
EXPIRED = "expired"
CANCELLED = "cancelled"
STATES = (SENT, OPENED, REGISTERED, IN_VETTING, NOT_APPROVED, APPROVED, EXPIRED, CANCELLED)
# What the invitee's mentor profile says about the invitation, once they signed up.
STATE_OF_PROFILE = {PENDING: IN_VETTING, CHANGES_REQUESTED: IN_VETTING,
                    REJECTED: NOT_APPROVED}


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("language IN ('en', 'it')", name="language"),
        Index("ix_invitations_inviter_created", "inviter_id", "created_at"),
        Index("ix_invitations_email", "email"),
        Index("ix_invitations_invitee", "invitee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Lower-cased, like users.email.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    message: Mapped[str] = mapped_column(Text)
    # The language of the email (the invitee's page starts in it too).
    language: Mapped[str] = mapped_column(String(2))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    inviter: Mapped[User] = relationship(foreign_keys=[inviter_id])
    invitee: Mapped[User | None] = relationship(foreign_keys=[invitee_id])

    def state(self, now=None, profile_status=None):
        """The state as the rep sees it, given the status of the invitee's mentor
        profile, if they have one."""
        if self.cancelled_at is not None:
            return CANCELLED
        if self.approved_at is not None:
            return APPROVED
        if self.accepted_at is not None:
            return STATE_OF_PROFILE.get(profile_status, REGISTERED)
        if self.expires_at <= (now or utcnow()):
            return EXPIRED
        return OPENED if self.opened_at is not None else SENT

    @property
    def cancelled_by_admin(self):
        return self.cancelled_by_id is not None and self.cancelled_by_id != self.inviter_id
