"""The account pages: status, redirect, message and database for each action."""

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import PASSWORD, make_user
from .helpers import flashed

NEW_PASSWORD = "a brand new passphrase"


def get_user(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def link_from(message):
    line = next(line for line in message.text.splitlines() if "/auth/" in line)
    return line.strip().removeprefix("http://localhost")


REGISTRATION = {"email": "nina@example.com", "full_name": "Nina New", "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD, "language": "en"}


class TestRegister:
    def test_form(self, client):
        page = client.get("/auth/register").get_data(as_text=True)
        for name in ("email", "full_name", "password", "confirm", "language", "csrf_token"):
            assert f'name="{name}"' in page
        # The organisation's email domains say who is internal, not the person.
        for name in ("affiliation", "company"):
            assert f'name="{name}"' not in page

    def test_register_confirm_and_start(self, app, client, outbox):
        response = client.submit("/auth/register", data=REGISTRATION)
        assert response.status_code == 302
        assert response.location == "/auth/login"
        assert "we have sent a link to nina@example.com" in flashed(client)[0]
        assert not get_user(app, "nina@example.com").is_verified

        link = link_from(outbox[0])
        page = client.get(link)
        assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
        response = client.submit(link)
        assert response.status_code == 302 and response.location == "/home"
        assert "Your email address is confirmed" in flashed(client)[-1]
        assert get_user(app, "nina@example.com").is_verified
        assert client.get("/account").status_code == 200

    def test_cannot_log_in_before_confirming(self, client, auth, outbox):
        client.submit("/auth/register", data=REGISTRATION)
        response = auth.login("nina@example.com", NEW_PASSWORD)
        assert response.status_code == 200
        assert "Confirm your email address first" in response.get_data(as_text=True)
        assert len(outbox) == 2  # a fresh link
        assert client.get("/account").status_code == 302

    @pytest.mark.parametrize("changes, error", [
        ({"confirm": "something else entirely"}, "The two passwords are different."),
        ({"password": "password1234", "confirm": "password1234"}, "too easy to guess"),
        ({"email": "not-an-email"}, "Enter a valid email address, like name@example.com."),
        ({"full_name": ""}, "Enter your first name and surname."),
        ({"full_name": "x" * 121}, "Shorten the name to at most 120 characters."),
    ])
    def test_errors_shown_next_to_fields_and_input_kept(self, app, client, changes, error):
        response = client.submit("/auth/register", data={**REGISTRATION, **changes})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert error in page
        assert 'aria-invalid="true"' in page
        assert 'value="nina@example.com"' in page or changes.get("email") in page
        assert get_user(app, "nina@example.com") is None

    def test_verify_link_invalid(self, client):
        for method in (client.get, client.submit):
            page = method("/auth/verify/not-a-real-token").get_data(as_text=True)
            assert "This link no longer works" in page

    def test_logged_in_users_are_sent_home(self, client, auth, user):
        auth.login(user.email)
        assert client.get("/auth/register").location == "/home"


class TestLogin:
    def test_success_follows_local_next(self, app, client, user):
        response = client.submit("/auth/login?next=/account",
                                 data={"email": "REP@example.com", "password": PASSWORD})
        assert response.status_code == 302 and response.location == "/account"
        assert flashed(client) == ["Welcome back, Rita."]
        assert get_user(app, "rep@example.com").last_login_at is not None

    def test_remember_me_sets_a_lasting_cookie(self, client, auth, user):
        auth.login(user.email, remember="y")
        cookie = client.get_cookie("remember_token")
        assert cookie is not None and cookie.http_only and cookie.expires is not None
        assert client.get_cookie("session").expires is not None  # 12-hour session

    def test_without_remember_me_no_remember_cookie(self, client, auth, user):
        auth.login(user.email)
        assert client.get_cookie("remember_token") is None

    def test_wrong_password(self, client, auth, user):
        response = auth.login(user.email, "not the right one at all")
        assert response.status_code == 200
        assert "Wrong email or password." in response.get_data(as_text=True)
        assert client.get("/account").status_code == 302

    def test_login_required_pages_redirect_with_next(self, client):
        response = client.get("/account")
        assert response.location == "/auth/login?next=%2Faccount"
        assert flashed(client) == ["Please log in to see this page."]

    def test_logout(self, client, auth, user):
        auth.login(user.email)
        response = auth.logout()
        assert response.status_code == 302 and response.location == "/auth/login"
        assert flashed(client)[-1] == "You have logged out."
        assert client.get("/account").status_code == 302


class TestPasswordReset:
    def test_full_reset(self, app, client, auth, user, outbox):
        response = client.submit("/auth/forgot", data={"email": user.email})
        assert response.status_code == 302 and response.location == "/auth/login"
        assert "The link works for 60 minutes." in flashed(client)[0]
        link = link_from(outbox[0])
        assert 'name="password"' in client.get(link).get_data(as_text=True)

        response = client.submit(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 302 and response.location == "/home"
        assert "Your password has been changed" in flashed(client)[-1]
        assert check_password_hash(get_user(app, user.email).password_hash, NEW_PASSWORD)
        assert client.get("/account").status_code == 200  # logged in

        # The link is used up.
        assert "This link no longer works" in client.get(link).get_data(as_text=True)

    def test_weak_new_password(self, app, client, user, outbox):
        client.submit("/auth/forgot", data={"email": user.email})
        link = link_from(outbox[0])
        response = client.submit(link, data={"password": "short", "confirm": "short"})
        assert response.status_code == 422
        assert "Use at least 12 characters." in response.get_data(as_text=True)
        assert check_password_hash(get_user(app, user.email).password_hash, PASSWORD)

    def test_unknown_token(self, client):
        response = client.get("/auth/reset/nope")
        assert response.status_code == 200
        assert "This link no longer works" in response.get_data(as_text=True)


class TestAccountPage:
    DATA = {"full_name": "Rita R. Rep", "language": "en", "timezone": "Europe/Rome",
            "region": "it-centre", "job_title": "Senior account executive",
            "manager_email": "boss@example.com"}

    def test_shows_current_values(self, app, client, auth):
        with app.app_context():
            boss = make_user(email="boss@example.com")
            make_user(email="rep@example.com", full_name="Rita Rep", manager_id=boss.id,
                      job_title="Account executive")
        auth.login("rep@example.com")
        page = client.get("/account").get_data(as_text=True)
        assert 'value="boss@example.com"' in page
        assert 'value="Account executive"' in page
        assert "rep@example.com" in page

    def test_save(self, app, client, auth, user):
        with app.app_context():
            boss = make_user(email="boss@example.com")
        auth.login(user.email)
        response = client.submit("/account", data=self.DATA)
        assert response.status_code == 302 and response.location == "/account"
        assert flashed(client) == ["Your changes have been saved."]
        saved = get_user(app, user.email)
        assert (saved.full_name, saved.region, saved.manager_id) == (
            "Rita R. Rep", "it-centre", boss.id)

    def test_unknown_manager_shown_on_the_field(self, app, client, auth, user):
        auth.login(user.email)
        response = client.submit("/account", data={**self.DATA, "manager_email": "x@example.com"})
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "There is no active colleague with this email address." in page
        assert 'value="Rita R. Rep"' in page  # input kept
        assert get_user(app, user.email).full_name == "Rita Rep"

    @pytest.mark.parametrize("field, value", [("timezone", "Mars/Olympus"),
                                              ("region", "atlantis"), ("language", "fr")])
    def test_unknown_choices_refused(self, app, client, auth, user, field, value):
        auth.login(user.email)
        response = client.submit("/account", data={**self.DATA, "manager_email": "",
                                                   field: value})
        assert response.status_code == 422
        assert "Not a valid choice." in response.get_data(as_text=True)
        assert get_user(app, user.email).full_name == "Rita Rep"

    def test_switching_language_answers_in_the_new_one(self, app, client, auth, user):
        auth.login(user.email)
        client.submit("/account", data={**self.DATA, "manager_email": "", "language": "it"})
        assert get_user(app, user.email).language == "it"
        assert flashed(client)[-1] != "Your changes have been saved."
        assert '<html lang="it">' in client.get("/account").get_data(as_text=True)


class TestChangePassword:
    def test_change(self, app, client, auth, user):
        auth.login(user.email)
        response = client.submit("/account/password", data={
            "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 302 and response.location == "/account"
        assert "Other devices have been logged out." in flashed(client)[-1]
        assert check_password_hash(get_user(app, user.email).password_hash, NEW_PASSWORD)
        assert client.get("/account").status_code == 200  # this device stays logged in

    def test_wrong_current_password(self, app, client, auth, user):
        auth.login(user.email)
        response = client.submit("/account/password", data={
            "current_password": "not my password", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD})
        assert response.status_code == 409
        assert "Your current password is incorrect." in response.get_data(as_text=True)
        assert check_password_hash(get_user(app, user.email).password_hash, PASSWORD)

    def test_new_password_must_not_contain_email(self, client, auth, user):
        auth.login(user.email)
        bad = f"my {user.email} pass"
        response = client.submit("/account/password", data={
            "current_password": PASSWORD, "password": bad, "confirm": bad})
        assert "must not contain your email address" in response.get_data(as_text=True)


def test_pages_after_logout_keep_the_users_language(app, client, auth):
    with app.app_context():
        make_user(email="it@example.com", language="it")
    auth.login("it@example.com")
    response = auth.logout()
    assert flashed(client) == ["Hai chiuso la sessione."]
    page = client.get(response.location, headers={"Accept-Language": "en"})
    assert '<html lang="it">' in page.get_data(as_text=True)


def test_the_navigation_fits_each_viewer_and_page(app, client, auth):
    """The navigation is remembered per kind of viewer and page (marketplace.web.layout):
    each viewer still gets their own links, language and current page."""
    with app.app_context():
        make_user(email="admin@example.com", is_admin=True)
        make_user(email="outside@example.com", affiliation="external", company="Acme",
                  language="it")
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/login" aria-current="page">Log in<' in page
    assert "Find a mentor" not in page and 'name="language"' in page
    auth.login("admin@example.com")
    page = client.get("/mentors").get_data(as_text=True)
    assert 'href="/mentors" aria-current="page">Find a mentor<' in page
    assert ">Administration<" in page and ">Invite a mentor<" in page
    assert 'action="/auth/logout"' in page
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/mentors">Find a mentor<' in page
    assert 'href="/account" aria-current="page">My account<' in page
    auth.logout()
    auth.login("outside@example.com")
    # The mentor list is the company's people's: an outsider has no link to it.
    assert client.get("/mentors").status_code == 404
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account" aria-current="page">Il mio account<' in page
    assert "Trova un mentore" not in page
    assert "Amministrazione" not in page and "Invita un mentore" not in page
