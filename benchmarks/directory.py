"""Time the company directory's preview and apply on a generated organisation chart.

    .venv/bin/python benchmarks/directory.py --rows 20000 --repeat 3
    .venv/bin/python benchmarks/directory.py --database postgresql --rows 20000

Each repetition starts from an empty database with one admin, generates N people
(managers forming a tree, eight reports each; regions by code and by Italian label;
both languages), and times, in process and with production settings for mail (written
to the outbox, not sent):
  preview   upload (read the file, store it) and compute the plan, as the page does;
  apply     apply it: N new accounts, their managers, N reset links, N welcome mails;
  reapply   upload the same file again, preview and apply it (changes nothing);
  change    a file where every tenth person has a new job title and manager.
It prints the median of each and the process's peak memory. SQLite files go to
benchmarks/data/ (not committed); PostgreSQL uses BENCH_POSTGRES_URL and a database
of its own, dropped afterwards.
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MARKETPLACE_ENV", "testing")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.accounts.models import User  # noqa: E402
from marketplace.directory import services  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.geography import REGIONS  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
ITALIAN_LABELS = ("Italia – Nord", "Italia – Centro", "Italia – Sud e isole")


def chart(rows, changed=False, seed=7):
    """A CSV organisation chart: person i reports to person (i - 1) // 8."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, reproducible)
    lines = ["email;full_name;manager_email;region;job_title;language"]
    for i in range(rows):
        manager = f"p{(i - 1) // 8}@acme.com" if i else ""
        if changed and i % 10 == 5 and i > 9:
            manager = f"p{(i - 1) // 8 - 1}@acme.com"
        region = rng.choice([code for code, _label in REGIONS] + list(ITALIAN_LABELS))
        title = rng.choice(("Sales rep", "Account manager", "Area manager"))
        if changed and i % 10 == 5:
            title = "Sales lead"
        lines.append(f"p{i}@acme.com;Person {i};{manager};{region};{title};"
                     f"{'it' if i % 2 else 'en'}")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def database(kind, run):
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"directory-{run}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    server = make_url(os.environ.get("BENCH_POSTGRES_URL",
                                     "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    name = f"bench_directory_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return server.set(database=name).render_as_string(hide_password=False), (engine, name)


def drop(made):
    if made is None:
        return
    engine, name = made
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def check(condition, detail):
    if not condition:
        raise SystemExit(f"unexpected result: {detail}")


def timed(work):
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def one_run(kind, rows, run):
    url, made = database(kind, run)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "mentors.example.com",
                      "MAIL_SEND_IMMEDIATELY": False})
    times = {}
    try:
        with app.app_context():
            db.create_all()
            admin = User(email="admin@acme.com", full_name="Ada Admin",
                         password_hash="!",  # noqa: S106 (opens nothing)
                         is_admin=True)
            db.session.add(admin)
            db.session.commit()

            def upload_and_preview(content):
                directory_import = services.upload(content, actor=admin, filename="chart.csv")
                db.session.commit()
                return directory_import, services.preview(directory_import)

            def apply(directory_import, plan):
                result = services.apply_import(
                    directory_import, actor=admin, sha256=directory_import.sha256,
                    deactivate_missing=False, digest=plan.digest)
                db.session.commit()
                return result

            content = chart(rows)
            times["preview"], (directory_import, plan) = timed(lambda: upload_and_preview(content))
            check(not plan.has_errors and len(plan.new) == rows, plan.errors[:3])
            times["apply"], _result = timed(lambda: apply(directory_import, plan))
            times["reapply"], result = timed(lambda: apply(*upload_and_preview(content)))
            check(result.changes_nothing, 'reapplying changed something')
            changed = chart(rows, changed=True)
            times["change"], result = timed(lambda: apply(*upload_and_preview(changed)))
            check(len(result.changed) == rows // 10, len(result.changed))
            db.session.remove()
            db.engine.dispose()
    finally:
        drop(made)
        if made is None:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"file: {len(chart(args.rows)) / 1024 / 1024:.1f} MB, {args.rows} people")
    for kind in args.database or ["sqlite"]:
        runs = [one_run(kind, args.rows, run) for run in range(args.repeat)]
        medians = {step: statistics.median(run[step] for run in runs) for step in runs[0]}
        print(f"{kind}: " + ", ".join(f"{step} {seconds:.1f} s"
                                      for step, seconds in medians.items())
              + f" (median of {args.repeat})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
