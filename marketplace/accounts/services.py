"""Every change to an account, and the rules around passwords and sign-in.

Services take model objects and an explicit actor, flush but never commit, and raise
`AccountError` with a message meant for the user.
"""

import hashlib
import secrets
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import audit, mail
from ..core.clock import utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..geography import default_timezone
from ..i18n import LANGUAGES
from ..notifications.services import notify
from ..program import services as program
from .models import (
    AFFILIATIONS,
    EMAIL_MAX,
    EXTERNAL,
    INTERNAL,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    AccountToken,
    SsoIdentity,
    User,
    new_session_token,
    no_password,
)

VERIFY = "verify"
RESET = "reset"
# The longest reporting line we follow; deeper ones are treated as a loop.
MAX_REPORTING_DEPTH = 50


class AccountError(DomainError):
    """`field` names the form field the message belongs next to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# The same words whether the email is unknown or the password wrong (no enumeration).
LOGIN_FAILED = _l("Wrong email or password.")
DEACTIVATED = _l("This account has been deactivated. "
                 "Ask your program admin if you think this is a mistake.")
USE_SINGLE_SIGN_ON = _l("Company email addresses sign in with single sign-on, without a "
                        "password: use the button for your company account.")


# PASSWORD_LOGIN: who may sign in with a password.
EVERYONE, EXTERNAL_ONLY = "everyone", "external-only"
NO_PASSWORD_HERE = _l("Your account has no password here: you sign in with single sign-on.")


def normalise_email(email):
    return (email or "").strip().lower()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# Passwords -------------------------------------------------------------------------

def must_use_single_sign_on(email, domains=None):
    """Whether `email` may not sign in with a password: with PASSWORD_LOGIN set to
    external-only, the company's own addresses (`domains`, or the program's) use
    single sign-on."""
    return (current_app.config["PASSWORD_LOGIN"] == EXTERNAL_ONLY
            and program.is_internal_address(normalise_email(email), domains))


def may_use_password(user):
    """Whether `user` has a password here, and may use it."""
    return user.has_password and not must_use_single_sign_on(user.email)


@cache
def common_passwords():
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password, email=None):
    """Why a password is refused, or None. Length and a blocklist; no composition rules."""
    if len(password) < PASSWORD_MIN:
        return _("Use at least %(min)d characters.", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Use at most %(max)d characters.", max=PASSWORD_MAX)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 5:
        return _("This password is too easy to guess. Try a few unrelated words.")
    if email and normalise_email(email) in lowered:
        return _("Your password must not contain your email address.")
    return None


def hash_password(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _set_password(user, password):
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    end_sessions(user)
    # A reset link asked for before the change must not undo it.
    _void_links(user.id, RESET)


def end_sessions(user):
    """Log the user out everywhere: every cookie made before now stops working."""
    user.session_token = new_session_token()


# One-time links ---------------------------------------------------------------------

def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(user, purpose):
    max_age = current_app.config[
        "EMAIL_VERIFY_MAX_AGE" if purpose == VERIFY else "PASSWORD_RESET_MAX_AGE"
    ]
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(AccountToken(user=user, purpose=purpose, token_hash=hash_token(token),
                                created_at=now, expires_at=now + max_age))
    return token  # written with the mail that carries it, in the same flush


def _valid_token_clause(token, purpose):
    return (
        AccountToken.token_hash == hash_token(token or ""),
        AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None),
        AccountToken.expires_at > utcnow(),
    )


def token_user(token, purpose):
    """The user a still-valid link belongs to, without using the link up."""
    return db.session.scalar(
        select(User).join(AccountToken, AccountToken.user_id == User.id)
        .where(*_valid_token_clause(token, purpose), User.active.is_(True))
    )


def _consume_token(token, purpose):
    """Use a link once: a conditional update, so of two clicks at the same time only
    one wins. Every other link of the same kind sent to the user is void too."""
    user_id = db.session.execute(
        update(AccountToken).where(*_valid_token_clause(token, purpose))
        .values(used_at=utcnow())
        .returning(AccountToken.user_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if user_id is None:
        return None
    _void_links(user_id, purpose)
    user = db.session.get(User, user_id)
    return user if user.active else None


def _void_links(user_id, purpose):
    """Use up every link of this kind the user still has open."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# Registration and sign-in -------------------------------------------------------------

class OutsideAddress(AccountError):
    """The address is outside the organisation's email domains, and the program takes
    outside people only through an invitation."""


OUTSIDE_ADDRESS = _l("Only the company's own email addresses can sign up here. Mentors "
                     "from outside the company join through an invitation from a colleague.")


