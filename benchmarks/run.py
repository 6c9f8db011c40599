"""The benchmark: seed N approved mentors into SQLite or PostgreSQL, serve the app with
gunicorn (2 workers), drive each page with wrk, and write the figures to
benchmarks/results.md.

    python benchmarks/run.py --database postgresql --mentors 10000
    python benchmarks/run.py --database sqlite --mentors 10000 --duration 10

With --mix, the realistic mix instead (benchmarks/mix.py, mix.lua): many logged-in
mentees (--users, at least 40) with their own interests, regions and languages over
thousands of different browse, mentor and personal pages, while a writer answers
requests (--writes a second), served once remembering and once remembering nothing;
/hello is measured in the same run to compare with. The section goes to
benchmarks/data/mix-results.md (or --output): copy it to the top of results.md from
full-size runs on a quiet machine only.

    python benchmarks/run.py --database postgresql --mentors 10000 --mix --duration 30

Needs `wrk` built with LuaJIT (Debian: apt-get install wrk) and, for PostgreSQL, a
server where the user may create databases (BENCH_POSTGRES_URL, default the local
one). Data goes to benchmarks/data/ (not committed) or to a database named
marketplace_bench_<N>, made afresh each run (--keep reuses it; a database seeded before
mentees had interests gives the mix users without them).
"""

import argparse
import json
import os
import platform
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

from benchmarks import mix  # noqa: E402
from benchmarks.client import Browser, free_port  # noqa: E402
from benchmarks.seed import PASSWORD, seed  # noqa: E402
from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.mentors.models import MentorProfile  # noqa: E402
from marketplace.mentorships.models import CheckIn, Mentorship, MentorshipRequest  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_OUTPUT = str(HERE / "results.md")
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(kind, mentors, keep=False):
    """The benchmark database's address, made empty unless `keep` (reuse a seeded one)."""
    if kind == "sqlite":
        path = HERE / "data" / f"bench-{mentors}.db"
        path.parent.mkdir(exist_ok=True)
        if keep and path.exists():
            return f"sqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    server = make_url(normalise_database_url(POSTGRES))
    name = f"marketplace_bench_{mentors}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                   {"name": name})
        if not (keep and exists):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def environment(url, port):
    return {**os.environ, "MARKETPLACE_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
            "SERVER_NAME": f"127.0.0.1:{port}", "SESSION_COOKIE_SECURE": "0",
            "PREFERRED_URL_SCHEME": "http", "MAIL_BACKEND": "smtp",
            "MAIL_SEND_IMMEDIATELY": "0"}


def login(port, email):
    """A session cookie for `email`."""
    browser = Browser()
    if browser.login(port, email, PASSWORD)[0] != 302:
        raise SystemExit(f"could not log in as {email}")
    return browser.cookie_header


def wrk(port, path, cookie, duration, connections):
    output = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s",
         "--timeout", "30s", "-s", str(HERE / "report.lua"),
         "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def targets(app):
    """The pages to measure, with real ids from the seeded data."""
    with app.app_context():
        busy = db.session.execute(
            select(MentorProfile.id, MentorProfile.user_id,
                   func.count(MentorshipRequest.id).label("requests"))
            .join(MentorshipRequest, MentorshipRequest.profile_id == MentorProfile.id)
            .group_by(MentorProfile.id, MentorProfile.user_id)
            .order_by(text("requests DESC")).limit(1)).one()
        busy_email = db.session.get(User, busy.user_id).email
    return busy, busy_email, [
        ("hello", "/hello", "mentee"),
        ("browse, filters", "/mentors?area=2&language=it&available=1&sort=match", "mentee"),
        ("browse, search", "/mentors?q=negotiation&sort=experience", "mentee"),
        ("browse, page 5", "/mentors?page=5", "mentee"),
        ("mentor page", f"/mentors/{busy.id}", "mentee"),
        ("requests, busy mentor", "/requests", "mentor"),
        ("admin dashboard", "/admin", "admin", 1),
    ]


