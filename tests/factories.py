"""Factories for test data. Each one adds rows, commits and returns a detached-safe
object (its attributes stay readable after the session closes)."""

import itertools

from marketplace.accounts.models import User
from marketplace.accounts.services import hash_password
from marketplace.clock import utcnow
from marketplace.extensions import db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_user(*, email=None, full_name=None, password=PASSWORD, verified=True, **fields):
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.com",
        full_name=full_name or f"Test User {number}",
        password_hash=hash_password(password),
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    db.session.refresh(user)
    db.session.expunge(user)
    db.session.commit()  # end the transaction the refresh opened; it would hold locks
    return user
