import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

from marketplace.extensions import compared

config = context.config

# Keep the app's own loggers working when migrations run inside it (tests, CLI).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db


def render_item(type_, obj, autogen_context):
    """Write the app's own column types as the plain SQLAlchemy type they wrap, so
    that migrations never import the application."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Write the migrations' SQL out (`flask db upgrade --sql`) instead of running it."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True,
        render_item=render_item,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the app's database."""

    # `flask db migrate` writes no revision when the schema has not changed.
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection, foreign_keys_off_on_sqlite(connection):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            render_item=render_item,
            include_object=compared,
            **conf_args
        )

        with context.begin_transaction():
            context.run_migrations()


@contextmanager
def foreign_keys_off_on_sqlite(connection):
    """SQLite alters a table by copying it, dropping the old one and renaming the copy.
    With foreign keys enforced, dropping the old table would act on the rows pointing
    at it (ON DELETE SET NULL / CASCADE) and lose data, so enforcement is off while
    migrating and the keys are checked at the end instead."""
    if connection.dialect.name != "sqlite":
        yield
        return
    sqlite = connection.connection.driver_connection  # outside any transaction
    sqlite.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = sqlite.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"Migrating broke foreign keys: {broken[:10]}")
    finally:
        sqlite.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
