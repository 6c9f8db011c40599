"""Factories for test data. Each one adds rows, commits and returns a detached-safe
object (its attributes stay readable after the session closes)."""

import itertools

from marketplace.accounts.models import User
from marketplace.accounts.services import hash_password
from marketplace.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.mentors.models import (
    APPROVED,
    DRAFT,
    SUSPENDED,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
)
from marketplace.program.models import FocusArea

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
    return _detached(user)


def make_area(name_en=None, name_it=None, retired=False):
    number = next(_sequence)
    area = FocusArea(name_en=name_en or f"Area {number}", name_it=name_it or f"Area {number} IT",
                     position=number, retired_at=utcnow() if retired else None)
    db.session.add(area)
    db.session.commit()
    return _detached(area)


def make_profile(user, status=APPROVED, areas=None, content=None, **fields):
    """A mentor profile in `status`, with one revision holding its vetted content.

    `areas` are FocusArea objects or ids (one new area when not given); `content`
    overrides the revision's fields, `fields` the profile's.
    """
    area_ids = [getattr(area, "id", area) for area in (areas or [make_area()])]
    values = {"years_experience": 10, "region": "it-north", "working_style": "Every two weeks.",
              "motivation": "Giving back.", "capacity": 2, "monthly_hours": 4,
              "accepting": True, **fields}
    profile = MentorProfile(user_id=user.id, status=status, **values)
    profile.languages = [ProfileLanguage(code="en"), ProfileLanguage(code="it")]
    profile.formats = [ProfileFormat(format="video")]
    db.session.add(profile)
    db.session.flush()
    listed = status in (APPROVED, SUSPENDED)
    revision = ProfileRevision(
        profile_id=profile.id, number=1, status=APPROVED if listed else status,
        affiliation=user.affiliation, company=user.company,
        submitted_at=None if status == DRAFT else utcnow(),
        **{"headline_en": f"Mentor headline {user.id}", "bio_en": "A long enough bio. " * 6,
           **(content or {})})
    revision.areas = [db.session.get(FocusArea, area_id) for area_id in area_ids]
    db.session.add(revision)
    db.session.flush()
    if listed:
        profile.published_revision_id = revision.id
        profile.approved_at = utcnow()
        profile.approval_expires_at = add_months(utcnow(), 12)
    if status == SUSPENDED:
        profile.suspended_at = utcnow()
        profile.suspension_reason = "Under investigation."
    db.session.commit()
    return _detached(profile)


def _detached(instance):
    """Loaded, out of the session, and with the transaction of the refresh ended (it
    would otherwise hold locks that other connections wait for)."""
    db.session.refresh(instance)
    db.session.expunge(instance)
    db.session.commit()
    return instance
