"""Single sign-on with the company's OpenID Connect provider, through Authlib.

Authlib's Flask client does the protocol: discovery, state, nonce and PKCE, kept in
the signed session cookie between the start and the callback (so any instance can
take the callback), and the ID token's signature, issuer, audience and expiry checks.
This module configures it from the settings and turns whatever goes wrong into a
`SignInRefused`; `services.sign_in_with_provider` decides whose the claims are.
"""

from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from requests import RequestException

from .services import DEACTIVATED, EVERYONE, EXTERNAL_ONLY, SignInRefused

REQUIRED = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
EXTENSION = "marketplace.sso"
NEXT_KEY = "sso_next"

# Why a sign-in was refused: the page's status and words.
REFUSALS = {
    "cancelled": (400, _l("You cancelled signing in. You can try again whenever you "
                          "like.")),
    "provider_error": (502, _l("Your company account could not sign you in just now. "
                               "Try again in a few minutes; if it keeps happening, tell "
                               "your program admin.")),
    "bad_state": (400, _l("This sign-in has expired or was already used. Start again "
                          "from the login page.")),
    "bad_token": (400, _l("The answer from your company account could not be verified, "
                          "so you are not signed in. Start again; if it keeps happening, "
                          "tell your program admin.")),
    "unverified": (403, _l("Your company account has not confirmed your email address, "
                           "so it cannot sign you in here. Confirm the address there, "
                           "then try again.")),
    "outside": (403, _l("Only the company’s own email addresses sign in here, and your "
                        "account gave us another one. Mentors from outside the company "
                        "join through an invitation from a colleague.")),
    "inactive": (403, DEACTIVATED),
    "taken": (403, _l("The account with this email address is already linked to "
                      "another company sign-in. Ask your program admin to sort it out.")),
}


def check_settings(config):
    """Refuse to start with half a configuration, which would fail only at sign-in."""
    given = [name for name in REQUIRED if config.get(name)]
    if given and len(given) < len(REQUIRED):
        missing = ", ".join(name for name in REQUIRED if name not in given)
        raise RuntimeError(f"Single sign-on is half configured: set {missing} too, or "
                           f"unset {', '.join(given)}.")
    if config["PASSWORD_LOGIN"] not in (EVERYONE, EXTERNAL_ONLY):
        raise RuntimeError(f"PASSWORD_LOGIN={config['PASSWORD_LOGIN']!r} is not one of "
                           f"{EVERYONE}, {EXTERNAL_ONLY}.")
    if config["PASSWORD_LOGIN"] == EXTERNAL_ONLY and not given:
        raise RuntimeError("PASSWORD_LOGIN=external-only needs single sign-on: set "
                           f"{', '.join(REQUIRED)}.")
    if "openid" not in config["OIDC_SCOPES"].split():
        raise RuntimeError("OIDC_SCOPES must include openid.")
    if (given and config["ENV_NAME"] == "production"
            and not config["OIDC_ISSUER"].startswith("https://")):
        raise RuntimeError("OIDC_ISSUER must be an https:// address in production.")


def init_app(app):
    check_settings(app.config)
    if not app.config["OIDC_ISSUER"]:
        return
    # An OAuth registry of this app's own: apps made with other settings (tests) do
    # not share a client.
    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth.register(
        "company",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer(app.config) + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"],
                       "code_challenge_method": "S256",
                       "default_timeout": app.config["OIDC_TIMEOUT"]},
    )


def issuer(config=None):
    return (config or current_app.config)["OIDC_ISSUER"].rstrip("/")


def enabled():
    return EXTENSION in current_app.extensions


def label():
    """The button's words: "Sign in with <label>" (None: single sign-on is off)."""
    if not enabled():
        return None
    return _("Sign in with %(provider)s",
             provider=current_app.config["OIDC_LABEL"] or _("your company account"))


def start(redirect_uri, next_url):
    """The redirect to the provider's sign-in; `next_url` is where the callback goes."""
    try:
        response = current_app.extensions[EXTENSION].authorize_redirect(redirect_uri)
    except (RequestException, ValueError, KeyError) as error:
        # Discovery failed: the provider is down, or its answer is not a discovery
        # document.
        raise SignInRefused("provider_error", error=type(error).__name__) from None
    session[NEXT_KEY] = next_url
    return response


def take_next():
    """The `next` address given at the start, once."""
    return session.pop(NEXT_KEY, None)


def finish():
    """(issuer, claims) of the ID token the callback brings, checked; SignInRefused
    otherwise."""
    client = current_app.extensions[EXTENSION]
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise SignInRefused("bad_state") from None
    except OAuthError as error:
        reason = "cancelled" if error.error == "access_denied" else "provider_error"
        raise SignInRefused(reason, error=str(error.error)[:64]) from None
    except JoseError as error:
        raise SignInRefused("bad_token", error=str(error.error)[:64]) from None
    except (RequestException, ValueError, KeyError) as error:
        raise SignInRefused("provider_error", error=type(error).__name__) from None
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused("bad_token", error="no_id_token")
    # Discovery gave the keys and the issuer the token was checked against; it must be
    # the provider configured here.
    if claims["iss"].rstrip("/") != issuer():
        raise SignInRefused("bad_token", error="wrong_issuer")
    return issuer(), {**_userinfo(client, token, claims), **claims}


def _userinfo(client, token, claims):
    """The userinfo endpoint's claims, when the ID token lacks the address (some
    providers, Okta's among them, keep the scopes' claims there when they also issue an
    access token). They must be about the ID token's subject."""
    if "email" in claims:
        return {}
    try:
        info = client.userinfo(token=token)
    except (OAuthError, RequestException, ValueError, KeyError) as error:
        raise SignInRefused("provider_error", error=type(error).__name__) from None
    if str(info.get("sub")) != str(claims["sub"]):
        raise SignInRefused("bad_token", error="userinfo_subject")
    return info
