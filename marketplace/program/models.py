from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import UTCDateTime
from ..extensions import db

AREA_NAME_MAX = 80


class FocusArea(db.Model):
    """A focus area of the program's taxonomy, named in both languages.

    Retired areas are no longer offered, but stay on the profiles that chose them.
    """

    __tablename__ = "focus_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(AREA_NAME_MAX), unique=True)
    name_it: Mapped[str] = mapped_column(String(AREA_NAME_MAX), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def name(self, language):
        return self.name_it if language == "it" else self.name_en

    @property
    def is_retired(self):
        return self.retired_at is not None


ORGANISATION_NAME_MAX = 120


class ProgramSettings(db.Model):
    """The program's settings: a single row, changed by admins, every change audited."""

    __tablename__ = "program_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("required_approvals BETWEEN 1 AND 3", name="required_approvals"),
        CheckConstraint("approval_months BETWEEN 1 AND 36", name="approval_months"),
        CheckConstraint("max_open_requests BETWEEN 1 AND 10", name="max_open_requests"),
        CheckConstraint("max_open_invitations BETWEEN 1 AND 10", name="max_open_invitations"),
        CheckConstraint("request_expiry_days BETWEEN 1 AND 90", name="request_expiry_days"),
        CheckConstraint("default_duration_months BETWEEN 3 AND 12",
                        name="default_duration_months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    required_approvals: Mapped[int] = mapped_column(default=1)
    approval_months: Mapped[int] = mapped_column(default=12)
    max_open_requests: Mapped[int] = mapped_column(default=3, server_default="3")
    max_open_invitations: Mapped[int] = mapped_column(default=3, server_default="3")
    request_expiry_days: Mapped[int] = mapped_column(default=14, server_default="14")
    default_duration_months: Mapped[int] = mapped_column(default=6, server_default="6")
    # The program's timeline, shown on the program page.
    pilot_starts_on: Mapped[date | None] = mapped_column(Date)
    rollout_starts_on: Mapped[date | None] = mapped_column(Date)
    # The organisation: its email domains (one per line, lower case; an address is
    # internal when its domain is one of them, subdomains only when listed), whether
    # people outside them may sign up on their own (then as external accounts waiting
    # for an admin's approval), and its name in each language, for invitation mails.
    internal_domains: Mapped[str] = mapped_column(Text, default="", server_default="")
    outside_signups: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    organisation_name_en: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX),
                                                      default="", server_default="")
    organisation_name_it: Mapped[str] = mapped_column(String(ORGANISATION_NAME_MAX),
                                                      default="", server_default="")


class ProgramText(db.Model):
    """An admin's wording of one part of the program page, in both languages. Without
    a row, or where a language is left empty, the page shows the default wording (in
    the catalog) in the visitor's language."""

    __tablename__ = "program_texts"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_it: Mapped[str] = mapped_column(Text, default="")

    def text(self, language):
        """The wording in `language`; empty when the admins left it to the default
        (shown in the visitor's language, never the other language's wording)."""
        return (self.text_it if language == "it" else self.text_en) or ""
