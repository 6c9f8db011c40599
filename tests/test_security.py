"""Security checks, one rule at a time: every state-changing form needs a CSRF token;
a `next` link only leads within the site; passwords are long enough and stored
hashed; nothing tells whether an address has an account; logins are rate-limited; the
session is renewed at login and really ends at logout; everything is denied unless
allowed; a form sets only the fields it offers; what users write is shown escaped;
responses carry the security headers and safe cookies; production errors show no
details; and the app refuses to start in production with a weak secret.

Each test speaks to the app over HTTP like a browser would and then looks at the
status, the redirect target, the flashed text and the database.
"""

import hashlib
import html
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import func, select

import marketplace
from marketplace.accounts import services
from marketplace.accounts.models import PASSWORD_MAX, PASSWORD_MIN, User
from marketplace.config import Config
from marketplace.directory import services as directory
from marketplace.errors import CSRF_PAGE
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.mentorships.models import COMPLETED

from . import factories
from .conftest import Auth
from .helpers import flashed

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints anyone may use without logging in. Anything else must ask for a login.
PUBLIC = {
    "static",
    "ops.healthz",
    "program.index",
    "accounts.login",
    "accounts.register",
    "accounts.verify_email",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.set_language",
    "accounts.sso_start",  # single sign-on (404 when not configured)
    "accounts.sso_callback",
    "invitations.accept",  # the invitee's page: the link is the key
}
# A mentor page answers outsiders 404 unless the profile is listed (then: log in first).
HIDDEN_FROM_OUTSIDERS = {"mentors.mentor"}
EVIL_NEXT = [
    "https://evil.com",
    "//evil.com",
    "////evil.com",
    "/\\evil.com",
    "javascript:alert(1)",
    "https:evil.com",
]
PAYLOADS = ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "{{7*7}}"]
NEW_PASSWORD = "plum orchard kettle drum"
FLASH = re.compile(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', re.S)


# Helpers ------------------------------------------------------------------------------

def rule_url(rule, value=1):
    """The rule's path with its URL parameters filled: `value` is one dummy value for
    all, or a mapping of parameter name to value."""
    values = value if isinstance(value, dict) else dict.fromkeys(rule.arguments, value)
    return rule.build({name: values[name] for name in rule.arguments},
                      append_unknown=False)[1]


def rules_for(app, predicate):
    return sorted((rule for rule in app.url_map.iter_rules() if predicate(rule)),
                  key=lambda rule: rule.rule)


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def page_flashes(response):
    """The flash messages rendered on a page."""
    return [html.unescape(text).strip()
            for text in FLASH.findall(response.get_data(as_text=True))]


def redirects_to_login(response):
    return response.status_code == 302 and urlsplit(response.location).path == "/auth/login"


def is_logged_in(client):
    response = client.get("/account")
    assert response.status_code == 200 or redirects_to_login(response), response.status_code
    return response.status_code == 200


def assert_stays_on_site(location):
    # Browsers read a backslash as a slash; resolve like them against a page of ours.
    target = urlsplit(urljoin("http://localhost/auth/login", location.replace("\\", "/")))
    assert target.scheme in {"http", "https"} and target.netloc == "localhost", location


def reload(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def registration(**fields):
    return {"email": "new@example.com", "full_name": "Nora New", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "language": "en", **fields}


def account_form(**fields):
    return {"full_name": "Rita Rep", "language": "en", "timezone": "UTC", "region": "",
            "job_title": "", "manager_email": "", **fields}


def users_with_email(app, email):
    with app.app_context():
        return db.session.scalar(
            select(func.count(User.id)).where(User.email == email.lower()))


def common_passwords():
    path = Path(services.__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# 1. CSRF --------------------------------------------------------------------------------

@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_every_state_changing_endpoint_requires_a_csrf_token(app, client, auth, user,
                                                              logged_in):
    if logged_in:
        auth.login(user.email)
    with app.test_request_context():
        csrf_title = str(CSRF_PAGE[0])
    rules = rules_for(app, lambda rule: rule.methods & STATE_CHANGING)
    assert {"accounts.login", "accounts.logout", "accounts.set_language",
            "admin.deactivate_user"} <= {rule.endpoint for rule in rules}

    failures = []
    for rule in rules:
        for method in sorted(rule.methods & STATE_CHANGING):
            response = client.open(rule_url(rule), method=method, data={"language": "it"})
            if response.status_code != 400 or csrf_title not in response.get_data(as_text=True):
                failures.append(f"{method} {rule.rule} -> {response.status_code}")
    assert failures == []
    assert is_logged_in(client) is logged_in


def test_a_token_from_another_session_is_refused(app, client, user):
    other_token = app.test_client().csrf_token()
    client.csrf_token()  # this client has a session token of its own
    response = client.post("/auth/login", data={
        "email": user.email, "password": factories.PASSWORD, "csrf_token": other_token})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_login_without_a_token_does_not_log_in(client, user):
    response = client.post("/auth/login",
                           data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_logout_is_post_only(app, client, auth, user):
    auth.login(user.email)
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert is_logged_in(client)


def test_logout_without_a_token_keeps_the_user_logged_in(app, client, auth, user):
    auth.login(user.email)
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert is_logged_in(client)
    assert reload(app, user.id).session_token == user.session_token


# 2. Safe `next` -------------------------------------------------------------------------

@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_never_redirects_off_site(client, user, target):
    response = client.submit("/auth/login", query_string={"next": target},
                             data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert_stays_on_site(response.location)
    assert is_logged_in(client)


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_page_of_a_logged_in_user_never_redirects_off_site(client, auth, user, target):
    auth.login(user.email)
    response = client.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302
    assert_stays_on_site(response.location)


def test_login_follows_a_local_next(client, user):
    response = client.submit("/auth/login", query_string={"next": "/account"},
                             data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.location == "/account"


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.submit("/language", data={"language": "it", "next": target})
    assert response.status_code == 302
    assert_stays_on_site(response.location)


def test_language_switch_follows_a_local_next(client):
    response = client.submit("/language", data={"language": "it", "next": "/auth/register"})
    assert response.status_code == 302
    assert response.location == "/auth/register"


# 3. Passwords ---------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "a1b2c3d4e5f",                                      # 11 characters
    ("abcdefghij" * 13)[:PASSWORD_MAX + 1],             # 129 characters
    common_passwords()[0],
    common_passwords()[-1].upper(),                      # the list ignores case
], ids=["too-short", "too-long", "common", "common-upper-case"])
def test_weak_passwords_are_refused_at_registration(app, client, password):
    response = client.submit("/auth/register",
                             data=registration(password=password, confirm=password))
    assert response.status_code == 422
    assert 'class="field-errors" id="password-error"' in response.get_data(as_text=True)
    assert users_with_email(app, "new@example.com") == 0


def test_every_listed_common_password_is_refused(app):
    with app.test_request_context():
        accepted = [password for password in common_passwords()
                    if services.password_problem(password) is None
                    or services.password_problem(password.title()) is None]
    assert accepted == []


@pytest.mark.parametrize("password", [
    "mango violin",                                      # exactly 12 characters
    "walrus tangerine umbrella, quietly humming",
    ("abcdefghij" * 13)[:PASSWORD_MAX],                  # exactly 128 characters
], ids=["12-chars", "passphrase", "128-chars"])
def test_good_passwords_are_accepted_and_stored_as_scrypt(app, client, password):
    assert PASSWORD_MIN <= len(password) <= PASSWORD_MAX
    response = client.submit("/auth/register",
                             data=registration(password=password, confirm=password))
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert stored.password_hash.startswith("scrypt:")
        assert password not in stored.password_hash


def test_password_change_applies_the_same_rules(app, client, auth, user):
    auth.login(user.email)
    response = client.submit("/account/password", data={
        "current_password": factories.PASSWORD, "password": "short pass",
        "confirm": "short pass"})
    assert response.status_code == 422
    assert reload(app, user.id).password_hash == user.password_hash


# 4. No account enumeration ----------------------------------------------------------------

def test_login_unknown_email_and_wrong_password_look_the_same(app, user):
    unknown = Auth(app.test_client()).login("nobody@example.com", "some wrong password")
    wrong = Auth(app.test_client()).login(user.email, "some wrong password")
    assert unknown.status_code == wrong.status_code == 200
    assert page_flashes(unknown) == page_flashes(wrong)
    with app.test_request_context():
        assert page_flashes(wrong) == [str(services.LOGIN_FAILED)]


def submit_neutral(app, url, data, email):
    """Status, Location and flashes of one attempt, with the typed email masked."""
    client = app.test_client()
    response = client.submit(url, data=data)
    flashes = [message.replace(email, "EMAIL") for message in flashed(client)]
    return response.status_code, response.location, flashes


def test_forgot_password_does_not_tell_who_has_an_account(app, user, outbox):
    known = submit_neutral(app, "/auth/forgot", {"email": user.email}, user.email)
    assert [message.to for message in outbox] == [user.email]
    unknown = submit_neutral(app, "/auth/forgot", {"email": "nobody@example.com"},
                             "nobody@example.com")
    assert unknown == known
    assert known[0] == 302 and known[1] == "/auth/login" and len(known[2]) == 1
    assert len(outbox) == 1


def test_registering_a_taken_email_does_not_tell_it_is_taken(app, user, outbox):
    new = submit_neutral(app, "/auth/register", registration(), "new@example.com")
    assert [message.to for message in outbox] == ["new@example.com"]
    outbox.clear()

    taken_email = user.email.upper()
    taken = submit_neutral(app, "/auth/register", registration(email=taken_email),
                           taken_email)
    assert taken == new
    assert new[0] == 302 and new[1] == "/auth/login" and len(new[2]) == 1
    assert users_with_email(app, user.email) == 1
    # The owner of the address is told instead, and their account is untouched.
    assert [message.to for message in outbox] == [user.email]
    owner = reload(app, user.id)
    assert owner.full_name == user.full_name
    assert owner.password_hash == user.password_hash


def test_registration_costs_the_same_for_a_taken_email(app, user, monkeypatch):
    """Hashing the password only for a new address lets the response time tell which
    addresses have an account (about 5 ms against 100 ms with production scrypt);
    the login avoids this with a dummy hash."""
    real_scrypt = hashlib.scrypt
    calls = []
    monkeypatch.setattr(hashlib, "scrypt",
                        lambda *args, **kwargs: calls.append(1) or real_scrypt(*args, **kwargs))
    scrypt_runs = {}
    for email in ("new@example.com", user.email):
        client = app.test_client()
        token = client.csrf_token()
        calls.clear()
        response = client.post("/auth/register",
                               data={**registration(email=email), "csrf_token": token})
        assert response.status_code == 302
        scrypt_runs[email] = len(calls)
    assert scrypt_runs["new@example.com"] >= 1
    assert scrypt_runs[user.email] == scrypt_runs["new@example.com"]


# 5. Login rate limit ----------------------------------------------------------------------

def test_failed_logins_are_limited_per_account(app, client, auth, user):
    with app.app_context():
        other = factories.make_user(email="other@example.com")
    statuses = []
    for attempt in range(20):
        # Case and spaces must not give the attacker a fresh counter.
        email = user.email.upper() if attempt % 2 else f" {user.email}"
        statuses.append(auth.login(email, f"wrong password {attempt}").status_code)
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {200}

    # The account stays locked even for the right password...
    assert auth.login(user.email).status_code == 429
    assert not is_logged_in(client)
    # ...but other accounts, from the same address, are not blocked.
    response = auth.login(other.email)
    assert response.status_code == 302
    assert is_logged_in(client)


# 6. Session renewed at login ----------------------------------------------------------------

def test_session_is_renewed_at_login(client, auth, user):
    with client.session_transaction() as session:
        session["marker"] = 1
    response = auth.login(user.email)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "marker" not in session
        assert session.get("_user_id", "").startswith(f"{user.id}:")


# 7. Sessions really end ------------------------------------------------------------------

def replay(app, name, value):
    """A new browser that only has the cookie `name` copied from another one."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def log_out(app, client, user):
    assert Auth(client).logout().status_code == 302


def change_password(app, client, user):
    response = client.submit("/account/password", data={
        "current_password": factories.PASSWORD, "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert is_logged_in(client)  # this device goes on with a new session


def deactivate(app, client, user):
    with app.app_context():
        admin = factories.make_user(email="boss@example.com", is_admin=True)
    admin_client = app.test_client()
    Auth(admin_client).login(admin.email)
    response = admin_client.submit(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert reload(app, user.id).active is False
    assert not is_logged_in(client)


@pytest.mark.parametrize("end_session", [log_out, change_password, deactivate])
def test_old_cookies_stop_working(app, client, auth, user, end_session):
    auth.login(user.email, remember="y")
    cookies = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    for name, value in cookies.items():
        assert is_logged_in(replay(app, name, value)), f"{name} replay should work before"

    end_session(app, client, user)

    for name, value in cookies.items():
        response = replay(app, name, value).get("/account")
        assert redirects_to_login(response), f"{name} still logs in"


def test_deactivated_user_cannot_log_in(app, client, auth):
    with app.app_context():
        gone = factories.make_user(email="gone@example.com", active=False)
    response = auth.login(gone.email)
    assert response.status_code == 200
    assert len(page_flashes(response)) == 1
    assert not is_logged_in(client)


# 8. Deny by default -------------------------------------------------------------------------

def request_each_method(client, rule, value=1):
    """Yield (method, url, response) for every method of `rule`, POSTs with a token."""
    token = client.csrf_token()
    url = rule_url(rule, value)
    for method in methods_of(rule):
        data = {"csrf_token": token} if method in STATE_CHANGING else None
        yield method, url, client.open(url, method=method, data=data)


def test_public_list_names_real_endpoints(app):
    assert PUBLIC - {rule.endpoint for rule in app.url_map.iter_rules()} == set()


def test_every_other_endpoint_needs_login(app, client):
    rules = rules_for(app, lambda rule: rule.endpoint not in PUBLIC)
    assert rules
    failures = [f"{method} {url} -> {response.status_code} {response.location}"
                for rule in rules
                for method, url, response in request_each_method(client, rule)
                if not (redirects_to_login(response) or (
                    rule.endpoint in HIDDEN_FROM_OUTSIDERS and response.status_code == 404))]
    assert failures == []


def admin_rules(app):
    return rules_for(app, lambda rule: rule.rule.startswith("/admin"))


def test_admin_endpoints_refuse_non_admins(app, client, auth, user):
    with app.app_context():
        target = factories.make_user(email="target@example.com")
    auth.login(user.email)
    failures = [f"{method} {url} -> {response.status_code}"
                for rule in admin_rules(app)
                for method, url, response in request_each_method(client, rule, target.id)
                if response.status_code != 403]
    assert failures == []
    assert reload(app, target.id).active is True


def test_admin_endpoints_are_open_to_admins(app, client, auth, admin):
    with app.app_context():
        target = factories.make_user(email="target@example.com")
        area = factories.make_area()
        profile = factories.make_profile(target, areas=[area])
        mentorship = factories.make_mentorship(factories.make_user(), profile, area,
                                               status=COMPLETED)
        invitation = invitations.invite(actor=db.session.get(User, target.id), name="Ivo",
                                        email="ivo@example.net", message="Hello",
                                        language="en")
        db.session.commit()
        chart = directory.upload(b"email,full_name,manager_email,region,job_title\n"
                                 b"dora@example.com,Dora Directory,,,\n",
                                 actor=db.session.get(User, admin.id))
        db.session.commit()
        ids = {"user_id": target.id, "profile_id": profile.id, "area_id": area.id,
               "story_id": factories.make_story(mentorship).id,
               "invitation_id": invitation.id, "import_id": chart.id}
    auth.login(admin.email)
    rules = admin_rules(app)
    assert rules
    failures = [f"{method} {url} -> {response.status_code} {response.location}"
                for rule in rules
                for method, url, response in request_each_method(client, rule, ids)
                # 422: an empty form was refused, by the view itself.
                if response.status_code not in {200, 302, 422} or redirects_to_login(response)]
    assert failures == []


# 9. Mass assignment -------------------------------------------------------------------------

FORBIDDEN_FIELDS = {"is_admin": "1", "active": "0", "email_verified_at": "2020-01-01T00:00:00",
                    "id": "999", "session_token": "attacker-chosen-token"}


def test_registration_ignores_extra_fields(app, client):
    response = client.submit("/auth/register", data=registration(**FORBIDDEN_FIELDS))
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert created.is_admin is False
        assert created.active is True
        assert created.email_verified_at is None
        assert created.id != 999
        assert created.session_token != "attacker-chosen-token"


def test_account_form_ignores_extra_fields(app, client, auth, user):
    auth.login(user.email)
    before = reload(app, user.id)
    response = client.submit("/account",
                             data=account_form(full_name="Rita Renamed", **FORBIDDEN_FIELDS))
    assert response.status_code == 302
    after = reload(app, user.id)
    assert after.full_name == "Rita Renamed"
    assert after.is_admin is False
    assert after.active is True
    assert after.email_verified_at == before.email_verified_at
    assert after.session_token == before.session_token
    with app.app_context():
        assert db.session.get(User, 999) is None
    assert is_logged_in(client)


# 10. Escaping ---------------------------------------------------------------------------------

def assert_shown_escaped(response, text, language):
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert str(escape(text)) in page
    if str(escape(text)) != text:
        assert text not in page
    assert "<script>alert" not in page
    assert "<svg onload" not in page
    assert "Mallory 49" not in page  # no template evaluation of user text


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_shown_escaped(app, client, auth, user, admin, payload, language):
    name = f"Mallory {payload}"
    auth.login(user.email)
    # The user picks Italian through their saved preference...
    response = client.submit("/account", data=account_form(full_name=name, language=language))
    assert response.status_code == 302
    assert reload(app, user.id).full_name == name  # kept exactly as written
    assert_shown_escaped(client.get("/account"), name, language)

    # ...the admin through the language switcher.
    admin_client = app.test_client()
    Auth(admin_client).login(admin.email)
    assert admin_client.submit("/language", data={"language": language}).status_code == 302
    assert_shown_escaped(admin_client.get("/admin/users"), name, language)
    assert_shown_escaped(admin_client.get("/admin/users", query_string={"q": name}),
                         name, language)
    response = admin_client.submit(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert any(name in message for message in flashed(admin_client))
    assert_shown_escaped(admin_client.get(response.location), name, language)


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_escaped_in_html_emails(client, outbox, payload, language):
    name = f"{payload} Mallory"
    first = name.split()[0]  # the mail greets by first name
    response = client.submit("/auth/register",
                             data=registration(full_name=name, language=language))
    assert response.status_code == 302
    [message] = outbox
    assert f'<html lang="{language}">' in message.html
    assert str(escape(first)) in message.html
    if str(escape(first)) != first:
        assert first not in message.html
    assert first in message.text  # plain text shows it as written
    assert not re.search(r"\b49,", message.html + message.text)


# 11. Headers and cookies --------------------------------------------------------------------

@pytest.fixture
def boom_app(app, make_app):
    """An app that shows error pages as production does, with a route that fails."""
    failing = make_app(PROPAGATE_EXCEPTIONS=False)
    failing.add_url_rule("/boom", "boom", lambda: 1 / 0)
    return failing


RESPONSE_KINDS = {
    "page": ("GET", "/", 200),
    "404": ("GET", "/no-such-page", 404),
    "405": ("GET", "/auth/logout", 405),
    "static": ("GET", "/static/css/app.css", 200),
    "redirect": ("GET", "/account", 302),
    "csrf-400": ("POST", "/auth/login", 400),
    "500": ("GET", "/boom", 500),
}


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_security_headers_on_every_kind_of_response(boom_app, kind):
    method, url, status = RESPONSE_KINDS[kind]
    response = boom_app.test_client().open(url, method=method)
    response.close()
    assert response.status_code == status
    policy = {part.strip() for part in response.headers["Content-Security-Policy"].split(";")}
    assert {"default-src 'self'", "object-src 'none'", "base-uri 'none'",
            "frame-ancestors 'none'"} <= policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin",
                                                   "strict-origin-when-cross-origin",
                                                   "no-referrer"}


@pytest.mark.parametrize("url", ["/", "/account", "/account/password", "/no-such-page"])
def test_pages_for_a_logged_in_user_are_not_cached(client, auth, user, url):
    auth.login(user.email)
    response = client.get(url)
    assert response.status_code in {200, 404}
    assert "no-store" in response.headers["Cache-Control"]


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.status_code == 200
    max_age = re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"])
    assert int(max_age.group(1)) >= 15_724_800  # at least six months (ASVS 14.4.5)


def set_cookie_header(response, name):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0].lower()


def test_login_cookies_are_httponly_and_samesite(client, auth, user):
    response = auth.login(user.email, remember="y")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = set_cookie_header(response, name)
        assert "httponly" in header
        assert "samesite=lax" in header
    remember = client.get_cookie("remember_token")
    assert remember.expires - datetime.now(UTC) <= timedelta(days=30)


def test_cookies_are_secure_in_production_like_config(app, make_app, user):
    secure_app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = Auth(secure_app.test_client()).login(user.email, remember="y")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        assert "; secure" in set_cookie_header(response, name)


# 12. Production errors ---------------------------------------------------------------------

@pytest.mark.parametrize(("url", "status"), [("/boom", 500), ("/no-such-page", 404)])
def test_error_pages_are_the_apps_own_without_internals(boom_app, url, status):
    response = boom_app.test_client().get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert f'<p class="error-code">{status}</p>' in page
    for leak in ("Traceback", "ZeroDivisionError", "division by zero", 'File "', ".py",
                 str(Path(marketplace.__file__).parent.parent)):
        assert leak not in page


def test_untrusted_host_gets_the_400_error_page(app, make_app):
    """With TRUSTED_HOSTS set, another Host header must get a plain 400 (with the usual
    headers), not an exception out of the error handler."""
    strict = make_app(TRUSTED_HOSTS=["localhost"], PROPAGATE_EXCEPTIONS=False)
    client = strict.test_client()
    assert client.get("/").status_code == 200
    response = client.get("/", base_url="http://evil.example")
    assert response.status_code == 400
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Traceback" not in response.get_data(as_text=True)


# 13. Refuse to start with a weak secret in production ---------------------------------------

def production_config(tmp_path, secret_key):
    return type("ProductionConfig", (Config,), {
        "ENV_NAME": "production",
        "SECRET_KEY": secret_key,
        "MAIL_BACKEND": "smtp",
        "SERVER_NAME": "mentors.example.com",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}",
    })


@pytest.mark.parametrize("secret_key", ["", "dev", "changeme", secrets.token_hex(15)],
                         ids=["empty", "dev", "changeme", "short"])
def test_production_refuses_a_weak_secret_key(tmp_path, secret_key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        marketplace.create_app(production_config(tmp_path, secret_key))


def test_production_refuses_to_start_without_server_name(tmp_path):
    config = production_config(tmp_path, secrets.token_hex(32))
    config.SERVER_NAME = None
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        marketplace.create_app(config)


def test_production_starts_with_a_strong_secret_key(tmp_path):
    app = marketplace.create_app(production_config(tmp_path, secrets.token_hex(32)))
    assert app.config["ENV_NAME"] == "production"
    assert not app.testing


def test_guessing_the_current_password_is_limited(app, client, auth, user):
    auth.login(user.email)
    wrong = {"current_password": "not my password", "password": NEW_PASSWORD,
             "confirm": NEW_PASSWORD}
    statuses = [client.submit("/account/password", data=wrong).status_code for _ in range(12)]
    assert statuses[:10] == [409] * 10
    assert statuses[10:] == [429, 429]


def test_links_in_emails_use_server_name_not_the_host_header(make_app, user):
    app = make_app(SERVER_NAME="mentors.example.com", WTF_CSRF_ENABLED=False,
                   MAIL_SEND_IMMEDIATELY=True)
    app.test_client().post("/auth/forgot", data={"email": user.email},
                           headers={"Host": "evil.example.net"})
    sent = app.extensions["mail_outbox"]
    assert len(sent) == 1 and "http://mentors.example.com/auth/reset/" in sent[0].text
    assert "evil" not in sent[0].text


def test_options_on_admin_pages_never_fails(client, auth, user):
    assert client.options("/admin/users").status_code in (200, 302, 403)
    auth.login(user.email)
    assert client.options("/admin/users").status_code == 403


@pytest.mark.parametrize("field", ["full_name", "job_title"])
def test_control_characters_are_refused_not_a_500(app, client, auth, user, field):
    auth.login(user.email)
    response = client.submit("/account", data=account_form(**{field: "Ri\x00ta"}))
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)
    assert reload(app, user.id).full_name == "Rita Rep"


def test_control_characters_in_the_admin_search(client, auth, admin):
    auth.login(admin.email)
    response = client.get("/admin/users?q=ad%00min")
    assert response.status_code == 200
    assert "admin@example.com" in response.get_data(as_text=True)


def test_error_codes_without_a_page_keep_their_status(client):
    response = client.get("/static/css/app.css", headers={"Range": "bytes=999999-"})
    assert response.status_code == 416
    assert "Content-Range" in response.headers


def test_links_with_a_secret_are_not_passed_on_as_referrer(client):
    for url in ("/auth/reset/some-token", "/auth/verify/some-token"):
        assert client.get(url).headers["Referrer-Policy"] == "no-referrer"


def test_behind_a_proxy_the_client_address_and_https_are_used(make_app, user):
    app = make_app(PROXY_FIX_HOPS=1)
    client = app.test_client()
    response = client.get("/", headers={"X-Forwarded-For": "203.0.113.9",
                                        "X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    client.post("/auth/login", headers={"X-Forwarded-For": "203.0.113.9"}, data={
        "csrf_token": client.csrf_token(), "email": user.email, "password": "wrong one here"})
    with app.app_context():
        from marketplace.core.audit import AuditEvent
        assert db.session.scalar(select(AuditEvent.ip)) == "203.0.113.9"