# The pages made of what the listing remembers, measured again with nothing remembered.
LISTING_PAGES = ("hello", "browse, filters", "browse, search", "browse, page 5", "mentor page")
NOTHING_REMEMBERED = ", nothing remembered"


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


def query_plans(url, port, pages, emails, slowest=2):
    """{page name: [(ms, statement, plan)]}: the page's slowest statements, as one
    request runs them with no remembered ranking (the cost when nothing is cached),
    explained by the database with the same parameters."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": f"127.0.0.1:{port}", "SECRET_KEY": "x" * 32,
                      "LISTING_CACHE_SIZE": 0, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    seen = []

    def before(connection, _cursor, statement, parameters, _context, _many):
        connection.info["started"] = time.perf_counter()

    def after(connection, _cursor, statement, parameters, _context, _many):
        seen.append((1000 * (time.perf_counter() - connection.info["started"]),
                     statement, parameters))

    with app.app_context():
        engine = db.engine
    explain = ("EXPLAIN (ANALYZE, COSTS OFF) " if engine.dialect.name == "postgresql"
               else "EXPLAIN QUERY PLAN ")
    plans = {}
    for name, path, who, *_alone in pages:
        if name == "hello":
            continue
        client = app.test_client()
        client.post("/auth/login", data={"email": emails[who], "password": PASSWORD})
        client.get(path)  # warm up
        seen.clear()
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            client.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
        plans[name] = []
        for took, statement, parameters in sorted(seen, key=lambda row: -row[0])[:slowest]:
            with engine.connect() as connection:
                rows = connection.exec_driver_sql(explain + statement, parameters).all()
                connection.rollback()
            plan = "\n".join(row[-1] if isinstance(row[-1], str) else str(row) for row in rows)
            plans[name].append((took, " ".join(statement.split()), plan))
    engine.dispose()
    return plans


def prepared(kind, mentors, keep=False):
    """(address, counts, seconds taken to seed, database version) of a migrated
    database seeded with `mentors` mentors; with `keep`, one seeded earlier is reused."""
    url = database_url(kind, mentors, keep)
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=PROJECT,
                   env=environment(url, 5000), check=True, capture_output=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": "127.0.0.1:5000", "SECRET_KEY": "x" * 32})
    started = time.perf_counter()
    with app.app_context():
        counts = existing() if keep else None
        seeded = counts is None
        if seeded:
            counts = seed(mentors)
        db.session.remove()
        if seeded:
            compact(kind)
        version = db.session.execute(
            text("SELECT version()" if kind == "postgresql" else "SELECT sqlite_version()")
        ).scalar()
        db.engine.dispose()
    return url, counts, (time.perf_counter() - started) if seeded else None, version


def compact(kind):
    """Compact and analyse the freshly seeded database, as a restore from a dump
    would leave it: the seed's bulk inserts are followed by one statement that copies
    what ranking reads onto every profile row (mentors.listing), which would otherwise
    leave the table twice its size in dead rows until the database reuses them."""
    if kind == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM FULL"))
            # VACUUM FULL leaves the visibility map empty, as a restore does, and index-only
            # scans read the table until a vacuum fills it (autovacuum, on a live database).
            connection.execute(text("VACUUM ANALYZE"))
        return
    # (The app begins every SQLite transaction itself (core.ops): VACUUM needs none.)
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.execute("VACUUM")
        connection.driver_connection.execute("ANALYZE")
    finally:
        connection.close()


def existing():
    """The counts of a database seeded earlier, or None if it holds no mentor."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    if not count(MentorProfile):
        return None
    return {"mentors": count(MentorProfile), "mentees": count(User) - count(MentorProfile),
            "requests": count(MentorshipRequest), "mentorships": count(Mentorship),
            "check_ins": count(CheckIn)}


