"""The audit log: who did what, when and from where.

Security events and admin actions are recorded here. Never
pass passwords, tokens or cookies in `details`.
"""

import hashlib
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .clock import UTCDateTime, utcnow
from .db import upsert
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


def get_if(model, object_id, kind, allowed):
    """The `model` row `object_id` when `allowed(row)`: the loaders' one shape. None when
    there is no such row, or when it is not the viewer's (then noted, as `kind`)."""
    row = db.session.get(model, object_id)
    if row is None or allowed(row):
        return row
    note_denied(kind, object_id)
    return None


def access_was_denied():
    return has_request_context() and "access_denied" in g


def record_denied(actor, code):
    """Record a refused access by `actor` (a logged-in user), in a transaction of its own.

    Repeats are folded: one row per actor, target (the object, or the path when there is
    none) and UTC hour, whose `count` grows. A client repeating a refusal as fast as it
    can thus adds nothing to the table after its first try of the hour. The row is
    written with one INSERT … ON CONFLICT (fold_key) DO UPDATE, so concurrent refusals
    neither make two rows nor lose a count, on PostgreSQL and on SQLite.

    Whatever the request had started is rolled back first, as it would be at the end of
    a failed request anyway, so only the audit event is committed."""
    actor_id = actor.id  # before the rollback, which expires the user
    denied = g.get("access_denied", {})
    path = redact(request.path)
    now = utcnow()
    target = f"{denied['object']}:{denied['object_id']}" if denied else f"path:{path}"
    hour = now.replace(minute=0, second=0, microsecond=0).isoformat()
    fold_key = hashlib.sha256(
        f"access.denied\n{actor_id}\n{target}\n{hour}".encode()).hexdigest()
    db.session.rollback()
    db.session.execute(
        upsert(db.session, AuditEvent)
        .values(action="access.denied", actor_id=actor_id, ip=request.remote_addr,
                created_at=now, fold_key=fold_key,
                details={"method": request.method, "path": path, "status": code, **denied})
        .on_conflict_do_update(index_elements=[AuditEvent.fold_key],
                               set_={"count": AuditEvent.count + 1}))
    db.session.commit()
