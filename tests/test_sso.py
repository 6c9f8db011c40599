"""Single sign-on with the company's OpenID Connect provider (issue 20), without one.

The provider's side is forged here with joserfc, the JOSE library of Authlib: its
discovery document and keys are handed to the app's Authlib client, and its token
endpoint answers with an ID token made by the test. That proves each bad token is
refused by Authlib's checks (signature, issuer, audience, expiry, nonce), with the
refusal page and its audit event and no account made. tests/test_sso_provider.py
signs in at a real provider.

Also here: the settings (half a configuration refuses to start; nothing of single
sign-on shows when it is off), who the claims are (`sign_in_with_provider`),
PASSWORD_LOGIN=external-only, and accounts without a password.
"""

import base64
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.integrations.base_client.errors import OAuthError
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import services as accounts
from marketplace.accounts.models import INTERNAL, SsoIdentity, User
from marketplace.accounts.services import SignInRefused
from marketplace.accounts.sso import EXTENSION, REFUSALS
from marketplace.core.audit import AuditEvent
from marketplace.extensions import db
from marketplace.privacy import services as privacy
from marketplace.program import services as program

from .builders import audit_actions, field_errors, italian, shows
from .factories import PASSWORD, make_user
from .helpers import count, flashed, free_port, get, login_client, run_together
from .test_directory import CHART, post_file

ISSUER = "https://id.acme.test"
CLIENT_ID = "mentor-marketplace"
SSO = {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": CLIENT_ID,
       "OIDC_CLIENT_SECRET": "client-secret-for-tests", "OIDC_LABEL": "Acme"}
DOMAINS = "acme.com"


def message(reason):
    return str(REFUSALS[reason][1])


def with_domains(app, domains=DOMAINS):
    with app.app_context():
        program.settings().internal_domains = domains
        db.session.commit()


class ForgedProvider:
    """The provider as the app's Authlib client meets it: a discovery document with its
    keys (given to the client, as if fetched), and a token endpoint that answers with
    the ID token the test signs. Keys are made once per run: RSA is slow to make."""

    key = RSAKey.generate_key(2048, parameters={"kid": "acme-1"})
    impostor = RSAKey.generate_key(2048, parameters={"kid": "acme-1"})

    def __init__(self, app, monkeypatch):
        self.client = app.extensions[EXTENSION]
        self.client.server_metadata.update({
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks": KeySet([self.key]).as_dict(private=False),
            "id_token_signing_alg_values_supported": ["RS256"],
            "_loaded_at": time.time()})
        self.id_token = None
        self.token_requests = []
        monkeypatch.setattr(self.client, "fetch_access_token", self.token_endpoint)

    def token_endpoint(self, **params):
        self.token_requests.append(params)
        return {"access_token": "access", "token_type": "Bearer", "expires_in": 300,
                "id_token": self.id_token}

    def claims(self, nonce, /, **changes):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "acme-anna", "iat": now,
                  "exp": now + 300, "nonce": nonce, "email": "anna@acme.com",
                  "email_verified": True, "name": "Anna Verdi", "locale": "it-IT"}
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def sign(self, claims, key=None):
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def sign_in(self, client, next_url="/mentors", token=None, **changes):
        """Start at the app, answer with a token (the test's, or one signed for these
        claims), and come back to the callback: the callback's response."""
        state, nonce = start(client, next_url)
        self.id_token = token(nonce) if token else self.sign(self.claims(nonce, **changes))
        return client.get(f"/auth/sso/callback?code=the-code&state={state}")


def start(client, next_url="/mentors"):
    """(state, nonce) of the sign-in the app starts."""
    response = client.get("/auth/sso?" + urlencode({"next": next_url}))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.location).query)
    return query["state"][0], query["nonce"][0]


# Each app below is made on the test database; asking for `app` too empties that
# database after the test on PostgreSQL, where tests share it.
@pytest.fixture
def sso_app(app, make_app):
    configured = make_app(**SSO)
    with_domains(configured)
    return configured


@pytest.fixture
def provider(sso_app, monkeypatch):
    return ForgedProvider(sso_app, monkeypatch)


def logged_in_as(client):
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return user_id and int(user_id.partition(":")[0])


def refusals():
    return db.session.execute(
        select(AuditEvent.details["reason"].as_string(), AuditEvent.subject_id)
        .where(AuditEvent.action == "login.failed").order_by(AuditEvent.id)).all()


