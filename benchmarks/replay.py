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
median CPU and wall-clock ms, and its share of the pass's CPU.
"""

import argparse
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
    args = parser.parse_args()
    app = in_process(prepared(args.database, args.mentors, keep=True)[0])
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
    print(f"{args.database}, {args.mentors:,} mentors, {len(people)} users, "
          f"{args.n} requests a pass")
    for number in range(args.passes):
        compiled.clear()
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


if __name__ == "__main__":
    main()
