"""Pages cost the same number of SQL statements whatever the amount of data: the
benchmark's pages (benchmarks/run.py) on its seeded data, at two sizes."""

import pytest
from sqlalchemy import event

from benchmarks.run import targets
from benchmarks.seed import PASSWORD, seed
from marketplace.extensions import db
from marketplace.program.services import settings

# The smaller size still fills page 5 and finds mentors for the benchmark's filters.
SMALL, LARGE = 1200, 6000


def statements_per_page(make_app, url, mentors, **overrides):
    """{page name: SQL statements its request runs} on a database of `mentors`."""
    app = make_app(SQLALCHEMY_DATABASE_URI=url, **overrides)
    with app.app_context():
        db.create_all()
        settings()  # made by the migrations
        seed(mentors)
        db.session.remove()
        engine = db.engine
    _busy, busy_email, pages = targets(app)
    clients = {}
    for who, email in (("mentee", "mentee1@bench.example.com"),
                       ("admin", "mentee0@bench.example.com"), ("mentor", busy_email)):
        clients[who] = app.test_client()
        response = clients[who].submit("/auth/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302, who
    counts = {}
    for name, path, who, *_clients in pages:
        if name == "hello":
            continue
        assert clients[who].get(path).status_code == 200, path  # warm up
        statements = []

        def record(_connection, _cursor, statement, *_args, statements=statements):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert clients[who].get(path).status_code == 200, path
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("cache", [0, 2048], ids=["rankings-computed", "rankings-cached"])
def test_every_benchmarked_page_runs_as_many_statements_at_five_times_the_data(
        make_app, new_database, cache):
    small = statements_per_page(make_app, new_database(), SMALL, LISTING_CACHE_SIZE=cache)
    large = statements_per_page(make_app, new_database(), LARGE, LISTING_CACHE_SIZE=cache)
    assert small == large
    assert set(small) == {"browse, filters", "browse, search", "browse, page 5",
                          "mentor page", "requests, busy mentor", "admin dashboard"}
    assert max(small.values()) <= 20, small