def affiliation_of(email):
    """(affiliation, awaiting approval) of a new account for `email`, as the
    organisation's email domains say; OutsideAddress when the address may not sign up.

    Without any domain set (a new installation) everyone signs up as internal, as the
    first admin is told until they set one."""
    domains = program.internal_domains()
    if not domains or program.is_internal_address(email, domains):
        return INTERNAL, False
    if program.settings().outside_signups:
        return EXTERNAL, True
    raise OutsideAddress(str(OUTSIDE_ADDRESS), field="email")


def register_user(*, email, full_name, password, language):
    """Create an account that becomes usable once its email address is confirmed.

    The affiliation is the organisation's to say, not the person's: an address in one of
    the internal domains makes an internal account; any other is refused
    (OutsideAddress), or, when the program takes outside sign-ups, makes an external
    account that waits for an admin's approval.

    The answer to the person registering is the same whether or not the address is
    already taken (the domain is checked first, so a refusal tells nothing either); the
    owner of a taken address gets an email saying so instead.
    Returns the new user, or None when the address was taken.
    """
    email = normalise_email(email)
    if must_use_single_sign_on(email):
        raise AccountError(str(USE_SINGLE_SIGN_ON), field="email")
    affiliation, awaiting = affiliation_of(email)
    existing = find_user_by_email(email)
    if existing is not None:
        hash_password(password)  # the same work as a new account, so timing tells nothing
        _tell_owner_of_taken_address(existing)
        return None
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    user = new_user(email=email, full_name=full_name, password=password, language=language,
                    affiliation=affiliation)
    user.awaiting_approval = awaiting
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # Someone registered the same address a moment ago: the same answer as above.
        _tell_owner_of_taken_address(find_user_by_email(email))
        return None
    send_verification(user)
    audit.record("account.register", actor=user, subject=user, affiliation=affiliation,
                 awaiting_approval=awaiting)
    return user


def new_user(*, email, full_name, password, language, affiliation, company=None,
             verified_at=None):
    """An account, not yet added to the session: its time zone follows its language,
    and only external people name a company. With no password, none opens it."""
    company = (company or "").strip() if affiliation == EXTERNAL else ""
    return User(email=email, full_name=full_name.strip(),
                password_hash=no_password() if password is None else hash_password(password),
                language=language, timezone=default_timezone(language),
                affiliation=affiliation, company=company or None,
                email_verified_at=verified_at)


def _tell_owner_of_taken_address(owner):
    mail.queue(mail.render(
        owner, "already_registered",
        _l("Someone tried to sign up with your email address"),
        login_url=url_for("accounts.login", _external=True),
        reset_url=url_for("accounts.forgot_password", _external=True),
    ), user=owner)
    audit.record("account.register_taken", subject=owner)


def send_verification(user):
    token = _issue_token(user, VERIFY)
    mail.queue(mail.render(
        user, "verify_email", _l("Confirm your email address"),
        url=url_for("accounts.verify_email", token=token, _external=True),
    ), user=user, expires_at=utcnow() + current_app.config["EMAIL_VERIFY_MAX_AGE"])


def verify_email(token):
    """Confirm the address with a link from `send_verification`. None if the link is bad."""
    user = _consume_token(token, VERIFY)
    if user is None:
        return None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("account.verify_email", actor=user, subject=user)
    return user


def authenticate(email, password):
    """The user with these credentials, or AccountError with a message that tells
    an outsider nothing about which accounts exist."""
    if must_use_single_sign_on(email):
        audit.record("login.failed", reason="single_sign_on_only")
        raise AccountError(str(USE_SINGLE_SIGN_ON))
    user = find_user_by_email(email)
    if user is None:
        # Spend the same time as a real check so timing does not tell either.
        check_password_hash(_dummy_hash(), password)
        audit.record("login.failed", reason="unknown")
        raise AccountError(str(LOGIN_FAILED))
    if not check_password_hash(user.password_hash, password):
        audit.record("login.failed", subject=user, reason="password")
        raise AccountError(str(LOGIN_FAILED))
    if not user.active:
        audit.record("login.failed", subject=user, reason="inactive")
        raise AccountError(str(DEACTIVATED))
    if not user.is_verified:
        send_verification(user)
        audit.record("login.failed", subject=user, reason="unverified")
        raise AccountError(_("Confirm your email address first: "
                             "we have sent you a new link."))
    user.last_login_at = utcnow()
    audit.record("login.success", actor=user, subject=user)
    return user


@cache
def _dummy_hash_for(method):
    return generate_password_hash(secrets.token_hex(16), method=method)


