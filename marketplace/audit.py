"""The audit log: who did what, when and from where.

Security events and admin actions are recorded here (QUALITY.md, Security 14). Never
pass passwords, tokens or cookies in `details`.
"""

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .clock import UTCDateTime, utcnow
from .extensions import db
from .ops import redact


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Repeats of one event folded into one row (refusals: per actor, target and hour):
    # how many times it happened, and the key the repeats share (None: not folded).
    count: Mapped[int] = mapped_column(default=1, server_default="1")
    fold_key: Mapped[str | None] = mapped_column(String(64), unique=True)


def record(action, *, actor=None, subject=None, **details):
    """Add an audit event to the current transaction; it is kept if the action is."""
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_id=subject.id if subject is not None else None,
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


def note_denied(kind, object_id):
    """Remember that the viewer asked for something that exists but is not theirs.

    The loader returns None and its view answers 404 (so the object's existence is not
    given away); the error handler then records the refusal as "access.denied"."""
    if has_request_context():
        g.access_denied = {"object": kind, "object_id": object_id}


def access_was_denied():
    return has_request_context() and "access_denied" in g


def record_denied(actor, code):
    """Record a refused access in a transaction of its own. Whatever the request had
    started is rolled back first, as it would be at the end of a failed request anyway,
    so only the audit event is committed."""
    db.session.rollback()
    record("access.denied", actor=actor, method=request.method, path=redact(request.path),
           status=code, **g.get("access_denied", {}))
    db.session.commit()
