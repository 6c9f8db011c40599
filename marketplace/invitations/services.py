"""Inviting a mentor from outside the company, and the invitee's sign-up.

A rep invites someone by name and email with a personal message; the invitee gets a
single-use link that expires, registers with it as an external mentor (the link proves
the address, so the account is confirmed at once) and fills in their profile, which is
vetted like any other. When it is approved the rep is told, and their request to that
mentor notes the invitation.

Services flush but never commit, and raise `InvitationError` with a message meant for
the user.
"""

import logging
import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager

from ..accounts.models import EXTERNAL, User, first_name_of
from ..accounts.services import (
    AccountError,
    find_user_by_email,
    hash_token,
    new_user,
    normalise_email,
    password_problem,
)
from ..core import audit, mail
from ..core.clock import utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..i18n import LANGUAGES
from ..mentors.services import profile_of
from ..notifications.services import notify
from ..program.services import organisation_name, settings
from .models import Invitation

log = logging.getLogger(__name__)

# The same words whatever is wrong with a link: unknown, used, expired or cancelled.
LINK_INVALID = _l("This invitation link no longer works.")
ADDRESS_TAKEN = _l("There is already an account with this address: log in instead.")
REPS_ONLY = _l("Invitations are for the company's own people, to find their mentor.")


class InvitationError(DomainError):
    pass


class AlreadyRegistered(InvitationError):
    """The address belongs to an account; `profile` is its listed mentor profile, if
    any (only then is the person named)."""

    def __init__(self, profile):
        super().__init__(_("%(name)s already has an account here.",
                           name=profile.user.full_name) if profile is not None
                         else _("This person already has an account here."))
        self.profile = profile


@dataclass(frozen=True)
class Invitee:
    """The person an invitation email goes to (they have no account yet)."""

    email: str
    full_name: str
    language: str

    @property
    def first_name(self):  # the mail greets them by the name the inviter gave
        return first_name_of(self.full_name)


def _open_clause(now):
    """Invitations still waiting for the invitee: not accepted, cancelled or expired."""
    return (Invitation.accepted_at.is_(None), Invitation.cancelled_at.is_(None),
            Invitation.expires_at > now)


def open_count(inviter, now=None):
    return db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.inviter_id == inviter.id, *_open_clause(now or utcnow())))


def why_cannot_invite(user):
    """Why `user` may not invite anyone, or None. Invitations go out in the company's
    name with the inviter's words, so only its own people (internal accounts, which the
    organisation's email domains make so) whose address is confirmed send them."""
    if user.is_external or user.awaiting_approval:
        return str(REPS_ONLY)
    if not user.is_verified:
        return _("Confirm your email address first: then you can invite a mentor.")
    return None


def may_invite(user):
    """Reps, that is the company's own people, recruit mentors from outside."""
    return why_cannot_invite(user) is None


def _lock(inviter):
    """Serialise one user's invitations, so that two sent at once cannot both pass the
    limit (PostgreSQL locks the row, not its key; SQLite's writers already take turns)."""
    db.session.execute(select(User.id).where(User.id == inviter.id)
                       .with_for_update(key_share=True))


def _refuse_registered(email):
    existing = find_user_by_email(email)
    if existing is not None:
        profile = profile_of(existing)
        listed = profile is not None and profile.is_listed and existing.active
        raise AlreadyRegistered(profile if listed else None)


def _refuse_twice(inviter, email, now, but=None):
    if db.session.scalar(select(Invitation.id).where(
            Invitation.inviter_id == inviter.id, Invitation.email == email,
            Invitation.id != (but or 0), *_open_clause(now)).limit(1)) is not None:
        raise InvitationError(_("You have already invited this person: send the "
                                "invitation again from your list instead."))


def _refuse_over_limit(inviter, now):
    limit = settings().max_open_invitations
    if open_count(inviter, now) >= limit:
        raise InvitationError(ngettext(
            "You already have %(num)d open invitation, the most allowed. Cancel it or "
            "wait until it is accepted.",
            "You already have %(num)d open invitations, the most allowed. Cancel one or "
            "wait until one is accepted.", limit))


