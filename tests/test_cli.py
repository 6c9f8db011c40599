"""Commands: create-admin and seed-demo."""

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from marketplace.accounts.models import User
from marketplace.core.mail import OutboxMail
from marketplace.demo import seed as demo
from marketplace.extensions import db
from marketplace.invitations import queries as invitations
from marketplace.invitations.models import Invitation
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships.models import CheckIn, Feedback, Mentorship, MentorshipRequest
from marketplace.program.services import settings as program_settings
from marketplace.stories.models import SuccessStory

from .factories import make_user

PASSWORD = "a long admin passphrase"


def users(app):
    with app.app_context():
        return db.session.scalars(select(User).order_by(User.id)).all()


def test_create_admin_with_password(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.com",
                                 "--name", "Bea Boss", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com." in result.output
    [admin] = users(app)
    assert admin.is_admin and admin.is_verified and admin.full_name == "Bea Boss"
    assert check_password_hash(admin.password_hash, PASSWORD)


def test_create_admin_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.com",
                                 "--name", "Bea Boss"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert check_password_hash(users(app)[0].password_hash, PASSWORD)


def test_create_admin_refuses_a_weak_password(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.com",
                                 "--name", "Bea Boss", "--password", "password1234"])
    assert result.exit_code == 1
    assert "too easy to guess" in result.output
    assert users(app) == []


def test_create_admin_promotes_an_existing_account(app, runner):
    with app.app_context():
        make_user(email="rep@example.com")
    result = runner.invoke(args=["create-admin", "--email", "rep@example.com",
                                 "--name", "Whoever"])
    assert result.exit_code == 0, result.output
    assert "it is now an admin" in result.output
    assert users(app)[0].is_admin


def test_seed_demo_loads_once_and_prints_logins(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert demo.PASSWORD in result.output and demo.ADMIN_EMAIL in result.output
    loaded = users(app)
    assert 50 <= len(loaded) <= 70  # the named people and the pilot cohort
    assert {person[0] for person in demo.PEOPLE} <= {u.email for u in loaded}
    assert {u.language for u in loaded} == {"en", "it"}
    assert {u.affiliation for u in loaded} == {"internal", "external"}
    assert any(u.is_admin for u in loaded) and all(u.is_verified for u in loaded)
    marco = next(u for u in loaded if u.full_name == "Marco Bianchi")
    giulia = next(u for u in loaded if u.full_name == "Giulia Romano")
    assert marco.manager_id == giulia.id

    again = runner.invoke(args=["seed-demo"])
    assert "already has data" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == len(loaded)


def test_demo_has_mentors_in_every_state(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        profiles = db.session.scalars(select(MentorProfile)).all()
        states = {profile.status for profile in profiles}
        listed = [profile for profile in profiles if profile.is_listed]
        assert {"approved", "pending", "changes_requested", "rejected"} <= states
        assert {profile.published.affiliation for profile in listed} == {"internal", "external"}
        assert {profile.user.language for profile in listed} == {"en", "it"}
        assert all(profile.published.headline_en or profile.published.headline_it
                   for profile in listed)
        assert any(profile.published.headline_en and profile.published.headline_it
                   for profile in listed)


def test_demo_tells_the_whole_story(app, runner):
    """Every screen has content: requests in every state, mentorships running and
    finished with check-ins and feedback, a published story, a timeline."""
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        request_states = set(db.session.scalars(select(MentorshipRequest.status)))
        assert request_states == {"open", "accepted", "declined", "withdrawn", "expired"}
        assert set(db.session.scalars(select(Mentorship.status))) == {"active", "completed"}
        assert db.session.scalar(select(func.count(CheckIn.id))) > 20
        assert db.session.scalar(select(func.count(Feedback.id))) > 5
        assert db.session.scalar(select(func.count(SuccessStory.id))
                                 .where(SuccessStory.status == "published")) == 1
        assert program_settings().pilot_starts_on is not None
        assert {row.state for row in invitations.with_states(
            db.session.scalars(select(Invitation)).all())} == {"approved", "sent", "expired"}
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 0  # emails nobody


def test_demo_logins_work(app, runner, auth, client):
    runner.invoke(args=["seed-demo"])
    response = auth.login(demo.ADMIN_EMAIL, demo.PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_seed_demo_refuses_production(make_app, database_url):
    app = make_app(ENV_NAME="production", MAIL_BACKEND="smtp", SECRET_KEY="k" * 64,
                   SERVER_NAME="mentors.example.com")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "does not run in production" in result.output
