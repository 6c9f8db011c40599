"""Requests for mentoring, and the mentorships they become when a mentor accepts.

A request states a goal and the mentee's commitments; while it is open the mentor may
accept or decline it. Accepting creates a mentorship holding the agreement, and takes
one of the mentor's places and the hours committed (counters on the mentor profile,
checked by the database).
"""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import REGION_MAX, User
from ..core.clock import UTCDateTime, utcnow
from ..core.db import one_of
from ..extensions import db
from ..invitations.models import Invitation
from ..mentors.models import FORMATS, MentorProfile
from ..program.models import FocusArea

# Request states.
OPEN = "open"
ACCEPTED = "accepted"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
REQUEST_STATES = (OPEN, ACCEPTED, DECLINED, WITHDRAWN, EXPIRED)

CADENCES = ("weekly", "biweekly", "monthly")
DECLINE_REASONS = ("no_time", "not_my_expertise", "better_fit", "other")

# Mentorship states.
ACTIVE = "active"
COMPLETED = "completed"
ENDED = "ended"
MENTORSHIP_STATES = (ACTIVE, COMPLETED, ENDED)

# Completing takes both sides: one proposes, the other confirms or objects. A proposal
# nobody objects to for this many days counts as completed; until it is settled (see
# services.settle_completion) the mentorship's row still says active, so everything that
# counts completions uses `Mentorship.counts_as_completed` and `shown_state`.
COMPLETION_OBJECTION_DAYS = 7
COMPLETION_OBJECTION = timedelta(days=COMPLETION_OBJECTION_DAYS)
# What a mentorship shows while a completion waits for the other side.
COMPLETION_PENDING = "completion_pending"

HOURS_PER_MONTH = (1, 20)
DURATION_MONTHS = (3, 12)


