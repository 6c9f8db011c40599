"""The app as gunicorn serves it in production, plus the bare `/hello` endpoint the
benchmark compares every page with (same server, same workers, no database).

With BENCHMARK_CACHE_STATS set to a directory, each worker writes there, as it exits,
how often it was asked for each kind of remembered result and found it (see
mentors.listing.Remembered): run.py adds them up into the hit rates it reports.
"""

import atexit
import json
import os
from pathlib import Path

from wsgi import app


@app.get("/hello")
def hello():
    return "hello"


def _write_cache_stats(directory):
    remembered = app.extensions["listing_remembered"]
    if remembered is not None:
        Path(directory, f"{os.getpid()}.json").write_text(json.dumps(
            {"asked": remembered.asked, "found": remembered.found}), encoding="utf-8")


if os.environ.get("BENCHMARK_CACHE_STATS"):
    atexit.register(_write_cache_stats, os.environ["BENCHMARK_CACHE_STATS"])