@contextmanager
def serving(url, port, **settings):
    """gunicorn with 2 workers serving the app on `port`, with extra environment
    `settings`, until the block ends."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "benchmarks.app:app"], cwd=PROJECT, env={**environment(url, port), **settings},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(port, pages, emails, duration, connections, suffix=""):
    """[(name, path, figures)] of each page driven by wrk after a warm-up."""
    cookies = {who: login(port, email) for who, email in emails.items()}
    results = []
    for name, path, who, *alone in pages:
        clients = 1 if alone else connections
        wrk(port, path, cookies[who], 2, clients)  # warm up
        figures = wrk(port, path, cookies[who], duration, clients)
        results.append((name + suffix, path, {**figures, "connections": clients}))
    return results


def run(kind, mentors, duration, connections, keep=False):
    url, counts, seeded_in, version = prepared(kind, mentors, keep)
    port = free_port()
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": f"127.0.0.1:{port}", "SECRET_KEY": "x" * 32})
    busy, busy_email, pages = targets(app)
    emails = {"mentee": "mentee1@bench.example.com",
              "admin": "mentee0@bench.example.com", "mentor": busy_email}
    with serving(url, port):
        results = measure(port, pages, emails, duration, connections)
    # The listing's pages again, each worker remembering nothing: what every request
    # would cost if the listing changed all the time (see marketplace.mentors.listing).
    with serving(url, port, LISTING_CACHE_SIZE="0"):
        results += measure(port, [page for page in pages if page[0] in LISTING_PAGES],
                           emails, duration, connections, suffix=NOTHING_REMEMBERED)
    return {"kind": kind, "mentors": mentors, "counts": counts, "version": version,
            "seeded_in": seeded_in, "busy_requests": busy.requests, "results": results,
            "duration": duration, "connections": connections,
            "plans": query_plans(url, port, pages, emails)}


# Pages of the mix whose statements cost the most at 100,000 mentors, explained after
# the mix's passes: the order that depends on the viewer, a search, filters few
# mentors pass (the capped count reads them all), an order an index gives, page 10.
MIX_PLANS = [("browse, best match", "/mentors?sort=match&page=4", "mentee"),
             ("browse, search", "/mentors?q=closing&language=it&sort=match", "mentee"),
             ("browse, rare filters", "/mentors?area=6&language=fr&min_years=25&sort=newest",
              "mentee"),
             ("browse, newest, page 10", "/mentors?sort=newest&page=10", "mentee")]


def run_mix(kind, mentors, duration, connections, users, writes, keep=False, paced=None):
    """The realistic mix on a seeded database, served twice: remembering, and with
    each worker remembering nothing (`LISTING_CACHE_SIZE=0`); with `paced` (a
    percentage of hello), each also offered the first server's share of its hello."""
    url, counts, seeded_in, version = prepared(kind, mentors, keep)
    port = free_port()
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
                      "SERVER_NAME": f"127.0.0.1:{port}", "SECRET_KEY": "x" * 32})
    rng = random.Random(2026)  # noqa: S311 (test data, not security)
    with app.app_context():
        people = mix.mentees(users)
        pairs = mix.writer_pairs(3, exclude=[person["id"] for person in people])
        rows = mix.plan(people, mix.mentor_ids(2000, rng), mix.area_ids(),
                        mix.PER_USER, rng)
    if len(people) < users:
        raise SystemExit(f"only {len(people)} mentees with interests to browse as")
    passes = []
    rate = None  # offered to both servers: the first one's share of its hello
    for name, settings in (("remembering", {}), ("nothing remembered",
                                                 {"LISTING_CACHE_SIZE": "0"})):
        with tempfile.TemporaryDirectory() as stats:
            with serving(url, port, BENCHMARK_CACHE_STATS=stats, **settings):
                figures = mix_pass(app, port, people, pairs, rows, duration, connections,
                                   writes, paced, rate)
            figures["cache"] = cache_stats(Path(stats))
        passes.append((name, figures))
        rate = rate or figures.get("paced", {}).get("offered_rps")
    plans = query_plans(url, port, MIX_PLANS, {"mentee": people[0]["email"]})
    return {"kind": kind, "mentors": mentors, "counts": counts, "version": version,
            "seeded_in": seeded_in, "duration": duration, "connections": connections,
            "users": len(people), "variety": mix.variety(people), "writers": len(pairs),
            "writes": writes, "passes": passes, "plans": plans, "paced": paced}


