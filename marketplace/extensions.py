"""Flask extensions, created unbound and bound to an app in `create_app`."""

from functools import cached_property

import flask_babel
from flask_babel import get_locale
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .core.db import DATABASE_ONLY, Base

db = SQLAlchemy(model_class=Base)


def compared(obj, name, type_, reflected, compare_to):
    """Alembic's `include_object`: what comparing the models with a database looks at.
    What exists in one kind of database only (core.db.DATABASE_ONLY: the full-text
    indexes and tables, the listed profiles' code indexes) is not."""
    return not (reflected and compare_to is None
                and (name or "").startswith(tuple(DATABASE_ONLY)))


migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()


class Domain(flask_babel.Domain):
    """flask-babel's messages, each language's translations found once per locale
    rather than once per message: flask-babel names the locale (`str(locale)`) to look
    them up for every message, a third of what a message cost (a request says about
    130). They are kept in flask-babel's own cache, under the locale."""

    def get_translations(self):
        locale = get_locale()
        if locale is None:  # no request or app context
            return super().get_translations()
        found = self.cache.get(locale)
        if found is None:
            found = self.cache[locale] = super().get_translations()
        return found


class Babel(flask_babel.Babel):
    """flask-babel, with templates' messages taken from its one `Domain` directly (its
    own callables look the domain up for each message first)."""

    @cached_property
    def domain_instance(self):
        return Domain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: self.domain_instance.get_translations().ugettext(s),
            ngettext=lambda s, p, n: self.domain_instance.get_translations().ungettext(s, p, n),
            pgettext=lambda c, s: self.domain_instance.get_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: (
                self.domain_instance.get_translations().unpgettext(c, s, p, n)),
            newstyle=True)


babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
