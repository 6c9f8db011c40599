"""Who is logged in, and the limits keyed on them: the session a login starts, the
user loader, pages whose address holds a secret, and the rate limiter's keys."""

import hmac
import secrets
from functools import cache

from flask import abort, current_app, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, with_expression

from ..accounts import services
from ..accounts.models import EMAIL_MAX, User
from ..extensions import db
from ..mentors import listing
from ..notifications.queries import unread_count_of


def load_user(user_id):
    """Flask-Login's loader: the id carries the user's session token, so replacing
    the token (log out, password change, deactivation) ends old sessions.

    What most pages need besides the user comes in the same query: their interests, the
    count of their unread notifications, and the mentor listing's version."""
    raw_id, _sep, token = (user_id or "").partition(":")
    if not raw_id.isdigit() or not token:
        return None
    row = db.session.execute(_user_statement(), {"id": int(raw_id)}).unique().one_or_none()
    if row is None:
        return None
    user, version = row
    listing.note_version(version)
    if not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


@cache
def _user_statement():
    """Built once: it runs on every request of a logged-in user."""
    return listing.with_version(
        select(User).where(User.id == bindparam("id"))
        .options(joinedload(User.interests),
                 with_expression(User.unread_notifications, unread_count_of(User.id))))


def start_session(user, remember=False):
    """Log in with a brand-new session, so nothing set before the login survives."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


def _input_key(kind, *parts):
    """A limiter key made from what a client sent: the submitted address normalised
    (case and spaces give no fresh counter) and capped, then hashed, so that any value
    makes a short key. Keyed with the secret key, so the store holds nothing that a
    guessed address could be checked against."""
    email = services.normalise_email(request.form.get("email"))[:EMAIL_MAX]
    message = "\n".join((email, *parts)).encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return f"{kind}:{hmac.new(secret, message, 'sha256').hexdigest()}"


def account_key():
    """The account a form names, whether or not it exists."""
    return _input_key("account")


def account_address_key():
    """The account a form names, tried from this client's address."""
    return _input_key("account-address", get_remote_address())


def failed(response):
    """Only attempts that checked a password and failed count towards the limits: a
    refused one (429) checked nothing."""
    return response.status_code not in (302, 429)


def login_limit():
    """Failed password checks for one account from one address; the password checks of
    a logged-in user (change password, delete account) share it."""
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"]


def account_ceiling():
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def address_limit():
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def registration_limit():
    return current_app.config["REGISTRATION_LIMIT_PER_ADDRESS"]


def succeeded(response):
    return response.status_code == 302


def secret_page(response):
    """A page whose address holds a secret: it must not pass the address on in the
    Referer header, nor be kept by browsers or proxies."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def current_user_key():
    return f"user:{current_user.id}"


@login_required
def require_admin():
    """Deny by default: every blueprint under /admin runs this before its views."""
    if not current_user.is_admin:
        abort(403)


# What an account waiting for an admin's approval may use meanwhile: its own account
# and data, its notifications, signing in and out, and the language switcher.
OPEN_WHILE_WAITING = frozenset({"accounts", "notifications", "privacy", "ops"})
CLOSED_WHILE_WAITING = frozenset({"accounts.looking_for"})


def hold_until_approved():
    """Send an account that waits for approval to its account page, which says so,
    from every other page (the check runs before any view)."""
    if (request.endpoint is None or request.endpoint == "static"
            or (request.blueprint in OPEN_WHILE_WAITING
                and request.endpoint not in CLOSED_WHILE_WAITING)):
        return None
    if current_user.is_authenticated and current_user.awaiting_approval:
        return redirect(url_for("accounts.account"))
    return None
