"""The dashboard's tallies (mentorships.tallies) follow the check-ins: each
mentorship's latest check-in day, and the minutes of each day by focus area and mentee
region, always equal to the same tallies made afresh from the check-ins."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.mentorships import services as mentoring
from marketplace.mentorships import tallies
from marketplace.mentorships.models import NO_REGION, CheckIn, CheckInDay, Mentorship
from marketplace.mentorships.services import CheckInAlreadyRecorded
from marketplace.privacy.services import delete_account

from .builders import start_mentorship, today
from .factories import PASSWORD, make_area, make_profile, make_user
from .helpers import run_together

_summaries = iter(range(10_000))


@pytest.fixture
def world(app_ctx):
    """Four mentorships that began 30 days ago with one mentor: Rita (north of Italy)
    in one area and Dieter (DACH) in another, Nadia (no region) and Ugo (north of Italy)
    in the first."""
    area, other = make_area(), make_area()
    mentor = make_profile(make_user(), areas=[area, other], capacity=6, monthly_hours=20)
    people = {name: make_user(full_name=name.title(), region=region)
              for name, region in (("rita", "it-north"), ("dieter", "dach"),
                                   ("nadia", None), ("ugo", "it-north"))}
    mentorships = {name: start_mentorship(user.id, mentor.id,
                                          (other if name == "dieter" else area).id,
                                          days_ago=30)
                   for name, user in people.items()}
    return SimpleNamespace(area=area.id, other=other.id, mentorships=mentorships,
                           people={name: user.id for name, user in people.items()})


def log(mentorship_id, days_ago, minutes):
    """A check-in the mentee logs through the service, committed."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    check_in = mentoring.log_check_in(
        mentorship, actor=mentorship.mentee, held_on=today() - timedelta(days=days_ago),
        minutes=minutes, summary=f"Meeting {next(_summaries)}.")
    db.session.commit()
    return check_in


def day(days_ago):
    return today() - timedelta(days=days_ago)


def minutes_by_day():
    """{(day, area id, region): minutes} as the tallies hold them (empty rows left out)."""
    return {(row.held_on, row.area_id, row.region): row.minutes
            for row in db.session.scalars(select(CheckInDay)) if row.minutes}


def last_days():
    return dict(db.session.execute(select(Mentorship.id, Mentorship.last_check_in_on)).all())


def assert_as_recounted():
    kept = (minutes_by_day(), last_days())
    tallies.recount()
    db.session.commit()
    assert (minutes_by_day(), last_days()) == kept


class TestCheckIns:
    def test_a_check_in_adds_its_minutes_to_its_day_area_and_region(self, world):
        log(world.mentorships["rita"], days_ago=5, minutes=45)
        log(world.mentorships["ugo"], days_ago=5, minutes=30)
        log(world.mentorships["dieter"], days_ago=5, minutes=60)
        log(world.mentorships["rita"], days_ago=3, minutes=90)
        assert minutes_by_day() == {(day(5), world.area, "it-north"): 75,
                                    (day(5), world.other, "dach"): 60,
                                    (day(3), world.area, "it-north"): 90}
        assert_as_recounted()

    def test_a_mentee_with_no_region_counts_under_none(self, world):
        log(world.mentorships["nadia"], days_ago=2, minutes=45)
        assert minutes_by_day() == {(day(2), world.area, NO_REGION): 45}

    def test_the_latest_day_stays_when_an_earlier_meeting_is_logged(self, world):
        rita = world.mentorships["rita"]
        assert last_days()[rita] is None
        log(rita, days_ago=2, minutes=45)
        log(rita, days_ago=12, minutes=45)
        assert last_days()[rita] == day(2)
        assert_as_recounted()

    def test_a_check_in_sent_twice_counts_once(self, world):
        mentorship = db.session.get(Mentorship, world.mentorships["rita"])
        fields = {"actor": mentorship.mentee, "held_on": day(4), "minutes": 60,
                  "summary": "The same meeting."}
        mentoring.log_check_in(mentorship, **fields)
        with pytest.raises(CheckInAlreadyRecorded):
            mentoring.log_check_in(mentorship, **fields)
        db.session.commit()
        assert minutes_by_day() == {(day(4), world.area, "it-north"): 60}


class TestDeletedAccounts:
    def test_their_minutes_move_to_no_region_and_the_others_stay(self, world):
        for name in ("rita", "ugo"):
            log(world.mentorships[name], days_ago=6, minutes=60)
        log(world.mentorships["rita"], days_ago=4, minutes=30)
        delete_account(actor=db.session.get(User, world.people["rita"]), password=PASSWORD)
        db.session.commit()
        assert minutes_by_day() == {(day(6), world.area, "it-north"): 60,
                                    (day(6), world.area, NO_REGION): 60,
                                    (day(4), world.area, NO_REGION): 30}
        assert db.session.get(Mentorship, world.mentorships["rita"]).mentee_region is None
        assert_as_recounted()

    def test_minutes_join_those_already_without_a_region(self, world):
        log(world.mentorships["nadia"], days_ago=6, minutes=45)
        log(world.mentorships["rita"], days_ago=6, minutes=60)
        delete_account(actor=db.session.get(User, world.people["rita"]), password=PASSWORD)
        db.session.commit()
        assert minutes_by_day() == {(day(6), world.area, NO_REGION): 105}


def test_a_recount_takes_check_ins_changed_around_the_services(world):
    """As the demo does: a check-in dated again after it was logged."""
    check_in = log(world.mentorships["dieter"], days_ago=1, minutes=60)
    db.session.get(CheckIn, check_in.id).held_on = day(9)
    tallies.recount()
    db.session.commit()
    assert minutes_by_day() == {(day(9), world.other, "dach"): 60}
    assert last_days()[world.mentorships["dieter"]] == day(9)


def test_check_ins_logged_at_once_all_count(app, make_app, world):
    """Four mentees in one area and region log a meeting of the same day at the same
    moment, from two app instances: the day's row holds all their minutes."""
    apps = [make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 6, "max_overflow": 2})
            for _ in range(2)]
    db.session.commit()
    mentee_ids = [make_user(region="iberia").id for _ in range(4)]
    mentor = make_profile(make_user(), areas=[world.area], capacity=6, monthly_hours=20)
    ids = [start_mentorship(mentee_id, mentor.id, world.area, days_ago=10)
           for mentee_id in mentee_ids]
    db.session.remove()

    def work(index, barrier):
        with apps[index % 2].app_context():
            barrier.wait()
            mentorship = db.session.get(Mentorship, ids[index])
            mentoring.log_check_in(mentorship, actor=mentorship.mentee, held_on=day(3),
                                   minutes=30 + index, summary="Same day, same region.")
            db.session.commit()
            return "ok"

    assert run_together(work, len(ids)) == ["ok"] * len(ids)
    assert minutes_by_day() == {(day(3), world.area, "iberia"): 30 + 31 + 32 + 33}
