"""Response headers, safe redirects and the checks made before the app starts."""

from urllib.parse import urlsplit

from flask import request, session

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))


def safe_next(target):
    """`target` if it is a path on this site, else None.

    Only a single leading slash is accepted: `//evil.com`, `/\\evil.com` and
    `https:evil.com` are read by browsers as other sites, and a check of the parsed
    netloc alone lets some of them through.
    """
    if not target or not isinstance(target, str):
        return None
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if "_user_id" in session:
        # Pages of a logged-in user must not be kept by browsers or proxies. (The
        # session is read rather than the user, so no query runs for every response.)
        headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":
        # The language depends on the Accept-Language header, and the login on the cookie.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def check_production_settings(app):
    """Refuse to start a production server with settings that are unsafe."""
    if app.config["ENV_NAME"] != "production":
        return
    if len(app.config.get("SECRET_KEY") or "") < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in "
            "production, e.g. python -c 'import secrets; print(secrets.token_hex(32))'."
        )
    if app.config["MAIL_BACKEND"] != "smtp":
        raise RuntimeError("MAIL_BACKEND must be 'smtp' in production: other backends "
                           "write the links in emails to the log.")
    if not app.config.get("SERVER_NAME"):
        raise RuntimeError("SERVER_NAME must be set in production (mentors.example.com): "
                           "links in emails, also those sent by commands, are built from "
                           "it and never from a request's Host header.")
