"""What the realistic mix costs the app's process, request by request: the requests
`run.py --mix` plans (same users, same addresses, same order), played in process
through the test client, with the CPU time the process spends on each and, for a
PostgreSQL server on this machine, what its processes spend over the pass. On a
machine whose speed varies from run to run, this tells two versions of the code apart
where the mix's requests a second cannot: play each in turn, several times.

    python benchmarks/replay.py -n 1500 --passes 3

It uses the database run.py seeded (--mentors, default 10,000), seeding it first if
there is none. It reports, for each pass, the median and mean CPU ms a request, the
wall-clock mean, the database server's CPU ms a request (mean, read from /proc for
the processes named postgres: Linux, local server), and how many statements
SQLAlchemy compiled rather than found compiled. The first pass starts a process
afresh, as the server's workers do. With --kinds, it also gives each kind of page's
median CPU and wall-clock ms, and its share of the pass's CPU. With --collector, it
also gives the garbage collector's work in each pass: how many collections of each
generation, their total and longest pause, and how many objects it tracked at the end.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import mix  # noqa: E402
from benchmarks.hotspots import in_process, logged_in  # noqa: E402
from benchmarks.run import prepared  # noqa: E402
from marketplace.core.ops import tune_collector  # noqa: E402
from marketplace.extensions import db  # noqa: E402


def database_cpu():
    """CPU seconds the local PostgreSQL server's processes have spent (Linux), or None
    where /proc does not tell."""
    total = None
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
        except OSError:  # the process ended
            continue
        if line[line.index("(") + 1:line.rindex(")")] == "postgres":
            fields = line[line.rindex(")") + 2:].split()
            total = (total or 0) + int(fields[11]) + int(fields[12])  # utime, stime
    return None if total is None else total / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=48)
    parser.add_argument("-n", type=int, default=1500, help="requests a pass")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--kinds", action="store_true", help="time by kind of page")
    parser.add_argument("--collector", action="store_true",
                        help="time the garbage collector's pauses")
    args = parser.parse_args()
    app = in_process(prepared(args.database, args.mentors, keep=True)[0])
    tune_collector()  # as wsgi.py does
    rng = random.Random(2026)  # noqa: S311 (the plan run.py makes)
    with app.app_context():
        people = mix.mentees(args.users)
        rows = mix.plan(people, mix.mentor_ids(2000, rng), mix.area_ids(), mix.PER_USER, rng)
    clients = [logged_in(app, person["email"]) for person in people]
    compiled = Counter()

    def count(_conn, _cursor, _statement, _parameters, context, _many):
        compiled[str(context.cache_hit).rsplit(".", 1)[-1]] += 1

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", count)
    pauses = collector_pauses() if args.collector else None
    print(f"{args.database}, {args.mentors:,} mentors, {len(people)} users, "
          f"{args.n} requests a pass")
    for number in range(args.passes):
        compiled.clear()
        for spent in (pauses or {}).values():
            spent.clear()
        cpu, wall, failed, by_kind = [], [], 0, {}
        database_before = database_cpu() if args.database == "postgresql" else None
        for user, kind, path in rows[number * args.n:(number + 1) * args.n]:
            started_cpu, started = time.process_time(), time.perf_counter()
            status = clients[user].get(path).status_code
            cpu.append(1000 * (time.process_time() - started_cpu))
            wall.append(1000 * (time.perf_counter() - started))
            by_kind.setdefault(kind, []).append((cpu[-1], wall[-1]))
            failed += status != 200
        database = "" if database_before is None else (
            f"; database CPU mean {1000 * (database_cpu() - database_before) / len(cpu):.2f}")
        print(f"pass {number + 1}: CPU ms a request median {statistics.median(cpu):.2f}, "
              f"mean {statistics.fmean(cpu):.2f}{database}; "
              f"wall mean {statistics.fmean(wall):.2f}; "
              f"statements compiled {compiled['CACHE_MISS']} of "
              f"{sum(compiled.values())}; not 200: {failed}")
        if args.kinds:
            for kind, values in sorted(by_kind.items(), key=lambda item: -len(item[1])):
                spent, waited = zip(*values, strict=True)
                print(f"  {kind:<14} {len(values):>5} requests, median CPU "
                      f"{statistics.median(spent):6.2f} ms, wall {statistics.median(waited):6.2f}"
                      f" ms; {100 * sum(spent) / sum(cpu):4.1f}% of the CPU")
        if pauses is not None:
            for generation in range(3):
                spent = pauses[generation]
                print(f"  generation {generation}: {len(spent)} collections, "
                      f"{sum(spent):.0f} ms in all, longest {max(spent, default=0):.1f} ms")
            print(f"  objects tracked at the end: {len(gc.get_objects()):,}")


def collector_pauses():
    """A dict from generation to the ms each of its collections took, from now on."""
    pauses = {0: [], 1: [], 2: []}
    started = {}

    def timed(phase, info):
        if phase == "start":
            started["at"] = time.perf_counter()
        else:
            pauses[info["generation"]].append(1000 * (time.perf_counter() - started["at"]))

    gc.callbacks.append(timed)
    return pauses


if __name__ == "__main__":
    main()
