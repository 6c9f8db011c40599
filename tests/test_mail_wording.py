"""How every mail reads, in both languages: it greets the reader by first name ("Hello
Marco," / "Ciao Marco,", a plain "Hello," / "Ciao," without a name), signs off once in
each part as the mentoring program team, and has a short subject in the reader's
language without a final full stop. With single sign-on for the company's people
(PASSWORD_LOGIN=external-only), the directory's welcome points to the company-account
button instead of a password link."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale, lazy_gettext
from markupsafe import escape
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import AccountToken, User
from marketplace.core import mail
from marketplace.core.clock import utcnow
from marketplace.directory import services as directory
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.notifications import services as notifications
from marketplace.program.services import settings

from .builders import translate
from .factories import make_user
from .helpers import count

LANGUAGES = ("en", "it")
HELLO = "Hello %(name)s,"
HELLO_ALONE = "Hello,"
SIGN_OFF = ("Best wishes,", "The mentoring program team")
SUBJECT_MAX = 60
SSO = {"OIDC_ISSUER": "https://id.acme.test", "OIDC_CLIENT_ID": "mentor-marketplace",
       "OIDC_CLIENT_SECRET": "client-secret-for-tests", "OIDC_LABEL": "Acme",
       "PASSWORD_LOGIN": "external-only"}
CHART = """email,full_name,manager_email,region,job_title,language
marco@acme.com,Marco Rossi,,it-north,Sales director,it
anna@acme.com,Anna Maria Bianchi,marco@acme.com,it-north,Sales rep,en
"""
PASSWORD_WELCOME = ("Your company has added you to Mentor Marketplace, where sales people "
                    "find a mentor and mentor others. Your account is ready: choose a "
                    "password to log in.")
FIRST = {"marco@acme.com": ("Marco", "it"), "anna@acme.com": ("Anna", "en")}


def check_mail(app, message, language, first_name, subject, **subject_params):
    """The greeting by first name once at the top of both parts, the sign-off once in
    each, and the subject: the catalog's words for `subject` in `language`, short and
    without a final full stop."""
    hello = (translate(app, language, HELLO, name=first_name) if first_name
             else translate(app, language, HELLO_ALONE))
    other = "it" if language == "en" else "en"
    lines = message.text.splitlines()
    assert lines.count(hello) == 1, message.text
    assert translate(app, other, HELLO_ALONE) not in message.text.replace(hello, "")
    signoff = [translate(app, language, line) for line in SIGN_OFF]
    for line in signoff:
        assert lines.count(line) == 1 and message.text.count(line) == 1, message.text
    # The sign-off comes after the greeting and the body, its two lines together.
    start = lines.index(signoff[0])
    assert lines[start + 1] == signoff[1] and start > lines.index(hello) + 1
    html = message.html
    assert html.count(f"<p>{escape(hello)}</p>") == 1, html
    assert html.count(f"<p>{escape(signoff[0])}<br>{escape(signoff[1])}</p>") == 1, html
    assert all(html.count(str(escape(line))) == 1 for line in signoff), html
    assert html.index(str(escape(hello))) < html.index(str(escape(signoff[0])))
    assert f'<html lang="{language}">' in html
    assert message.subject == translate(app, language, subject, **subject_params)
    assert len(message.subject) <= SUBJECT_MAX, message.subject
    assert not message.subject.endswith((".", " ")), message.subject


# The first name ------------------------------------------------------------------------

@pytest.mark.parametrize("full_name, first", [
    ("Marco Rossi", "Marco"), ("  Anna  Maria Bianchi ", "Anna"), ("Rita", "Rita"),
    ("", ""), ("   ", ""),
])
def test_the_first_name_is_the_first_word_of_the_name(full_name, first):
    assert User(full_name=full_name).first_name == first


def test_a_deleted_account_has_no_first_name():
    assert User(full_name="Marco Rossi", deleted_at=utcnow()).first_name == ""


# Account mail --------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_verification_mail(app, request_ctx, outbox, language):
    accounts.register_user(email="marco@example.com", full_name=" Marco  Rossi ",
                           password="violet harbour lantern nine", language=language)
    db.session.commit()
    [message] = outbox
    check_mail(app, message, language, "Marco", "Confirm your email address")
    assert "Marco Rossi" not in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_password_reset_mail(app, request_ctx, outbox, language):
    make_user(email="marco@example.com", full_name="Marco Rossi", language=language)
    accounts.request_password_reset("marco@example.com")
    db.session.commit()
    [message] = outbox
    check_mail(app, message, language, "Marco", "Reset your password")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mail_to_the_owner_of_a_taken_address(app, request_ctx, outbox, language):
    make_user(email="marco@example.com", full_name="Marco Rossi", language=language)
    assert accounts.register_user(email="Marco@example.com", full_name="Someone Else",
                                  password="violet harbour lantern nine",
                                  language="en") is None
    db.session.commit()
    [message] = outbox
    check_mail(app, message, language, "Marco",
               "Someone tried to sign up with your email address")
    assert "Someone" not in message.text.splitlines()[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mail_to_someone_without_a_name_says_hello_alone(app, request_ctx, language):
    message = mail.render(User(email="who@example.com", full_name="", language=language),
                          "reset_password", lazy_gettext("Reset your password"), url="http://x/",
                          minutes=60)
    check_mail(app, message, language, "", "Reset your password")


# Invitation ----------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invitation_greets_the_invited_person_by_the_name_given(app, request_ctx,
                                                                    outbox, language):
    rep = make_user(email="rita@example.com", full_name="Rita Rossi", language="it")
    invitations.invite(actor=db.session.get(User, rep.id), name="Marco Bianchi",
                       email="marco@outside.example.com",
                       message="You taught me negotiation.", language=language)
    db.session.commit()
    [message] = outbox
    check_mail(app, message, language, "Marco", "%(name)s invites you to be their mentor",
               name="Rita Rossi")
    # The line in the other language comes first; the footer follows the sign-off.
    lines = message.text.splitlines()
    footer = translate(app, language, "You receive this email because %(name)s entered your "
                 "address to invite you.", name="Rita Rossi")
    assert lines.index(footer) > lines.index(translate(app, language, SIGN_OFF[1]))


# The directory's welcome ---------------------------------------------------------------

def apply_chart():
    db.session.add(User(email="admin@acme.com", full_name="Ada Admin", is_admin=True,
                        password_hash="!"))
    settings().internal_domains = "acme.com"
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    upload = directory.upload(CHART.encode(), actor=admin, filename="chart.csv")
    db.session.commit()
    plan = directory.preview(upload)
    directory.apply_import(upload, actor=admin, sha256=upload.sha256,
                           deactivate_missing=False, digest=plan.digest)
    db.session.commit()


def test_the_directory_welcome_offers_a_password_link(app, request_ctx, outbox):
    apply_chart()
    assert {message.to for message in outbox} == set(FIRST)
    for message in outbox:
        first, language = FIRST[message.to]
        check_mail(app, message, language, first,
                   "Your account on Mentor Marketplace: choose a password")
        assert "/auth/reset/" in message.text and "/auth/reset/" in message.html
        assert translate(app, language, PASSWORD_WELCOME) in message.text
        assert translate(app, language, "Later, “Forgot your password?” on the login page "
                   "sends you a new link.") in message.text
    assert count(AccountToken) == 2


@pytest.fixture
def sso_app(app, make_app):
    """The app with single sign-on for the company's addresses (same database)."""
    sso_app = make_app(**SSO)
    sso_app.config["MAIL_SEND_IMMEDIATELY"] = True
    return sso_app


