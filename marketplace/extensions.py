"""Flask extensions, created unbound and bound to an app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .core.db import Base
from .core.fulltext import DATABASE_ONLY

db = SQLAlchemy(model_class=Base)


def compared(obj, name, type_, reflected, compare_to):
    """Alembic's `include_object`: what comparing the models with a database looks at.
    The full-text indexes and tables (see fulltext) exist only in the database."""
    return not (reflected and compare_to is None and (name or "").startswith(DATABASE_ONLY))


migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
