"""Two gunicorn instances on different ports, one PostgreSQL database and one Redis:
the app keeps no state of its own, so a load balancer may send any request to either.

Runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL); it needs the Redis
server on 127.0.0.1:6379 (REDIS_URL to change it).
"""

import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks.client import CSRF, Browser, free_port
from marketplace import create_app
from marketplace.config import normalise_database_url
from marketplace.extensions import db
from marketplace.mentorships.models import ACCEPTED, MentorshipRequest

from .builders import submit
from .conftest import TEST_DATABASE_URL
from .factories import PASSWORD, make_area, make_profile, make_user

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL,
                                reason="runs in the PostgreSQL pass (TEST_DATABASE_URL)")

PROJECT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST = "marketplace.test"  # what the load balancer passes on, on both instances
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "scale-out-" + uuid.uuid4().hex + uuid.uuid4().hex


@pytest.fixture(scope="module")
def database():
    """A PostgreSQL database of its own, created by `flask db upgrade`."""
    server = make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"marketplace_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def environment(database):
    prefix = f"scale-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MARKETPLACE_ENV": "production", "SECRET_KEY": SECRET,
           "DATABASE_URL": database, "RATELIMIT_STORAGE_URI": REDIS_URL,
           "RATELIMIT_KEY_PREFIX": prefix, "SERVER_NAME": HOST,
           "SESSION_COOKIE_SECURE": "0", "PREFERRED_URL_SCHEME": "http",
           "MAIL_BACKEND": "smtp", "MAIL_SEND_IMMEDIATELY": "0", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                   cwd=PROJECT, env=env, check=True, capture_output=True)
    yield env
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@pytest.fixture(scope="module")
def instances(environment):
    """Two gunicorn instances (two workers each) on two ports: [port_a, port_b]."""
    ports, processes = [free_port(), free_port()], []
    for port in ports:
        processes.append(subprocess.Popen(  # noqa: S603 (our own fixed command)
            [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE))
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_serving(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def wait_until_serving(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            if Browser(HOST).get(port, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn on port {port} did not start")


@pytest.fixture(scope="module")
def data_app(environment):
    """The app on the same database, for setting up data and looking at it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(
        environment["DATABASE_URL"]), "SECRET_KEY": SECRET, "SERVER_NAME": HOST,
        "MAIL_BACKEND": "memory", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "TESTING": True})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_session_made_on_one_instance_works_on_the_other(instances, data_app):
    first, second = instances
    with data_app.app_context():
        make_user(email="rita@example.com", full_name="Rita Rep")
    browser = Browser(HOST)
    assert browser.login(first, "rita@example.com", PASSWORD)[0] == 302
    status, _location, page = browser.get(second, "/account")
    assert status == 200 and "rita@example.com" in page
    # Logging out on the second ends the session on the first too.
    assert browser.post(second, "/auth/logout")[0] == 302
    status, location, _page = browser.get(first, "/account")
    assert (status, location) == (302, "/auth/login")


def test_the_login_limit_is_shared(instances, data_app):
    with data_app.app_context():
        make_user(email="limited@example.com")
    statuses = []
    for attempt in range(12):  # 10 per account per 15 minutes, whichever instance
        port = instances[attempt % 2]
        statuses.append(Browser(HOST).login(port, "limited@example.com", "wrong password!!")[0])
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_what_one_instance_writes_the_other_shows(instances, data_app):
    first, second = instances
    with data_app.app_context():
        area = make_area()
        mentor = make_user(email="marco@example.com", full_name="Marco Mentor")
        profile = make_profile(mentor, areas=[area])
        mentee = make_user(email="nina@example.com", full_name="Nina Neri")
        request_id = submit(mentee.id, profile.id, area.id)
    marco, nina = Browser(HOST), Browser(HOST)
    marco.login(first, "marco@example.com", PASSWORD)
    status, location, _page = marco.post(first, f"/requests/{request_id}/accept",
                                         csrf_page="/requests")
    assert (status, location) == (302, "/requests")
    nina.login(second, "nina@example.com", PASSWORD)
    _status, _location, page = nina.get(second, "/requests")
    assert "Marco Mentor" in page
    with data_app.app_context():
        assert db.session.get(MentorshipRequest, request_id).status == ACCEPTED


def test_the_capacity_holds_with_two_instances_racing(instances, data_app):
    with data_app.app_context():
        area = make_area()
        mentor = make_user(email="busy@example.com")
        profile = make_profile(mentor, areas=[area], capacity=2, monthly_hours=40)
        request_ids = [submit(make_user(email=f"racer{n}@example.com").id, profile.id, area.id)
                       for n in range(12)]
    marco = Browser(HOST)
    marco.login(instances[0], "busy@example.com", PASSWORD)
    token = CSRF.search(marco.get(instances[0], "/requests")[2]).group(1)

    def accept(index):
        request_id = request_ids[index]
        return marco.request(instances[index % 2], "POST", f"/requests/{request_id}/accept",
                             {"csrf_token": token})[0]

    with ThreadPoolExecutor(max_workers=len(request_ids)) as pool:
        statuses = list(pool.map(accept, range(len(request_ids))))
    assert set(statuses) <= {302, 409}
    with data_app.app_context():
        accepted = db.session.scalar(select(func.count(MentorshipRequest.id)).where(
            MentorshipRequest.status == ACCEPTED, MentorshipRequest.profile_id == profile.id))
        assert accepted == 2


