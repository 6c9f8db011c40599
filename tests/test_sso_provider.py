"""Single sign-on against a real OpenID Connect provider (issue 20): npm's
oidc-provider on loopback (tests/oidc_provider.py), the app's test client following
redirects on its side.

The whole flow works: start, sign in at the provider, land signed in on the page asked
for, in the language the provider's `locale` gives; the subject finds the person again
after their address changed at the provider; refusals (address not verified or outside
the company, a cancelled sign-in, a replayed callback) show their page; and the start
and the callback may be served by two instances of the app.
"""

from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import INTERNAL, SsoIdentity, User
from marketplace.accounts.sso import REFUSALS
from marketplace.extensions import db

from .builders import italian, shows
from .helpers import count
from .test_sso import logged_in_as, refusals, with_domains

CALLBACK = "http://localhost/auth/sso/callback?"


def settings(provider):
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": provider.client_id,
            "OIDC_CLIENT_SECRET": provider.client_secret, "OIDC_LABEL": "Acme"}


@pytest.fixture
def sso_app(app, make_app, oidc_provider):  # `app`: emptied after the test on PostgreSQL
    configured = make_app(**settings(oidc_provider))
    with_domains(configured)
    return configured


def start(client, next_url="/mentors"):
    response = client.get("/auth/sso?" + urlencode({"next": next_url}))
    assert response.status_code == 302
    return response.location


def back_at_the_app(client, callback_url):
    """Follow the provider's redirect back into the app, and the app's own redirects."""
    assert callback_url.startswith(CALLBACK), callback_url
    return client.get(callback_url.removeprefix("http://localhost"), follow_redirects=True)


def through_provider(client, provider, sub, next_url="/mentors"):
    return back_at_the_app(client, provider.sign_in(start(client, next_url), sub))


def test_a_colleague_signs_in_and_lands_on_the_page_asked_for(sso_app, oidc_provider):
    oidc_provider.add_user("acme-giulia", email="giulia@acme.com", name="Giulia Neri",
                           locale="it")
    client = sso_app.test_client()
    response = through_provider(client, oidc_provider, "acme-giulia", next_url="/mentors")
    assert response.status_code == 200 and response.request.path == "/mentors"
    page = response.get_data(as_text=True)
    assert '<html lang="it">' in page
    assert shows(page, italian(sso_app, "Welcome, %(name)s! Your account is ready.")
                 % {"name": "Giulia Neri"})
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "giulia@acme.com"))
        assert (user.affiliation, user.language, user.is_verified, user.has_password) == (
            INTERNAL, "it", True, False)
        identity = db.session.scalar(select(SsoIdentity))
        assert (identity.issuer, identity.subject) == (oidc_provider.issuer, "acme-giulia")
        assert logged_in_as(client) == user.id


def test_a_changed_address_at_the_provider_finds_the_same_person(sso_app, oidc_provider):
    oidc_provider.add_user("acme-paolo", email="paolo@acme.com", name="Paolo Rossi")
    first = sso_app.test_client()
    through_provider(first, oidc_provider, "acme-paolo")
    oidc_provider.add_user("acme-paolo", email="paolo.rossi@acme.com", name="Paolo Rossi")
    again = sso_app.test_client()
    response = through_provider(again, oidc_provider, "acme-paolo", next_url="/requests")
    assert response.request.path == "/requests"
    assert shows(response.get_data(as_text=True), "Welcome back, Paolo.")
    with sso_app.app_context():
        assert count(User) == 1 and logged_in_as(again) == logged_in_as(first)


@pytest.mark.parametrize(("claims", "reason"), [
    ({"email": "ugo@acme.com", "email_verified": False}, "unverified"),
    ({"email": "ugo@freemail.example"}, "outside"),
])
def test_who_may_not_sign_in_is_told_why(sso_app, oidc_provider, claims, reason):
    oidc_provider.add_user(f"ugo-{reason}", name="Ugo Conti", **claims)
    client = sso_app.test_client()
    response = through_provider(client, oidc_provider, f"ugo-{reason}")
    assert response.status_code == 403
    assert shows(response.get_data(as_text=True), str(REFUSALS[reason][1]))
    with sso_app.app_context():
        assert count(User) == 0 and [found for found, _ in refusals()] == [reason]


def test_a_sign_in_cancelled_at_the_provider_is_explained(sso_app, oidc_provider):
    client = sso_app.test_client()
    response = back_at_the_app(client, oidc_provider.cancel(start(client, "/requests")))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and shows(page, str(REFUSALS["cancelled"][1]))
    assert 'href="/auth/sso?next=/requests"' in page
    with sso_app.app_context():
        assert refusals() == [("cancelled", None)] and count(User) == 0


def test_a_callback_used_twice_is_refused(sso_app, oidc_provider):
    oidc_provider.add_user("acme-rita", email="rita@acme.com", name="Rita Gallo")
    client = sso_app.test_client()
    callback = oidc_provider.sign_in(start(client), "acme-rita")
    assert back_at_the_app(client, callback).status_code == 200
    # Someone who got hold of the address (history, logs) tries it in their browser,
    # and the owner's browser tries it again: neither is signed in by it.
    stranger = sso_app.test_client()
    assert back_at_the_app(stranger, callback).status_code == 400
    assert logged_in_as(stranger) is None
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    assert back_at_the_app(client, callback).status_code == 400
    with sso_app.app_context():
        assert [reason for reason, _ in refusals()] == ["bad_state", "bad_state"]


def test_the_start_and_the_callback_may_be_served_by_two_instances(
        sso_app, make_app, oidc_provider):
    """Nothing is kept in a process between the start and the callback: the signed
    session cookie carries the state, the nonce and the PKCE verifier."""
    oidc_provider.add_user("acme-enzo", email="enzo@acme.com", name="Enzo Fabbri")
    other_instance = make_app(**settings(oidc_provider))
    first, second = sso_app.test_client(), other_instance.test_client()
    callback = oidc_provider.sign_in(start(first, "/requests"), "acme-enzo")
    second.set_cookie("session", first.get_cookie("session").value)
    response = back_at_the_app(second, callback)
    assert response.status_code == 200 and response.request.path == "/requests"
    with other_instance.app_context():
        assert logged_in_as(second) == db.session.scalar(
            select(User.id).where(User.email == "enzo@acme.com"))


def test_the_login_page_leads_to_the_provider(sso_app, oidc_provider):
    client = sso_app.test_client()
    page = client.get("/auth/login?next=/requests").get_data(as_text=True)
    assert 'href="/auth/sso?next=/requests"' in page
    location = start(client, "/requests")
    assert urlsplit(location).netloc == urlsplit(oidc_provider.issuer).netloc
