"""Operations: health check, request ids in the logs, SQLite settings, busy database,
the serving process's garbage collector."""

import gc
import logging
import sqlite3

import pytest
from sqlalchemy import text

from marketplace.core.ops import YOUNG_COLLECTION_EVERY, tune_collector
from marketplace.extensions import db

from .factories import PASSWORD, make_user
from .helpers import Records

UNREACHABLE = ["postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
               "sqlite:////nonexistent-directory/marketplace.db"]




@pytest.fixture
def records(app):
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("marketplace", "werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def test_health_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", UNREACHABLE)
def test_health_reports_an_unreachable_database(make_app, url):
    response = make_app(SQLALCHEMY_DATABASE_URI=url).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


@pytest.mark.parametrize("url", UNREACHABLE)
def test_pages_needing_the_database_answer_503(make_app, url):
    client = make_app(SQLALCHEMY_DATABASE_URI=url).test_client()
    token = client.csrf_token("/auth/login")  # "/" needs the database
    response = client.post("/auth/login", data={"csrf_token": token, "password": "x" * 12,
                                                "email": "rep@example.com"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Service unavailable" in page and "Traceback" not in page


def test_request_id_header_and_log_line(client, records):
    response = client.get("/healthz")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [r for r in records if r.name == "marketplace.ops"]
    assert line.request_id == request_id
    assert line.getMessage().startswith("GET /healthz 200")


@pytest.mark.parametrize("incoming, kept", [("abc-123-def.456", True), ("short", False),
                                            ("bad id with spaces", False)])
def test_incoming_request_id(client, incoming, kept):
    answered = client.get("/healthz", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert (answered == incoming) is kept


def test_one_time_links_never_reach_the_log(client, records):
    client.get("/auth/reset/SECRET-token-value")
    client.get("/auth/verify/ANOTHER-secret?x=1")
    messages = " ".join(record.getMessage() for record in records)
    assert "/auth/reset/[redacted]" in messages and "/auth/verify/[redacted]" in messages
    assert "SECRET" not in messages


def test_sqlite_settings(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_locked_sqlite_database_gives_a_503_page(make_app, database_url):
    """A writer that cannot get the lock in time gets the "service unavailable" page."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    app = make_app(SQLITE_BUSY_TIMEOUT=0.1)
    with app.app_context():
        db.create_all()
        make_user(email="rep@example.com")
    client = app.test_client()
    login = {"csrf_token": client.csrf_token(), "email": "rep@example.com",
             "password": PASSWORD}
    other_writer = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        locked = client.post("/auth/login", data=login)
    finally:
        other_writer.rollback()
        other_writer.close()
    assert locked.status_code == 503
    assert "Service unavailable" in locked.get_data(as_text=True)
    assert client.post("/auth/login", data=login).status_code == 302


def test_refused_requests_are_logged_with_their_id_too(client, records):
    response = client.post("/language", data={"language": "it"})  # no CSRF token
    assert response.status_code == 400
    request_id = response.headers["X-Request-ID"]
    assert {r.request_id for r in records if r.name.startswith("marketplace")} == {request_id}


def test_development_mail_is_printed_with_its_links(make_app, capsys, user):
    app = make_app(MAIL_BACKEND="log", WTF_CSRF_ENABLED=False, MAIL_SEND_IMMEDIATELY=True)
    app.test_client().post("/auth/forgot", data={"email": user.email})
    printed = capsys.readouterr().err
    assert f"Mail to {user.email}" in printed
    assert "/auth/reset/" in printed and "[redacted]" not in printed


@pytest.fixture
def collector():
    """Python's collector as the test found it, again after the test."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_a_serving_process_freezes_what_its_start_made_and_collects_the_young_less_often():
    class Cycle:  # garbage only the collector can free
        def __init__(self):
            self.me = self

    kept = Cycle()
    Cycle()  # dropped at once, but its own reference keeps it alive
    left = gc.get_threshold()[1:]
    tune_collector()
    assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, *left)
    assert gc.get_freeze_count() > 0
    scanned = gc.get_objects()  # what later collections scan: nothing made before
    assert not any(obj is kept for obj in scanned)
    gc.unfreeze()
    # The garbage was collected before the freeze, not frozen with the rest.
    assert [type(obj) for obj in gc.get_objects() if type(obj) is Cycle] == [Cycle]
