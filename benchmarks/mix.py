"""The realistic mix for `run.py --mix`: many logged-in mentees, each with their own
interests, region and language, asking for different browse pages (area, region,
language, format, availability, minimum years, sort, search term, pages 1–10), mentor
pages and their own pages, while a writer outside the server answers requests.

The requests are planned here and written to a file that benchmarks/mix.lua reads: wrk
runs one thread per connection, each playing its own list of requests, every request
with the session cookie of the user it belongs to. The writer sends requests as a few
mentees and has their mentors decline them, through the app's pages with CSRF tokens
like a browser: each decline is an answered request, which changes the listing.
"""

import asyncio
import json
import math
import random
import re
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select

from benchmarks.client import Browser
from benchmarks.seed import LAST, PASSWORD, SKILLS_EN, SKILLS_IT
from marketplace.accounts.models import User, user_interests
from marketplace.extensions import db
from marketplace.geography import REGIONS
from marketplace.mentors.models import (
    FORMATS,
    SPOKEN_LANGUAGES,
    MentorProfile,
    ProfileFormat,
    revision_areas,
)
from marketplace.mentorships.models import MentorshipRequest
from marketplace.program.models import FocusArea

HERE = Path(__file__).resolve().parent
SORTS = ("match", "match", "experience", "availability", "newest")
OWN_PAGES = ("/home", "/requests", "/account", "/notifications")
# What a user asks for, out of 100 requests.
KINDS = {"browse": 60, "mentor page": 20, **{path: 5 for path in OWN_PAGES}}
PER_USER = 300  # planned requests a user: more than a 30 s run at 10% of hello plays
TERMS = [*SKILLS_EN, *SKILLS_IT, *LAST]
WITHDRAW = re.compile(r"/requests/(\d+)/withdraw")


# Who takes part -----------------------------------------------------------------------

def mentees(count, exclude=()):
    """[{id, email, language, region, interests}] of `count` mentees of the company
    (they may browse) who look for some focus areas, spread over as many (language,
    region) pairs as there are."""
    statement = (select(User.id, User.email, User.language, User.region)
                 .where(User.email.like("mentee%"), User.active.is_(True),
                        User.is_admin.is_(False), User.affiliation == "internal",
                        User.id.not_in(list(exclude) or [0]))
                 .order_by(User.id))
    interests = {}
    for user_id, area_id in db.session.execute(select(user_interests.c.user_id,
                                                      user_interests.c.area_id)):
        interests.setdefault(user_id, []).append(area_id)
    groups = {}
    for row in db.session.execute(statement):
        if interests.get(row.id):
            groups.setdefault((row.language, row.region), []).append(row)
    chosen = []
    while len(chosen) < count and any(groups.values()):
        for group in groups.values():  # one of each pair, then a second of each...
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    return [{"id": row.id, "email": row.email, "language": row.language,
             "region": row.region, "interests": sorted(interests.get(row.id, []))}
            for row in chosen]


def writer_pairs(count, exclude, mentors_each=10):
    """[(mentee, [(profile id, mentor email, area id, format)])]: mentees with no open
    request, each with mentors of their own who take requests and have room."""
    open_ = select(MentorshipRequest.mentee_id).where(MentorshipRequest.status == "open")
    free = (select(MentorProfile.id, User.email)
            .join(User, User.id == MentorProfile.user_id)
            .where(MentorProfile.status == "approved", MentorProfile.accepting.is_(True),
                   MentorProfile.active_mentees < MentorProfile.capacity,
                   MentorProfile.monthly_hours - MentorProfile.committed_hours >= 2,
                   User.active.is_(True))
            .order_by(MentorProfile.id).limit(count * mentors_each))
    mentors = []
    for profile_id, email in db.session.execute(free).all():
        profile = db.session.get(MentorProfile, profile_id)
        area = db.session.scalar(select(revision_areas.c.area_id).where(
            revision_areas.c.revision_id == profile.published_revision_id).limit(1))
        fmt = db.session.scalar(select(ProfileFormat.format)
                                .where(ProfileFormat.profile_id == profile_id).limit(1))
        mentors.append((profile_id, email, area, fmt))
    people = [person for person in mentees(count * 4, exclude)
              if not db.session.scalar(open_.where(MentorshipRequest.mentee_id == person["id"])
                                       .limit(1))][:count]
    return [(person, mentors[i::count]) for i, person in enumerate(people)]


def mentor_ids(count, rng):
    """A sample of listed mentors' profile ids."""
    ids = db.session.scalars(select(MentorProfile.id)
                             .where(MentorProfile.status == "approved")).all()
    return rng.sample(ids, min(count, len(ids)))


def area_ids():
    return db.session.scalars(select(FocusArea.id).order_by(FocusArea.id)).all()


# What they ask for --------------------------------------------------------------------

