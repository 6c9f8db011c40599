"""Issue 17, what an outside probe found in the web layer:

3. refusals are audited only for logged-in users, folded per actor, target and hour;
11. the request log escapes control characters;
12. the limiter's Redis down: logins and forms go on, on memory, with a warning;
13. the database down: the plain 503 page in the visitor's language, for a logged-in
    user too, and a log line;
14. a chunked body over MAX_CONTENT_LENGTH is refused with 413, not cut;
and ids in addresses: ASCII digits only, no larger than the database's INTEGER.
"""

import io
import logging
import re
import socket
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from marketplace.core import audit
from marketplace.core.audit import AuditEvent
from marketplace.extensions import db, limiter
from marketplace.i18n import SESSION_KEY
from marketplace.mentors.models import PENDING

from . import factories
from .helpers import Records, count, login_client, run_together

# 3. Audit refusals ---------------------------------------------------------------------------


@pytest.fixture
def world(app):
    with app.app_context():
        area = factories.make_area()
        mentor = factories.make_user(email="mentor@example.com")
        mentee = factories.make_user(email="mentee@example.com")
        profile = factories.make_profile(mentor, areas=[area])
        mentorship = factories.make_mentorship(mentee, profile, area)
        hidden = factories.make_profile(factories.make_user(email="hidden@example.com"),
                                        status=PENDING)
        return SimpleNamespace(
            mentee=mentee, mentor=mentor, profile=profile.id, mentorship=mentorship.id,
            hidden=hidden.id,
            other=factories.make_user(email="other@example.com"),
            admin=factories.make_user(email="admin@example.com", is_admin=True))


