"""Mentor profiles, their vetted revisions and the reviews of those revisions.

A profile holds what the mentor may change at once (capacity, hours, pausing, and the
practical details used for matching). What admins vet — headline, bio, focus areas,
affiliation, company and the declarations — lives in revisions: the listed profile
shows its published revision, while a newer one waits for review.
"""

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    DDL,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    cast,
    event,
    false,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import AFFILIATIONS, COMPANY_MAX, EXTERNAL, User
from ..core import fulltext
from ..core.clock import UTCDateTime, utcnow
from ..core.db import DATABASE_ONLY, one_of
from ..extensions import db
from ..program.models import FocusArea

# Profile states.
DRAFT = "draft"
PENDING = "pending"
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
REJECTED = "rejected"
SUSPENDED = "suspended"
PROFILE_STATES = (DRAFT, PENDING, APPROVED, CHANGES_REQUESTED, REJECTED, SUSPENDED)
# A revision can also be replaced by a newer one before anyone decided on it.
SUPERSEDED = "superseded"
REVISION_STATES = (DRAFT, PENDING, APPROVED, CHANGES_REQUESTED, REJECTED, SUPERSEDED)
# The revision a mentor is still writing or waiting for: at most one per profile. A
# decision closes a revision for good; what the mentor sends after it is a new one, so
# every version is reviewed afresh by every admin.
OPEN_REVISION_STATES = (DRAFT, PENDING)

# Review decisions (the vetting form's `decision` values).
APPROVE = "approve"
REQUEST_CHANGES = "request_changes"
REJECT = "reject"
DECISIONS = (APPROVE, REQUEST_CHANGES, REJECT)

FORMATS = ("in_person", "video", "phone")
# Languages a mentor can mentor in, as ISO 639-1 codes; named by Babel in each locale.
SPOKEN_LANGUAGES = ("en", "it", "fr", "de", "es", "pt", "nl", "pl", "ro", "el", "sv",
                    "da", "fi", "cs", "hu", "ru", "tr", "ar", "hi", "zh", "ja")

HEADLINE_MAX = 160
BIO_MIN = 80
BIO_MAX = 4000
WORKING_STYLE_MAX = 1000
MOTIVATION_MAX = 1000
CONFLICTS_MAX = 1000
NOTES_MAX = 2000
CAPACITY_MIN, CAPACITY_MAX = 1, 10
HOURS_MIN, HOURS_MAX = 1, 40
YEARS_MAX = 60


