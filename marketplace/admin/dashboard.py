"""The program's figures for the admin dashboard and its CSV export.

The rows of the period are loaded once (requests, mentorships, check-ins) and counted
in Python for the whole program and for each focus area and region, so the page costs
the same few queries whatever the number of groups. Regions are the mentees'.

Definitions, over the chosen period (dates inclusive, in UTC):
- requests by state: requests sent in the period, by their state today;
- acceptance rate: accepted ÷ (accepted + declined), of requests answered in the period;
- median time to first answer: of requests answered in the period;
- hours logged: check-ins held in the period; hours committed: each mentorship's
  monthly hours, pro rata over the days it ran in the period;
- completion rate: completed ÷ (completed + ended early), of mentorships that finished
  in the period;
- now, whatever the period: profiles waiting for vetting, active mentorships, and
  active mentorships whose check-in is overdue.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..clock import utcnow
from ..extensions import db
from ..mentors.models import PENDING, ProfileRevision
from ..mentorships.models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    DECLINED,
    ENDED,
    REQUEST_STATES,
    Mentorship,
    MentorshipRequest,
)
from ..mentorships.services import AVERAGE_MONTH_DAYS, progress

# The last day a period may end on: the moment after it must still be a datetime.
LAST_DAY = date.max - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def first_moment(self):
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
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


@dataclass(frozen=True)
class _Request:
    status: str
    area_id: int
    region: str | None
    created_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class _Mentorship:
    id: int
    status: str
    area_id: int
    region: str | None
    hours_per_month: int
    started_on: date
    planned_end_on: date
    ended_at: datetime | None
    overdue: bool


def dashboard(period, areas, regions, today=None):
    today = today or utcnow().date()
    requests, mentorships, minutes = _load(period, today)

    def figures(keep):
        return _figures(period, today, [r for r in requests if keep(r)],
                        [m for m in mentorships if keep(m)], minutes)

    return Dashboard(
        period=period,
        pending_vetting=db.session.scalar(select(func.count(ProfileRevision.id))
                                          .where(ProfileRevision.status == PENDING)),
        overall=figures(lambda row: True),
        by_area=[(area, figures(lambda row, area=area: row.area_id == area.id))
                 for area in areas],
        by_region=[(code, figures(lambda row, code=code: row.region == code))
                   for code in regions],
    )


def _load(period, today):
    """The period's requests and the mentorships that ran in it (with the active ones
    and whether they are overdue), and check-in minutes by mentorship."""
    request_rows = db.session.execute(
        select(MentorshipRequest.status, MentorshipRequest.area_id, User.region,
               MentorshipRequest.created_at, MentorshipRequest.answered_at)
        .join(User, User.id == MentorshipRequest.mentee_id)
        .where(or_(and_(MentorshipRequest.created_at >= period.first_moment,
                        MentorshipRequest.created_at < period.last_moment),
                   and_(MentorshipRequest.answered_at >= period.first_moment,
                        MentorshipRequest.answered_at < period.last_moment))))
    requests = [_Request(*row) for row in request_rows]

    ran = db.session.scalars(
        select(Mentorship)
        .join(User, User.id == Mentorship.mentee_id)
        .where(or_(Mentorship.status == ACTIVE,
                   and_(Mentorship.started_on <= period.end,
                        or_(Mentorship.ended_at.is_(None),
                            Mentorship.ended_at >= period.first_moment))))
        .options(selectinload(Mentorship.check_ins), selectinload(Mentorship.mentee)))
    mentorships = []
    minutes = Counter()
    for mentorship in ran:
        for check_in in mentorship.check_ins:
            if period.start <= check_in.held_on <= period.end:
                minutes[mentorship.id] += check_in.minutes
        mentorships.append(_Mentorship(
            id=mentorship.id, status=mentorship.status, area_id=mentorship.area_id,
            region=mentorship.mentee.region, hours_per_month=mentorship.hours_per_month,
            started_on=mentorship.started_on, planned_end_on=mentorship.planned_end_on,
            ended_at=mentorship.ended_at,
            overdue=progress(mentorship, mentorship.check_ins, today=today).overdue))
    return requests, mentorships, minutes


def _figures(period, today, requests, mentorships, minutes):
    sent = Counter(r.status for r in requests if period.holds(r.created_at))
    answered = [r for r in requests if period.holds(r.answered_at)]
    accepted = sum(r.status == ACCEPTED for r in answered)
    declined = sum(r.status == DECLINED for r in answered)
    finished = [m for m in mentorships
                if m.status in (COMPLETED, ENDED) and period.holds(m.ended_at)]
    completed = sum(m.status == COMPLETED for m in finished)
    return Figures(
        requests_by_state={state: sent[state] for state in REQUEST_STATES},
        acceptance_rate=accepted / (accepted + declined) if accepted + declined else None,
        median_answer=statistics.median(r.answered_at - r.created_at for r in answered)
        if answered else None,
        active_mentorships=sum(m.status == ACTIVE for m in mentorships),
        hours_logged=sum(minutes[m.id] for m in mentorships) / 60,
        hours_committed=sum((_committed(m, period, today) for m in mentorships), 0.0),
        completion_rate=completed / len(finished) if finished else None,
        overdue_check_ins=sum(m.status == ACTIVE and m.overdue for m in mentorships),
    )


def _committed(mentorship, period, today):
    """The hours a mentorship committed to over the days it ran within the period."""
    end = min(period.end, today, mentorship.planned_end_on)
    if mentorship.ended_at is not None:
        end = min(end, mentorship.ended_at.date())
    start = max(period.start, mentorship.started_on)
    days = (end - start).days + 1
    return mentorship.hours_per_month * days / AVERAGE_MONTH_DAYS if days > 0 else 0.0