def _new_link(now):
    """A random token, its hash to store, and when it stops working."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token), now + current_app.config["INVITATION_MAX_AGE"]


def invite(*, actor, name, email, message, language):
    """Invite `email` to become `actor`'s mentor, and send them the link: the actor is
    always the inviter, and only reps may invite."""
    refusal = why_cannot_invite(actor)
    if refusal is not None:
        raise InvitationError(refusal)
    email = normalise_email(email)
    _refuse_registered(email)
    if language not in LANGUAGES:
        raise InvitationError(_("Choose the language of the invitation."))
    _lock(actor)
    now = utcnow()
    _refuse_twice(actor, email, now)
    _refuse_over_limit(actor, now)
    token, token_hash, expires_at = _new_link(now)
    invitation = Invitation(inviter=actor, email=email, name=name.strip(),
                            message=message.strip(), language=language,
                            token_hash=token_hash, created_at=now, sent_at=now,
                            expires_at=expires_at)
    db.session.add(invitation)
    db.session.flush()
    _email(invitation, token)
    audit.record("invitation.sent", actor=actor, invitation_id=invitation.id)
    return invitation


def _email(invitation, token):
    """The invitation, in its language, with one line in the other language.

    The mail is about its inviter (it carries their name and message, so it goes with
    their account while unsent) and is not sent once its link has expired."""
    other = next(code for code in LANGUAGES if code != invitation.language)
    with force_locale(other):
        other_line = _("%(name)s has invited you to be their mentor: the page behind the "
                       "link is in English too.", name=invitation.inviter.full_name)
    with force_locale(invitation.language):
        expires = format_date(invitation.expires_at, "long")
        organisation = organisation_name(invitation.language)
        subject = _("%(name)s invites you to be their mentor",
                    name=invitation.inviter.full_name)
    mail.queue(mail.render(
        Invitee(invitation.email, invitation.name, invitation.language), "invitation",
        subject, invitation=invitation, expires=expires, organisation=organisation,
        other_language=other,
        other_line=other_line, url=url_for("invitations.accept", token=token,
                                           _external=True)),
        about=invitation.inviter, expires_at=invitation.expires_at)


def resend(invitation, *, actor):
    """Send a new link for an invitation not yet accepted; the old link stops working.
    An expired invitation opens again, within the limit of open invitations."""
    if actor.id != invitation.inviter_id:
        raise InvitationError(_("Only the person who sent this invitation can send it "
                                "again."))
    inviter = invitation.inviter
    _lock(inviter)
    now = utcnow()
    _refuse_registered(invitation.email)
    _refuse_twice(inviter, invitation.email, now, but=invitation.id)
    if invitation.expires_at <= now:
        _refuse_over_limit(inviter, now)
    token, token_hash, expires_at = _new_link(now)
    # Only while still open: an acceptance or a cancellation at the same moment wins.
    renewed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None),
               Invitation.cancelled_at.is_(None))
        .values(token_hash=token_hash, sent_at=now, expires_at=expires_at)
        .execution_options(synchronize_session=False)).rowcount
    if renewed != 1:
        raise InvitationError(_("This invitation has been accepted or cancelled: there is "
                                "nothing to send again."))
    db.session.refresh(invitation)
    _email(invitation, token)
    audit.record("invitation.resent", actor=actor, invitation_id=invitation.id)


def cancel(invitation, *, actor):
    """Cancel an invitation not yet accepted: its link stops working. An admin may
    revoke one; the rep is then told."""
    if actor.id != invitation.inviter_id:
        require_admin(actor, InvitationError)
    cancelled = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.cancelled_at.is_(None),
               Invitation.accepted_at.is_(None))
        .values(cancelled_at=utcnow(), cancelled_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if cancelled.rowcount != 1:
        raise InvitationError(_("This invitation has already been accepted or cancelled."))
    db.session.refresh(invitation)
    audit.record("invitation.cancelled", actor=actor, subject=invitation.inviter,
                 invitation_id=invitation.id)
    if invitation.cancelled_by_admin:
        notify(invitation.inviter, "invitation_revoked", url_for("invitations.index"),
               name=invitation.name)


# The invitee's side --------------------------------------------------------------------

def _valid_clause(token):
    return (Invitation.token_hash == hash_token(token or ""), *_open_clause(utcnow()))


def invitation_for(token):
    """The still-valid invitation a link belongs to, with its inviter, or None
    (whatever the reason)."""
    return db.session.scalar(
        select(Invitation).join(Invitation.inviter)
        .options(contains_eager(Invitation.inviter))
        .where(*_valid_clause(token), User.active.is_(True)))


def mark_opened(invitation_id):
    """Note that the invitee opened the page (the first time only). Written on a
    connection of its own, so that showing the page stays a read; call it outside a
    transaction that writes. Only a figure: if the database is busy, it is skipped."""
    table = Invitation.__table__
    try:
        with db.engine.begin() as connection:
            connection.execute(update(table).where(
                table.c.id == invitation_id, table.c.opened_at.is_(None)).values(
                opened_at=utcnow()))
    except OperationalError:
        log.warning("Could not note that invitation %s was opened", invitation_id,
                    exc_info=True)


def _claim(invitation, token, now):
    """Use the link, once: of two sign-ups at the same moment only one gets it. The
    address's open invitations are locked first, in one order, so that two links of
    one person used at once wait for each other rather than deadlock."""
    db.session.execute(select(Invitation.id).where(
        Invitation.email == invitation.email, *_open_clause(now))
        .order_by(Invitation.id).with_for_update())
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, *_valid_clause(token))
        .values(accepted_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvitationError(str(LINK_INVALID))


def _tie(invitation, user, now):
    """The invitation, and any other still open for the same address, now follow
    `user`: each inviting rep sees their progress and is told of the approval."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == invitation.email,
               or_(Invitation.id == invitation.id, and_(*_open_clause(now))))
        .values(accepted_at=now, invitee_id=user.id)
        .execution_options(synchronize_session=False))
    audit.record("invitation.accepted", actor=user, subject=invitation.inviter,
                 invitation_id=invitation.id)


