"""Concurrent writers answering requests: do answers to different mentors wait for
each other? Each of N processes (8 by default) has mentors of its own; for `--duration`
seconds it adds a request to one of them and has the mentor decline it through
mentorships.services.decline_request, one transaction each, as the app does. It prints
answers a second in all, and per process.

    python benchmarks/writers.py --database postgresql --mentors 10000

It uses the database run.py seeded (seeding it first if there is none). Run it with
PYTHONPATH pointing at another checkout to measure that code on the same data, e.g.
one whose every answer raises a single listing-version row.
"""

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.append(str(HERE.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks.run import prepared  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.core.clock import utcnow  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.mentors.models import MentorProfile, revision_areas  # noqa: E402
from marketplace.mentorships.models import MentorshipRequest  # noqa: E402
from marketplace.mentorships.services import decline_request  # noqa: E402


def writer(url, number, duration, results):
    """Decline requests to this writer's own mentors for `duration` seconds."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": "127.0.0.1:5000", "SECRET_KEY": "x" * 32})
    with app.test_request_context():
        mentors = db.session.scalars(
            select(MentorProfile).where(MentorProfile.status == "approved")
            .order_by(MentorProfile.id).offset(number * 20).limit(20)).all()
        mentees = db.session.scalars(
            select(User.id).where(User.email.like("mentee%"))
            .order_by(User.id).offset(1000 + number * 200).limit(200)).all()
        areas = {mentor.id: db.session.scalar(select(revision_areas.c.area_id).where(
            revision_areas.c.revision_id == mentor.published_revision_id).limit(1))
            for mentor in mentors}
        db.session.commit()
        answered, step, until = 0, 0, time.perf_counter() + duration
        while time.perf_counter() < until:
            mentor = mentors[step % len(mentors)]
            request = MentorshipRequest(
                mentee_id=mentees[step % len(mentees)], profile_id=mentor.id,
                area_id=areas[mentor.id], goal="Win my first enterprise account.",
                target_date=date.today() + timedelta(days=180),
                current_situation="Small deals only.", success_measures="One contract.",
                hours_per_month=2, cadence="monthly", meeting_format="video",
                status="open", created_at=utcnow())
            db.session.add(request)
            db.session.commit()
            decline_request(request, actor=mentor.user, reason="no_time")
            db.session.commit()
            answered += 1
            step += 1
        results.put((number, answered / duration))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15)
    args = parser.parse_args()
    url = prepared(args.database, args.mentors, keep=True)[0]
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=writer, args=(
        url, number, args.duration, results)) for number in range(args.writers)]
    for process in processes:
        process.start()
    rates = dict(results.get() for _ in processes)
    for process in processes:
        process.join()
    print(json.dumps({"writers": args.writers, "answers_per_s": round(sum(rates.values()), 1),
                      "per_writer_median": round(statistics.median(rates.values()), 1)}))


if __name__ == "__main__":
    main()