def browse_path(rng, user, areas):
    """A browse address as this user might ask for it: often their own interests,
    language and region, sometimes something else; most on page 1, some up to 10."""
    chance = rng.random
    query = {}
    if chance() < 0.25:
        query["q"] = rng.choice(TERMS)
    if chance() < 0.6:
        query["area"] = rng.choice(user["interests"] if user["interests"] and chance() < 0.7
                                   else areas)
    if chance() < 0.2:
        query["region"] = user["region"] if chance() < 0.7 else rng.choice(REGIONS)[0]
    if chance() < 0.45:
        query["language"] = user["language"] if chance() < 0.7 else rng.choice(
            SPOKEN_LANGUAGES)
    if chance() < 0.1:
        query["format"] = rng.choice(FORMATS)
    if chance() < 0.4:
        query["available"] = "1"
    if chance() < 0.3:
        query["min_years"] = rng.choice([5, 10, 15, 20, 25])
    query["sort"] = rng.choice(SORTS)
    if chance() >= 0.5:
        query["page"] = rng.randint(2, 10)
    return "/mentors?" + urlencode(query)


def variety(users):
    """How the users differ: languages, regions and sets of interests among them."""
    return {"languages": len({user["language"] for user in users}),
            "regions": len({user["region"] for user in users}),
            "interests": len({tuple(user["interests"]) for user in users})}


def plan(users, mentors, areas, per_user, rng):
    """[(user index, kind, path)]: `per_user` requests for each user, in random order."""
    kinds, weights = zip(*KINDS.items(), strict=True)
    rows = []
    for index, user in enumerate(users):
        for kind in rng.choices(kinds, weights, k=per_user):
            if kind == "browse":
                rows.append((index, kind, browse_path(rng, user, areas)))
            elif kind == "mentor page":
                rows.append((index, kind, f"/mentors/{rng.choice(mentors)}"))
            else:
                rows.append((index, kind.strip("/"), kind))
    rng.shuffle(rows)
    return rows


def write_plan(path, rows, cookies, connections):
    """The plan file mix.lua reads: each user's requests go to one connection (users
    taken in turn), so each connection plays the requests of its own users."""
    with open(path, "w", encoding="utf-8") as out:
        for user, kind, target in rows:
            out.write(f"{user % connections}\t{user}\t{kind}\t{cookies[user]}\t{target}\n")
    return {"requests": len(rows), "paths": len({target for _u, _k, target in rows}),
            "kinds": Counter(kind for _u, kind, _t in rows)}


def wrk_mix(port, plan_file, duration, connections, start=0):
    """wrk's figures for the mix, one thread per connection (see mix.lua), each from
    request `start` of its list (a warm-up plays others than the run), with what
    its threads logged summed up: users and addresses answered, and per kind of page
    the requests, p50/p95/p99 and responses by status class."""
    with tempfile.TemporaryDirectory() as logs:
        done = subprocess.run(
            ["wrk", f"-t{connections}", f"-c{connections}", f"-d{duration}s",
             "--timeout", "30s", "-s", str(HERE / "mix.lua"), f"http://127.0.0.1:{port}",
             "--", str(plan_file), f"{logs}/thread-", str(start)],
            capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
        output = done.stdout
        figures = json.loads(output.strip().splitlines()[-1])
        responses = [line.rstrip("\n").split("\t") for log in Path(logs).iterdir()
                     for line in log.open(encoding="utf-8")]
    return {**figures, **summed_up(responses)}


def offered(port, rows, cookies, rate, duration, seed=2026):
    """The mix offered at `rate` requests a second for `duration` seconds, whatever the
    answers (an open loop): the plan's requests in order, each due at a random time (a
    Poisson stream, as people arriving independently) and sent then on a connection of
    its own, as a browser behind a buffering proxy would reach the server. Latency runs
    from when a request was due to its whole answer. {requests, rps, offered_rps,
    p50/p95/p99_ms, errors, users, paths, kinds} as wrk_mix gives them."""
    return asyncio.run(_offer(port, rows, cookies, rate, duration, random.Random(seed)))  # noqa: S311


async def _offer(port, rows, cookies, rate, duration, rng):
    loop = asyncio.get_running_loop()
    started = loop.time()
    responses, errors, tasks = [], Counter(), []
    due, position = started, 0
    while due < started + duration:
        user, kind, path = rows[position % len(rows)]
        position += 1
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(
            _get(port, cookies[user], due, (kind, user, path), responses, errors)))
        due += rng.expovariate(rate)
    await asyncio.gather(*tasks)
    latencies = sorted(float(row[3]) for row in responses)
    return {"requests": len(responses), "rps": len(responses) / (loop.time() - started),
            "offered_rps": rate, "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            **{f"p{p}_ms": percentile(latencies, p) for p in (50, 95, 99)},
            **summed_up(responses)}


