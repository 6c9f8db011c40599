"""Test fixtures: an app with a fresh database per test, on SQLite by default and on
PostgreSQL when TEST_DATABASE_URL is set (the suite then creates its own database and
drops it at the end, so runs never see each other's data).

The schema is built once per run (per pytest-xdist worker): on SQLite each test gets a
copy of a database file made once, on PostgreSQL the tables stay and are emptied after
each test. The code under test commits for real, on its own connections too, so each
test has a database of its own rather than a transaction rolled back at the end.
"""

import os
import re
import shutil
import uuid

import pytest
from flask.ctx import RequestContext
from flask.testing import EnvironBuilder, FlaskClient
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

os.environ["MARKETPLACE_ENV"] = "testing"

from marketplace import create_app  # noqa: E402
from marketplace.config import normalise_database_url  # noqa: E402
from marketplace.extensions import db  # noqa: E402

from . import factories  # noqa: E402
from .oidc_provider import start_provider  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Client(FlaskClient):
    """The test client, plus form posts that carry a valid CSRF token like a browser."""

    def csrf_token(self, url=None):
        """The token the forms of `url` carry, read from the page; without `url`, the
        token any page would carry, made by Flask-WTF for this client's session
        (fetching a page per post would double the work of most tests). The messages
        waiting to be flashed are taken as shown, as the page would have shown them."""
        if url is None:
            with self.session_transaction() as session:
                session.pop("_flashes", None)
                environ = EnvironBuilder(self.application).get_environ()
                with RequestContext(self.application, environ, session=session):
                    return generate_csrf()
        page = self.get(url).get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of our own on the PostgreSQL server named by TEST_DATABASE_URL."""
    if not TEST_DATABASE_URL:
        yield None
        return
    server_url = make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"marketplace_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite database file with the schema, made once; tests get copies of it."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID Connect provider on loopback (tests/oidc_provider.py). Started by the
    first test that asks for it, so runs without single sign-on tests need no Node; once
    per pytest-xdist worker, each its own process on its own port, as sessions are."""
    provider = start_provider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture
def database_url(request, postgres_url, tmp_path):
    """The test's database, with the schema in place."""
    if postgres_url:
        yield postgres_url
        return
    path = tmp_path / "test.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    yield f"sqlite:///{path}"
    path.unlink(missing_ok=True)  # the apps using it are gone (make_app)


@pytest.fixture
def new_database(postgres_url, tmp_path):
    """Makes empty databases of the kind under test, dropped after the test."""
    made = []

    def make():
        name = f"marketplace_extra_{uuid.uuid4().hex[:12]}"
        if not postgres_url:
            return f"sqlite:///{tmp_path / name}.db"
        made.append(name)
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)

    server = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT") \
        if postgres_url else None
    yield make
    if server is not None:
        with server.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def make_app(database_url):
    """Build an app on the test database, with optional setting overrides."""
    apps = []

    def make(**overrides):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        app.test_client_class = Client
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app, postgres_url):
    app = make_app()
    if postgres_url:
        with app.app_context():
            # Built once; only a test that dropped it (a live server's) makes it rebuilt.
            if not inspect(db.engine).has_table("listing_version"):
                db.create_all()
    yield app
    if postgres_url:
        with app.app_context():
            db.session.remove()
            # The listing version keeps its one row, as a migrated database does.
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables
                               if t.name != "listing_version")
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def request_ctx(app):
    """Services that build links need a request context, as in a view."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """The mail the app has sent during the test (MAIL_BACKEND = "memory"), each message
    sent as its transaction commits. Without this fixture, mail stays in the outbox."""
    app.config["MAIL_SEND_IMMEDIATELY"] = True
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def quiet(app, make_app):
    """The app as in production: events only write to the outbox, and the mail leaves
    with `send-emails` (same database as `app`, which creates the tables)."""
    return make_app(MAIL_SEND_IMMEDIATELY=False)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=factories.PASSWORD, **extra):
        return self.client.submit("/auth/login",
                                  data={"email": email, "password": password, **extra})

    def logout(self):
        return self.client.submit("/auth/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def user(app):
    with app.app_context():
        return factories.make_user(email="rep@example.com", full_name="Rita Rep")


@pytest.fixture
def admin(app):
    with app.app_context():
        return factories.make_user(email="admin@example.com", full_name="Ada Admin",
                                   is_admin=True)
