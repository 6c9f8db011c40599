"""The account services, called directly."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from marketplace.accounts import services
from marketplace.accounts.models import AccountToken, User
from marketplace.accounts.services import AccountError
from marketplace.core.clock import utcnow
from marketplace.extensions import db

from .builders import audit_actions
from .factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"




def register(**fields):
    values = {"email": "Nina@Example.com", "full_name": " Nina New ", "password": NEW_PASSWORD,
              "language": "it"}
    return services.register_user(**{**values, **fields})


def link_token(message):
    """The token at the end of the one link in a text email."""
    url = next(line for line in message.text.splitlines() if "/auth/" in line)
    return url.rsplit("/", 1)[1]


class TestPasswordPolicy:
    @pytest.mark.parametrize("password", ["short", "x" * 11, "y" * 129])
    def test_length(self, request_ctx, password):
        assert services.password_problem(password)

    @pytest.mark.parametrize("password", ["password1234", "QWERTY123456", "aaaaaaaaaaaaaa",
                                          "abababababab12"])
    def test_common_and_repetitive_refused(self, request_ctx, password):
        assert "too easy" in services.password_problem(password)

    def test_email_in_password_refused(self, request_ctx):
        assert services.password_problem("x-rep@example.com-x", "Rep@Example.com")

    @pytest.mark.parametrize("password", ["correct horse battery", "z" * 3 + "vqwkjdlqoe",
                                          "ñandú ä 12 çà ü", "p" * 120 + "assword!"])
    def test_good_passwords(self, request_ctx, password):
        assert services.password_problem(password) is None

    def test_hash_is_scrypt_by_default(self, make_app):
        app = make_app(PASSWORD_HASH_METHOD="scrypt")
        with app.app_context():
            hashed = services.hash_password(NEW_PASSWORD)
        assert hashed.startswith("scrypt:32768:8:1$")
        assert NEW_PASSWORD not in hashed


class TestRegistration:
    def test_creates_unverified_user_and_sends_link(self, request_ctx, outbox):
        user = register()
        db.session.commit()
        assert user.email == "nina@example.com"
        assert user.full_name == "Nina New"
        assert user.timezone == "Europe/Rome"
        assert user.company is None and not user.is_external and not user.awaiting_approval
        assert not user.is_verified and not user.is_admin
        assert check_password_hash(user.password_hash, NEW_PASSWORD)
        [message] = outbox
        assert message.to == "nina@example.com"
        assert message.subject == "Conferma il tuo indirizzo email"
        assert audit_actions() == ["account.register"]

    def test_taken_email_creates_nothing_and_tells_the_owner(self, request_ctx, outbox):
        owner = make_user(email="nina@example.com", language="en")
        assert register(email=" NINA@example.com ") is None
        db.session.commit()
        assert db.session.scalar(select(func.count(User.id))) == 1
        [message] = outbox
        assert message.to == owner.email
        assert message.subject == "Someone tried to sign up with your email address"
        assert "/auth/forgot" in message.text

    def test_address_taken_between_check_and_insert(self, request_ctx, outbox, monkeypatch):
        """A concurrent registration wins the race: the same neutral answer, no 500."""
        owner = make_user(email="nina@example.com")
        real_find = services.find_user_by_email
        calls = []

        def find_missing_once(email):
            calls.append(email)
            return None if len(calls) == 1 else real_find(email)

        monkeypatch.setattr(services, "find_user_by_email", find_missing_once)
        assert register() is None
        db.session.commit()
        assert db.session.scalar(select(func.count(User.id))) == 1
        assert [message.to for message in outbox] == [owner.email]

    def test_nothing_is_sent_when_the_transaction_rolls_back(self, request_ctx, outbox):
        register()
        db.session.rollback()
        assert outbox == []

    def test_weak_password_refused(self, request_ctx):
        with pytest.raises(AccountError):
            register(password="password1234")

    def test_verify_email_is_single_use(self, request_ctx, outbox):
        user = register()
        db.session.commit()
        token = link_token(outbox[0])
        assert services.verify_email(token).id == user.id
        db.session.commit()
        assert db.session.get(User, user.id).is_verified
        assert services.verify_email(token) is None

    def test_expired_verification_link(self, request_ctx, outbox):
        register()
        db.session.commit()
        for token in db.session.scalars(select(AccountToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert services.verify_email(link_token(outbox[0])) is None


class TestAuthenticate:
    def test_success_records_login(self, request_ctx):
        user = make_user(email="rep@example.com")
        assert services.authenticate(" REP@example.com", PASSWORD).id == user.id
        assert db.session.get(User, user.id).last_login_at is not None
        assert audit_actions() == ["login.success"]

    def test_unknown_and_wrong_password_say_the_same(self, request_ctx):
        make_user(email="rep@example.com")
        with pytest.raises(AccountError) as unknown:
            services.authenticate("nobody@example.com", PASSWORD)
        with pytest.raises(AccountError) as wrong:
            services.authenticate("rep@example.com", "not the password at all")
        assert unknown.value.message == wrong.value.message == "Wrong email or password."
        assert audit_actions() == ["login.failed", "login.failed"]

    def test_deactivated_user_refused(self, request_ctx):
        make_user(email="rep@example.com", active=False)
        with pytest.raises(AccountError, match="deactivated"):
            services.authenticate("rep@example.com", PASSWORD)

    def test_unverified_user_gets_a_new_link(self, request_ctx, outbox):
        make_user(email="rep@example.com", verified=False)
        with pytest.raises(AccountError, match="Confirm your email"):
            services.authenticate("rep@example.com", PASSWORD)
        db.session.commit()
        assert len(outbox) == 1


class TestPasswords:
    def test_change_password_ends_other_sessions(self, request_ctx):
        user = db.session.merge(make_user())
        old_token = user.session_token
        services.change_password(actor=user, current_password=PASSWORD,
                                 new_password=NEW_PASSWORD)
        assert check_password_hash(user.password_hash, NEW_PASSWORD)
        assert user.session_token != old_token
        assert audit_actions() == ["account.password_changed"]

    def test_change_password_needs_current_one(self, request_ctx):
        user = db.session.merge(make_user())
        with pytest.raises(AccountError, match="current password"):
            services.change_password(actor=user, current_password="wrong wrong wrong",
                                     new_password=NEW_PASSWORD)

    def test_reset_flow_single_use(self, request_ctx, outbox):
        user = make_user(email="rep@example.com", verified=False)
        services.request_password_reset("Rep@Example.com")
        db.session.commit()
        [message] = outbox
        assert "60 minutes" in message.text
        token = link_token(message)
        assert services.reset_password(token, NEW_PASSWORD).id == user.id
        db.session.commit()
        saved = db.session.get(User, user.id)
        assert check_password_hash(saved.password_hash, NEW_PASSWORD)
        assert saved.is_verified  # the link proved the address works
        assert services.reset_password(token, "yet another passphrase") is None

    def test_using_one_reset_link_voids_the_others(self, request_ctx, outbox):
        make_user(email="rep@example.com")
        services.request_password_reset("rep@example.com")
        services.request_password_reset("rep@example.com")
        db.session.commit()
        first, second = (link_token(message) for message in outbox)
        assert services.reset_password(second, NEW_PASSWORD) is not None
        db.session.commit()
        assert services.token_user(first, services.RESET) is None

    def test_reset_link_expires(self, request_ctx, outbox):
        make_user(email="rep@example.com")
        services.request_password_reset("rep@example.com")
        db.session.commit()
        token = db.session.scalar(select(AccountToken))
        assert token.expires_at - token.created_at == current_app.config[
            "PASSWORD_RESET_MAX_AGE"]
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert services.reset_password(link_token(outbox[0]), NEW_PASSWORD) is None

    def test_reset_with_weak_password_keeps_the_link(self, request_ctx, outbox):
        make_user(email="rep@example.com")
        services.request_password_reset("rep@example.com")
        db.session.commit()
        token = link_token(outbox[0])
        with pytest.raises(AccountError):
            services.reset_password(token, "password1234")
        db.session.rollback()
        assert services.token_user(token, services.RESET) is not None

    def test_only_the_hash_of_a_token_is_stored(self, request_ctx, outbox):
        make_user(email="rep@example.com")
        services.request_password_reset("rep@example.com")
        db.session.commit()
        stored = db.session.scalar(select(AccountToken.token_hash))
        assert link_token(outbox[0]) not in stored and len(stored) == 64

    @pytest.mark.parametrize("email", ["nobody@example.com", "gone@example.com"])
    def test_reset_for_unknown_or_inactive_sends_nothing(self, request_ctx, outbox, email):
        make_user(email="gone@example.com", active=False)
        services.request_password_reset(email)
        db.session.commit()
        assert outbox == []
        assert db.session.scalar(select(func.count(AccountToken.id))) == 0


class TestAccount:
    def account_values(self, **changes):
        values = {"full_name": "Rita Rep", "language": "it", "timezone": "Europe/Rome",
                  "region": "it-north", "job_title": "Account executive",
                  "manager_email": ""}
        return {**values, **changes}

    def test_update_account(self, app_ctx):
        boss = make_user(email="boss@example.com")
        user = db.session.merge(make_user())
        services.update_account(actor=user,
                                **self.account_values(manager_email="BOSS@example.com "))
        db.session.commit()
        saved = db.session.get(User, user.id)
        assert (saved.language, saved.timezone, saved.region) == ("it", "Europe/Rome",
                                                                  "it-north")
        assert saved.manager_id == boss.id

    def test_empty_manager_clears_it(self, app_ctx):
        boss = make_user()
        user = db.session.merge(make_user(manager_id=boss.id))
        services.update_account(actor=user, **self.account_values())
        assert user.manager is None

    @pytest.mark.parametrize("email, message", [
        ("nobody@example.com", "no active colleague"),
        ("gone@example.com", "no active colleague"),
        ("outside@example.org", "no active colleague"),
        ("me@example.com", "your own manager"),
    ])
    def test_manager_must_be_an_active_colleague(self, app_ctx, email, message):
        make_user(email="gone@example.com", active=False)
        make_user(email="outside@example.org", affiliation="external", company="Elsewhere")
        user = db.session.merge(make_user(email="me@example.com"))
        with pytest.raises(AccountError, match=message) as error:
            services.update_account(actor=user, **self.account_values(manager_email=email))
        assert error.value.field == "manager_email"

    def test_no_loops_in_the_reporting_line(self, app_ctx):
        top = make_user(email="top@example.com")
        middle = make_user(email="middle@example.com", manager_id=top.id)
        make_user(email="bottom@example.com", manager_id=middle.id)
        top = db.session.get(User, top.id)
        with pytest.raises(AccountError, match="reports to you"):
            services.update_account(actor=top, **self.account_values(
                manager_email="bottom@example.com"))

    def test_reporting_line_nearest_first(self, app_ctx):
        top = make_user()
        middle = make_user(manager_id=top.id)
        bottom = db.session.get(User, make_user(manager_id=middle.id).id)
        assert [u.id for u in services.reporting_line(bottom)] == [middle.id, top.id]


class TestAdministration:
    def test_deactivate_and_reactivate(self, app_ctx):
        admin = db.session.merge(make_user(is_admin=True))
        user = db.session.merge(make_user())
        token = user.session_token
        services.deactivate_user(user, actor=admin)
        assert not user.active and user.session_token != token
        with pytest.raises(AccountError, match="already deactivated"):
            services.deactivate_user(user, actor=admin)
        services.reactivate_user(user, actor=admin)
        assert user.active
        with pytest.raises(AccountError, match="already active"):
            services.reactivate_user(user, actor=admin)
        assert audit_actions() == ["user.deactivated", "user.reactivated"]

    def test_admin_cannot_deactivate_themselves(self, app_ctx):
        admin = db.session.merge(make_user(is_admin=True))
        with pytest.raises(AccountError, match="your own account"):
            services.deactivate_user(admin, actor=admin)

    def test_create_admin_refuses_a_bad_address(self, app_ctx):
        with pytest.raises(AccountError):
            services.create_admin(email="not-an-email", full_name="X", password=NEW_PASSWORD)

    def test_promoting_an_unconfirmed_account_confirms_it(self, app_ctx):
        make_user(email="rep@example.com", verified=False)
        user, created = services.create_admin(email="rep@example.com", full_name="Rep",
                                              password=None)
        assert not created and user.is_admin and user.is_verified

    def test_create_admin_new_and_existing(self, app_ctx):
        user, created = services.create_admin(email="Boss@Example.com", full_name="Boss",
                                              password=NEW_PASSWORD)
        assert created and user.is_admin and user.is_verified
        make_user(email="rep@example.com")
        user, created = services.create_admin(email="rep@example.com", full_name="ignored",
                                              password=None)
        assert not created and user.is_admin and user.full_name != "ignored"


class TestSessionsAndLanguage:
    def test_logout_ends_every_session_and_is_audited(self, request_ctx):
        user = db.session.merge(make_user())
        token = user.session_token
        services.record_logout(actor=user)
        assert user.session_token != token
        assert audit_actions() == ["logout"]

    def test_set_language_saves_the_preference(self, app_ctx):
        user = db.session.merge(make_user(language="en"))
        services.set_language(actor=user, language="it")
        db.session.commit()
        assert db.session.get(User, user.id).language == "it"
