"""The migration chain builds the same schema as the models, on both databases."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from marketplace.accounts.models import User
from marketplace.extensions import db

from .factories import make_user


@pytest.fixture
def empty_database_url(postgres_url, tmp_path):
    if not postgres_url:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"marketplace_migrations_{uuid.uuid4().hex[:12]}"
    server = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def migrated_app(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
    return app


# Alembic cannot reflect expression indexes on SQLite; the next test checks that one.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning",
                            "ignore:Skipped unsupported reflection of expression-based index")
def test_models_and_migrations_do_not_drift(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert differences == []


def test_expression_index_for_free_places_exists(migrated_app):
    with migrated_app.app_context():
        names_sql = ("SELECT name FROM sqlite_master WHERE type = 'index'"
                     if db.engine.dialect.name == "sqlite"
                     else "SELECT indexname FROM pg_indexes")
        names = set(db.session.scalars(text(names_sql)))
    assert "ix_mentor_profiles_status_free_places" in names


def test_every_table_is_created(migrated_app):
    with migrated_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_down_and_up_again_keeps_working(migrated_app):
    with migrated_app.app_context():
        make_user(email="kept@example.com")
        db.session.remove()
        downgrade(revision="base")
        assert "users" not in inspect(db.engine).get_table_names()
        upgrade()
        make_user(email="again@example.com")
        assert db.session.scalar(select(User.email)) == "again@example.com"