async def _get(port, cookie, due, about, responses, errors):
    kind, user, path = about
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), 30)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Cookie: {cookie}\r\nConnection: close\r\n\r\n".encode())
        answer = await asyncio.wait_for(reader.read(), 30)  # until the server closes
    except (OSError, TimeoutError) as error:
        errors[type(error).__name__] += 1
        return
    finally:
        if writer is not None:
            writer.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "000"
    took = 1000 * (asyncio.get_running_loop().time() - due)
    responses.append((kind, str(user), status, f"{took:.3f}", path))


def summed_up(responses):
    """{users, paths, kinds: {kind: {requests, p50_ms, p95_ms, p99_ms, statuses}}} of
    the logged responses [(kind, user, status, ms, path)]."""
    latencies, statuses = {}, {}
    for kind, _user, status, took, _path in responses:
        latencies.setdefault(kind, []).append(float(took))
        statuses.setdefault(kind, Counter())[f"{status[0]}xx"] += 1
    kinds = {}
    for kind, values in latencies.items():
        values.sort()
        kinds[kind] = {"requests": len(values), "statuses": dict(statuses[kind]),
                       **{f"p{p}_ms": percentile(values, p) for p in (50, 95, 99)}}
    return {"users": len({row[1] for row in responses}),
            "paths": len({row[4] for row in responses}), "kinds": kinds}


def percentile(ordered, p):
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)] if ordered else 0.0


# The writer ---------------------------------------------------------------------------

class Writer:
    """Threads that each, as one mentee, send a request to one of their mentors and
    have the mentor decline it, over and over, aiming at `rate` answers a second in
    all. `answered()` counts the declines the database holds for a time window."""

    def __init__(self, port, pairs, rate):
        self.port, self.pairs, self.rate = port, pairs, rate
        self.stop = threading.Event()
        self.failures, self._lock = Counter(), threading.Lock()
        self._sent = Counter()  # HTTP requests each writer made, for the load they add
        self.threads = []
        self.mentors = {}

    @property
    def sent(self):
        return sum(self._sent.values())

    def failed(self, step):
        with self._lock:
            self.failures[step] += 1

    def log_in(self):
        """Log the writers' mentees and mentors in once, before the clock starts."""
        for mentee, mentors in self.pairs:
            mentee["browser"] = logged_in(self.port, mentee["email"])
            for _pid, email, _area, _fmt in mentors:
                self.mentors.setdefault(email, logged_in(self.port, email))

    def start(self):
        for mentee, mentors in self.pairs:
            thread = threading.Thread(target=self.loop, args=(mentee, mentors), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def loop(self, mentee, mentors):
        interval = len(self.pairs) / self.rate
        turn = 0
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self.cycle(mentee, *mentors[turn % len(mentors)])
            except Exception as error:  # noqa: BLE001 (counted and reported, not fatal)
                self.failed(type(error).__name__)
            turn += 1
            self.stop.wait(max(0.0, interval - (time.monotonic() - started)))

    def cycle(self, writer, profile_id, mentor_email, area_id, meeting_format):
        """Send one request and have it declined; a step that goes wrong is counted."""
        mentee, sent = writer["browser"], self._sent
        path = f"/mentors/{profile_id}/request"
        sent[writer["email"]] += 2  # each thread counts under its own key
        status, location, _page = mentee.post(self.port, path, request_form(
            area_id, meeting_format), csrf_page=path)
        if (status, location) != (302, "/requests"):
            self.failed(f"send: {status}")
            return
        sent[writer["email"]] += 1
        _status, _location, page = mentee.get(self.port, "/requests")
        open_ = [int(number) for number in WITHDRAW.findall(page)]
        if not open_:
            self.failed("send: no open request")
            return
        sent[writer["email"]] += 2  # the mentor opens their requests and declines
        status, location, _page = self.mentors[mentor_email].post(
            self.port, f"/requests/{max(open_)}/decline", {"reason": "no_time"},
            csrf_page="/requests")
        if (status, location) != (302, "/requests"):
            self.failed(f"decline: {status}")


def request_form(area_id, meeting_format):
    return {"area": area_id, "goal": "Close my first multi-year deal with a manufacturing "
            "customer this year.",
            "target_date": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
            "current_situation": "I win renewals with my accounts, but every multi-year "
            "deal I bring to procurement stalls at the pricing stage.",
            "success_measures": "One signed multi-year contract by the target date.",
            "hours_per_month": 1, "duration_months": 6, "cadence": "biweekly",
            "meeting_format": meeting_format, "message": "", "acknowledge": "y"}


def answered(since, until):
    """Declines the database recorded between `since` and `until` (UTC datetimes)."""
    return db.session.scalar(select(func.count()).select_from(MentorshipRequest).where(
        MentorshipRequest.status == "declined", MentorshipRequest.answered_at >= since,
        MentorshipRequest.answered_at < until))


def logged_in(port, email):
    browser = Browser()
    if browser.login(port, email, PASSWORD)[0] != 302:
        raise SystemExit(f"could not log in as {email}")
    return browser
