import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from ..core import fulltext
from ..core.clock import UTCDateTime, utcnow
from ..extensions import db
from ..program.models import FocusArea

INTERNAL = "internal"
EXTERNAL = "external"
AFFILIATIONS = (INTERNAL, EXTERNAL)

# Column sizes, shared with the forms' Length validators.
EMAIL_MAX = 254
NAME_MAX = 120
COMPANY_MAX = 120
JOB_TITLE_MAX = 120
TIMEZONE_MAX = 64
REGION_MAX = 32
PASSWORD_MIN = 12
PASSWORD_MAX = 128
# What an OpenID Connect provider may send: `sub` is at most 255 ASCII characters.
ISSUER_MAX = SUBJECT_MAX = 255
# A password hash no password matches (Werkzeug's hashes start with the method name):
# for people who sign in with single sign-on, or have yet to choose a password.
NO_PASSWORD = "!"  # noqa: S105 (a marker, not a password)
DELETED_NAME = _l("Deleted user")


# The focus areas a user wants to work on, for matching them with mentors.
user_interests = Table(
    "user_interests",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token():
    return secrets.token_urlsafe(16)


def no_password():
    return NO_PASSWORD + secrets.token_hex(16)


def first_name_of(full_name):
    """The first word of a name, for greetings ("Marco" for "Marco Rossi"); "" for none.
    Also for people with no account yet (an invitation, a directory row)."""
    words = (full_name or "").split()
    return words[0] if words else ""


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("affiliation IN ('internal', 'external')", name="affiliation"),
        CheckConstraint("language IN ('en', 'it')", name="language"),
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint("desired_hours IS NULL OR desired_hours BETWEEN 1 AND 20",
                        name="desired_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    # Read and written as `full_name`, which hides the name of a deleted account.
    stored_name: Mapped[str] = mapped_column("full_name", String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="en")
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX), default="UTC")
    region: Mapped[str | None] = mapped_column(String(REGION_MAX))
    job_title: Mapped[str | None] = mapped_column(String(JOB_TITLE_MAX))
    affiliation: Mapped[str] = mapped_column(String(8), default=INTERNAL)
    company: Mapped[str | None] = mapped_column(String(COMPANY_MAX))
    # What the user is looking for in a mentor: hours a month they can give to it.
    desired_hours: Mapped[int | None]
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Which emails the user wants (in-app notifications are always on).
    email_requests: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    email_vetting: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    email_mentorships: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # An outside person who signed up on their own (when the program allows it) waits
    # for an admin's approval before doing anything but editing their account.
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The company directory owns this person's name, manager, region and job title.
    in_directory: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the login cookie: replacing it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the owner deleted the account: its personal data is gone, the history
    # the other side of a mentorship relies on stays, under "Deleted user".
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manager: Mapped["User | None"] = relationship(remote_side=[id])
    interests: Mapped[list[FocusArea]] = relationship(secondary=user_interests,
                                                      order_by=FocusArea.position)
    # Loaded with the logged-in user (see web.session.load_user), for the bell in
    # the navigation; None otherwise, and again once a commit has expired the user.
    unread_notifications: Mapped[int | None] = query_expression()

    def __repr__(self):
        return f"<User {self.id} {self.email}>"

    @hybrid_property
    def full_name(self):
        return str(DELETED_NAME) if self.deleted_at is not None else self.stored_name

    @full_name.inplace.setter
    def _full_name_setter(self, value):
        self.stored_name = value

    @full_name.inplace.expression
    @classmethod
    def _full_name_expression(cls):
        return cls.stored_name

    @property
    def first_name(self):
        """What a greeting calls the person: the first word of their name, as names are
        written given name first ("Marco" for "Marco Rossi"); empty for no name or a
        deleted account, so the greeting says "Hello," alone."""
        return "" if self.deleted_at is not None else first_name_of(self.stored_name)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_active(self):
        return self.active

    @property
    def is_verified(self):
        return self.email_verified_at is not None

    @property
    def has_password(self):
        return not self.password_hash.startswith(NO_PASSWORD)

    @property
    def is_external(self):
        return self.affiliation == EXTERNAL

    @property
    def sees_directory(self):
        """Whether the mentor directory, mentor pages and the program's stories (the
        employees' data) are open to this person: admins, and internal accounts."""
        return self.is_admin or not (self.is_external or self.awaiting_approval)

    def get_id(self):
        return f"{self.id}:{self.session_token}"


class AnonymousUser(AnonymousUserMixin):
    """A visitor who has not logged in: never an admin."""

    is_admin = False
    sees_directory = False


fulltext.add_to(User.__table__)


class AccountToken(db.Model):
    """A single-use, expiring link sent by email (confirm the address, reset password).

    Only a hash of the token is stored, so a leaked database cannot be used to take
    over accounts.
    """

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify', 'reset')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    purpose: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SsoIdentity(db.Model):
    """Who a user is at the company's identity provider: the issuer and its `sub`.

    Found by the address on the first sign-in, then by this pair, so that a changed
    address at the provider still finds the same person. One pair opens one account,
    and an account has one identity per provider.
    """

    __tablename__ = "sso_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),  # one account per subject
        UniqueConstraint("user_id", "issuer"),  # one subject per account and provider
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