def mix_pass(app, port, people, pairs, rows, duration, connections, writes, paced=None,
             rate=None):
    """hello, then the mix with the writer running: {hello, mix, plan, writes/s...};
    with `paced`, then the mix offered at `rate` requests a second, or `paced`% of this
    pass's hello (see mix.offered), the writer still running ({paced: figures})."""
    cookies = [login(port, person["email"]) for person in people]
    plan_file = HERE / "data" / f"mix-plan-{port}.tsv"
    plan_file.parent.mkdir(exist_ok=True)
    planned = mix.write_plan(plan_file, rows, cookies, connections)
    hello_cookie = cookies[0]
    wrk(port, "/hello", hello_cookie, 2, connections)  # warm up
    hello = wrk(port, "/hello", hello_cookie, duration, connections)
    writer = mix.Writer(port, pairs, writes)
    writer.log_in()
    writer.start()
    try:
        # Warm up on the second half of each connection's list, to measure the first.
        mix.wrk_mix(port, plan_file, 2, connections, start=len(rows) // connections // 2)
        since, sent_before = datetime.now(UTC), writer.sent
        figures = mix.wrk_mix(port, plan_file, duration, connections)
        until, sent = datetime.now(UTC), writer.sent - sent_before
        if paced:
            paced_since = datetime.now(UTC)
            paced_figures = mix.offered(port, rows, cookies,
                                        rate or paced / 100 * hello["rps"], duration)
            paced_until = datetime.now(UTC)
    finally:
        writer.finish()
        plan_file.unlink(missing_ok=True)
    with app.app_context():
        answered = mix.answered(since, until)
        if paced:
            paced_figures["writes_per_s"] = (mix.answered(paced_since, paced_until)
                                             / (paced_until - paced_since).total_seconds())
        db.session.remove()
    seconds = (until - since).total_seconds()
    return {"hello": hello, "mix": figures, "planned": planned,
            "writes_per_s": answered / seconds, "writer_rps": sent / seconds,
            "write_failures": dict(writer.failures),
            **({"paced": paced_figures} if paced else {})}


def cache_stats(directory):
    """{kind: (asked, found)} of the remembered results, summed over the workers that
    wrote theirs into `directory` as they exited (see benchmarks/app.py)."""
    asked, found = Counter(), Counter()
    for path in directory.glob("*.json"):
        figures = json.loads(path.read_text(encoding="utf-8"))
        asked.update(figures["asked"])
        found.update(figures["found"])
    return {kind: (asked[kind], found[kind]) for kind in sorted(asked)}


def mix_table(run_):
    seeded = (f"seeded in {run_['seeded_in']:.0f} s" if run_["seeded_in"] is not None
              else "seeded by an earlier run")
    planned, variety = run_["passes"][0][1]["planned"], run_["variety"]
    lines = [f"### Realistic mix: {run_['kind']}, {run_['mentors']:,} mentors", "",
             f"{run_['version'].split(' on ')[0]}; {run_['counts']['mentees']:,} mentees, "
             f"{run_['counts']['requests']:,} requests ({seeded}). {run_['users']} "
             f"logged-in mentees ({variety['languages']} languages, {variety['regions']} "
             f"regions, {variety['interests']} different sets of interests) on "
             f"{run_['connections']} connections, "
             f"{planned['requests']:,} planned requests over {planned['paths']:,} "
             f"different addresses ("
             + ", ".join(f"{kind} {n:,}" for kind, n in sorted(planned["kinds"].items()))
             + f"); {run_['writers']} writers sending requests that their mentors decline, "
             f"aiming at {run_['writes']:g} answers a second. wrk: {run_['duration']} s "
             f"for /hello and {run_['duration']} s for the mix, each after a 2 s warm-up.",
             "", "| server | hello req/s | mix req/s | % of hello | p50 ms | p95 ms | "
             "p99 ms | errors | non-2xx | answers/s | writer req/s | users | addresses |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: | ---: |"]
    for name, figures in run_["passes"]:
        hello, mixed = figures["hello"], figures["mix"]
        lines.append(
            f"| {name} | {hello['rps']:.0f} | {mixed['rps']:.1f} | "
            f"{100 * mixed['rps'] / hello['rps']:.1f} | {mixed['p50_ms']:.1f} | "
            f"{mixed['p95_ms']:.1f} | {mixed['p99_ms']:.1f} | {mixed['errors']} | "
            f"{non_2xx(mixed)} | {figures['writes_per_s']:.2f} | "
            f"{figures['writer_rps']:.1f} | {mixed['users']} | "
            f"{mixed['paths']:,} |")
    lines += ["", "Per kind of page (latency from the Lua script, request to response):", "",
              "| server | page | requests | p50 ms | p95 ms | p99 ms | statuses |",
              "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for name, figures in run_["passes"]:
        for kind, row in sorted(figures["mix"]["kinds"].items()):
            lines.append(f"| {name} | {kind} | {row['requests']:,} | {row['p50_ms']:.1f} | "
                         f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | "
                         + ", ".join(f"{status}: {n}" for status, n
                                     in sorted(row["statuses"].items())) + " |")
    lines += paced_lines(run_)
    stats = run_["passes"][0][1]["cache"]
    if stats:
        lines += ["", "What the remembering server's workers found remembered over the pass "
                  "(warm-up included), by kind of result: "
                  + "; ".join(f"{kind} {found / asked:.0%} of {asked:,}"
                              for kind, (asked, found) in stats.items()) + "."]
    failures = {name: figures["write_failures"] for name, figures in run_["passes"]
                if figures["write_failures"]}
    if failures:
        lines += ["", f"Writer steps that failed: {failures}."]
    lines += plan_lines(run_)
    return "\n".join(lines) + "\n"


def paced_lines(run_):
    """The table of the passes offered a steady rate (`--paced`), if any."""
    if not run_.get("paced"):
        return []
    lines = ["", f"Offered {run_['paced']:g}% of the first server's hello, to both servers: "
             "the same planned requests, each "
             "sent when due at random times (a Poisson stream) whatever the answers, on a "
             "connection of its own, for the same time, the writers still running "
             "(`mix.offered`). Latency runs from when a request was due: a server that "
             "falls behind counts the wait.", "",
             "| server | offered req/s | answered req/s | p50 ms | p95 ms | p99 ms | "
             "slowest kind's p99 ms | errors | non-2xx | answers/s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, figures in run_["passes"]:
        paced = figures["paced"]
        slowest = max(paced["kinds"].items(), key=lambda item: item[1]["p99_ms"])
        lines.append(
            f"| {name} | {paced['offered_rps']:.1f} | {paced['rps']:.1f} | "
            f"{paced['p50_ms']:.1f} | {paced['p95_ms']:.1f} | {paced['p99_ms']:.1f} | "
            f"{slowest[0]} {slowest[1]['p99_ms']:.1f} | {paced['errors']} | "
            f"{non_2xx(paced)} | {paced['writes_per_s']:.2f} |")
    return lines


def plan_lines(run_):
    """The query plans section of a run's table."""
    lines = ["", f"#### Query plans ({run_['kind']}, {run_['mentors']:,} mentors)", "",
             "Each page's two slowest statements in one request with nothing remembered, "
             "and the database's plan for them.", ""]
    for name, statements in run_["plans"].items():
        lines += [f"<details><summary>{name}</summary>", ""]
        for took, statement, plan in statements:
            lines += [f"{took:.1f} ms: `{statement[:300]}{'…' if len(statement) > 300 else ''}`",
                      "", "```", plan, "```", ""]
        lines += ["</details>", ""]
    return lines


def non_2xx(figures):
    """Responses other than 2xx, redirects included (wrk counts only 4xx and 5xx)."""
    return sum(n for row in figures["kinds"].values()
               for status, n in row["statuses"].items() if status != "2xx")


def table(run_):
    seeded = (f"seeded in {run_['seeded_in']:.0f} s" if run_["seeded_in"] is not None
              else "seeded by an earlier run")
    lines = [f"### {run_['kind']}, {run_['mentors']:,} mentors",
             "",
             f"{run_['version'].split(' on ')[0]}; {run_['counts']['mentees']:,} mentees, "
             f"{run_['counts']['requests']:,} requests, "
             f"{run_['counts']['mentorships']:,} mentorships, "
             f"{run_['counts']['check_ins']:,} check-ins ({seeded}); "
             f"busiest mentor: {run_['busy_requests']} requests. "
             f"wrk: {run_['duration']} s per page after a 2 s warm-up, with the "
             f"clients shown (the dashboard: one admin at a time). Rows \"nothing "
             f"remembered\" come from a second server whose workers remember nothing "
             f"(`LISTING_CACHE_SIZE=0`): every request ranks, loads and renders afresh, "
             f"as after each change to the listing.",
             "",
             "| page | path | clients | req/s | p50 ms | p95 ms | p99 ms | % of hello | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, path, figures in run_["results"]:
        if name.startswith("hello"):  # the pages below compare with this server's
            hello = figures["rps"]
        lines.append(
            f"| {name} | `{path}` | {figures['connections']} | {figures['rps']:.0f} | "
            f"{figures['p50_ms']:.1f} | "
            f"{figures['p95_ms']:.1f} | {figures['p99_ms']:.1f} | "
            f"{100 * figures['rps'] / hello:.1f} | "
            f"{figures['errors'] + figures['non_2xx']} |")
    lines += plan_lines(run_)
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--mentors", type=int, action="append")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database a previous run seeded")
    parser.add_argument("--mix", action="store_true", help="the realistic mix instead")
    parser.add_argument("--users", type=int, default=48, help="mentees in the mix")
    parser.add_argument("--writes", type=float, default=1.5,
                        help="answered requests a second the mix's writer aims at")
    parser.add_argument("--paced", type=float, metavar="PERCENT",
                        help="also offer the mix at this share of hello's requests a "
                             "second, whatever the answers, and time each request from "
                             "when it was due")
    args = parser.parse_args()
    if args.mix:
        return main_mix(args)
    sections = []
    for mentors in args.mentors or [10_000]:
        for kind in args.database or ["postgresql"]:
            print(f"{kind}, {mentors} mentors…", flush=True)
            result = run(kind, mentors, args.duration, args.connections, args.keep)
            sections.append(table(result))
            print(sections[-1], flush=True)
    header = ["# Benchmark results", "",
              f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/run.py`, "
              "gunicorn with 2 sync workers, production settings.",
              f"Machine: {machine()}.", "",
              "\"% of hello\" is the page's throughput as a share of the bare `/hello` "
              "endpoint of the same server in the same run.", ""]
    Path(args.output).write_text("\n".join(header) + "\n" + "\n".join(sections),
                                 encoding="utf-8")


def main_mix(args):
    output = Path(args.output if args.output != DEFAULT_OUTPUT
                  else HERE / "data" / "mix-results.md")
    output.parent.mkdir(exist_ok=True)
    sections = []
    for mentors in args.mentors or [10_000]:
        for kind in args.database or ["postgresql"]:
            print(f"{kind}, {mentors} mentors, realistic mix…", flush=True)
            result = run_mix(kind, mentors, args.duration, args.connections, args.users,
                             args.writes, args.keep, args.paced)
            sections.append(mix_table(result))
            print(sections[-1], flush=True)
    output.write_text(f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/run.py "
                      f"--mix`. Machine: {machine()}.\n\n" + "\n".join(sections),
                      encoding="utf-8")
    print(f"written to {output}")


if __name__ == "__main__":
    main()
