"""Flask extensions, created unbound and bound to an app in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DDL, Index, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints make Alembic migrations deterministic on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# Trigram indexes answer substring searches (ILIKE '%text%') on PostgreSQL.
event.listen(Base.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


def trigram_index(name, column):
    """An index for `column ILIKE '%text%'`: PostgreSQL only (elsewhere the search
    reads the table, and a plain index would not help)."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
                 info={"dialect": "postgresql"}).ddl_if(dialect="postgresql")


def schema_of(dialect_name):
    """An Alembic `include_object` hook that leaves out what only another database
    has (see `trigram_index`), so comparing models with a database finds no drift."""
    def include(obj, _name, _type, _reflected, _compare_to):
        only = getattr(obj, "info", {}).get("dialect")
        return only is None or only == dialect_name
    return include
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
