"""What the mentoring pages read: the requests and mentorships a viewer may see, the
facts about mentors' answers and track records, and where a mentorship stands.

Loaders answer None for what is not the viewer's (the views turn that into a 404);
read models are built in a fixed number of statements. Nothing here changes a row:
the commands are in services.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..accounts.models import User
from ..core import audit
from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import APPROVED, MentorProfile
from .models import (
    ACTIVE,
    COMPLETED,
    OPEN,
    CheckIn,
    Mentorship,
    MentorshipRequest,
)

# Loading with the right to see ------------------------------------------------------------

def request_for(viewer, request_id):
    """A request its mentee, its mentor or an admin may see; None for anyone else."""
    request = db.session.get(MentorshipRequest, request_id)
    if request is None:
        return None
    if viewer.is_admin or viewer.id in (request.mentee_id, request.profile.user_id):
        return request
    audit.note_denied("request", request_id)
    return None


def requests_of(user):
    """(sent, received): the user's requests as a mentee and as a mentor, newest first."""
    options = (joinedload(MentorshipRequest.mentee),
               joinedload(MentorshipRequest.profile).joinedload(MentorProfile.user),
               joinedload(MentorshipRequest.area))
    newest = (MentorshipRequest.created_at.desc(), MentorshipRequest.id.desc())
    sent = db.session.scalars(select(MentorshipRequest).options(*options)
                              .where(MentorshipRequest.mentee_id == user.id)
                              .order_by(*newest)).all()
    received = db.session.scalars(
        select(MentorshipRequest).options(*options)
        .join(MentorProfile, MentorProfile.id == MentorshipRequest.profile_id)
        .where(MentorProfile.user_id == user.id).order_by(*newest)).all()
    return sent, received


def mentorship_for(viewer, mentorship_id):
    """A mentorship its two sides or an admin may see; None for anyone else."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    if mentorship is None:
        return None
    if viewer.is_admin or mentorship.has_party(viewer):
        return mentorship
    audit.note_denied("mentorship", mentorship_id)
    return None


def my_mentoring(user):
    """Everything on a user's "My mentoring" page, in a few queries."""
    options = (joinedload(Mentorship.mentee),
               joinedload(Mentorship.profile).joinedload(MentorProfile.user),
               joinedload(Mentorship.area), selectinload(Mentorship.check_ins))
    as_mentee = db.session.scalars(
        select(Mentorship).options(*options).where(Mentorship.mentee_id == user.id)
        .order_by(Mentorship.started_on.desc(), Mentorship.id.desc())).unique().all()
    as_mentor = db.session.scalars(
        select(Mentorship).options(*options)
        .join(MentorProfile, MentorProfile.id == Mentorship.profile_id)
        .where(MentorProfile.user_id == user.id)
        .order_by(Mentorship.started_on.desc(), Mentorship.id.desc())).unique().all()
    open_requests = db.session.scalar(
        select(func.count(MentorshipRequest.id))
        .where(MentorshipRequest.mentee_id == user.id, MentorshipRequest.status == OPEN))
    waiting = db.session.scalar(
        select(func.count(MentorshipRequest.id))
        .join(MentorProfile, MentorProfile.id == MentorshipRequest.profile_id)
        .where(MentorProfile.user_id == user.id, MentorshipRequest.status == OPEN))
    return as_mentee, as_mentor, open_requests, waiting


# What the mentor pages show ------------------------------------------------------------

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
    """'usually answers within 2 days', or 'new mentor' without history."""
    if wait is None:
        return _("New mentor")
    days = math.ceil(wait.total_seconds() / 86400)
    if days <= 1:
        return _("Usually answers within a day")
    return ngettext("Usually answers within %(num)d day", "Usually answers within %(num)d days",
                    days)


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


def honor_roll(limit=10):
    """Listed mentors with the most mentees who reached their goal, then the most
    confirmed hours: [(profile, completed, hours)]."""
    completed = (select(Mentorship.profile_id, func.count(Mentorship.id).label("completed"))
                 .where(Mentorship.status == COMPLETED)
                 .group_by(Mentorship.profile_id).subquery())
    minutes = (select(Mentorship.profile_id,
                      func.sum(CheckIn.minutes).label("minutes"))
               .join(CheckIn, CheckIn.mentorship_id == Mentorship.id)
               .where(CheckIn.confirmed_at.is_not(None))
               .group_by(Mentorship.profile_id).subquery())
    rows = db.session.execute(
        select(MentorProfile, func.coalesce(completed.c.completed, 0),
               func.coalesce(minutes.c.minutes, 0))
        .join(completed, completed.c.profile_id == MentorProfile.id, isouter=True)
        .join(minutes, minutes.c.profile_id == MentorProfile.id, isouter=True)
        .join(MentorProfile.user)
        .where(MentorProfile.status == APPROVED, User.active.is_(True),
               or_(completed.c.completed > 0, minutes.c.minutes > 0))
        .options(contains_eager(MentorProfile.user))
        .order_by(func.coalesce(completed.c.completed, 0).desc(),
                  func.coalesce(minutes.c.minutes, 0).desc(), MentorProfile.id)
        .limit(limit)).all()
    return [(profile, count, total / 60) for profile, count, total in rows]


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


# Where a mentorship stands ---------------------------------------------------------------

CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 30}
# A check-in counts as overdue this many days after it was due.
GRACE_DAYS = 3
AVERAGE_MONTH_DAYS = 30.44


@dataclass(frozen=True)
class Progress:
    """Where a mentorship stands against its agreement."""

    minutes_logged: int
    minutes_confirmed: int
    hours_committed_so_far: float
    hours_committed_total: int
    check_ins: int
    check_ins_expected: int
    next_due: object
    overdue: bool

    @property
    def hours_logged(self):
        return self.minutes_logged / 60

    @property
    def hours_confirmed(self):
        return self.minutes_confirmed / 60

    @property
    def on_cadence(self):
        return not self.overdue and self.check_ins >= self.check_ins_expected - 1


def progress(mentorship, check_ins, today=None):
    """Hours logged against hours committed so far, and whether check-ins keep the
    agreed cadence: the next one is due one interval after the last (or the start)."""
    today = today or utcnow().date()
    end = min(today, mentorship.planned_end_on)
    if mentorship.ended_at is not None:  # a finished mentorship commits no more time
        end = min(end, mentorship.ended_at.date())
    days = max((end - mentorship.started_on).days, 0)
    months = (mentorship.planned_end_on - mentorship.started_on).days / AVERAGE_MONTH_DAYS
    interval = CADENCE_DAYS[mentorship.cadence]
    last = max((check_in.held_on for check_in in check_ins), default=mentorship.started_on)
    next_due = last + timedelta(days=interval)
    return Progress(
        minutes_logged=sum(check_in.minutes for check_in in check_ins),
        minutes_confirmed=sum(c.minutes for c in check_ins if c.is_confirmed),
        hours_committed_so_far=round(mentorship.hours_per_month * days / AVERAGE_MONTH_DAYS,
                                     1),
        hours_committed_total=round(mentorship.hours_per_month * months),
        check_ins=len(check_ins),
        check_ins_expected=days // interval,
        next_due=next_due,
        overdue=mentorship.status == ACTIVE
        and today > next_due + timedelta(days=GRACE_DAYS),
    )
