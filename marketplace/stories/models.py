"""Success stories: told after a completed mentorship, published with both consents."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import UTCDateTime, utcnow
from ..core.db import one_of
from ..extensions import db
from ..mentorships.models import Mentorship

DRAFT = "draft"
AWAITING_CONSENT = "awaiting_consent"
SUBMITTED = "submitted"
PUBLISHED = "published"
RETURNED = "returned"
STATES = (DRAFT, AWAITING_CONSENT, SUBMITTED, PUBLISHED, RETURNED)
TITLE_MAX = 160
BODY_MIN, BODY_MAX = 200, 5000


class SuccessStory(db.Model):
    __tablename__ = "success_stories"
    __table_args__ = (
        CheckConstraint(one_of("status", STATES), name="status"),
        # Published means both sides agreed: the database holds to it too.
        CheckConstraint("status <> 'published' OR consent_at IS NOT NULL",
                        name="published_with_consent"),
        Index("ix_success_stories_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One story per mentorship, written by either side.
    mentorship_id: Mapped[int] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # The other side's consent to this very text (an edit by the author clears it).
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Mentorship.story, without the mentorships package knowing of stories; rows go
    # with their mentorship by the foreign key's cascade.
    mentorship: Mapped[Mentorship] = relationship(
        backref=backref("story", uselist=False, passive_deletes=True))
    author: Mapped[User | None] = relationship()

    @property
    def version(self):
        """Names the text as it is now: consent is given to one version."""
        return self.updated_at.isoformat()