revision_areas = Table(
    "revision_areas",
    db.metadata,
    Column("revision_id", ForeignKey("profile_revisions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("area_id", ForeignKey("focus_areas.id"), primary_key=True, index=True),
)


class ProfileLanguage(db.Model):
    __tablename__ = "profile_languages"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)


class ProfileFormat(db.Model):
    __tablename__ = "profile_formats"
    __table_args__ = (CheckConstraint(one_of("format", FORMATS), name="format"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


class MentorProfile(db.Model):
    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint(one_of("status", PROFILE_STATES), name="status"),
        CheckConstraint(f"capacity BETWEEN {CAPACITY_MIN} AND {CAPACITY_MAX}", name="capacity"),
        CheckConstraint(f"monthly_hours BETWEEN {HOURS_MIN} AND {HOURS_MAX}",
                        name="monthly_hours"),
        CheckConstraint(f"years_experience BETWEEN 0 AND {YEARS_MAX}", name="years"),
        # The last line of defence for capacity: never more mentees or hours than offered.
        CheckConstraint("active_mentees BETWEEN 0 AND capacity", name="active_mentees"),
        CheckConstraint("committed_hours BETWEEN 0 AND monthly_hours",
                        name="committed_hours"),
        # The admins' lists of profiles in one state, newest first (vetting.queries).
        Index("ix_mentor_profiles_status_created_at", "status", "created_at"),
        # The mentor list's orders that do not depend on the viewer, within those open
        # to requests and the others (see mentors.search.ranked_slice). The last is an
        # expression index: a migration that makes SQLite rebuild this table (batch
        # mode, e.g. to drop a column) loses it and must create it again (see 0005).
        Index("ix_mentor_profiles_listed_newest", "listed", "listed_open", "approved_at",
              "id"),
        Index("ix_mentor_profiles_listed_years", "listed", "listed_open", "years_experience",
              "approved_at", "id"),
        Index("ix_mentor_profiles_listed_availability", "listed", "listed_open",
              db.text("(capacity - active_mentees)"), db.text("(monthly_hours - committed_hours)"),
              "approved_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # Takes effect at once, without review.
    years_experience: Mapped[int] = mapped_column(default=0)
    region: Mapped[str | None] = mapped_column(String(32), index=True)
    working_style: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(default=2)
    monthly_hours: Mapped[int] = mapped_column(default=4)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept by the mentorship services in the same transaction as the mentorships.
    active_mentees: Mapped[int] = mapped_column(default=0, server_default="0")
    committed_hours: Mapped[int] = mapped_column(default=0, server_default="0")
    # The vetted content people see, and how long its approval lasts.
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_revisions.id", use_alter=True, ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When the mentor was told the approval runs out soon (once per approval).
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the mentor list filters and ranks on, copied here from the user, the
    # published revision, the languages and the formats by mentors.listing in the same
    # transaction as any change to them, so that ranking reads this row alone. The
    # lists are codes or ids between commas (",en,it,"), empty when there are none.
    listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Accepting, with a free place and a free hour: whom anyone may ask.
    listed_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    listed_external: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    listed_languages: Mapped[str] = mapped_column(String(100), default="", server_default="")
    listed_areas: Mapped[str] = mapped_column(Text, default="", server_default="")
    listed_formats: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Raised with every change to what the mentor's card shows (see mentors.listing):
    # a remembered card names the number it was made at.
    row_version: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()
    published: Mapped["ProfileRevision | None"] = relationship(
        foreign_keys=[published_revision_id], post_update=True)
    languages: Mapped[list[ProfileLanguage]] = relationship(
        cascade="all, delete-orphan", order_by=ProfileLanguage.code)
    formats: Mapped[list[ProfileFormat]] = relationship(
        cascade="all, delete-orphan", order_by=ProfileFormat.format)

    @property
    def is_listed(self):
        return self.status == APPROVED

    @property
    def shown_in_list(self):
        """Listed, and its mentor's account is active: what the mentor list shows."""
        return self.is_listed and self.user.active

    @property
    def free_places(self):
        return max(self.capacity - self.active_mentees, 0)

    @property
    def free_hours(self):
        return max(self.monthly_hours - self.committed_hours, 0)

    @property
    def language_codes(self):
        return [language.code for language in self.languages]

    @property
    def format_codes(self):
        return [fmt.format for fmt in self.formats]


def has_code(column, code):
    """A condition: the MentorProfile.listed_* `column` (codes between commas) holds
    `code`. Tested on each row read (e.g. in the best match's score): see `has_codes` for
    a filter that an index can answer."""
    return column.contains(f",{code},", autoescape=True)


def has_codes(column, codes, postgresql):
    """A condition: the listed_* `column` holds every one of `codes`. On PostgreSQL it
    reads the column as an array of its codes, which a GIN index answers
    (`CODE_INDEXES`): a focus area is on a fifth of the mentors, a language other than
    English on fewer. (The indexes are not partial: PostgreSQL estimates how many rows
    hold a code from the statistics of a whole index's expression only.)"""
    if postgresql:
        # The separator is written into the statement, not bound: the expression must be
        # the index's own for the planner to use the index.
        return func.string_to_array(column, literal_column("','"), type_=ARRAY(Text)).op(
            "@>")(cast([str(code) for code in codes], ARRAY(Text)))
    return and_(*(has_code(column, code) for code in codes))


# The GIN indexes `has_codes` reads on PostgreSQL: made by migration 0020 and, for
# databases made from the models (the tests), by the DDL below; no other database has
# them.
CODE_INDEXES = {f"ix_mentor_profiles_{column}_codes": column
                for column in ("listed_areas", "listed_languages")}
DATABASE_ONLY.extend(CODE_INDEXES)
for _name, _column in CODE_INDEXES.items():
    event.listen(MentorProfile.__table__, "after_create", DDL(
        f"CREATE INDEX {_name} ON mentor_profiles USING gin "
        f"(string_to_array({_column}, ','))").execute_if(dialect="postgresql"))


class ProfileRevision(db.Model):
    """One version of a profile's vetted content, as the mentor submitted it."""

    __tablename__ = "profile_revisions"
    __table_args__ = (
        CheckConstraint(one_of("status", REVISION_STATES), name="status"),
        CheckConstraint(one_of("affiliation", AFFILIATIONS), name="affiliation"),
        UniqueConstraint("profile_id", "number"),
        # At most one revision in the works per profile, whatever runs at once.
        Index("uq_profile_revisions_open", "profile_id", unique=True,
              sqlite_where=db.text(one_of("status", OPEN_REVISION_STATES)),
              postgresql_where=db.text(one_of("status", OPEN_REVISION_STATES))),
        Index("ix_profile_revisions_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    headline_en: Mapped[str | None] = mapped_column(String(HEADLINE_MAX))
    headline_it: Mapped[str | None] = mapped_column(String(HEADLINE_MAX))
    bio_en: Mapped[str | None] = mapped_column(Text)
    bio_it: Mapped[str | None] = mapped_column(Text)
    affiliation: Mapped[str] = mapped_column(String(8))
    company: Mapped[str | None] = mapped_column(String(COMPANY_MAX))
    # External mentors' declarations.
    confidentiality: Mapped[bool] = mapped_column(Boolean, default=False)
    conflicts: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    profile: Mapped[MentorProfile] = relationship(foreign_keys=[profile_id])
    areas: Mapped[list[FocusArea]] = relationship(secondary=revision_areas,
                                                  order_by=FocusArea.position)
    reviews: Mapped[list["ProfileReview"]] = relationship(
        back_populates="revision", order_by="ProfileReview.id")

    @property
    def is_external(self):
        return self.affiliation == EXTERNAL

    def headline(self, language):
        """The headline in `language` when the mentor wrote one, else the other."""
        return in_language(language, self.headline_en, self.headline_it)

    def bio(self, language):
        return in_language(language, self.bio_en, self.bio_it)


def in_language(language, english, italian):
    """The text in `language` when the mentor wrote one, else the other."""
    preferred, other = (italian, english) if language == "it" else (english, italian)
    return preferred or other or ""


fulltext.add_to(ProfileRevision.__table__)


class ProfileReview(db.Model):
    """An admin's decision on a revision, kept as the profile's history."""

    __tablename__ = "profile_reviews"
    __table_args__ = (
        CheckConstraint(one_of("decision", DECISIONS), name="decision"),
        # One decision per admin and revision: approvals from the same admin never
        # count twice, even when submitted twice at once.
        UniqueConstraint("revision_id", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("profile_revisions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revision: Mapped[ProfileRevision] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()


class ListingVersion(db.Model):
    """One row whose number goes up with every committed change to what the mentor
    list shows or ranks (see mentors.listing): cached rankings name the number they
    were made at."""

    __tablename__ = "listing_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)


# Made with its row, so that there is always one number to read and to raise.
event.listen(ListingVersion.__table__, "after_create",
             DDL("INSERT INTO listing_version (id, version) VALUES (1, 0)"))