class MentorshipRequest(db.Model):
    __tablename__ = "mentorship_requests"
    __table_args__ = (
        CheckConstraint(one_of("status", REQUEST_STATES), name="status"),
        CheckConstraint(one_of("cadence", CADENCES), name="cadence"),
        CheckConstraint(one_of("meeting_format", FORMATS), name="meeting_format"),
        CheckConstraint("hours_per_month BETWEEN 1 AND 20", name="hours_per_month"),
        CheckConstraint("duration_months BETWEEN 3 AND 12", name="duration_months"),
        # One open request per mentee and mentor, whatever is submitted at once.
        Index("uq_mentorship_requests_open", "mentee_id", "profile_id", unique=True,
              sqlite_where=db.text("status = 'open'"),
              postgresql_where=db.text("status = 'open'")),
        Index("ix_mentorship_requests_profile_status", "profile_id", "status"),
        Index("ix_mentorship_requests_mentee_status", "mentee_id", "status"),
        Index("ix_mentorship_requests_invitation", "invitation_id"),
        # The dashboard's requests sent and answered in a period, with all it reads.
        Index("ix_mentorship_requests_created_at", "created_at", "area_id", "mentee_region",
              "status"),
        Index("ix_mentorship_requests_answered_at", "answered_at", "created_at", "area_id",
              "mentee_region", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The mentee's region when they asked: the dashboard's figures by region count it
    # (a mentee who moves later does not rewrite the past) without reading users.
    mentee_region: Mapped[str | None] = mapped_column(String(REGION_MAX))
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    goal: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date] = mapped_column(Date)
    current_situation: Mapped[str] = mapped_column(Text)
    success_measures: Mapped[str] = mapped_column(Text)
    hours_per_month: Mapped[int]
    duration_months: Mapped[int] = mapped_column(default=6)
    cadence: Mapped[str] = mapped_column(String(10))
    meeting_format: Mapped[str] = mapped_column(String(12))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the mentor accepted or declined: the basis of their typical answer time.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # When the mentor was reminded of a request waiting too long (once).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The mentee's invitation that brought this mentor to the program, if any.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"))

    mentee: Mapped[User] = relationship()
    profile: Mapped[MentorProfile] = relationship()
    area: Mapped[FocusArea] = relationship()
    invitation: Mapped["Invitation | None"] = relationship()


class Mentorship(db.Model):
    __tablename__ = "mentorships"
    __table_args__ = (
        CheckConstraint(one_of("status", MENTORSHIP_STATES), name="status"),
        CheckConstraint(one_of("cadence", CADENCES), name="cadence"),
        # One running mentorship per mentee and mentor.
        Index("uq_mentorships_active", "mentee_id", "profile_id", unique=True,
              sqlite_where=db.text("status = 'active'"),
              postgresql_where=db.text("status = 'active'")),
        Index("ix_mentorships_profile_status", "profile_id", "status"),
        Index("ix_mentorships_mentee_status", "mentee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("mentorship_requests.id", ondelete="CASCADE"), unique=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentee_region: Mapped[str | None] = mapped_column(String(REGION_MAX))  # the request's
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"))
    goal: Mapped[str] = mapped_column(Text)
    success_measures: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date] = mapped_column(Date)
    hours_per_month: Mapped[int]
    cadence: Mapped[str] = mapped_column(String(10))
    meeting_format: Mapped[str] = mapped_column(String(12))
    started_on: Mapped[date] = mapped_column(Date)
    planned_end_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The day of the latest check-in (kept by mentorships.tallies): what the dashboard
    # counts overdue check-ins from.
    last_check_in_on: Mapped[date | None] = mapped_column(Date)
    # The due date of the last check-in both sides were told was overdue (once each).
    overdue_notice_for: Mapped[date | None] = mapped_column(Date)
    # A completion one side proposed and the other has not answered yet (the time is
    # cleared when they object); the last objection, with its reason, stays to be read.
    completion_proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    completion_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_objection: Mapped[str | None] = mapped_column(Text)

    request: Mapped[MentorshipRequest] = relationship()
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    profile: Mapped[MentorProfile] = relationship()
    area: Mapped[FocusArea] = relationship()
    check_ins: Mapped[list["CheckIn"]] = relationship(
        order_by="(CheckIn.held_on.desc(), CheckIn.id.desc())")
    feedback: Mapped[list["Feedback"]] = relationship(order_by="Feedback.id")

    @property
    def is_active(self):
        return self.status == ACTIVE

    @property
    def completion_pending(self):
        """One side proposed completing it and the other has not answered (yet)."""
        return self.status == ACTIVE and self.completion_proposed_at is not None

    @property
    def completion_counts_on(self):
        """When a pending completion counts without an answer (None when none is)."""
        if not self.completion_pending:
            return None
        return self.completion_proposed_at + COMPLETION_OBJECTION

    def completion_lapsed(self, now):
        """The other side let the objection period pass: it counts as completed."""
        return self.completion_pending and now >= self.completion_counts_on

    def shown_state(self, now):
        """The state people read: a completion nobody objected to in time reads as
        completed even before it is settled, and a pending one as pending."""
        if self.completion_pending:
            return COMPLETED if self.completion_lapsed(now) else COMPLETION_PENDING
        return self.status

    @classmethod
    def counts_as_completed(cls, now):
        """The SQL rule for what counts as completed at `now` (honor roll, dashboard):
        confirmed, or proposed and not objected to for COMPLETION_OBJECTION_DAYS."""
        return or_(cls.status == COMPLETED, cls.lapsed_completion(now))

    @classmethod
    def lapsed_completion(cls, now):
        """The SQL rule for an active row whose completion counts already."""
        return and_(cls.status == ACTIVE, cls.completion_proposed_at.is_not(None),
                    cls.completion_proposed_at <= now - COMPLETION_OBJECTION)

    @property
    def parties(self):
        """The two people in it: (the mentee, the mentor), as users."""
        return self.mentee, self.profile.user

    def has_party(self, user):
        """Whether `user` is the mentee or the mentor (ids only: nothing is loaded)."""
        return user.id in (self.mentee_id, self.profile.user_id)

    def other_side(self, user):
        """The party `user` (one of the two) works with: whom to tell what they did."""
        return self.profile.user if user.id == self.mentee_id else self.mentee


class CheckIn(db.Model):
    """A meeting one side logged; the other side confirms it happened."""

    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 5 AND 480", name="minutes"),
        Index("ix_check_ins_mentorship_held_on", "mentorship_id", "held_on"),
        # A double click or a form sent again records one check-in, not two.
        UniqueConstraint("mentorship_id", "author_id", "fingerprint",
                         name="uq_check_ins_fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A digest of what the author wrote (date, minutes, texts): the same check-in sent
    # twice has the same one. Empty for check-ins logged before it existed.
    fingerprint: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[User | None] = relationship()

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


# check_in_days.region of mentorships whose mentee has no region (it is part of the key).
NO_REGION = ""


class CheckInDay(db.Model):
    """The minutes of the check-ins held on one day, by the mentorships' focus area and
    mentee region: the dashboard sums a period's minutes from these rows instead of
    every check-in. Kept by mentorships.tallies."""

    __tablename__ = "check_in_days"

    held_on: Mapped[date] = mapped_column(Date, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id"), primary_key=True)
    region: Mapped[str] = mapped_column(String(REGION_MAX), primary_key=True)
    minutes: Mapped[int]


class Feedback(db.Model):
    """What each side says once the mentorship is over: once each."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        UniqueConstraint("mentorship_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    # The mentor's answer to "what did you get out of it".
    gained: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
