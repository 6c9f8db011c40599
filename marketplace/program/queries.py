"""What the program page shows people who are logged in: the latest published stories
and the honor roll."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import APPROVED, MentorProfile
from ..mentorships.models import CheckIn, Mentorship
from ..stories.models import PUBLISHED, SuccessStory
from ..stories.queries import with_people


def published(limit=3):
    """The newest published stories."""
    return db.session.scalars(
        select(SuccessStory).options(*with_people())
        .where(SuccessStory.status == PUBLISHED)
        .order_by(SuccessStory.published_at.desc()).limit(limit)).all()


def honor_roll(limit=10):
    """Listed mentors with the most mentees who reached their goal (both sides agreed,
    see Mentorship.counts_as_completed), then the most confirmed hours:
    [(profile, completed, hours)]."""
    # Confirmed completions, and those nobody objected to in time (not yet settled).
    completed = (select(Mentorship.profile_id, func.count(Mentorship.id).label("completed"))
                 .where(Mentorship.counts_as_completed(utcnow()))
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