# The settings ----------------------------------------------------------------------

@pytest.mark.parametrize("settings", [
    {"OIDC_ISSUER": ISSUER},
    {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": CLIENT_ID},
    {"OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": "secret"},
])
def test_half_a_configuration_does_not_start(app, make_app, settings):
    with pytest.raises(RuntimeError, match="half configured"):
        make_app(**settings)


@pytest.mark.parametrize(("settings", "complaint"), [
    ({"PASSWORD_LOGIN": "nobody"}, "is not one of everyone, external-only"),
    ({"PASSWORD_LOGIN": "external-only"}, "needs single sign-on"),
    ({**SSO, "OIDC_SCOPES": "email profile"}, "must include openid"),
])
def test_settings_that_cannot_work_do_not_start(app, make_app, settings, complaint):
    with pytest.raises(RuntimeError, match=complaint):
        make_app(**settings)


def test_production_asks_for_an_https_provider(app, make_app):
    production = {"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "MAIL_BACKEND": "smtp",
                  "SERVER_NAME": "mentors.acme.com"}
    with pytest.raises(RuntimeError, match="https"):
        make_app(**production, **{**SSO, "OIDC_ISSUER": "http://id.acme.test"})
    assert make_app(**production, **SSO)


def test_nothing_of_single_sign_on_shows_when_it_is_off(client):
    assert client.get("/auth/sso").status_code == 404
    assert client.get("/auth/sso/callback?code=x&state=y").status_code == 404
    for path in ("/auth/login", "/auth/register", "/auth/forgot"):
        page = client.get(path).get_data(as_text=True)
        assert "/auth/sso" not in page and "Sign in with" not in page


def test_the_button_comes_first_in_both_languages_and_keeps_next(sso_app):
    client = sso_app.test_client()
    page = client.get("/auth/login?next=/mentors").get_data(as_text=True)
    button = page.index('href="/auth/sso?next=/mentors"')
    assert "Sign in with Acme" in page and button < page.index('name="password"')
    assert "Or log in with a password" in page
    for path in ("/auth/register", "/auth/forgot"):
        assert "Sign in with Acme" in client.get(path).get_data(as_text=True)
    client.submit("/language", data={"language": "it"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert italian(sso_app, "Sign in with %(provider)s") % {"provider": "Acme"} in page
    assert shows(page, italian(sso_app, "Or log in with a password"))


def test_without_a_label_the_button_names_the_company_account(app, make_app):
    page = make_app(**{**SSO, "OIDC_LABEL": ""}).test_client().get("/auth/login")
    assert "Sign in with your company account" in page.get_data(as_text=True)


# The flow, with a forged provider --------------------------------------------------

def test_first_sign_in_makes_an_internal_confirmed_account_and_lands_on_next(
        sso_app, provider):
    client = sso_app.test_client()
    response = provider.sign_in(client, next_url="/mentors")
    assert response.status_code == 302 and response.location == "/mentors"
    # Her account speaks Italian, as her provider's locale said, from the first page.
    assert flashed(client) == [italian(sso_app, "Welcome, %(name)s! Your account is ready.")
                               % {"name": "Anna Verdi"}]
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@acme.com"))
        assert (user.full_name, user.affiliation, user.language, user.timezone) == (
            "Anna Verdi", INTERNAL, "it", "Europe/Rome")
        assert user.is_verified and not user.has_password and user.last_login_at
        identity = db.session.scalar(select(SsoIdentity))
        assert (identity.user_id, identity.issuer, identity.subject) == (
            user.id, ISSUER, "acme-anna")
        assert logged_in_as(client) == user.id
        assert audit_actions() == ["account.register", "account.single_sign_on_linked",
                                   "login.success"]
    # The authorization asked for PKCE, and the token request carried the verifier.
    assert "code_verifier" in provider.token_requests[0]


def test_the_authorization_request_carries_state_nonce_and_pkce(sso_app, provider):
    response = sso_app.test_client().get("/auth/sso")
    query = parse_qs(urlsplit(response.location).query)
    assert response.location.startswith(f"{ISSUER}/authorize?")
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://localhost/auth/sso/callback"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]


def test_a_returning_person_is_welcomed_back(sso_app, provider):
    provider.sign_in(sso_app.test_client())
    client = sso_app.test_client()
    response = provider.sign_in(client, next_url="/requests")
    assert response.location == "/requests"
    assert flashed(client) == [italian(sso_app, "Welcome back, %(name)s.")
                               % {"name": "Anna"}]


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x",
                                      "/\\evil.example"])
def test_next_is_checked_like_the_password_login(sso_app, provider, next_url):
    response = provider.sign_in(sso_app.test_client(), next_url=next_url)
    assert response.status_code == 302 and response.location == "/home"


def test_an_existing_account_is_found_by_its_address(sso_app, provider):
    with sso_app.app_context():
        existing = make_user(email="anna@acme.com", full_name="Anna V.", verified=False)
    client = sso_app.test_client()
    provider.sign_in(client)
    assert logged_in_as(client) == existing.id
    with sso_app.app_context():
        user = get(User, existing.id)
        # The provider verified the address; the name stays the account's own.
        assert user.is_verified and user.full_name == "Anna V." and user.has_password
        assert count(User) == 1


def forged(provider, **changes):
    return lambda nonce: provider.sign(provider.claims(nonce, **changes))


BAD_TOKENS = {
    "wrong nonce": lambda p: forged(p, nonce="a-nonce-from-another-sign-in"),
    "wrong audience": lambda p: forged(p, aud="another-app"),
    "wrong issuer": lambda p: forged(p, iss="https://evil.example"),
    "expired": lambda p: forged(p, iat=int(time.time()) - 7200,
                                exp=int(time.time()) - 3600),
    "no subject": lambda p: forged(p, sub=None),
    "signed by another key": lambda p: lambda nonce: p.sign(p.claims(nonce), p.impostor),
    "changed after signing": lambda p: lambda nonce: tampered(p.sign(p.claims(nonce))),
    "not signed": lambda p: lambda nonce: unsigned(p.claims(nonce)),
}


def tampered(token):
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["email"] = "boss@acme.com"
    return ".".join((header, b64(claims), signature))


def unsigned(claims):
    return ".".join((b64({"alg": "none", "typ": "JWT"}), b64(claims), ""))


def b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_a_forged_token_is_refused(sso_app, provider, kind):
    client = sso_app.test_client()
    response = provider.sign_in(client, token=BAD_TOKENS[kind](provider))
    assert response.status_code == 400
    assert shows(response.get_data(as_text=True), message("bad_token"))
    # The page's address holds the code: not passed on, not kept.
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
    assert logged_in_as(client) is None
    with sso_app.app_context():
        assert count(User) == 0 and count(SsoIdentity) == 0
        assert [reason for reason, _ in refusals()] == ["bad_token"]


def test_claims_missing_from_the_id_token_come_from_userinfo(sso_app, provider,
                                                             monkeypatch):
    asked = []

    def userinfo(token):
        asked.append(token["access_token"])
        return {"sub": "acme-anna", "email": "anna@acme.com", "email_verified": True,
                "name": "Anna Verdi", "locale": "en"}

    monkeypatch.setattr(provider.client, "userinfo", userinfo)
    client = sso_app.test_client()
    response = provider.sign_in(client, email=None, email_verified=None, name=None,
                                locale=None)
    assert response.status_code == 302 and asked == ["access"]
    with sso_app.app_context():
        assert db.session.scalar(select(User.full_name)) == "Anna Verdi"


def test_userinfo_about_someone_else_is_refused(sso_app, provider, monkeypatch):
    monkeypatch.setattr(provider.client, "userinfo", lambda token: {
        "sub": "acme-boss", "email": "boss@acme.com", "email_verified": True})
    response = provider.sign_in(sso_app.test_client(), email=None)
    assert response.status_code == 400
    with sso_app.app_context():
        assert count(User) == 0
        assert refusals() == [("bad_token", None)]


def test_a_replayed_callback_is_refused(sso_app, provider):
    client = sso_app.test_client()
    state, nonce = start(client)
    provider.id_token = provider.sign(provider.claims(nonce, locale="en"))
    callback = f"/auth/sso/callback?code=the-code&state={state}"
    assert client.get(callback).status_code == 302
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert shows(replayed.get_data(as_text=True), message("bad_state"))
    assert logged_in_as(client) is None


@pytest.mark.parametrize("state", ["forged-state", ""])
def test_a_callback_with_a_state_this_browser_did_not_start_is_refused(
        sso_app, provider, state):
    client = sso_app.test_client()
    start(client)
    response = client.get(f"/auth/sso/callback?code=the-code&state={state}")
    assert response.status_code == 400
    # Another browser, which started nothing, is refused the same way.
    other = sso_app.test_client().get(f"/auth/sso/callback?code=the-code&state={state}")
    assert other.status_code == 400
    assert provider.token_requests == []
    with sso_app.app_context():
        assert [reason for reason, _ in refusals()] == ["bad_state", "bad_state"]


@pytest.mark.parametrize(("error", "reason", "status"), [
    ("access_denied", "cancelled", 400),
    ("server_error", "provider_error", 502),
    ("temporarily_unavailable", "provider_error", 502),
])
def test_a_provider_error_or_a_cancelled_sign_in_is_explained(
        sso_app, provider, error, reason, status):
    client = sso_app.test_client()
    state, _nonce = start(client, next_url="/requests")
    response = client.get(f"/auth/sso/callback?error={error}&state={state}")
    page = response.get_data(as_text=True)
    assert response.status_code == status and shows(page, message(reason))
    # "Try again" starts over, for the same page.
    assert 'href="/auth/sso?next=/requests"' in page
    with sso_app.app_context():
        assert refusals() == [(reason, None)] and count(User) == 0


def test_a_refused_code_at_the_token_endpoint_is_a_provider_error(
        sso_app, provider, monkeypatch):
    def refuse(**_params):
        raise OAuthError(error="invalid_grant", description="code already used")
    monkeypatch.setattr(provider.client, "fetch_access_token", refuse)
    client = sso_app.test_client()
    state, _nonce = start(client)
    response = client.get(f"/auth/sso/callback?code=old&state={state}")
    assert response.status_code == 502
    with sso_app.app_context():
        assert refusals() == [("provider_error", None)]


def test_a_provider_that_cannot_be_reached_is_explained(app, make_app):
    unreachable = make_app(**{**SSO, "OIDC_ISSUER": f"http://127.0.0.1:{free_port()}"})
    response = unreachable.test_client().get("/auth/sso?next=/mentors")
    assert response.status_code == 502
    assert shows(response.get_data(as_text=True), message("provider_error"))
    with unreachable.app_context():
        assert refusals() == [("provider_error", None)]


def test_refusals_speak_the_readers_language(sso_app, provider):
    client = sso_app.test_client()
    client.submit("/language", data={"language": "it"})
    response = provider.sign_in(client, email_verified=False)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert shows(page, italian(sso_app, message("unverified")))
    assert shows(page, italian(sso_app, "You are not signed in"))


@pytest.mark.parametrize(("changes", "reason"), [
    ({"email_verified": False}, "unverified"),
    ({"email_verified": None}, "unverified"),
    ({"email": "anna@gmail.example"}, "outside"),
])
def test_who_may_not_sign_in_is_refused_with_nothing_made(sso_app, provider, changes,
                                                          reason):
    client = sso_app.test_client()
    response = provider.sign_in(client, **changes)
    assert response.status_code == 403
    assert shows(response.get_data(as_text=True), message(reason))
    with sso_app.app_context():
        assert count(User) == 0 and count(SsoIdentity) == 0
        assert [found for found, _ in refusals()] == [reason]


def test_a_deactivated_account_is_refused(sso_app, provider):
    with sso_app.app_context():
        user = make_user(email="anna@acme.com", active=False)
    response = provider.sign_in(sso_app.test_client())
    assert response.status_code == 403
    assert shows(response.get_data(as_text=True), message("inactive"))
    with sso_app.app_context():
        assert refusals() == [("inactive", user.id)] and count(SsoIdentity) == 0


# Who the claims are: the service ---------------------------------------------------

@pytest.fixture
def domains(app):
    with_domains(app)


def claims(**changes):
    values = {"iss": ISSUER, "sub": "acme-42", "email": "marco@acme.com",
              "email_verified": True, "name": "Marco Bianchi", "locale": "en"}
    return {**values, **changes}


def sign_in(language="en", **changes):
    user, created = accounts.sign_in_with_provider(
        issuer=ISSUER, claims=claims(**changes), language=language)
    db.session.commit()
    return user, created


def test_the_subject_finds_the_person_after_a_change_of_address(app_ctx, domains):
    first, created = sign_in()
    again, created_again = sign_in(email="marco.bianchi@acme.com", name="M. Bianchi")
    assert created and not created_again and again.id == first.id
    assert again.email == "marco@acme.com" and count(User) == 1


def test_a_known_subject_signs_in_whatever_its_address_says_now(app_ctx, domains):
    first, _ = sign_in()
    again, _ = sign_in(email="marco@elsewhere.example", email_verified=False)
    assert again.id == first.id


@pytest.mark.parametrize(("changes", "language", "expected"), [
    ({"locale": "it"}, "en", ("Marco Bianchi", "it")),
    ({"locale": "en-GB"}, "it", ("Marco Bianchi", "en")),
    ({"locale": "fr-FR"}, "it", ("Marco Bianchi", "it")),
    ({"locale": None, "name": None, "given_name": "Marco", "family_name": "Bianchi"},
     "en", ("Marco Bianchi", "en")),
    ({"name": "  ", "locale": None}, "en", ("marco", "en")),
    ({"name": "M" * 300}, "en", ("M" * 120, "en")),
])
def test_a_new_account_takes_name_and_language_from_the_claims(
        app_ctx, domains, changes, language, expected):
    user, created = sign_in(language=language, **changes)
    assert created and (user.full_name, user.language) == expected


def test_the_email_verified_flag_may_be_a_string(app_ctx, domains):
    assert sign_in(email_verified="true")[1]
    with pytest.raises(SignInRefused, match="unverified"):
        sign_in(sub="other", email="other@acme.com", email_verified="false")


def test_without_internal_domains_nobody_signs_in(app_ctx):
    with pytest.raises(SignInRefused) as refused:
        sign_in()
    assert refused.value.reason == "outside"
    assert refused.value.details == {"domain": "acme.com"}


def test_an_account_linked_to_another_subject_is_not_taken_over(app_ctx, domains):
    owner, _ = sign_in()
    with pytest.raises(SignInRefused) as refused:
        sign_in(sub="someone-else")  # the same address, another person at the provider
    assert (refused.value.reason, refused.value.user.id) == ("taken", owner.id)
    # Another provider may name the same person (a change of provider).
    other, created = accounts.sign_in_with_provider(
        issuer="https://new-id.acme.test", claims=claims(sub="new"), language="en")
    assert other.id == owner.id and not created


def test_two_accounts_never_share_one_subject(app_ctx, domains):
    first, _ = sign_in()
    second = make_user(email="second@acme.com")
    db.session.add(SsoIdentity(user_id=second.id, issuer=ISSUER, subject="acme-42"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(SsoIdentity(user_id=first.id, issuer=ISSUER, subject="acme-43"))
    with pytest.raises(IntegrityError):
        db.session.flush()  # nor one account two subjects at one provider
    db.session.rollback()


def test_two_first_sign_ins_at_once_make_one_account(app, domains):
    def work(_index, barrier):
        with app.app_context():
            barrier.wait()
            user, _created = accounts.sign_in_with_provider(
                issuer=ISSUER, claims=claims(), language="en")
            db.session.commit()
            return user.id

    results = run_together(work, 2)
    assert results[0] == results[1], results
    with app.app_context():
        assert count(User) == 1 and count(SsoIdentity) == 1


def test_a_deleted_account_is_not_signed_into(app_ctx, domains):
    user, _ = sign_in()
    privacy.delete_account(actor=user, email="marco@acme.com")
    db.session.commit()
    assert count(SsoIdentity) == 0
    again, created = sign_in()
    assert created and again.id != user.id


# Password login, registration and reset with PASSWORD_LOGIN=external-only -------------

@pytest.fixture
def sso_only(app, make_app):
    configured = make_app(**SSO, PASSWORD_LOGIN="external-only")
    with_domains(configured)
    with configured.app_context():
        make_user(email="ida@acme.com")
        make_user(email="otto@partner.example", affiliation="external")
    return configured


USE_SSO = str(accounts.USE_SINGLE_SIGN_ON)


def test_internal_addresses_cannot_log_in_with_a_password(sso_only):
    client = sso_only.test_client()
    response = client.submit("/auth/login", data={"email": "IDA@acme.com",
                                                  "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and shows(page, USE_SSO)
    assert "Sign in with Acme" in page and logged_in_as(client) is None
    with sso_only.app_context():
        assert refusals() == [("single_sign_on_only", None)]
    # Outside people still log in with their password.
    login_client(sso_only, "otto@partner.example")


def test_internal_addresses_cannot_register_or_reset(sso_only):
    client = sso_only.test_client()
    response = client.submit("/auth/register", data={
        "email": "new@acme.com", "full_name": "New One", "password": "violet harbour 9x",
        "confirm": "violet harbour 9x", "language": "en"})
    assert response.status_code == 409 and USE_SSO in field_errors(response, "email")
    response = client.submit("/auth/forgot", data={"email": "ida@acme.com"})
    assert response.status_code == 409 and USE_SSO in field_errors(response, "email")
    with sso_only.app_context():
        assert count(User) == 2
        user = db.session.scalar(select(User).where(User.email == "ida@acme.com"))
        token = accounts._issue_token(user, accounts.RESET)
        db.session.commit()
        with pytest.raises(accounts.AccountError, match="single sign-on"):
            accounts.reset_password(token, "x" * 20)
        db.session.rollback()
    # A link sent earlier (or by the directory's welcome mail) leads to the login page.
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 302 and response.location == "/auth/login"
    assert flashed(client) == [USE_SSO]


def test_the_account_page_offers_no_password_to_those_who_use_single_sign_on(sso_only):
    client = login_client_by_session(sso_only, "ida@acme.com")
    page = client.get("/account").get_data(as_text=True)
    assert "/account/password" not in page
    assert shows(page, "You sign in with your company account, not with a password here.")
    response = client.get("/account/password")
    assert response.status_code == 302 and response.location == "/account"
    assert flashed(client) == [str(accounts.NO_PASSWORD_HERE)]
    outsider = login_client(sso_only, "otto@partner.example")
    assert "/account/password" in outsider.get("/account").get_data(as_text=True)


def test_an_internal_account_with_an_old_password_is_deleted_by_typing_its_address(
        sso_only):
    """With external-only, a company address that had a password before cannot use it
    (nor reset it): deleting the account asks for the address instead."""
    with sso_only.app_context():
        ida_id = db.session.scalar(select(User.id).where(User.email == "ida@acme.com"))
    client = login_client_by_session(sso_only, "ida@acme.com")
    delete = client.get("/account/delete").get_data(as_text=True)
    assert 'name="password"' not in delete and 'name="email"' in delete
    done = client.submit("/account/delete", data={"email": "ida@acme.com"})
    assert done.status_code == 302
    with sso_only.app_context():
        assert db.session.get(User, ida_id).deleted_at is not None
    # Outside people still confirm with their password.
    outsider = login_client(sso_only, "otto@partner.example")
    page = outsider.get("/account/delete").get_data(as_text=True)
    assert 'name="password"' in page and 'name="email"' not in page


def test_the_directory_preview_says_new_people_sign_in_with_the_company_account(sso_only):
    with sso_only.app_context():
        make_user(email="admin@acme.com", is_admin=True)
    admin = login_client_by_session(sso_only, "admin@acme.com")
    response = post_file(admin, CHART)
    page = admin.get(response.location).get_data(as_text=True)
    assert shows(page, "Each gets an internal account, confirmed by the directory, and an "
                       "email in their language telling them to sign in with their company "
                       "account.")
    assert "choose a password" not in page


def login_client_by_session(app, email):
    """A browser logged in as `email` without a password, as single sign-on leaves it."""
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    return client


def test_an_account_without_a_password_is_deleted_by_typing_its_address(
        sso_app, provider):
    client = sso_app.test_client()
    provider.sign_in(client, locale="en")
    page = client.get("/account").get_data(as_text=True)
    assert "/account/password" not in page
    delete = client.get("/account/delete").get_data(as_text=True)
    assert 'name="password"' not in delete and 'name="email"' in delete
    wrong = client.submit("/account/delete", data={"email": "someone@acme.com"})
    assert wrong.status_code == 409
    assert "This is not the email address of your account." in field_errors(wrong, "email")
    done = client.submit("/account/delete", data={"email": "Anna@acme.com"})
    assert done.status_code == 302
    with sso_app.app_context():
        assert count(SsoIdentity) == 0
        assert db.session.scalar(select(User.deleted_at)) is not None


def test_the_export_names_the_sign_in_identity(sso_app, provider):
    client = sso_app.test_client()
    provider.sign_in(client)
    exported = client.get("/account/export").get_json()
    assert [(row["issuer"], row["subject"]) for row in exported["single_sign_on"]] == [
        (ISSUER, "acme-anna")]