def test_with_single_sign_on_the_directory_welcome_points_to_the_company_button(sso_app):
    with sso_app.test_request_context():
        apply_chart()
        outbox = sso_app.extensions["mail_outbox"]
        assert {message.to for message in outbox} == set(FIRST)
        for message in outbox:
            first, language = FIRST[message.to]
            check_mail(sso_app, message, language, first,
                       "Your account on Mentor Marketplace is ready")
            button = translate(sso_app, language, "Sign in with %(provider)s", provider="Acme")
            assert translate(sso_app, language, "On the login page, use the button "
                       "“%(button)s”:", button=button) in message.text.splitlines()
            assert str(escape(f"“{button}”")) in message.html
            assert "http://localhost/auth/login" in message.text.splitlines()
            assert 'href="http://localhost/auth/login"' in message.html
            for part in (message.text, message.html):
                assert "/auth/reset/" not in part
                assert translate(sso_app, language, "Choose your password") not in part
                assert translate(sso_app, language, PASSWORD_WELCOME) not in part
        # No password link is made: there is nothing such a link could do.
        assert count(AccountToken) == 0


# Notifications -------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_notification_mail(app, request_ctx, outbox, language):
    mentor = make_user(email="marco@example.com", full_name="Marco Rossi",
                       language=language)
    mentee = make_user(email="giulia@example.com", full_name="Giulia Greco")
    notifications.notify(db.session.get(User, mentor.id), "request_received", "/requests",
                         person=db.session.get(User, mentee.id))
    db.session.commit()
    [message] = outbox
    check_mail(app, message, language, "Marco", "New request for mentoring from %(name)s",
               name="Giulia Greco")
    # The body keeps the notification's full sentence.
    assert translate(app, language, notifications.KINDS["request_received"][0],
               name="Giulia Greco") in message.text.splitlines()


PARAMS = {"days": 7, "expiry_date": (date.today() + timedelta(days=20)).isoformat(),
          "due_date": (date.today() - timedelta(days=3)).isoformat()}


def test_every_notification_kind_has_a_subject():
    assert set(notifications.SUBJECTS) == set(notifications.KINDS)


@pytest.mark.parametrize("kind", sorted(notifications.KINDS))
def test_every_notification_subject_is_short_and_in_the_reader_s_language(app, request_ctx,
                                                                          kind):
    person = User(email="giulia@example.com", full_name="Giulia Greco")
    subjects = {}
    for language in LANGUAGES:
        with force_locale(language):
            subjects[language] = notifications.subject(kind, PARAMS, person)
    assert subjects["en"] == notifications.SUBJECTS[kind] % {"name": "Giulia Greco"}
    assert subjects["it"] == translate(app, "it", notifications.SUBJECTS[kind],
                                 name="Giulia Greco")
    for text in subjects.values():
        assert len(text) <= SUBJECT_MAX and not text.endswith(".") and "%(" not in text
        if "%(name)s" in notifications.SUBJECTS[kind]:
            assert "Giulia Greco" in text
