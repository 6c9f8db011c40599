"""What the mentoring pages read: the requests and mentorships a viewer may see, the
facts about mentors' answers and track records, and where a mentorship stands.

Loaders answer None for what is not the viewer's (the views turn that into a 404);
read models are built in a fixed number of statements. Nothing here changes a row:
the commands are in services.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..core import audit
from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import MentorProfile
from ..mentors.queries import visible_profile
from ..mentors.search import suggestions
from ..program import texts
from .models import (
    ACCEPTED,
    ACTIVE,
    DECLINED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    CheckIn,
    Mentorship,
    MentorshipRequest,
)

# Loading with the right to see ------------------------------------------------------------

def listed_profile(actor, profile_id):
    """The mentor profile `actor` may send a request to: a listed one; None otherwise."""
    profile = visible_profile(actor, profile_id)
    return profile if profile is not None and profile.is_listed else None


def mentee_duties(language):
    """The program's words on what a mentee commits to, shown beside the request form."""
    return texts.part("mentee_duties", language)


def suggestions_after(actor, sent, language):
    """Other suitable mentors, when `actor`'s latest request (`sent`, newest first) did
    not work out."""
    if not sent or sent[0].status not in (DECLINED, WITHDRAWN, EXPIRED) \
            or not actor.sees_directory:
        return []
    return suggestions(actor, language, area_id=sent[0].area_id,
                       exclude=[request.profile_id for request in sent])


def request_for(viewer, request_id):
    """A request its mentee, its mentor or an admin may see; None for anyone else."""
    return audit.get_if(MentorshipRequest, request_id, "request", lambda request: (
        viewer.is_admin or viewer.id in (request.mentee_id, request.profile.user_id)))


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
    return audit.get_if(Mentorship, mentorship_id, "mentorship", lambda mentorship: (
        viewer.is_admin or mentorship.has_party(viewer)))


def mentorship_of_party(viewer, mentorship_id):
    """A mentorship `viewer` is the mentor or the mentee of; None for anyone else,
    admins included: what only the two sides get (their calendar)."""
    return audit.get_if(Mentorship, mentorship_id, "mentorship",
                        lambda mentorship: mentorship.has_party(viewer))


def mentorships_of_requests(requests):
    """{request id: mentorship id} for the accepted ones among `requests`, in one
    statement: the requests page links each accepted request to its mentorship."""
    accepted = [request.id for request in requests if request.status == ACCEPTED]
    if not accepted:
        return {}
    return dict(db.session.execute(
        select(Mentorship.request_id, Mentorship.id)
        .where(Mentorship.request_id.in_(accepted))).all())


# Feedback stays blind until both sides have given theirs, or this long after the end.
FEEDBACK_BLIND_DAYS = 14


def feedback_revealed_on(mentorship):
    """The day the sides' feedback shows to the other side, if neither gives theirs
    before: FEEDBACK_BLIND_DAYS after the mentorship ended."""
    return (mentorship.ended_at + timedelta(days=FEEDBACK_BLIND_DAYS)
            if mentorship.ended_at is not None else None)


def visible_feedback(mentorship, viewer, now=None):
    """(the feedback `viewer` may read, how many are hidden from them).

    Feedback is blind so that neither rating answers the other: each author always
    sees their own, and anyone (the other side, an admin) sees the rest once both
    sides have given theirs or FEEDBACK_BLIND_DAYS have passed since the end.
    """
    given = mentorship.feedback
    revealed_on = feedback_revealed_on(mentorship)
    if len(given) >= 2 or (revealed_on is not None and (now or utcnow()) >= revealed_on):
        return list(given), 0
    own = [item for item in given if item.author_id == viewer.id]
    return own, len(given) - len(own)


def check_in_of(mentorship, check_in_id):
    """One of the mentorship's check-ins (`mentorship` already loaded for the viewer);
    None for a check-in of another mentorship."""
    return audit.get_if(CheckIn, check_in_id, "check_in",
                        lambda check_in: check_in.mentorship_id == mentorship.id)


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
    def nothing_logged(self):
        """Day 0, or nothing written down yet: the page says so in words, not zeros."""
        return self.check_ins == 0

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
        # With a completion proposed, no further check-in is expected.
        overdue=mentorship.status == ACTIVE and not mentorship.completion_pending
        and today > next_due + timedelta(days=GRACE_DAYS),
    )
