"""Reminders the clock triggers: `flask --app wsgi send-reminders`, safe every hour.

Each reminder is recorded where it belongs (the request, the mentorship, the profile),
so running the command again never sends it twice.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import APPROVED, MentorProfile
from ..mentorships.models import ACTIVE, OPEN, Mentorship, MentorshipRequest
from ..mentorships.queries import progress
from .services import notify

REQUEST_WAITING = timedelta(days=7)
EXPIRY_NOTICE = timedelta(days=30)


def send_reminders(now=None):
    """Create the reminders that are due. Returns {kind: how many}."""
    now = now or utcnow()
    return {
        "request_reminder": _waiting_requests(now),
        "check_in_overdue": _overdue_check_ins(now),
        "approval_expiring": _expiring_approvals(now),
    }


def _waiting_requests(now):
    waiting = db.session.scalars(
        select(MentorshipRequest)
        .where(MentorshipRequest.status == OPEN, MentorshipRequest.reminded_at.is_(None),
               MentorshipRequest.created_at <= now - REQUEST_WAITING)
        .options(joinedload(MentorshipRequest.mentee),
                 joinedload(MentorshipRequest.profile).joinedload(MentorProfile.user))
    ).all()
    for request in waiting:
        request.reminded_at = now
        # At the request, as its first notification (mentorships.services.request_link):
        # answering it marks both read.
        notify(request.profile.user, "request_reminder",
               url_for("mentorships.requests", _anchor=f"request-{request.id}"),
               person=request.mentee)
    return len(waiting)


def _overdue_check_ins(now):
    """Both sides are told once per missed due date."""
    told = 0
    active = db.session.scalars(
        select(Mentorship).where(Mentorship.status == ACTIVE)
        .options(joinedload(Mentorship.mentee),
                 joinedload(Mentorship.profile).joinedload(MentorProfile.user),
                 selectinload(Mentorship.check_ins))).unique().all()
    for mentorship in active:
        state = progress(mentorship, mentorship.check_ins, today=now.date())
        if not state.overdue or mentorship.overdue_notice_for == state.next_due:
            continue
        mentorship.overdue_notice_for = state.next_due
        link = url_for("mentorships.mentorship", mentorship_id=mentorship.id)
        mentee, mentor = mentorship.parties
        notify(mentee, "check_in_overdue", link, person=mentor,
               due_date=state.next_due.isoformat())
        notify(mentor, "check_in_overdue", link, person=mentee,
               due_date=state.next_due.isoformat())
        told += 1
    return told


def _expiring_approvals(now):
    expiring = db.session.scalars(
        select(MentorProfile)
        .where(MentorProfile.status == APPROVED,
               MentorProfile.approval_expires_at <= now + EXPIRY_NOTICE,
               or_(MentorProfile.expiry_warned_at.is_(None),
                   MentorProfile.expiry_warned_at < MentorProfile.approved_at))
        .options(joinedload(MentorProfile.user))).all()
    for profile in expiring:
        profile.expiry_warned_at = now
        # The last day as the mentor's own calendar has it.
        last_day = profile.approval_expires_at.astimezone(ZoneInfo(profile.user.timezone))
        notify(profile.user, "approval_expiring", url_for("mentors.my_profile"),
               expiry_date=last_day.date().isoformat())
    return len(expiring)
