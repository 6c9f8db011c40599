"""What the admin pages read: the program's figures for the dashboard and its CSV
export, and the lists and records the other admin pages show.

The database counts the period's requests by focus area, region and state (from
indexes that hold what it reads), the mentorships by area and region, and sums the
check-in minutes of the period's days (mentorships.tallies keeps them by day, area and
region, and each mentorship's latest check-in day for the overdue ones); Python adds
each row to the program's, its area's and its region's sums in one pass (SQLite has no
median: there Python takes them from each answered request's time). The page costs the
same few queries whatever the number of groups. Regions are the mentees', as they were
when they sent the request (requests and mentorships keep it, so that no query reads
the users).

Definitions, over the chosen period (dates inclusive, in UTC):
- requests by state: requests sent in the period, by their state today;
- acceptance rate: accepted ÷ (accepted + declined), of requests answered in the period;
- median time to first answer: of requests answered in the period;
- hours logged: check-ins held in the period; hours committed: each mentorship's
  monthly hours, pro rata over the days it ran in the period;
- completion rate: completed ÷ (completed + ended early), of mentorships that finished
  in the period; completed means confirmed by the other side, or proposed and not
  objected to for COMPLETION_OBJECTION_DAYS (it finished the day it began to count);
  a completion still waiting for an answer is neither (it is active);
- now, whatever the period: profiles waiting for vetting, active mentorships, and
  active mentorships whose check-in is overdue.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import (
    BigInteger,
    Date,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import INTERNAL, User
from ..core.clock import utcnow
from ..core.sqldates import days_between, greatest, least, seconds_between, utc_date
from ..extensions import db
from ..invitations.models import Invitation
from ..invitations.queries import all_invitations, with_states
from ..invitations.queries import figures as invitation_figures
from ..mentors.models import PENDING, MentorProfile, ProfileRevision
from ..mentorships.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    COMPLETION_OBJECTION,
    DECLINED,
    ENDED,
    NO_REGION,
    REQUEST_STATES,
    CheckInDay,
    Mentorship,
    MentorshipRequest,
)
from ..mentorships.queries import AVERAGE_MONTH_DAYS, CADENCE_DAYS, GRACE_DAYS
from ..program.models import FocusArea
from ..program.services import areas as program_areas
from ..program.services import internal_domains, settings
from ..program.texts import PARTS, texts
from ..stories.models import SUBMITTED, SuccessStory
from ..stories.queries import with_people

# The last day a period may end on: the moment after it must still be a datetime.
LAST_DAY = date.max - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @cached_property
    def first_moment(self):
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @cached_property
    def last_moment(self):
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def holds(self, moment):
        return moment is not None and self.first_moment <= moment < self.last_moment

    @classmethod
    def last_days(cls, days, today=None):
        today = today or utcnow().date()
        return cls(start=today - timedelta(days=days - 1), end=today)


@dataclass
class Figures:
    requests_by_state: dict = field(default_factory=dict)
    acceptance_rate: float | None = None
    median_answer: timedelta | None = None
    active_mentorships: int = 0
    hours_logged: float = 0.0
    hours_committed: float = 0.0
    completion_rate: float | None = None
    overdue_check_ins: int = 0

    @property
    def requests(self):
        return sum(self.requests_by_state.values())


@dataclass
class Dashboard:
    period: Period
    pending_vetting: int
    overall: Figures
    by_area: list  # [(FocusArea, Figures)]
    by_region: list  # [(region code, Figures)]


def dashboard(period, areas, regions, today=None):
    today = today or utcnow().date()
    tallies = defaultdict(_Tally)
    for loader, add in ((_requests, _Tally.add_requests),
                        (_mentorships, _Tally.add_mentorships),
                        (_check_in_minutes, _Tally.add_minutes)):
        for row in loader(period, today):
            for key in (None, ("area", row.area_id), ("region", row.region)):
                add(tallies[key], row)
    for key, seconds in _median_answer_seconds(period).items():
        tallies[key].median_answer_seconds = seconds
    return Dashboard(
        period=period,
        pending_vetting=db.session.scalar(select(func.count(ProfileRevision.id))
                                          .where(ProfileRevision.status == PENDING)),
        overall=tallies[None].figures(),
        by_area=[(area, tallies[("area", area.id)].figures()) for area in areas],
        by_region=[(code, tallies[("region", code)].figures()) for code in regions],
    )


@dataclass
class _Tally:
    """One group's sums, added to from the database's counts."""

    sent: Counter = field(default_factory=Counter)
    accepted: int = 0
    declined: int = 0
    median_answer_seconds: float | None = None
    active: int = 0
    minutes: int = 0
    hour_days: int = 0  # monthly hours × days, summed over mentorships
    finished: int = 0
    completed: int = 0
    overdue: int = 0

    def add_requests(self, row):
        self.sent[row.status] += row.sent
        if row.status == ACCEPTED:
            self.accepted += row.answered
        elif row.status == DECLINED:
            self.declined += row.answered

    def add_mentorships(self, row):
        for name in ("active", "hour_days", "finished", "completed", "overdue"):
            setattr(self, name, getattr(self, name) + (getattr(row, name) or 0))

    def add_minutes(self, row):
        self.minutes += row.minutes

    def figures(self):
        answered = self.accepted + self.declined
        return Figures(
            requests_by_state={state: self.sent[state] for state in REQUEST_STATES},
            acceptance_rate=self.accepted / answered if answered else None,
            median_answer=None if self.median_answer_seconds is None
            else timedelta(seconds=round(self.median_answer_seconds)),
            active_mentorships=self.active,
            hours_logged=self.minutes / 60,
            hours_committed=self.hour_days / AVERAGE_MONTH_DAYS,
            completion_rate=self.completed / self.finished if self.finished else None,
            overdue_check_ins=self.overdue,
        )


def _before(moment, delta):
    """`delta` before `moment`, or the earliest moment for a period that starts at the
    beginning of the calendar."""
    try:
        return moment - delta
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


def _in(column, period):
    return and_(column >= period.first_moment, column < period.last_moment)


def _requests(period, _today):
    """Requests sent and answered in the period, by focus area, region and state: a row
    of each from its own index."""
    request = MentorshipRequest
    groups = (request.area_id, request.mentee_region, request.status)
    columns = (request.area_id, request.mentee_region.label("region"), request.status)
    return db.session.execute(union_all(
        select(*columns, func.count().label("sent"), literal(0).label("answered"))
        .where(_in(request.created_at, period)).group_by(*groups),
        select(*columns, literal(0), func.count())
        .where(_in(request.answered_at, period)).group_by(*groups)))


def _median_answer_seconds(period):
    """{group: median seconds to answer} of the requests answered in the period, for
    the program (None) and each ("area", id) and ("region", code)."""
    seconds = seconds_between(MentorshipRequest.answered_at, MentorshipRequest.created_at)
    region = MentorshipRequest.mentee_region
    answered = (select(MentorshipRequest.area_id, region.label("region"))
                .where(_in(MentorshipRequest.answered_at, period)))
    if db.session.get_bind().dialect.name == "postgresql":
        # The database takes the medians: a row per group rather than per request.
        rows = db.session.execute(
            answered.add_columns(
                func.grouping(MentorshipRequest.area_id, region).label("level"),
                func.percentile_cont(0.5).within_group(seconds).label("median"))
            .group_by(func.grouping_sets(tuple_(MentorshipRequest.area_id),
                                         tuple_(region), text("()"))))
        # grouping() has a bit set for each column the row is not grouped by.
        levels = {1: "area", 2: "region"}
        return {None if row.level == 3 else
                (levels[row.level], row.area_id if row.level == 1 else row.region): row.median
                for row in rows}
    times = defaultdict(list)
    for row in db.session.execute(answered.add_columns(seconds.label("seconds"))):
        for key in (None, ("area", row.area_id), ("region", row.region)):
            times[key].append(row.seconds)
    return {key: statistics.median(values) for key, values in times.items()}


def _check_in_minutes(period, _today):
    """The minutes of the check-ins held in the period, by focus area and region."""
    return db.session.execute(
        select(CheckInDay.area_id, func.nullif(CheckInDay.region, NO_REGION).label("region"),
               # (PostgreSQL sums bigints as numeric: cast back to whole numbers)
               cast(func.sum(CheckInDay.minutes), BigInteger).label("minutes"))
        .where(CheckInDay.held_on.between(period.start, period.end))
        .group_by(CheckInDay.area_id, CheckInDay.region))


def _mentorships(period, today):
    """The mentorships that ran in the period or are active, summed by focus area and
    region: active, committed hour-days, finished and completed in the period, and
    overdue check-ins (see mentorships.queries.progress).
    """
    # Overdue: the last check-in (or the start) is older than the cadence allows.
    due_by = case(*((Mentorship.cadence == cadence,
                     literal(today - timedelta(days=interval + GRACE_DAYS), Date))
                    for cadence, interval in CADENCE_DAYS.items()))
    # Committed: monthly hours over the days it ran within the period, up to today,
    # its planned end or its actual end.
    last_day = literal(min(period.end, today), Date)
    days = days_between(
        least(last_day, Mentorship.planned_end_on,
              func.coalesce(utc_date(Mentorship.ended_at), last_day)),
        greatest(literal(period.start, Date), Mentorship.started_on)) + 1
    # A completion nobody objected to in time counts as finished the day it began to
    # count, even before it is settled (see mentorships.services.settle_completion).
    now = datetime.combine(today, utcnow().time(), tzinfo=UTC)
    lapsed = Mentorship.lapsed_completion(now)
    active = and_(Mentorship.status == ACTIVE, not_(lapsed))
    pending = Mentorship.completion_proposed_at.is_not(None)
    finished = or_(
        and_(Mentorship.status.in_((COMPLETED, ENDED)), _in(Mentorship.ended_at, period)),
        and_(lapsed,
             Mentorship.completion_proposed_at >= _before(period.first_moment,
                                                         COMPLETION_OBJECTION),
             Mentorship.completion_proposed_at < _before(period.last_moment,
                                                        COMPLETION_OBJECTION)))
    return db.session.execute(
        select(Mentorship.area_id, Mentorship.mentee_region.label("region"),
               func.count().filter(active).label("active"),
               cast(func.sum(case((days > 0, Mentorship.hours_per_month * days), else_=0)),
                    BigInteger).label("hour_days"),
               func.count().filter(finished).label("finished"),
               func.count().filter(finished, Mentorship.counts_as_completed(now))
               .label("completed"),
               # (no check-in is due once a completion is proposed)
               func.count().filter(active, not_(pending),
                                   func.coalesce(Mentorship.last_check_in_on,
                                                 Mentorship.started_on) < due_by)
               .label("overdue"))
        .where(or_(active,
                   and_(Mentorship.started_on <= period.end,
                        or_(Mentorship.ended_at.is_(None),
                            Mentorship.ended_at >= period.first_moment))))
        .group_by(Mentorship.area_id, Mentorship.mentee_region))


# The other admin pages -------------------------------------------------------------------

__all__ = ["PARTS", "all_invitations", "invitation_figures", "settings", "texts",
           "with_states"]


def user(user_id):
    return db.session.get(User, user_id)


def area(area_id):
    return db.session.get(FocusArea, area_id)


def invitation(invitation_id):
    return db.session.get(Invitation, invitation_id)


def story(story_id):
    return db.session.get(SuccessStory, story_id)


WAITING = "waiting"
CHECK = "check"


def users(query="", show=None):
    """Everyone by name, or those whose address or name contains `query` (a statement,
    for paging). `show` narrows it: WAITING, the accounts that wait for an admin's
    approval; CHECK, the internal accounts whose address is in none of the internal
    domains (none at all while no domain is set)."""
    statement = select(User).order_by(User.full_name, User.id)
    if show == WAITING:
        statement = statement.where(User.awaiting_approval.is_(True),
                                    User.deleted_at.is_(None))
    elif show == CHECK:
        statement = statement.where(*to_check())
    if query:
        statement = statement.where(or_(User.email.contains(query.lower(), autoescape=True),
                                        User.full_name.icontains(query, autoescape=True)))
    return statement


def to_check():
    """The conditions of an internal account whose address is outside every internal
    domain (`email` ends with "@domain" exactly when its domain is that one)."""
    domains = internal_domains()
    if not domains:
        return (false(),)
    return (User.affiliation == INTERNAL, User.deleted_at.is_(None),
            *(~User.email.endswith(f"@{domain}", autoescape=True) for domain in domains))


def user_counts():
    """(accounts waiting for approval, internal accounts to check) for the users page."""
    waiting = db.session.scalar(select(func.count(User.id)).where(
        User.awaiting_approval.is_(True), User.deleted_at.is_(None)))
    check = db.session.scalar(select(func.count(User.id)).where(*to_check()))
    return waiting, check


def all_areas():
    """The program's areas, the retired ones too."""
    return program_areas(include_retired=True)


def waiting_stories():
    """Stories both sides agreed to, oldest first, for the program team to publish."""
    return db.session.scalars(
        select(SuccessStory).options(*with_people())
        .where(SuccessStory.status == SUBMITTED)
        .order_by(SuccessStory.updated_at)).all()


def mentorships_for_export():
    """Every mentorship with its people, area and check-ins, in four statements."""
    return db.session.scalars(
        select(Mentorship).order_by(Mentorship.id)
        .options(joinedload(Mentorship.mentee), joinedload(Mentorship.area),
                 joinedload(Mentorship.profile).joinedload(MentorProfile.user),
                 selectinload(Mentorship.check_ins))).unique()
