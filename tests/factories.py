"""Factories for test data. Each one adds rows, commits and returns a detached-safe
object (its attributes stay readable after the session closes)."""

import itertools
from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.services import hash_password
from marketplace.core.clock import add_months, utcnow
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
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import ACTIVE, COMPLETED, Mentorship
from marketplace.program.models import FocusArea
from marketplace.stories import services as stories
from marketplace.stories.models import DRAFT as STORY_DRAFT
from marketplace.stories.models import PUBLISHED, SUBMITTED

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


def make_mentorship(mentee, profile, area, *, status=ACTIVE, started_days_ago=0,
                    confirmed_minutes=(), **request):
    """A mentorship made the real way: `mentee` requests, the mentor accepts, then the
    mentee completes or ends it when `status` says so. It started `started_days_ago`
    days ago and has one check-in confirmed by the mentor for each of
    `confirmed_minutes`; `request` overrides the request's fields."""
    today = utcnow().date()
    mentee_user, mentor_profile = db.session.get(User, mentee.id), db.session.get(
        MentorProfile, profile.id)
    fields = {"goal": "Close my first multi-year deal with a manufacturing customer.",
              "target_date": add_months(today, 4),
              "current_situation": "I win renewals but multi-year deals stall at "
                                   "procurement; discounting did not help.",
              "success_measures": "One signed multi-year contract.",
              "hours_per_month": 2, "duration_months": 6, "cadence": "biweekly",
              "meeting_format": "video", "message": "", **request}
    request_ = mentoring.submit_request(mentor_profile, actor=mentee_user,
                                        area=db.session.get(FocusArea, area.id), **fields)
    mentorship = mentoring.accept_request(request_, actor=mentor_profile.user)
    mentorship.started_on = today - timedelta(days=started_days_ago)
    mentorship.planned_end_on = add_months(mentorship.started_on, fields["duration_months"])
    for number, minutes in enumerate(confirmed_minutes, start=1):
        # Each its own meeting: the same words twice would be one check-in sent twice.
        check_in = mentoring.log_check_in(
            mentorship, actor=mentee_user, held_on=mentorship.started_on, minutes=minutes,
            summary=f"We went through the account plan (meeting {number}).")
        mentoring.confirm_check_in(check_in, mentorship, actor=mentor_profile.user)
    if status == COMPLETED:
        mentoring.complete_mentorship(mentorship, actor=mentee_user)
    elif status != ACTIVE:
        mentoring.end_mentorship(mentorship, actor=mentee_user, reason="My role changed.")
    db.session.commit()
    return _detached(db.session.get(Mentorship, mentorship.id))


STORY_BODY = ("When I asked for a mentor my renewals were late and my account plans were "
              "lists of wishes. Over six months we rebuilt the plan of every key "
              "account, and I signed my first multi-year contract in the spring.")


def make_story(mentorship, *, status=SUBMITTED, title="A plan for every account"):
    """The mentee's story of a completed mentorship, taken to `status` (up to
    published) the real way."""
    mentorship = db.session.get(Mentorship, mentorship.id)
    mentee, mentor = mentorship.parties
    story = stories.write_story(mentorship, actor=mentee, title=title, body=STORY_BODY)
    if status != STORY_DRAFT:
        stories.ask_consent(story, actor=mentee)
    if status in (SUBMITTED, PUBLISHED):
        stories.give_consent(story, actor=mentor, version=story.version)
    if status == PUBLISHED:
        stories.publish(story, actor=db.session.scalars(
            select(User).where(User.is_admin.is_(True))).first())
    db.session.commit()
    return _detached(story)


def _detached(instance):
    """Loaded, out of the session, and with the transaction of the refresh ended (it
    would otherwise hold locks that other connections wait for)."""
    db.session.refresh(instance)
    db.session.expunge(instance)
    db.session.commit()
    return instance
