"""The rules around asking a mentor for mentoring, and facts about mentors' answers.

The submission of requests, and everything that follows, builds on these rules: the
mentor page shows the reason a viewer cannot send a request, and the same check
guards the request itself.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit
from ..accounts.services import reporting_line
from ..clock import add_months, utcnow
from ..errors import DomainError
from ..extensions import db
from ..mentors.models import MentorProfile
from ..program.services import settings
from .models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    DECLINE_REASONS,
    DECLINED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    Mentorship,
    MentorshipRequest,
)


@dataclass(frozen=True)
class Requester:
    """What decides whether a viewer may ask a given mentor, loaded once per page."""

    user_id: int
    above_ids: frozenset        # the viewer's manager and everyone above them
    open_request_profile_ids: frozenset
    mentoring_profile_ids: frozenset  # mentors the viewer has a running mentorship with
    open_requests: int
    max_open_requests: int


def requester(viewer):
    open_ids = db.session.scalars(
        select(MentorshipRequest.profile_id)
        .where(MentorshipRequest.mentee_id == viewer.id, MentorshipRequest.status == OPEN)
    ).all()
    mentoring = db.session.scalars(
        select(Mentorship.profile_id)
        .where(Mentorship.mentee_id == viewer.id, Mentorship.status == ACTIVE)).all()
    return Requester(
        user_id=viewer.id,
        above_ids=frozenset(user.id for user in reporting_line(viewer)),
        open_request_profile_ids=frozenset(open_ids),
        mentoring_profile_ids=frozenset(mentoring),
        open_requests=len(open_ids),
        max_open_requests=settings().max_open_requests,
    )


def why_cannot_request(who, profile):
    """The reason `who` (a Requester) cannot ask `profile`'s mentor, or None.

    Each broken rule has its own words (SPEC 3.4), checked from the most fundamental.
    """
    if profile.user_id == who.user_id:
        return _("This is your own profile.")
    if profile.user_id in who.above_ids:
        return _("This is your manager, or someone above them in your reporting line: "
                 "ask someone outside it.")
    if not profile.is_listed:
        return _("This mentor is not listed at the moment.")
    if profile.id in who.mentoring_profile_ids:
        return _("You already have a mentorship with this mentor.")
    if profile.id in who.open_request_profile_ids:
        return _("You already have an open request to this mentor.")
    if not profile.accepting:
        return _("This mentor is not taking new requests at the moment.")
    if profile.free_places == 0:
        return _("This mentor has no free places at the moment.")
    if profile.free_hours == 0:
        return _("This mentor has no free hours this month.")
    if who.open_requests >= who.max_open_requests:
        return ngettext(
            "You already have %(num)d open request, the most allowed. Wait for an answer "
            "or withdraw it first.",
            "You already have %(num)d open requests, the most allowed. Wait for an answer "
            "or withdraw one first.", who.open_requests)
    return None


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


def completed_mentees(profile):
    """How many mentorships the mentor has seen through to the goal."""
    return db.session.scalar(
        select(func.count(Mentorship.id))
        .where(Mentorship.profile_id == profile.id, Mentorship.status == COMPLETED))


class RequestError(DomainError):
    pass


def submit_request(mentee, profile, *, area, **fields):
    """Send `mentee`'s request to `profile`'s mentor, if every rule allows it.

    The rules are those of `why_cannot_request`, plus the hours the mentor still has.
    A request submitted twice at once is caught by the database (one open request per
    mentee and mentor) and answered like the check itself.
    """
    reason = why_cannot_request(requester(mentee), profile)
    if reason:
        raise RequestError(reason)
    if fields["hours_per_month"] > profile.free_hours:
        raise RequestError(ngettext(
            "This mentor has %(num)d free hour a month: ask for fewer hours, or choose "
            "another mentor.",
            "This mentor has %(num)d free hours a month: ask for fewer hours, or choose "
            "another mentor.", profile.free_hours))
    if area not in profile.published.areas:
        raise RequestError(_("Choose one of the mentor's focus areas."))
    request = MentorshipRequest(mentee_id=mentee.id, profile_id=profile.id,
                                area_id=area.id, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise RequestError(_("You already have an open request to this mentor.")) from None
    audit.record("request.sent", actor=mentee, subject=profile.user, request_id=request.id,
                 profile_id=profile.id)
    return request


NO_LONGER_OPEN = _l("This request is no longer open: it has already been answered, "
                    "withdrawn or has expired.")


def _close_request(request, status, **values):
    """Move an open request on, once: of two clicks at the same time only one wins."""
    now = utcnow()
    closed = db.session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.id == request.id, MentorshipRequest.status == OPEN)
        .values(status=status, closed_at=now, **values)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise RequestError(str(NO_LONGER_OPEN))
    db.session.refresh(request)
    return now


def withdraw_request(request, *, mentee):
    _close_request(request, WITHDRAWN)
    audit.record("request.withdrawn", actor=mentee, request_id=request.id)


def decline_request(request, *, mentor, reason, note=None):
    if reason not in DECLINE_REASONS:
        raise RequestError(_("Choose a reason."))
    now = utcnow()
    _close_request(request, DECLINED, answered_at=now, decline_reason=reason,
                   note=note or None)
    audit.record("request.declined", actor=mentor, subject=request.mentee,
                 request_id=request.id, reason=reason)


def accept_request(request, *, mentor, note=None):
    """Accept a request: the mentorship starts and takes a place and the hours.

    The request is claimed first, then the mentor's counters are raised by a
    conditional update that only succeeds while there is room; the database checks
    the counters too. Concurrent accepts therefore never exceed the mentor's capacity
    or hours, on PostgreSQL and on SQLite alike.
    """
    now = _close_request(request, ACCEPTED, answered_at=utcnow(), note=note or None)
    taken = db.session.execute(
        update(MentorProfile)
        .where(MentorProfile.id == request.profile_id,
               MentorProfile.active_mentees < MentorProfile.capacity,
               MentorProfile.committed_hours + request.hours_per_month
               <= MentorProfile.monthly_hours)
        .values(active_mentees=MentorProfile.active_mentees + 1,
                committed_hours=MentorProfile.committed_hours + request.hours_per_month)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise RequestError(_("You have no free place or not enough free hours for this "
                             "request. End a mentorship or raise your capacity first."))
    today = now.date()
    mentorship = Mentorship(
        request_id=request.id, mentee_id=request.mentee_id, profile_id=request.profile_id,
        area_id=request.area_id, goal=request.goal, success_measures=request.success_measures,
        target_date=request.target_date, hours_per_month=request.hours_per_month,
        cadence=request.cadence, meeting_format=request.meeting_format, started_on=today,
        planned_end_on=add_months(today, request.duration_months))
    try:
        with db.session.begin_nested():
            db.session.add(mentorship)
    except IntegrityError:
        raise RequestError(_("You already have a mentorship with this mentee.")) from None
    db.session.expire(request.profile)
    audit.record("request.accepted", actor=mentor, subject=request.mentee,
                 request_id=request.id, mentorship_id=mentorship.id)
    return mentorship


def expire_requests(now=None):
    """Expire the requests left unanswered longer than the program allows. Safe to
    run again and again. Returns how many expired."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings().request_expiry_days)
    expired = db.session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.status == OPEN, MentorshipRequest.created_at <= cutoff)
        .values(status=EXPIRED, closed_at=now)
        .execution_options(synchronize_session=False))
    if expired.rowcount:
        audit.record("requests.expired", count=expired.rowcount)
    return expired.rowcount


def expire_requests_to(profile):
    """Close the open requests to a mentor who can no longer take them (suspended)."""
    expired = db.session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.status == OPEN, MentorshipRequest.profile_id == profile.id)
        .values(status=EXPIRED, closed_at=utcnow())
        .execution_options(synchronize_session=False))
    return expired.rowcount


# Loading with the right to see ------------------------------------------------------------

def request_for(viewer, request_id):
    """A request its mentee, its mentor or an admin may see; None for anyone else."""
    request = db.session.get(MentorshipRequest, request_id)
    if request is None:
        return None
    if viewer.is_admin or viewer.id in (request.mentee_id, request.profile.user_id):
        return request
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
