"""A user's own data: download it, or delete the account.

Deleting anonymises rather than removes the user row, because the other side of a
mentorship keeps its history (check-ins, feedback) under "Deleted user". Everything
that identifies the person, or only concerns them, goes.
"""

import secrets
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from ..accounts.models import AccountToken, SsoIdentity, User, user_interests
from ..accounts.services import (
    AccountError,
    end_sessions,
    hash_password,
    may_use_password,
    normalise_email,
)
from ..core import audit
from ..core.audit import AuditEvent
from ..core.clock import utcnow
from ..core.mail import SENT, OutboxMail
from ..extensions import db
from ..invitations.models import Invitation
from ..mentors.models import SUSPENDED, MentorProfile, ProfileRevision
from ..mentorships import tallies
from ..mentorships.models import CheckIn, Feedback, Mentorship, MentorshipRequest
from ..mentorships.services import close_everything_of
from ..notifications.models import Notification
from ..stories.models import SuccessStory

# Never exported: they would let whoever holds the file into the account.
SECRET_COLUMNS = {"password_hash", "session_token", "token_hash"}


def _row(instance):
    values = {}
    for column in instance.__table__.columns:
        if column.name in SECRET_COLUMNS:
            continue
        value = getattr(instance, column.key)
        values[column.name] = value.isoformat() if isinstance(value, date | datetime) \
            else value
    return values


def _rows(statement):
    return [_row(instance) for instance in db.session.scalars(statement)]


def _without_others_regions(rows, user):
    """Rows of requests or mentorships, without the region of a mentee other than
    `user` (kept for the dashboard's figures, never shown to the mentor)."""
    for row in rows:
        if row["mentee_id"] != user.id:
            del row["mentee_region"]
    return rows


def _security_events(user):
    """The audit events of `user`'s own actions, whole (their own address included),
    and of what others did to them, as the action and its time only: the others'
    addresses, ids and details are theirs, not the user's. An anonymous actor (a login
    attempt on their address, say) counts as someone else."""
    events = []
    for event in db.session.scalars(
            select(AuditEvent).where(or_(AuditEvent.actor_id == user.id,
                                         AuditEvent.subject_id == user.id))
            .order_by(AuditEvent.id)):
        row = _row(event)
        if event.actor_id != user.id:
            row = {"action": row["action"], "created_at": row["created_at"]}
        events.append(row)
    return events


def _mentorship_ids(user):
    """The ids of the mentorships `user` took part in, on either side (a subquery)."""
    return select(Mentorship.id).join(MentorProfile).where(
        or_(Mentorship.mentee_id == user.id, MentorProfile.user_id == user.id))


def export_data(user):
    """Everything stored about `user`, as plain data (for a JSON download)."""
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))
    mentorships = _mentorship_ids(user)
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user) | {
            "manager_email": user.manager.email if user.manager else None,
            "interests": [area.name_en for area in user.interests]},
        "mentor_profile": None if profile is None else _row(profile) | {
            "languages": [language.code for language in profile.languages],
            "formats": [format_.format for format_ in profile.formats],
            "revisions": _rows(select(ProfileRevision)
                               .where(ProfileRevision.profile_id == profile.id)
                               .order_by(ProfileRevision.number))},
        "requests": _without_others_regions(_rows(
            select(MentorshipRequest).join(MentorProfile)
            .where(or_(MentorshipRequest.mentee_id == user.id,
                       MentorProfile.user_id == user.id))
            .order_by(MentorshipRequest.id)), user),
        "mentorships": _without_others_regions(_rows(
            select(Mentorship).where(Mentorship.id.in_(mentorships))
            .order_by(Mentorship.id)), user),
        "check_ins": _rows(select(CheckIn).where(CheckIn.mentorship_id.in_(mentorships))
                           .order_by(CheckIn.id)),
        "feedback_given": _rows(select(Feedback).where(Feedback.author_id == user.id)
                                .order_by(Feedback.id)),
        "success_stories": _rows(select(SuccessStory)
                                 .where(SuccessStory.mentorship_id.in_(mentorships))
                                 .order_by(SuccessStory.id)),
        "invitations": _rows(select(Invitation)
                             .where(or_(Invitation.inviter_id == user.id,
                                        Invitation.invitee_id == user.id))
                             .order_by(Invitation.id)),
        "notifications": _rows(select(Notification).where(Notification.user_id == user.id)
                               .order_by(Notification.id)),
        "single_sign_on": _rows(select(SsoIdentity).where(SsoIdentity.user_id == user.id)
                                .order_by(SsoIdentity.id)),
        "security_events": _security_events(user),
    }