def refusals(app):
    """(actor, count, target) of every recorded refusal, oldest first."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")
                                    .order_by(AuditEvent.id))
        return [(event.actor_id, event.count,
                 event.details.get("object_id") or event.details["path"]) for event in events]


def test_600_anonymous_probes_write_no_audit_row(app, world):
    client = app.test_client()
    token = client.csrf_token()
    probes = [("GET", f"/mentors/{world.hidden}"), ("GET", f"/mentors/{world.hidden}/request"),
              ("GET", "/admin/users"), ("GET", f"/admin/vetting/{world.hidden}"),
              ("GET", f"/mentorships/{world.mentorship}"),
              ("POST", f"/admin/users/{world.mentee.id}/deactivate")]
    with app.app_context():
        before = count(AuditEvent)
    for _round in range(100):
        for method, url in probes:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/auth/login?next=")
    with app.app_context():
        assert count(AuditEvent) == before


def test_50_identical_refusals_by_one_user_make_one_row_counting_50(app, world):
    client = login_client(app, world.mentee.email)
    for _try in range(50):
        assert client.get("/admin/users").status_code == 403
    assert refusals(app) == [(world.mentee.id, 50, "/admin/users")]


def test_refusals_of_one_object_fold_whatever_the_address(app, world):
    client = login_client(app, world.other.email)
    for _try in range(20):
        assert client.get(f"/mentors/{world.hidden}").status_code == 404
        assert client.get(f"/mentors/{world.hidden}/request").status_code == 404
    assert refusals(app) == [(world.other.id, 40, world.hidden)]


def test_another_target_or_another_user_is_another_row(app, world):
    mentee, other = login_client(app, world.mentee.email), login_client(app, world.other.email)
    for _try in range(3):
        assert mentee.get("/admin/users").status_code == 403
        assert mentee.get("/admin/areas").status_code == 403
        assert mentee.get(f"/mentors/{world.hidden}").status_code == 404
        assert other.get("/admin/users").status_code == 403
        assert other.get(f"/mentorships/{world.mentorship}").status_code == 404
    assert refusals(app) == [(world.mentee.id, 3, "/admin/users"),
                             (world.mentee.id, 3, "/admin/areas"),
                             (world.mentee.id, 3, world.hidden),
                             (world.other.id, 3, "/admin/users"),
                             (world.other.id, 3, world.mentorship)]


def test_a_new_hour_starts_a_new_row(app, world, monkeypatch):
    client = login_client(app, world.mentee.email)
    for now in ("10:00:00", "10:59:59", "11:00:00", "11:30:00"):
        monkeypatch.setattr(audit, "utcnow", lambda now=now: datetime.fromisoformat(
            f"2030-05-04T{now}").replace(tzinfo=UTC))
        assert client.get("/admin/users").status_code == 403
    assert refusals(app) == [(world.mentee.id, 2, "/admin/users")] * 2
    with app.app_context():
        times = db.session.scalars(select(AuditEvent.created_at).order_by(AuditEvent.id)
                                   .where(AuditEvent.action == "access.denied")).all()
    assert times[1] - times[0] == timedelta(hours=1)


def test_concurrent_refusals_neither_duplicate_the_row_nor_lose_a_count(app, world):
    clients = [login_client(app, world.mentee.email) for _client in range(8)]

    def refuse(index, barrier):
        barrier.wait()
        return clients[index].get("/admin/users").status_code

    assert run_together(refuse, len(clients)) == [403] * len(clients)
    assert refusals(app) == [(world.mentee.id, len(clients), "/admin/users")]


# 11. The request log ------------------------------------------------------------------------

@pytest.fixture
def request_log(app, caplog):
    """What the request log writes. Our loggers do not propagate to the root logger,
    where caplog listens, so its handler is added to ours."""
    logger = logging.getLogger("marketplace")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="marketplace")
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.mark.parametrize("raw, shown", [
    ("%0aFORGED-LINE", "\\nFORGED-LINE"),
    ("%0d%0aFORGED-LINE", "\\r\\nFORGED-LINE"),
    ("%1b[31mred", "\\x1b[31mred"),
    ("%c2%85FORGED-LINE", "\\x85FORGED-LINE"),  # NEL, a C1 control
    ("%e2%80%a8FORGED-LINE", "\\u2028FORGED-LINE"),  # the line separator
    ("%e2%80%aeevil", "\\u202eevil"),  # a right-to-left override
    ("%5cx0a", "\\\\x0a"),  # a backslash of the client's is not taken for ours
])
def test_the_request_log_escapes_control_characters(client, request_log, raw, shown):
    client.get(f"/y{raw}")
    [message] = [record.getMessage() for record in request_log.records
                 if record.name == "marketplace.ops"]
    assert message.startswith(f"GET /y{shown} 404 ")
    assert message.isprintable()


def test_the_request_log_keeps_ordinary_text(client, request_log):
    client.get("/mentors/città-è")
    [message] = [record.getMessage() for record in request_log.records
                 if record.name == "marketplace.ops"]
    assert message.startswith("GET /mentors/città-è 404 ")


# 12. Redis down ------------------------------------------------------------------------------

@pytest.fixture
def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(app, make_app, closed_port):
    """An app whose limiter's Redis cannot be reached.

    The limiter is one object for every app of the process, and remembers that its
    storage is down: that is set back for the tests that follow."""
    limiter._storage_dead = False
    handler = Records()
    logger = logging.getLogger("flask-limiter")
    logger.addHandler(handler)
    yield make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port}"), handler.records
    logger.removeHandler(handler)
    limiter._storage_dead = False




def test_with_redis_down_logins_and_forms_work_on_memory_with_a_warning(redis_down, user):
    down, records = redis_down
    client = down.test_client()
    response = client.submit("/auth/login", data={"email": user.email,
                                                  "password": factories.PASSWORD})
    assert response.status_code == 302
    assert "X-RateLimit-Limit" in response.headers  # the limits still count, in memory
    assert client.get("/account").status_code == 200
    warnings = [record.getMessage() for record in records if record.levelno == logging.WARNING]
    assert any("falling back to in-memory storage" in message for message in warnings)

    visitor = down.test_client()
    response = visitor.submit("/auth/register", data={
        "email": "newcomer@example.com", "full_name": "Nora Newcomer",
        "password": "a long enough password", "confirm": "a long enough password"})
    assert response.status_code in (422, 302)
    assert visitor.submit("/auth/forgot", data={"email": user.email}).status_code == 302
    assert visitor.submit("/auth/login", data={"email": user.email,
                                               "password": "wrong password!"}).status_code == 200


# 13. The database down, for a logged-in user -------------------------------------------------

UNREACHABLE = ["postgresql+psycopg://postgres@127.0.0.1:{port}/none?connect_timeout=2",
               "sqlite:////nonexistent-directory/marketplace.db"]


@pytest.fixture
def logged_in(app, user):
    """A browser logged in on a working app."""
    return login_client(app, user.email)


def cookie_on(client, source, language=None):
    """`client` with the session of `source`, whose language choice is `language`."""
    if language:
        with source.session_transaction() as session:
            session[SESSION_KEY] = language
    client.set_cookie("session", source.get_cookie("session").value, domain="localhost")
    return client


@pytest.fixture
def app_log(app):
    handler = Records()
    logger = logging.getLogger("marketplace")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.mark.parametrize("url", UNREACHABLE)
@pytest.mark.parametrize("how", ["session", "Accept-Language"])
def test_database_down_gives_a_logged_in_user_the_plain_503_in_their_language(
        make_app, logged_in, closed_port, app_log, url, how):
    down = make_app(SQLALCHEMY_DATABASE_URI=url.format(port=closed_port))
    client = cookie_on(down.test_client(), logged_in,
                       language="it" if how == "session" else None)
    headers = {"Accept-Language": "it-IT,it;q=0.9"} if how == "Accept-Language" else {}
    response = client.get("/account", headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert page.startswith('<!doctype html><html lang="it">')
    assert "Servizio non disponibile" in page and "Traceback" not in page
    messages = [record.getMessage() for record in app_log]
    assert any(message.startswith("Database unavailable") for message in messages)
    assert any(message.startswith("GET /account 503 ") for message in messages)


def test_database_down_gives_a_visitor_the_same_plain_page(make_app, closed_port):
    down = make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE[0].format(port=closed_port))
    response = down.test_client().get(f"/mentors/{2**31 - 1}")
    assert response.status_code == 302  # to log in: nothing is loaded for a visitor
    client = down.test_client()
    response = client.post("/auth/login", data={"email": "a@example.com", "password": "x" * 12,
                                                 "csrf_token": client.csrf_token("/auth/login")})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert page.startswith('<!doctype html><html lang="en">') and "Service unavailable" in page


# 14. Chunked bodies over the limit ------------------------------------------------------------

def chunked(client, url, body):
    """Post `body` as gunicorn passes a chunked one on: no Content-Length, and
    `wsgi.input_terminated`."""
    return client.post(url, environ_overrides={
        "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_TRANSFER_ENCODING": "chunked"})


def login_form(client, email, size):
    """A login form of `size` bytes: the fields first, then padding."""
    start = f"csrf_token={client.csrf_token()}&email={email}&password=x&padding=".encode()
    return start + b"p" * (size - len(start))


def test_a_chunked_body_over_the_limit_is_refused_with_413(app, client, user):
    limit = app.config["MAX_CONTENT_LENGTH"]
    for size in (limit + 1, 2 * limit):
        response = chunked(client, "/auth/login", login_form(client, user.email, size))
        assert response.status_code == 413, size
        assert "Too much data" in response.get_data(as_text=True)


def test_a_chunked_body_within_the_limit_is_read_whole(app, client, user):
    limit = app.config["MAX_CONTENT_LENGTH"]
    for size in (limit - 1, limit):
        response = chunked(client, "/auth/login", login_form(client, user.email, size))
        assert response.status_code == 200, size  # read: a wrong password, not a 413
        assert "Too much data" not in response.get_data(as_text=True)


def test_a_declared_length_over_the_limit_is_refused_as_before(app, client, user):
    body = login_form(client, user.email, app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/auth/login", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


# Ids in addresses ----------------------------------------------------------------------------

HUGE = "99999999999999999999"
UNICODE_ONE = "\uff11"  # FULLWIDTH DIGIT ONE, a Unicode digit that int() reads as 1
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + digit) for digit in range(10)))
INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
OTHER_ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?\w+>")


def int_routes(app):
    """(rule, method) for every route with an `<int:…>` part."""
    rules = [rule for rule in app.url_map.iter_rules() if INT_ARGUMENT.search(rule.rule)]
    assert len(rules) > 20  # the list is not vacuous
    return [(rule, method) for rule in rules
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def address(rule, name, value):
    """The rule's address with `value` for the argument `name`, 1 for the other ids."""
    path = INT_ARGUMENT.sub(lambda match: value if match.group(1) == name else "1", rule.rule)
    return OTHER_ARGUMENT.sub("x", path)


