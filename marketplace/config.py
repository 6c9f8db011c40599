"""Settings, read from the environment.

`MARKETPLACE_ENV` picks the profile: `production` (the default, so a forgotten
variable never weakens a live server), `development` (what `make run` uses) or
`testing`. Everything that differs between deployments is an environment variable;
see README.md.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url):
    """Let `postgres://` and `postgresql://` URLs use the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "production"

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    # SQLAlchemy compiles each shape of statement once per process and keeps it. The
    # mentor list's filters, sorts and searches combine into well over a thousand shapes:
    # with the default 500, 6,000 of the benchmark mix's requests compiled 1,647 statements
    # for their 1,267 shapes (each once with room for all).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "query_cache_size": 2500}
    # How long an SQLite writer waits for another one before giving up (seconds).
    SQLITE_BUSY_TIMEOUT = 5.0
    # What each process remembers of the mentor list until it changes (rankings, mentors,
    # cards, filter forms, mentor pages: a few kB each); 0: nothing.
    LISTING_CACHE_SIZE = int(os.environ.get("LISTING_CACHE_SIZE", "8192"))

    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Cookies and sessions.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    # The public host name (mentors.example.com): links in emails are built from it,
    # never from the Host header of whoever made the request.
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    # The company directory's CSV upload (its own limit on that page only): 20,000
    # people take about 2 MB.
    DIRECTORY_MAX_BYTES = 4 * 1024 * 1024

    WTF_CSRF_TIME_LIMIT = 3600 * 4

    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a password)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    EMAIL_VERIFY_MAX_AGE = timedelta(days=2)
    # The link the directory's welcome mail sends new people to choose a password.
    DIRECTORY_WELCOME_MAX_AGE = timedelta(days=7)
    INVITATION_MAX_AGE = timedelta(days=14)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keeps apart the counters of several deployments sharing one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "marketplace")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in this process's memory meanwhile (with a warning in the log,
    # and Redis tried again now and then), and never turn a limiter error into a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed logins (throttle, don't lock out): for one account from one address; for
    # one account from everywhere, a ceiling only a flood from many addresses reaches;
    # from one address, whatever accounts it names.
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS = "10 per 15 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "100 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    REGISTRATION_LIMIT_PER_ADDRESS = "20 per hour"
    # Invitations a user may send or resend, and sign-ups tried with invitation links.
    INVITATION_LIMIT_PER_USER = "10 per hour;30 per day"
    INVITATION_SIGNUP_LIMIT_PER_ADDRESS = "20 per hour"
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none).
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))

    # Mail: "log" prints messages to the application log, "smtp" sends them.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Mentor Marketplace <no-reply@localhost>"
    )
    MAIL_TIMEOUT = 10
    # Try each message right after its transaction commits, besides `send-emails`.
    MAIL_SEND_IMMEDIATELY = _env_bool("MAIL_SEND_IMMEDIATELY", False)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Single sign-on with the company's OpenID Connect provider: on when the issuer,
    # client id and secret are all set (see accounts/sso.py).
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    # The provider's name on the button ("Sign in with Acme"); empty: "your company
    # account".
    OIDC_LABEL = os.environ.get("OIDC_LABEL", "")
    # How long the app waits for the provider's discovery, keys and token answers.
    OIDC_TIMEOUT = 10
    # "everyone", or "external-only": people with a company address use single sign-on.
    PASSWORD_LOGIN = os.environ.get("PASSWORD_LOGIN", "everyone")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SEND_IMMEDIATELY = _env_bool("MAIL_SEND_IMMEDIATELY", True)
    SERVER_NAME = os.environ.get("SERVER_NAME") or "127.0.0.1:5000"


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-" + secrets.token_hex(16)
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    # Mail waits in the outbox; tests about sending turn this on (the outbox fixture).
    MAIL_SEND_IMMEDIATELY = False
    SERVER_NAME = "localhost"
    # Cheap hashing keeps the suite fast; production uses Werkzeug's scrypt defaults.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105


PROFILES = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}


def load_config():
    name = os.environ.get("MARKETPLACE_ENV", "production").strip().lower()
    try:
        return PROFILES[name]
    except KeyError:
        raise RuntimeError(
            f"MARKETPLACE_ENV={name!r} is not one of {', '.join(PROFILES)}."
        ) from None
