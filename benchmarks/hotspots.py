"""Where a page's time goes, in process: the median of N requests through the test
client, the SQL statements one request runs with the time each took, and (with
--profile) the functions that take the most time. For finding what to make faster
between runs of run.py.

    python benchmarks/hotspots.py /mentors?page=5
    python benchmarks/hotspots.py /requests --as mentor --database sqlite --profile
    python benchmarks/hotspots.py /mentors?page=5 --nothing-remembered --profile

It uses the database run.py seeded (--mentors, default 10,000), seeding it first if
there is none.
"""

import argparse
import cProfile
import logging
import pstats
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import prepared, targets  # noqa: E402
from benchmarks.seed import PASSWORD  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def in_process(url, **settings):
    """The app on the database at `url`, for the test client: no CSRF tokens, no rate
    limits, cookies over plain HTTP, and no access log (a line a request)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": "127.0.0.1:5000", "SECRET_KEY": "x" * 32,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False, **settings})
    logging.disable(logging.INFO)
    return app


def logged_in(app, email):
    """A test client logged in as `email` (a seeded user, with the seed's password)."""
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"{email} could not log in ({response.status_code})")
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--as", dest="who", choices=["mentee", "mentor", "admin"],
                        default="mentee")
    parser.add_argument("-n", type=int, default=200, help="requests to time")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--nothing-remembered", action="store_true",
                        help="remember no listing result (LISTING_CACHE_SIZE=0)")
    args = parser.parse_args()
    url = prepared(args.database, args.mentors, keep=True)[0]
    app = in_process(url, **({"LISTING_CACHE_SIZE": 0} if args.nothing_remembered else {}))
    _busy, busy_email, _pages = targets(app)
    email = {"mentee": "mentee1@bench.example.com", "admin": "mentee0@bench.example.com",
             "mentor": busy_email}[args.who]
    client = logged_in(app, email)
    statements = []  # [statement, ms]

    def before(_conn, _cursor, statement, *_rest):
        statements.append([statement, time.perf_counter()])

    def after(*_args):
        statements[-1][1] = 1000 * (time.perf_counter() - statements[-1][1])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    status = client.get(args.path).status_code  # warm up
    statements.clear()
    client.get(args.path)
    print(f"{args.path}: status {status}, {len(statements)} statements (ms each)")
    for statement, took in statements:
        print(f"  {took:7.2f}", " ".join(statement.split())[:140])
    profiler = cProfile.Profile() if args.profile else None
    times = []
    for _ in range(args.n):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        client.get(args.path)
        if profiler:
            profiler.disable()
        times.append(1000 * (time.perf_counter() - started))
    print(f"median {statistics.median(times):.2f} ms over {args.n} requests")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
