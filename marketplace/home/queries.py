"""What the home page reads, for each role the viewer has, in a fixed number of
statements whatever the data: the mentee's requests and mentorships, the mentor's
profile, requests and check-ins, the admin's queues and this month's figures.

It reuses what the other pages compute: the mentor's typical answer time
(mentors.queries), where a mentorship stands (mentorships.queries.progress), the
suggestions after a request (mentors.search), the dashboard's figures
(admin.queries.dashboard) and the notice period of an expiring approval
(notifications.reminders).
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..admin.queries import Period, dashboard
from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import (
    APPROVED,
    CHANGES_REQUESTED,
    PENDING,
    REQUEST_CHANGES,
    MentorProfile,
    ProfileRevision,
)
from ..mentors.queries import answer_time_text, typical_answer_times
from ..mentors.search import suggestions
from ..mentorships.models import (
    ACTIVE,
    OPEN,
    Feedback,
    Mentorship,
    MentorshipRequest,
)
from ..mentorships.queries import progress
from ..notifications.reminders import EXPIRY_NOTICE
from ..stories.models import SUBMITTED, SuccessStory

SUGGESTED = 3


@dataclass
class Waiting:
    """A request the mentee sent, still open."""

    request: MentorshipRequest
    age: object
    answer_time: str


@dataclass
class Running:
    """A mentorship the viewer is in, with where it stands."""

    mentorship: Mentorship
    progress: object
    to_confirm: list  # the other side's check-ins the viewer has to confirm
    waiting_on_other: list  # the viewer's check-ins the other side has not confirmed
    # A completion waiting for an answer: "to_answer" when the other side proposed it
    # (the viewer's next action), "proposed" when the viewer did; None otherwise.
    completion: str | None = None


@dataclass
class Mentee:
    waiting: list = field(default_factory=list)
    last_answer: MentorshipRequest | None = None
    last_mentorship_id: int | None = None
    active: list = field(default_factory=list)
    feedback_due: list = field(default_factory=list)
    suggested: list = field(default_factory=list)
    # Nothing sent nor running, and no other role: the page helps them start.
    starting: bool = False

    @property
    def nothing_yet(self):
        return not (self.waiting or self.last_answer or self.active or self.feedback_due)


@dataclass
class Mentor:
    profile: MentorProfile
    revision: ProfileRevision | None
    waiting: list = field(default_factory=list)  # [(request, age)], oldest first
    to_confirm: list = field(default_factory=list)  # [Running] with check-ins to confirm
    completions: list = field(default_factory=list)  # [Running]: the mentee proposed it
    overdue: list = field(default_factory=list)  # [Running]
    active: list = field(default_factory=list)

    @property
    def on_track(self):
        """The running mentorships with nothing to do now, listed quietly so that every
        mentee has a way in from the home page."""
        busy = {item.mentorship.id for item in self.completions + self.to_confirm
                + self.overdue}
        return [item for item in self.active if item.mentorship.id not in busy]

    @property
    def change_notes(self):
        """The reviewers' notes when changes were asked for the latest version."""
        if self.revision is None or self.revision.status != CHANGES_REQUESTED:
            return []
        return [review.notes for review in self.revision.reviews
                if review.decision == REQUEST_CHANGES and review.notes]

    @property
    def state(self):
        """The latest version's state while one waits or was sent back, else the
        profile's."""
        if self.revision is not None and self.revision.status in (PENDING, CHANGES_REQUESTED):
            return self.revision.status
        return self.profile.status


@dataclass
class Admin:
    pending: int
    oldest_pending: object  # the age of the oldest version waiting, or None
    expiring: list  # profiles whose approval ends within the notice period
    stories: int
    period: Period
    figures: object


@dataclass
class Home:
    mentee: Mentee
    mentor: Mentor | None
    admin: Admin | None


def home_of(user, language, now=None):
    """Everything on `user`'s home page."""
    now = now or utcnow()
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    mentorships = _mentorships(user, profile)
    return Home(mentee=_mentee(user, language, now, mentorships, newcomer=profile is None
                               and not user.is_admin),
                mentor=_mentor(user, profile, now, mentorships) if profile else None,
                admin=_admin(now) if user.is_admin else None)


def _mentorships(user, profile):
    """The viewer's active mentorships on both sides (`profile` is theirs as a mentor,
    or None), and the finished ones they have not given feedback on yet, with their
    people and check-ins (two statements). Each side is a value an index finds."""
    mine = (Mentorship.mentee_id == user.id if profile is None else
            or_(Mentorship.mentee_id == user.id, Mentorship.profile_id == profile.id))
    no_feedback = ~exists().where(Feedback.mentorship_id == Mentorship.id,
                                  Feedback.author_id == user.id)
    return db.session.scalars(
        select(Mentorship).where(mine, or_(Mentorship.status == ACTIVE, no_feedback))
        .options(joinedload(Mentorship.mentee),
                 joinedload(Mentorship.profile).joinedload(MentorProfile.user),
                 selectinload(Mentorship.check_ins))
        .order_by(Mentorship.started_on, Mentorship.id)).unique().all()