def test_every_int_route_takes_ascii_digits_within_the_database_integer(app):
    adapter = app.url_map.bind("localhost")
    failures = []
    for rule, method in int_routes(app):
        for name in INT_ARGUMENT.findall(rule.rule):
            endpoint, values = adapter.match(address(rule, name, str(2**31 - 1)), method)
            assert endpoint == rule.endpoint and values[name] == 2**31 - 1
            for value in (HUGE, "1" * 11, UNICODE_ONE, f"1{UNICODE_ONE}", str(2**31)):
                try:
                    adapter.match(address(rule, name, value), method)
                except NotFound:
                    continue
                except MethodNotAllowed:
                    # Werkzeug checks a converter's maximum after the method: a POST
                    # beside a GET at the same address is refused with 405.
                    if value == str(2**31):
                        continue
                failures.append(f"{method} {address(rule, name, value)}")
    assert failures == []


def test_huge_and_unicode_ids_answer_404_through_the_app(app, world):
    mentee, admin = login_client(app, world.mentee.email), login_client(app, world.admin.email)
    assert mentee.get(f"/mentorships/{world.mentorship}").status_code == 200
    for client in (mentee, admin):
        for url in (f"/mentors/{HUGE}", f"/mentorships/{HUGE}", f"/admin/vetting/{HUGE}",
                    f"/mentorships/{str(world.mentorship).translate(FULLWIDTH)}",
                    f"/mentors/{UNICODE_ONE}"):
            assert client.get(url).status_code == 404, url
        token = client.csrf_token()
        for url in (f"/requests/{HUGE}/accept", f"/admin/users/{HUGE}/deactivate"):
            assert client.post(url, data={"csrf_token": token}).status_code == 404, url
