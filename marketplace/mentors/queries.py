"""What the mentor pages read: a profile for a viewer, its history, how quickly the
mentor answers, their track record and statement of hours, and the areas a profile may
offer."""

import math
import statistics
from collections import defaultdict
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..core import audit
from ..extensions import db
from ..mentorships.models import COMPLETED, CheckIn, Mentorship, MentorshipRequest
from ..program.services import areas
from .models import (
    CHANGES_REQUESTED,
    DRAFT,
    REQUEST_CHANGES,
    SUPERSEDED,
    MentorProfile,
    ProfileRevision,
)


def offered_areas(content=None):
    """The program's areas, plus any retired ones the profile (`content`) already has."""
    kept = [area for area in (content.areas if content else []) if area.is_retired]
    return [*areas(), *kept]


def may_browse(viewer):
    """The mentor list and mentor pages hold employees' data: the company's own people
    and admins browse them; for anyone else they do not exist (404)."""
    return viewer.sees_directory


def visible_profile(viewer, profile_id):
    """The profile if `viewer` may see it, else None (the caller answers 404).

    Listed profiles are visible to the company's own people and admins (`may_browse`);
    the others only to their owner and to admins, so that outsiders cannot even tell
    they exist.
    """
    return audit.get_if(MentorProfile, profile_id, "profile", lambda profile: (
        viewer.is_authenticated and (viewer.is_admin or viewer.id == profile.user_id))
        or (profile.shown_in_list and may_browse(viewer)))


def history(profile):
    """Every revision with its reviews, newest first."""
    return db.session.scalars(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
        .order_by(ProfileRevision.number.desc())).all()


def requested_changes(profile):
    """The reviews that sent the profile's last version sent for review back for
    changes, with their notes, until a newer version is sent (empty otherwise): what the
    mentor has to fix, shown at the top of their page, also while they fix it in a
    draft."""
    latest = db.session.scalar(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id,
                                      ProfileRevision.status.not_in((DRAFT, SUPERSEDED)))
        .order_by(ProfileRevision.number.desc()).limit(1)
        .options(selectinload(ProfileRevision.reviews)))
    if latest is None or latest.status != CHANGES_REQUESTED:
        return []
    return [review for review in latest.reviews if review.decision == REQUEST_CHANGES]


def track_record(profile):
    """(how many mentorships the mentor has seen through to the goal, the hours they
    have given as far as both sides confirmed them in check-ins), in one query."""
    completed, minutes = db.session.execute(_track_record_statement(),
                                            {"profile": profile.id}).one()
    return completed, minutes / 60


@cache
def _track_record_statement():
    """Built once: it runs on every mentor page."""
    profile = bindparam("profile")
    return select(
        select(func.count(Mentorship.id))
        .where(Mentorship.profile_id == profile, Mentorship.status == COMPLETED)
        .scalar_subquery(),
        select(func.coalesce(func.sum(CheckIn.minutes), 0))
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .where(Mentorship.profile_id == profile, CheckIn.confirmed_at.is_not(None))
        .scalar_subquery())


def statement(profile):
    """The mentor's mentorships with their confirmed hours, for the statement."""
    rows = []
    for mentorship in db.session.scalars(
            select(Mentorship).where(Mentorship.profile_id == profile.id)
            .options(joinedload(Mentorship.mentee), joinedload(Mentorship.area),
                     selectinload(Mentorship.check_ins))
            .order_by(Mentorship.started_on)).unique():
        confirmed = sum(c.minutes for c in mentorship.check_ins if c.is_confirmed) / 60
        rows.append((mentorship, confirmed))
    return rows


def typical_answer_times(profile_ids):
    """The median time each mentor took to accept or decline, over all their answered
    requests: {profile_id: timedelta}. Mentors with no answer yet are left out."""
    if not profile_ids:
        return {}
    rows = db.session.execute(
        select(MentorshipRequest.profile_id, MentorshipRequest.created_at,
               MentorshipRequest.answered_at)
        .where(MentorshipRequest.profile_id.in_(profile_ids),
               MentorshipRequest.answered_at.is_not(None)))
    waits = defaultdict(list)
    for profile_id, created_at, answered_at in rows:
        waits[profile_id].append(answered_at - created_at)
    return {profile_id: statistics.median(times) for profile_id, times in waits.items()}


def answer_time_text(wait):
    """'usually answers within 2 days', or that none was answered yet."""
    if wait is None:
        return _("No requests answered yet")
    days = math.ceil(wait.total_seconds() / 86400)
    if days <= 1:
        return _("Usually answers within a day")
    return ngettext("Usually answers within %(num)d day", "Usually answers within %(num)d days",
                    days)