def _running(mentorship, user, today):
    completion = None
    if mentorship.completion_pending:
        completion = ("proposed" if mentorship.completion_proposed_by_id == user.id
                      else "to_answer")
    return Running(mentorship=mentorship,
                   progress=progress(mentorship, mentorship.check_ins, today=today),
                   to_confirm=[check_in for check_in in mentorship.check_ins
                               if not check_in.is_confirmed and check_in.author_id != user.id],
                   waiting_on_other=[check_in for check_in in mentorship.check_ins
                                     if not check_in.is_confirmed
                                     and check_in.author_id == user.id],
                   completion=completion)


def _running_now(mentorship, now):
    """Still going on at `now`: active, and no completion nobody objected to in time
    (that one counts as completed, and waits for feedback)."""
    return mentorship.status == ACTIVE and not mentorship.completion_lapsed(now)


def _mentee(user, language, now, mentorships, newcomer):
    options = (joinedload(MentorshipRequest.profile).joinedload(MentorProfile.user),
               joinedload(MentorshipRequest.area))
    sent = db.session.scalars(
        select(MentorshipRequest).options(*options)
        .where(MentorshipRequest.mentee_id == user.id, MentorshipRequest.status == OPEN)
        .order_by(MentorshipRequest.created_at, MentorshipRequest.id)).all()
    waits = typical_answer_times([request.profile_id for request in sent])
    # The newest request that is no longer open, and the mentorship it became, if any.
    last = db.session.execute(
        select(MentorshipRequest, Mentorship.id).options(*options)
        .outerjoin(Mentorship, Mentorship.request_id == MentorshipRequest.id)
        .where(MentorshipRequest.mentee_id == user.id, MentorshipRequest.status != OPEN)
        .order_by(func.coalesce(MentorshipRequest.answered_at, MentorshipRequest.closed_at,
                                MentorshipRequest.created_at).desc(),
                  MentorshipRequest.id.desc()).limit(1)).first()
    today = now.date()
    mine = [m for m in mentorships if m.mentee_id == user.id]
    home = Mentee(
        waiting=[Waiting(request=request, age=now - request.created_at,
                         answer_time=answer_time_text(waits.get(request.profile_id)))
                 for request in sent],
        last_answer=last[0] if last else None,
        last_mentorship_id=last[1] if last else None,
        active=[_running(m, user, today) for m in mine if _running_now(m, now)],
        feedback_due=[m for m in mine if not _running_now(m, now)])
    if home.last_mentorship_id is not None and not _just_started(
            home.last_mentorship_id, home.active):
        # The answer led to a mentorship that is under way or over: the mentorship's
        # own card says what to do next, not "agree on your first meeting".
        home.last_answer = home.last_mentorship_id = None
    home.starting = newcomer and home.nothing_yet
    if home.starting and user.sees_directory:
        home.suggested = suggestions(user, language, limit=SUGGESTED)
    return home


def _just_started(mentorship_id, active):
    """Whether the mentorship is running with no check-in logged yet."""
    return any(item.mentorship.id == mentorship_id and not item.mentorship.check_ins
               for item in active)


def _mentor(user, profile, now, mentorships):
    revision = db.session.scalars(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
        .options(selectinload(ProfileRevision.reviews))
        .order_by(ProfileRevision.number.desc()).limit(1)).first()
    received = db.session.scalars(
        select(MentorshipRequest)
        .options(joinedload(MentorshipRequest.mentee), joinedload(MentorshipRequest.area))
        .where(MentorshipRequest.profile_id == profile.id, MentorshipRequest.status == OPEN)
        .order_by(MentorshipRequest.created_at, MentorshipRequest.id)).all()
    today = now.date()
    running = [_running(m, user, today) for m in mentorships
               if m.profile_id == profile.id and _running_now(m, now)]
    return Mentor(profile=profile, revision=revision,
                  waiting=[(request, now - request.created_at) for request in received],
                  completions=[item for item in running if item.completion == "to_answer"],
                  to_confirm=[item for item in running if item.to_confirm],
                  overdue=[item for item in running if item.progress.overdue],
                  active=running)



def _admin(now):
    pending, oldest = db.session.execute(
        select(func.count(ProfileRevision.id), func.min(ProfileRevision.submitted_at))
        .where(ProfileRevision.status == PENDING)).one()
    expiring = db.session.scalars(
        select(MentorProfile).options(joinedload(MentorProfile.user))
        .where(MentorProfile.status == APPROVED,
               MentorProfile.approval_expires_at <= now + EXPIRY_NOTICE)
        .order_by(MentorProfile.approval_expires_at, MentorProfile.id)).all()
    stories = db.session.scalar(select(func.count(SuccessStory.id))
                                .where(SuccessStory.status == SUBMITTED))
    today = now.date()
    period = Period(start=date(today.year, today.month, 1), end=today)
    return Admin(pending=pending, oldest_pending=now - oldest if oldest else None,
                 expiring=expiring, stories=stories, period=period,
                 figures=dashboard(period, [], [], today=today).overall)


