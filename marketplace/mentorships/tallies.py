"""What the dashboard adds up, kept as the check-ins come: each mentorship's latest
check-in day, and the minutes of each day's check-ins by focus area and mentee region.

The dashboard then sums a period's minutes from one row per day, area and region, not
from every check-in, and counts overdue check-ins from the mentorships alone. The
services keep both current in their own transaction: `count_check_in` when a check-in is
logged, `forget_mentee_region` when a mentee's region leaves the figures. `recount`
makes both afresh from the check-ins, for data loaded around the services (the demo's
back-dated history, the benchmark's bulk seed).
"""

from collections import Counter

from sqlalchemy import delete, func, insert, or_, select, update

from ..core.db import upsert
from ..extensions import db
from .models import NO_REGION, CheckIn, CheckInDay, Mentorship


def count_check_in(mentorship, check_in):
    """Add a check-in just logged for `mentorship`."""
    db.session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id,
               or_(Mentorship.last_check_in_on.is_(None),
                   Mentorship.last_check_in_on < check_in.held_on))
        .values(last_check_in_on=check_in.held_on))
    _add_minutes(Counter({(check_in.held_on, mentorship.area_id,
                           mentorship.mentee_region or NO_REGION): check_in.minutes}))


def forget_mentee_region(mentee_id):
    """The mentee's mentorships no longer say where the mentee was: their check-in
    minutes move to the mentorships with no region."""
    moved = Counter()
    for row in db.session.execute(
            select(CheckIn.held_on, Mentorship.area_id, Mentorship.mentee_region,
                   func.sum(CheckIn.minutes).label("minutes"))
            .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
            .where(Mentorship.mentee_id == mentee_id, Mentorship.mentee_region.is_not(None))
            .group_by(CheckIn.held_on, Mentorship.area_id, Mentorship.mentee_region)):
        moved[(row.held_on, row.area_id, row.mentee_region)] -= row.minutes
        moved[(row.held_on, row.area_id, NO_REGION)] += row.minutes
    _add_minutes(moved)
    db.session.execute(update(Mentorship).where(Mentorship.mentee_id == mentee_id)
                       .values(mentee_region=None)
                       .execution_options(synchronize_session=False))


def recount():
    """Both tallies afresh from the check-ins there are."""
    db.session.execute(update(Mentorship).values(last_check_in_on=(
        select(func.max(CheckIn.held_on)).where(CheckIn.mentorship_id == Mentorship.id)
        .scalar_subquery())).execution_options(synchronize_session=False))
    db.session.execute(delete(CheckInDay))
    region = func.coalesce(Mentorship.mentee_region, NO_REGION)
    db.session.execute(insert(CheckInDay).from_select(
        ["held_on", "area_id", "region", "minutes"],
        select(CheckIn.held_on, Mentorship.area_id, region, func.sum(CheckIn.minutes))
        .join(Mentorship, Mentorship.id == CheckIn.mentorship_id)
        .group_by(CheckIn.held_on, Mentorship.area_id, region)))


def _add_minutes(minutes):
    """Add {(day, area id, region): minutes} to the days' rows, making those missing
    (one statement, so two sessions adding to the same row both count; in key order,
    so two adding to the same rows wait for each other rather than deadlock)."""
    if not minutes:
        return
    statement = upsert(db.session, CheckInDay).values([
        {"held_on": day, "area_id": area_id, "region": region, "minutes": added}
        for (day, area_id, region), added in sorted(minutes.items())])
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[CheckInDay.held_on, CheckInDay.area_id, CheckInDay.region],
        set_={"minutes": CheckInDay.minutes + statement.excluded.minutes}))