def accept(token, *, full_name, password, language, company):
    """Create the invitee's account with the link: external, confirmed by the link, and
    the link used up. Returns the new user; InvitationError when the link is no longer
    valid, AccountError when the details are not acceptable."""
    invitation = invitation_for(token)
    if invitation is None:
        raise InvitationError(str(LINK_INVALID))
    now = utcnow()
    # The link is claimed before the address is looked up: of two sign-ups with one
    # link, the later one waits for the first and is told that the link is used, not
    # that the first one's account has the address. A refusal below is rolled back.
    _claim(invitation, token, now)
    if find_user_by_email(invitation.email) is not None:
        raise AccountError(str(ADDRESS_TAKEN))
    problem = password_problem(password, invitation.email)
    if problem:
        raise AccountError(problem, field="password")
    if language not in LANGUAGES:
        language = invitation.language
    user = new_user(email=invitation.email, full_name=full_name, password=password,
                    language=language, affiliation=EXTERNAL, company=company,
                    verified_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:  # the address signed up the usual way a moment ago
        raise AccountError(str(ADDRESS_TAKEN)) from None
    _tie(invitation, user, now)
    audit.record("account.register", actor=user, subject=user, invitation_id=invitation.id)
    return user


def accept_as(token, *, actor):
    """Take up the invitation with `actor`'s account, which its address already has (the
    invitee signed up before using the link). InvitationError when the link is no longer
    valid or the actor's account is not the invited address's."""
    invitation = invitation_for(token)
    if invitation is None or normalise_email(actor.email) != invitation.email:
        raise InvitationError(str(LINK_INVALID))
    now = utcnow()
    _claim(invitation, token, now)
    _tie(invitation, actor, now)
    return invitation


# After vetting -------------------------------------------------------------------------

def mentor_approved(profile):
    """Tell the reps who invited this mentor that they can now send their request.
    Called when a profile is approved; only the first approval counts."""
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.invitee_id == profile.user_id, Invitation.approved_at.is_(None),
        Invitation.cancelled_at.is_(None))).all()
    for invitation in invitations:
        invitation.approved_at = utcnow()
        if invitation.inviter.active:
            notify(invitation.inviter, "invited_mentor_approved",
                   url_for("mentors.mentor", profile_id=profile.id),
                   person=profile.user)
    return invitations


def invitation_behind(mentee, profile):
    """The mentee's invitation that brought this mentor here, if any."""
    return db.session.scalar(select(Invitation).where(
        Invitation.inviter_id == mentee.id, Invitation.invitee_id == profile.user_id,
        Invitation.cancelled_at.is_(None)).order_by(Invitation.id).limit(1))
