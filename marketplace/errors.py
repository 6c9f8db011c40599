"""Domain errors, and the plain error pages every failure ends on."""

import logging

from flask import current_app, render_template
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .core import audit
from .extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the product was broken; `message` is shown to the user as it is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def require_admin(actor, error=DomainError):
    """Refuse an actor who is not an admin, with `error` (the domain's DomainError)."""
    if not actor.is_admin:
        raise error(_("Only an admin can do this."))


# Titles and explanations, in the user's language, for the codes users can meet.
PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"),
          _l("There is nothing here. The link may be wrong or the page may have been removed.")),
    405: (_l("Not allowed"), _l("This page does not accept that kind of request.")),
    409: (_l("Changed in the meantime"),
          _l("Someone else changed the same thing at the same time. Nothing was saved; "
             "reload the page and try again.")),
    413: (_l("Too much data"), _l("What you sent is too large. Try a shorter text.")),
    429: (_l("Too many attempts"),
          _l("You have tried this too many times. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error happened on our side. Nothing was saved; please try again.")),
    503: (_l("Service unavailable"),
          _l("The service is busy or being maintained. Please try again in a moment.")),
}
CSRF_PAGE = (_l("Form expired"),
             _l("This form was open too long or was sent from another page. "
                "Go back, reload the page and try again."))


OTHER_PAGE = (_l("Something went wrong"), _l("The request could not be completed."))


def render_error(code, page=None):
    if request_ctx.url_adapter is None:
        # The request never reached routing (an untrusted Host header, say), so the
        # layout cannot build its links: answer with a bare page instead.
        return render_plain(code, page)
    title, message = page or PAGES.get(code, OTHER_PAGE)
    return render_template("errors/error.html", code=code, title=title, message=message), code


def render_plain(code, page=None):
    """The error page without the layout, for when the layout cannot be built."""
    title, message = page or PAGES.get(code, OTHER_PAGE)
    return PLAIN_PAGE.format(code=code, title=escape(title), message=escape(message),
                             lang=get_locale() or "en"), code


def record_access_denied(code):
    """Access denied to a logged-in user is a security event.

    A visitor's refusals are not recorded: anyone can make as many as they like, and
    no unauthenticated request may write a row (pages that need a login send visitors
    to log in before loading anything). Failing to record a refusal must not turn it
    into a 500."""
    try:
        if current_user.is_authenticated:
            audit.record_denied(current_user, code)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("Could not record a refused access")


PLAIN_PAGE = ('<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
              "<title>{title}</title></head>"
              "<body><h1>{code} – {title}</h1><p>{message}</p></body></html>")


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("CSRF check failed: %s", error.description)
        return render_error(400, CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 403 or (error.code == 404 and audit.access_was_denied()):
            record_access_denied(error.code)
        body, code = render_error(error.code or 500)
        # Keep the headers Werkzeug computed (Allow on a 405, Retry-After on a 429…).
        headers = {key: value for key, value in error.get_headers()
                   if key.lower() != "content-type"}
        return body, code, headers

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        """The database is locked (SQLite) or cannot be reached.

        The plain page, for everyone: the layout would need the user, whom the database
        cannot give. The request goes on as a visitor's, so that nothing after this
        (the language, the limiter's keys) tries to load the user again; the language
        then comes from the session or the browser."""
        db.session.rollback()
        current_app.login_manager._update_request_context_with_user()
        log.error("Database unavailable: %s", error.orig)
        return render_plain(503)

    @app.errorhandler(IntegrityError)
    def conflicting_change(error):
        # A constraint caught what a concurrent request did between our check and our
        # write; the services handle the cases they expect, this is the safety net.
        db.session.rollback()
        log.warning("Integrity error: %s", error.orig)
        return render_error(409)

    @app.errorhandler(DataError)
    def unstorable_data(error):
        db.session.rollback()
        log.warning("Data refused by the database: %s", error.orig)
        return render_error(400)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
