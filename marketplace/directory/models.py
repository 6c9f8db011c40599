"""An uploaded directory file, kept from its preview until it is applied (or left)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import UTCDateTime, utcnow
from ..extensions import db

FILENAME_MAX = 255


class DirectoryImport(db.Model):
    """The file as uploaded (its bytes and their SHA-256), who uploaded it, and, once
    applied, when, by whom and what it changed (`summary`: the counts). Kept in the
    database, not in a worker's memory, so the preview and the apply may be served by
    different instances; applying marks the row with a conditional update in the same
    transaction, so a file is applied once."""

    __tablename__ = "directory_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    deactivate_missing: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[dict | None] = mapped_column(JSON)

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
