"""Mentor Marketplace: the application factory."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_babel import format_decimal, format_percent, get_locale, gettext
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .accounts import sso
from .accounts.models import AnonymousUser
from .config import PROJECT_ROOT, load_config
from .core import ops, security
from .errors import register_error_handlers
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import LANGUAGES, N_, select_locale, select_timezone
from .mentors import listing
from .web import labels, layout
from .web.session import hold_until_approved, load_user


def create_app(config=None):
    """Build the app. `config` is a settings class, or a mapping of overrides applied
    on top of the profile chosen by `MARKETPLACE_ENV`."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                instance_relative_config=True)
    app.request_class = ops.BoundedRequest
    app.url_map.converters["int"] = DatabaseId  # before any route is added
    configure(app, config)
    ops.configure_logging(app)
    security.check_production_settings(app)
    if app.config["PROXY_FIX_HOPS"]:
        # The client's address and https as the proxy saw them: for rate limits, the
        # audit log, secure links and HSTS. The Host header is never taken from it.
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    register_request_hooks(app)  # first, so that every log line has the request id
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    from .cli import register_commands  # see register_blueprints
    register_commands(app)
    return app


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: ASCII digits only, and no more than the database's
    INTEGER holds.

    Werkzeug's own takes any Unicode digit ("/mentorships/１" was mentorship 1) and any
    size (a 20-digit id failed in the database: a 400 on PostgreSQL); both are now
    addresses that do not exist, a 404. The pattern caps the length too: Werkzeug
    applies `max` only after matching the method, so a POST to an address that also has
    a GET route answers 405 rather than 404 when `max` alone refuses the id; that is
    left to 10-digit ids above the maximum."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def configure(app, config):
    if config is None or isinstance(config, Mapping):
        app.config.from_object(load_config())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "marketplace.db"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT"]},
        }
    if not app.config.get("SECRET_KEY") and app.config["ENV_NAME"] == "development":
        app.config["SECRET_KEY"] = _development_secret(app)


def _development_secret(app):
    """A random key kept in instance/, so development logins survive a restart."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    listing.init_app(app)
    sso.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = AnonymousUser


def register_blueprints(app):
    # Imported here, not at the top: the views (and the commands below) load every
    # package, and importing marketplace for a model or a service must not.
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .directory.views import bp as directory_bp
    from .home.views import bp as home_bp
    from .invitations.views import bp as invitations_bp
    from .mentors.views import bp as mentors_bp
    from .mentorships.views import bp as mentorships_bp
    from .notifications.views import bp as notifications_bp
    from .privacy.views import bp as privacy_bp
    from .program.views import bp as program_bp
    from .stories.views import bp as stories_bp
    from .vetting.views import bp as vetting_bp
    app.register_blueprint(ops.bp)
    app.register_blueprint(program_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(mentors_bp)
    app.register_blueprint(mentorships_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(stories_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(vetting_bp)
    app.register_blueprint(directory_bp)
    app.before_request(hold_until_approved)  # after CSRFProtect's check


def register_request_hooks(app):
    app.before_request(ops.assign_request_id)
    app.after_request(security.set_security_headers)
    app.after_request(ops.log_request)


def register_template_helpers(app):
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    labels.init_app(app)
    layout.init_app(app)

    @app.context_processor
    def locale_context():
        return {"current_locale": str(get_locale() or "en")}
