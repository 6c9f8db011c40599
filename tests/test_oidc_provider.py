"""The OpenID Connect provider the single sign-on tests run against (the oidc_provider
fixture), checked on its own, without the app: what the app will rely on is there, so an
app test that fails points at the app."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

CALLBACK = "http://localhost/auth/sso/callback"


@pytest.fixture(scope="module")
def discovery(oidc_provider):
    response = requests.get(f"{oidc_provider.issuer}/.well-known/openid-configuration",
                            timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def anna(oidc_provider):
    oidc_provider.add_user("anna", email="anna@example.com", name="Anna Bianchi",
                           given_name="Anna", family_name="Bianchi", locale="it")
    return "anna"


def authorization(provider, discovery, redirect_uri=CALLBACK):
    """An authorization request as the app makes it (code flow, PKCE S256): its URL and
    what the app keeps to finish it."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    request = {"state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
               "verifier": verifier, "redirect_uri": redirect_uri}
    query = {"client_id": provider.client_id, "response_type": "code",
             "redirect_uri": redirect_uri, "scope": "openid email profile",
             "state": request["state"], "nonce": request["nonce"],
             "code_challenge": challenge.rstrip(b"=").decode(),
             "code_challenge_method": "S256"}
    request["url"] = f"{discovery['authorization_endpoint']}?{urlencode(query)}"
    return request


def callback_params(url, redirect_uri=CALLBACK):
    assert url.startswith(f"{redirect_uri}?"), url
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def exchange(provider, discovery, request, code):
    """The code exchanged at the token endpoint as the app does: client_secret_basic (the
    secret in the Authorization header) and the PKCE verifier."""
    return requests.post(discovery["token_endpoint"], timeout=10,
                         auth=(provider.client_id, provider.client_secret),
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": request["redirect_uri"],
                               "code_verifier": request["verifier"]})


def id_token_claims(provider, discovery, request, code):
    """The ID token's claims, once its signature and claims are checked."""
    response = exchange(provider, discovery, request, code)
    assert response.status_code == 200, response.text
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    token = jwt.decode(response.json()["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        nonce={"essential": True, "value": request["nonce"]},
        exp={"essential": True},
    ).validate(token.claims)
    return token.claims


def signed_in_claims(provider, discovery, sub):
    """A whole sign-in as `sub`: the ID token's claims."""
    request = authorization(provider, discovery)
    params = callback_params(provider.sign_in(request["url"], sub))
    return id_token_claims(provider, discovery, request, params["code"])


def test_discovery_names_the_endpoints_the_app_uses(oidc_provider, discovery):
    assert discovery["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri",
                     "end_session_endpoint"):
        assert discovery[endpoint].startswith(f"{oidc_provider.issuer}/"), endpoint
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "client_secret_basic" in discovery["token_endpoint_auth_methods_supported"]


def test_code_flow_gives_an_id_token_with_the_users_claims(oidc_provider, discovery, anna):
    request = authorization(oidc_provider, discovery)

    params = callback_params(oidc_provider.sign_in(request["url"], anna))

    assert params["state"] == request["state"]
    assert params["iss"] == oidc_provider.issuer
    claims = id_token_claims(oidc_provider, discovery, request, params["code"])
    assert claims["sub"] == "anna"
    assert claims["email"] == "anna@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Anna Bianchi"
    assert (claims["given_name"], claims["family_name"]) == ("Anna", "Bianchi")
    assert claims["locale"] == "it"


def test_a_code_is_for_its_verifier_only(oidc_provider, discovery, anna):
    request = authorization(oidc_provider, discovery)
    code = callback_params(oidc_provider.sign_in(request["url"], anna))["code"]

    response = exchange(oidc_provider, discovery, {**request, "verifier": "x" * 43}, code)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_cancel_sends_back_access_denied(oidc_provider, discovery):
    request = authorization(oidc_provider, discovery)

    params = callback_params(oidc_provider.cancel(request["url"]))

    assert params["error"] == "access_denied"
    assert params["state"] == request["state"]
    assert "code" not in params


def test_the_live_servers_callback_on_any_port_of_127_0_0_1(oidc_provider, discovery, anna):
    callback = "http://127.0.0.1:54321/auth/sso/callback"
    request = authorization(oidc_provider, discovery, redirect_uri=callback)

    params = callback_params(oidc_provider.sign_in(request["url"], anna), callback)

    assert id_token_claims(oidc_provider, discovery, request, params["code"])["sub"] == "anna"


@pytest.mark.parametrize("redirect_uri", [
    "http://evil.test/auth/sso/callback",
    "http://localhost:5000/auth/sso/callback",  # any port on 127.0.0.1 only
    "http://127.0.0.1:5000/elsewhere",
    "http://127.0.0.1:5000/auth/sso/callback?next=http://evil.test",
    "https://127.0.0.1:5000/auth/sso/callback",
])
def test_other_redirect_uris_are_refused(oidc_provider, discovery, anna, redirect_uri):
    request = authorization(oidc_provider, discovery, redirect_uri=redirect_uri)

    response = requests.get(request["url"], allow_redirects=False, timeout=10)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_uri did not match" in response.text
    with pytest.raises(AssertionError, match="no login form"):
        oidc_provider.sign_in(request["url"], anna)


def test_users_are_read_at_each_sign_in(oidc_provider, discovery, anna):
    newcomer = f"new-{secrets.token_hex(4)}"
    with pytest.raises(ValueError, match="add_user"):
        oidc_provider.sign_in(authorization(oidc_provider, discovery)["url"], newcomer)

    oidc_provider.add_user(newcomer, email="new@example.com", email_verified=False)
    oidc_provider.add_user(anna, email="anna@example.org", name="Anna Rossi")

    claims = signed_in_claims(oidc_provider, discovery, newcomer)
    assert (claims["sub"], claims["email"], claims["email_verified"]) == \
        (newcomer, "new@example.com", False)
    claims = signed_in_claims(oidc_provider, discovery, anna)
    assert (claims["email"], claims["name"]) == ("anna@example.org", "Anna Rossi")
    assert claims["locale"] == "en"  # the default: anna was replaced, not updated