def _dummy_hash():
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


def record_logout(*, actor):
    """Log `actor` out of their own account, everywhere."""
    end_sessions(actor)
    audit.record("logout", actor=actor, subject=actor)


def change_password(*, actor, current_password, new_password):
    """Change `actor`'s own password: knowing the current one is what lets them."""
    if not may_use_password(actor):
        raise AccountError(str(NO_PASSWORD_HERE))
    if not check_password_hash(actor.password_hash, current_password):
        raise AccountError(_("Your current password is incorrect."), field="current_password")
    _set_password(actor, new_password)
    audit.record("account.password_changed", actor=actor, subject=actor)


def request_password_reset(email):
    """Email a reset link if the address belongs to an active account.

    Any other address gets a rehearsal of the same work (a link made, the mail rendered
    and queued) in a savepoint rolled back at once, and the request is recorded either
    way: nothing is sent or kept for it but the audit event, and the answer takes as
    long as for an account (the same writes reach the database), so neither its words
    nor its timing tell who has one. That holds with production settings, where mail
    leaves with `send-emails`; with MAIL_SEND_IMMEDIATELY a real mail is also sent
    before the answer.

    Addresses that sign in with single sign-on only are refused, whoever has them.
    """
    if must_use_single_sign_on(email):
        raise AccountError(str(USE_SINGLE_SIGN_ON), field="email")
    user = find_user_by_email(email)
    if user is not None and user.active:
        _email_reset_link(user, _issue_token(user, RESET))
        audit.record("account.password_reset_requested", subject=user)
        return
    rehearsal = db.session.begin_nested()
    try:
        stand_in = User(email=normalise_email(email)[:EMAIL_MAX], full_name="", language="en")
        _email_reset_link(stand_in, secrets.token_urlsafe(32))
    finally:
        rehearsal.rollback()
    audit.record("account.password_reset_requested", subject=user,
                 reason="unknown" if user is None else "inactive")


def _email_reset_link(user, token):
    mail.queue(mail.render(
        user, "reset_password", _l("Reset your password"),
        url=url_for("accounts.reset_password", token=token, _external=True),
        minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60),
    ), user=user, expires_at=utcnow() + current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(token, new_password):
    """Set a new password with a reset link; None if the link is no longer valid."""
    user = token_user(token, RESET)
    if user is None:
        return None
    if must_use_single_sign_on(user.email):
        raise AccountError(str(USE_SINGLE_SIGN_ON))
    if _consume_token(token, RESET) is None:
        raise AccountError(_("This link has already been used."))
    # Voids the other reset links too; a refused password raises, and the view's
    # rollback gives the link back.
    _set_password(user, new_password)
    # Following the link proved the address works.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("account.password_reset", actor=user, subject=user)
    return user


# The account itself ---------------------------------------------------------------------

def reporting_line(user):
    """The user's manager, their manager's manager and so on, nearest first."""
    line = []
    seen = {user.id}
    manager = user.manager
    while manager is not None and manager.id not in seen and len(line) < MAX_REPORTING_DEPTH:
        line.append(manager)
        seen.add(manager.id)
        manager = manager.manager
    return line


def reporting_line_ids(user):
    """The ids of the user's manager, their manager and so on, in one query."""
    return frozenset(db.session.scalars(above_statement(user.id)).all()) - {user.id}


def above_statement(user_id):
    """The query of `reporting_line_ids` (which may name the user, in a loop of
    managers), to run alone or as part of another; `user_id` may be a bound parameter."""
    line = (select(User.manager_id.label("id"), literal(1).label("depth"))
            .where(User.id == user_id, User.manager_id.is_not(None))
            .cte("line", recursive=True))
    above = line.alias("above")
    line = line.union(select(User.manager_id, above.c.depth + 1)
                      .join(above, User.id == above.c.id)
                      .where(User.manager_id.is_not(None),
                             above.c.depth < MAX_REPORTING_DEPTH))
    return select(line.c.id)


def resolve_manager(user, manager_email):
    """The user named as manager, after checking the choice makes sense."""
    if not (manager_email or "").strip():
        return None
    manager = find_user_by_email(manager_email)
    if manager is None or not manager.active or manager.is_external:
        raise AccountError(_("There is no active colleague with this email address."),
                           field="manager_email")
    if manager.id == user.id:
        raise AccountError(_("You cannot be your own manager."), field="manager_email")
    if any(above.id == user.id for above in reporting_line(manager)):
        raise AccountError(_("%(name)s reports to you, so they cannot be your manager.",
                             name=manager.full_name), field="manager_email")
    return manager