def _name_through_account(user):
    """Notifications written before people were named through their account hold the
    name itself: those naming `user` name them through the account from now on, so
    they too say "Deleted user", and the name leaves their parameters."""
    if not user.stored_name:
        return
    for notification in db.session.scalars(
            select(Notification).where(Notification.person_id.is_(None),
                                       Notification.params["name"].as_string()
                                       == user.stored_name)):
        notification.person_id = user.id
        notification.params = {key: value for key, value in notification.params.items()
                               if key != "name"}


def confirms_with_password(user):
    """Whether deleting `user`'s account asks for their password; otherwise (single
    sign-on) typing their address confirms."""
    return may_use_password(user)


def delete_account(*, actor, password=None, email=None):
    """Delete `actor`'s own account for good, once they confirm with their password, or
    with their email address when the account has no password (single sign-on).

    Open requests close and active mentorships end (the mentors get their places back,
    the other side is told without a name); the mentor profile leaves the list and
    loses its texts; stories about the actor's mentorships go, and so do the invitations
    they sent (those they took up lose their name and address) and the unsent mail
    about them; every session ends. Others' notifications name them through their
    account, so they read "Deleted user" from now on.
    """
    if confirms_with_password(actor):
        if not check_password_hash(actor.password_hash, password or ""):
            raise AccountError(_("Your password is incorrect."), field="password")
    elif normalise_email(email) != actor.email:
        raise AccountError(_("This is not the email address of your account."),
                           field="email")
    if actor.is_admin and db.session.scalar(
            select(func.count(User.id)).where(User.is_admin.is_(True), User.active.is_(True),
                                              User.id != actor.id)) == 0:
        raise AccountError(_("You are the only admin. Make someone else an admin before "
                             "you delete your account."))
    requests_closed, mentorships_ended = close_everything_of(actor)
    _name_through_account(actor)

    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == actor.id))
    if profile is not None:
        profile.status, profile.accepting = SUSPENDED, False
        profile.suspended_at, profile.suspension_reason = utcnow(), None
        profile.working_style = profile.motivation = ""
        db.session.execute(
            update(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
            .values(headline_en=None, headline_it=None, bio_en=None, bio_it=None,
                    company=None, conflicts=None)
            .execution_options(synchronize_session=False, listing_profiles=[profile.id]))
    mentorships = _mentorship_ids(actor)
    for statement in (
            delete(SuccessStory).where(SuccessStory.mentorship_id.in_(mentorships)),
            delete(AccountToken).where(AccountToken.user_id == actor.id),
            # Signing in at the company's provider finds no account of theirs any more.
            delete(SsoIdentity).where(SsoIdentity.user_id == actor.id),
            # Theirs to delete: other people's addresses, in their words.
            delete(Invitation).where(Invitation.inviter_id == actor.id),
            # The reps who invited them keep the invitation, without the name.
            update(Invitation).where(Invitation.invitee_id == actor.id)
            .values(name="", email=""),
            delete(Notification).where(Notification.user_id == actor.id),
            delete(OutboxMail).where(OutboxMail.user_id == actor.id),
            # Unsent mail that names them or carries their words (a notification about
            # them, an invitation they wrote) goes too; sent mail has no body left.
            delete(OutboxMail).where(OutboxMail.about_user_id == actor.id,
                                     OutboxMail.status != SENT),
            # Sent mail keeps its record for support, but not their name in its subject.
            update(OutboxMail).where(OutboxMail.about_user_id == actor.id)
            .values(subject=""),
            delete(user_interests).where(user_interests.c.user_id == actor.id),
            update(User).where(User.manager_id == actor.id).values(manager_id=None),
            # Their region goes from the figures by region, as from their account.
            update(MentorshipRequest).where(MentorshipRequest.mentee_id == actor.id)
            .values(mentee_region=None)):
        db.session.execute(statement.execution_options(synchronize_session=False))
    tallies.forget_mentee_region(actor.id)  # and from their mentorships'

    actor.email = f"deleted-{actor.id}@deleted.invalid"
    actor.full_name = ""
    actor.password_hash = hash_password(secrets.token_urlsafe(32))  # no password opens it
    actor.region = actor.job_title = actor.company = actor.manager_id = None
    actor.desired_hours = None
    actor.email_requests = actor.email_vetting = actor.email_mentorships = False
    actor.active, actor.is_admin, actor.deleted_at = False, False, utcnow()
    end_sessions(actor)
    db.session.expire(actor, ["interests", "manager"])
    audit.record("account.deleted", actor=actor, subject=actor,
                 requests_closed=requests_closed, mentorships_ended=mentorships_ended)
