"""The migration chain builds the same schema as the models, on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, text, update

from marketplace.accounts.models import User
from marketplace.accounts.services import hash_password
from marketplace.core import fulltext
from marketplace.extensions import compared, db
from marketplace.mentors.models import CODE_INDEXES, MentorProfile, ProfileRevision
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import CheckInDay, Mentorship, MentorshipRequest

from .factories import PASSWORD, make_area, make_mentorship, make_profile, make_user
from .helpers import count


@pytest.fixture
def empty_database_url(new_database):
    return new_database()


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
            MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": compared}), db.metadata)
    assert differences == []


def test_expression_indexes_exist(migrated_app):
    """Reflection skips expression indexes, so the comparison above cannot see them."""
    with migrated_app.app_context():
        names_sql = ("SELECT name FROM sqlite_master WHERE type = 'index'"
                     if db.engine.dialect.name == "sqlite"
                     else "SELECT indexname FROM pg_indexes")
        names = set(db.session.scalars(text(names_sql)))
        postgresql = db.engine.dialect.name == "postgresql"
    assert "ix_mentor_profiles_listed_availability" in names
    assert set(CODE_INDEXES) & names == (set(CODE_INDEXES) if postgresql else set())


def test_full_text_search_follows_the_data_on_a_migrated_database(migrated_app):
    def found(query):
        return db.session.scalars(select(MentorProfile.id).where(fulltext.matches(
            query, db.engine.dialect.name, MentorProfile.user_id,
            MentorProfile.published_revision_id))).all()

    with migrated_app.app_context():
        profile = make_profile(make_user(full_name="Zelda Quartz"),
                               content={"headline_en": "Quantum negotiation"})
        assert found("zeld quant") == found("NEGOT") == [profile.id]
        db.session.execute(update(User).where(User.id == profile.user_id)
                           .values(stored_name="Ada Byron"))
        db.session.execute(update(ProfileRevision)
                           .where(ProfileRevision.id == profile.published_revision_id)
                           .values(headline_en="Pricing"))
        db.session.commit()
        assert found("zelda") == found("quantum") == []
        assert found("byron pricing") == [profile.id]
        db.session.execute(delete(User).where(User.id == profile.user_id))  # cascades
        db.session.commit()
        assert found("pricing") == []
        if db.engine.dialect.name == "sqlite":  # the FTS5 tables agree with their tables
            for check in (
                    "INSERT INTO revision_fulltext (revision_fulltext) VALUES ('integrity-check')",
                    "INSERT INTO user_fulltext (user_fulltext) VALUES ('integrity-check')"):
                db.session.execute(text(check))


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


def test_upgrading_a_populated_database_keeps_every_row(make_app, empty_database_url):
    """People registered under the first schema are all there, unchanged and able to
    log in, after every later migration (some rebuild tables on SQLite)."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    password_hash = hash_with(app)
    with app.app_context():
        upgrade(revision="0001_accounts")
        rows = [{"id": number, "email": f"rep{number}@example.com",
                 "full_name": f"Rep Number {number}", "password_hash": password_hash,
                 "language": "it" if number % 2 else "en", "timezone": "Europe/Rome",
                 "affiliation": "internal", "manager_id": 1 if number > 1 else None,
                 "is_admin": number == 1, "active": True, "session_token": f"t{number}",
                 "verified": datetime(2026, 1, 1, tzinfo=UTC),
                 "created": datetime(2026, 1, 1, tzinfo=UTC)} for number in range(1, 201)]
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, full_name, password_hash, language, timezone,"
                " affiliation, manager_id, is_admin, active, email_verified_at,"
                " session_token, created_at) VALUES (:id, :email, :full_name,"
                " :password_hash, :language, :timezone, :affiliation, :manager_id,"
                " :is_admin, :active, :verified, :session_token, :created)"), rows)
        if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence on
            with db.engine.begin() as connection:
                connection.execute(text(
                    "SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        upgrade()
        users = db.session.scalars(select(User).order_by(User.id)).all()
        assert [(u.id, u.email, u.full_name, u.language, u.manager_id, u.is_admin)
                for u in users] == [
            (r["id"], r["email"], r["full_name"], r["language"], r["manager_id"],
             r["is_admin"]) for r in rows]
        assert all(u.email_requests and u.deleted_at is None for u in users)
        # Names written before full-text search existed are found by it.
        assert db.session.scalars(select(User.id).where(fulltext.matches(
            "rep number 123", db.engine.dialect.name, User.id, User.id))).all() == [123]
        make_user(email="new@example.com")  # and the table takes new rows
    client = app.test_client()
    response = client.submit("/auth/login", data={"email": "rep7@example.com",
                                                  "password": PASSWORD})
    assert response.status_code == 302


def hash_with(app):
    with app.app_context():
        return hash_password(PASSWORD)


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_requests_and_mentorships_made_before_0011_take_their_mentees_region(migrated_app):
    with migrated_app.app_context():
        area = make_area()
        mentor = make_profile(make_user(), areas=[area], capacity=5, monthly_hours=10)
        made = [make_mentorship(make_user(region=region), mentor, area)
                for region in ("it-north", "dach", None)]
        db.session.remove()
        downgrade(revision="0010_search_vectors")
        upgrade()
        for mentorship in made:
            region = db.session.get(User, mentorship.mentee_id).region
            assert db.session.get(Mentorship, mentorship.id).mentee_region == region
            assert db.session.get(MentorshipRequest,
                                  mentorship.request_id).mentee_region == region
        assert count(Mentorship) == count(MentorshipRequest) == 3


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_check_ins_made_before_0018_are_in_the_dashboards_tallies(migrated_app):
    with migrated_app.app_context():
        area = make_area()
        mentor = make_profile(make_user(), areas=[area], capacity=5, monthly_hours=10)
        made = [make_mentorship(make_user(region=region), mentor, area, started_days_ago=10)
                for region in ("it-north", None)]
        for number, (made_one, minutes) in enumerate(zip(made, (30, 45), strict=True)):
            mentorship = db.session.get(Mentorship, made_one.id)
            for days_after in (1, 8):
                mentoring.log_check_in(
                    mentorship, actor=mentorship.mentee, minutes=minutes,
                    held_on=mentorship.started_on + timedelta(days=days_after),
                    summary=f"Meeting {number}, day {days_after}.")
        db.session.commit()
        kept = tallies_now()
        assert [len(rows) for rows in kept] == [4, 2]
        db.session.remove()
        downgrade(revision="0017_listing_columns")
        upgrade()
        assert tallies_now() == kept


def tallies_now():
    return (db.session.execute(select(CheckInDay.held_on, CheckInDay.area_id, CheckInDay.region,
                                      CheckInDay.minutes).order_by(CheckInDay.region,
                                                                   CheckInDay.held_on)).all(),
            db.session.execute(select(Mentorship.id, Mentorship.last_check_in_on)
                               .order_by(Mentorship.id)).all())