def update_account(*, actor, full_name, language, timezone, region, job_title,
                   manager_email):
    """Change `actor`'s own account details: there is no one else's to change. For
    people in the company directory, the directory owns the name, manager, region and
    job title: they may change only their language and time zone."""
    if actor.in_directory:
        _refuse_directory_changes(actor, full_name, region, job_title, manager_email)
        actor.language = language
        actor.timezone = timezone
        db.session.flush()
        audit.record("account.updated", actor=actor, subject=actor)
        return
    actor.manager = resolve_manager(actor, manager_email)
    actor.full_name = full_name.strip()
    actor.language = language
    actor.timezone = timezone
    actor.region = region or None
    actor.job_title = (job_title or "").strip() or None
    db.session.flush()
    audit.record("account.updated", actor=actor, subject=actor)


def _refuse_directory_changes(actor, full_name, region, job_title, manager_email):
    current_manager = actor.manager.email if actor.manager else ""
    if ((full_name or "").strip() != actor.full_name
            or (region or None) != actor.region
            or ((job_title or "").strip() or None) != actor.job_title
            or normalise_email(manager_email) != current_manager):
        raise AccountError(_("Your name, manager, region and job title come from the company "
                             "directory. Ask your HR team to change them there."))


def set_looking_for(*, actor, areas, hours):
    """What `actor` wants to work on, and the hours a month they can give to it."""
    actor.interests = list(areas)
    actor.desired_hours = hours
    db.session.flush()


def set_language(*, actor, language):
    """Remember the language `actor` chose for their own account."""
    actor.language = language
    db.session.flush()


# Administration -------------------------------------------------------------------------

def deactivate_user(user, *, actor):
    require_admin(actor, AccountError)
    if user.id == actor.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if not user.active:
        raise AccountError(_("%(name)s is already deactivated.", name=user.full_name))
    user.active = False
    end_sessions(user)
    audit.record("user.deactivated", actor=actor, subject=user)


def reactivate_user(user, *, actor):
    require_admin(actor, AccountError)
    if user.is_deleted:
        raise AccountError(_("This account was deleted by its owner and cannot come back."))
    if user.active:
        raise AccountError(_("%(name)s is already active.", name=user.full_name))
    user.active = True
    audit.record("user.reactivated", actor=actor, subject=user)


def approve_user(user, *, actor):
    """Let in an outside person who signed up on their own (the program allows it):
    from now on they use the product as any external account does."""
    require_admin(actor, AccountError)
    if not user.awaiting_approval:
        raise AccountError(_("%(name)s is not waiting for approval.", name=user.full_name))
    if not user.active:
        raise AccountError(_("Reactivate %(name)s first.", name=user.full_name))
    user.awaiting_approval = False
    audit.record("user.approved", actor=actor, subject=user)
    notify(user, "account_approved", url_for("program.index"))


def set_affiliation(user, *, actor, affiliation):
    """Say whether `user` is one of the company's own people. Only an admin may: the
    organisation, not the person, decides who is inside."""
    require_admin(actor, AccountError)
    if affiliation not in AFFILIATIONS:
        raise AccountError(_("Choose internal or external."))
    if user.is_deleted:
        raise AccountError(_("This account was deleted by its owner and cannot come back."))
    if user.affiliation == affiliation:
        raise AccountError(_("%(name)s is already internal.", name=user.full_name)
                           if affiliation == INTERNAL else
                           _("%(name)s is already external.", name=user.full_name))
    if affiliation == EXTERNAL and user.is_admin:
        raise AccountError(_("%(name)s is an admin: remove their admin rights first, as "
                             "only people inside the company can be admins.",
                             name=user.full_name))
    audit.record("user.affiliation_changed", actor=actor, subject=user,
                 old=user.affiliation, new=affiliation)
    user.affiliation = affiliation
    if affiliation == INTERNAL:
        user.company = None
    db.session.flush()


def create_admin(*, email, full_name, password):
    """Create an admin, or make an existing account admin. Returns (user, created)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise AccountError(str(error)) from None
    user = find_user_by_email(email)
    if user is not None:
        user.is_admin = True
        user.active = True
        if user.email_verified_at is None:  # the operator vouches for the address
            user.email_verified_at = utcnow()
        audit.record("user.made_admin", subject=user, source="command line")
        return user, False
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    user = User(email=normalise_email(email), full_name=full_name.strip(),
                password_hash=hash_password(password), is_admin=True,
                email_verified_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("user.admin_created", subject=user, source="command line")
    return user, True


def count_users():
    return db.session.scalar(select(func.count(User.id)))


def grant_admin(user, *, actor):
    """Make `user` an admin. Admins run the company's program and see everyone's data,
    so people from outside the company are never made admins."""
    require_admin(actor, AccountError)
    if user.is_admin:
        raise AccountError(_("%(name)s is already an admin.", name=user.full_name))
    if user.is_external:
        raise AccountError(_("%(name)s is external: only people inside the company can be "
                             "admins.", name=user.full_name))
    if not user.active:
        raise AccountError(_("Reactivate %(name)s first.", name=user.full_name))
    user.is_admin = True
    audit.record("user.admin_granted", actor=actor, subject=user)


def revoke_admin(user, *, actor):
    require_admin(actor, AccountError)
    if not user.is_admin:
        raise AccountError(_("%(name)s is not an admin.", name=user.full_name))
    if user.id == actor.id:
        raise AccountError(_("You cannot remove your own admin rights."))
    user.is_admin = False
    audit.record("user.admin_revoked", actor=actor, subject=user)


# Single sign-on --------------------------------------------------------------------

class SignInRefused(DomainError):
    """A single sign-on that does not open an account. `reason` says why (the page
    shown and the audit event follow it); `user` is the account concerned, if any."""

    def __init__(self, reason, user=None, **details):
        super().__init__(reason)
        self.reason, self.user, self.details = reason, user, details


def sign_in_with_provider(*, issuer, claims, language):
    """(user, whether the account is new) for the identity provider's verified claims;
    SignInRefused, with nothing written, when no account may open.

    Known subjects (issuer and `sub`) find their account whatever their address is
    now. A new one is found by its address, which the provider must have verified and
    which must be one of the company's; failing that, it makes a new internal,
    confirmed account (name and language from the claims, `language` when the claims
    name neither English nor Italian) without a password.
    """
    subject = str(claims["sub"])
    identity = db.session.scalar(select(SsoIdentity).where(
        SsoIdentity.issuer == issuer, SsoIdentity.subject == subject))
    created = False
    if identity is None:
        try:
            with db.session.begin_nested():
                identity, created = _link_identity(issuer, subject, claims, language)
        except IntegrityError:
            # The same person's other first sign-in got there a moment earlier.
            identity = db.session.scalar(select(SsoIdentity).where(
                SsoIdentity.issuer == issuer, SsoIdentity.subject == subject))
            if identity is None:
                raise SignInRefused("taken") from None
    user = identity.user
    if not user.active:
        raise SignInRefused("inactive", user=user)
    identity.last_used_at = user.last_login_at = utcnow()
    audit.record("login.success", actor=user, subject=user, method="single_sign_on")
    return user, created


def _link_identity(issuer, subject, claims, language):
    email = normalise_email(claims.get("email"))
    # Some providers send the flag as a string.
    if claims.get("email_verified") not in (True, "true") or not email:
        raise SignInRefused("unverified")
    if not program.is_internal_address(email):
        raise SignInRefused("outside", domain=email.rpartition("@")[2][:EMAIL_MAX])
    user = find_user_by_email(email)
    created = user is None
    if created:
        user = new_user(email=email, full_name=_name_in(claims, email),
                        password=None, language=_language_in(claims, language),
                        affiliation=INTERNAL, verified_at=utcnow())
        db.session.add(user)
        db.session.flush()
        audit.record("account.register", actor=user, subject=user, affiliation=INTERNAL,
                     method="single_sign_on")
    elif (linked := db.session.scalar(select(SsoIdentity).where(
            SsoIdentity.user_id == user.id, SsoIdentity.issuer == issuer))) is not None:
        if linked.subject == subject:
            return linked, False  # the same person's other first sign-in, just now
        # The account answers to another subject at this provider: a second person,
        # or the same one re-created there, is for an admin to sort out.
        raise SignInRefused("taken", user=user)
    elif user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the provider has verified it
    identity = SsoIdentity(user=user, issuer=issuer, subject=subject)
    db.session.add(identity)
    db.session.flush()  # two first sign-ins at once: the unique pair lets one through
    audit.record("account.single_sign_on_linked", actor=user, subject=user)
    return identity, created


def _name_in(claims, email):
    name = (claims.get("name") or "").strip() or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part)
    return (name.strip() or email.partition("@")[0])[:NAME_MAX]


def _language_in(claims, default):
    language = str(claims.get("locale") or "")[:2].lower()
    return language if language in LANGUAGES else default


def record_refused_sign_in(refusal):
    """Keep the audit event of a refused single sign-on (after its rollback)."""
    audit.record("login.failed", subject=refusal.user, reason=refusal.reason,
                 method="single_sign_on", **refusal.details)
