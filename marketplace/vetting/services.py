"""Vetting: admins' decisions on mentor profiles, suspension, and expiry of approvals.

Every decision is recorded as a review (the profile's history) and in the audit log.
"""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..core import audit
from ..core.clock import add_months, utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..invitations import services as invitations
from ..mentors.models import (
    APPROVE,
    APPROVED,
    CHANGES_REQUESTED,
    DECISIONS,
    PENDING,
    REJECTED,
    REQUEST_CHANGES,
    SUSPENDED,
    MentorProfile,
    ProfileReview,
    ProfileRevision,
)
from ..mentors.services import content_of, new_revision, open_revision
from ..mentorships.services import expire_requests_to
from ..notifications.services import notify
from ..program.services import settings

APPROVED_NOW = "approved"
APPROVAL_RECORDED = "approval_recorded"


class VettingError(DomainError):
    pass


def queue():
    """Revisions waiting for review, the longest-waiting first."""
    return db.session.scalars(
        select(ProfileRevision)
        .where(ProfileRevision.status == PENDING)
        .options(joinedload(ProfileRevision.profile).joinedload(MentorProfile.user),
                 selectinload(ProfileRevision.areas),
                 selectinload(ProfileRevision.reviews))
        .order_by(ProfileRevision.submitted_at, ProfileRevision.id)).all()


def approvals_of(revision):
    return db.session.scalar(
        select(func.count(ProfileReview.id))
        .where(ProfileReview.revision_id == revision.id, ProfileReview.decision == APPROVE))


def decide(profile, *, actor, decision, notes=""):
    """Record `actor`'s decision on the profile's revision waiting for review.

    Approval publishes the revision once the program's number of distinct admins
    have approved it; a request for changes or a rejection decides at once and needs
    notes, which the mentor sees. Returns APPROVED_NOW, APPROVAL_RECORDED,
    CHANGES_REQUESTED or REJECTED.
    """
    require_admin(actor, VettingError)
    notes = (notes or "").strip()
    if decision not in DECISIONS:
        raise VettingError(_("Choose a decision."))
    revision = open_revision(profile)
    if revision is None or revision.status != PENDING:
        raise VettingError(_("This profile is not waiting for review any more."))
    if profile.user_id == actor.id:
        raise VettingError(_("You cannot review your own profile."))
    if decision != APPROVE and not notes:
        raise VettingError(_("Tell the mentor what to change or why the profile is "
                             "not approved."))
    try:
        with db.session.begin_nested():
            db.session.add(ProfileReview(revision=revision, reviewer=actor,
                                         decision=decision, notes=notes))
    except IntegrityError:
        raise VettingError(_("You have already reviewed this version of the profile.")) \
            from None

    if decision == APPROVE:
        needed = settings().required_approvals
        given = approvals_of(revision)
        if given < needed:
            audit.record("profile.approval_recorded", actor=actor, subject=profile.user,
                         profile_id=profile.id, revision=revision.number,
                         approvals=given, needed=needed)
            return APPROVAL_RECORDED
        _close(revision, APPROVED)
        _publish(profile, revision)
        audit.record("profile.approved", actor=actor, subject=profile.user,
                     profile_id=profile.id, revision=revision.number)
        notify(profile.user, "profile_approved", url_for("mentors.my_profile"))
        invitations.mentor_approved(profile)
        return APPROVED_NOW

    outcome = CHANGES_REQUESTED if decision == REQUEST_CHANGES else REJECTED
    _close(revision, outcome)
    if profile.status == PENDING:  # never listed: the profile takes the outcome
        profile.status = outcome
    audit.record(f"profile.{outcome}", actor=actor, subject=profile.user,
                 profile_id=profile.id, revision=revision.number)
    notify(profile.user, f"profile_{outcome}", url_for("mentors.my_profile"))
    return outcome


def _close(revision, status):
    """Move a pending revision on, once: two admins deciding at the same moment cannot
    both do it."""
    closed = db.session.execute(
        update(ProfileRevision)
        .where(ProfileRevision.id == revision.id, ProfileRevision.status == PENDING)
        .values(status=status, decided_at=utcnow())
        .execution_options(synchronize_session=False, listing_profiles=[revision.profile_id]))
    if closed.rowcount != 1:
        raise VettingError(_("This profile is not waiting for review any more."))
    db.session.refresh(revision)


def _publish(profile, revision):
    now = utcnow()
    profile.published = revision
    profile.approved_at = now
    profile.approval_expires_at = add_months(now, settings().approval_months)
    profile.expiry_warned_at = None
    if profile.status != SUSPENDED:
        profile.status = APPROVED


def remaining_approvals(revision):
    return max(settings().required_approvals - approvals_of(revision), 0)


def approval_summary(revision):
    needed = settings().required_approvals
    return ngettext("%(given)d of %(num)d approval", "%(given)d of %(num)d approvals",
                    needed, given=approvals_of(revision))


def suspend(profile, *, actor, reason):
    """Take a listed profile off the list. Running mentorships carry on."""
    require_admin(actor, VettingError)
    reason = (reason or "").strip()
    if profile.status != APPROVED:
        raise VettingError(_("Only a listed profile can be suspended."))
    if not reason:
        raise VettingError(_("Give the reason for the suspension."))
    profile.status = SUSPENDED
    profile.suspended_at = utcnow()
    profile.suspension_reason = reason
    # Open requests to a suspended mentor expire; running mentorships carry on.
    expired = expire_requests_to(profile)
    audit.record("profile.suspended", actor=actor, subject=profile.user,
                 profile_id=profile.id, reason=reason, requests_expired=expired)


def reinstate(profile, *, actor):
    require_admin(actor, VettingError)
    if profile.status != SUSPENDED:
        raise VettingError(_("This profile is not suspended."))
    profile.suspended_at = None
    profile.suspension_reason = None
    expired = profile.approval_expires_at is None or profile.approval_expires_at <= utcnow()
    profile.status = APPROVED
    audit.record("profile.reinstated", actor=actor, subject=profile.user,
                 profile_id=profile.id)
    if expired:
        _send_back_to_review(profile)
        notify(profile.user, "approval_expired", url_for("mentors.my_profile"))


def expire_approvals(now=None):
    """Send listed profiles whose approval has run out back to review. Safe to run
    again and again: a profile is sent back once. Returns how many were."""
    now = now or utcnow()
    due = db.session.scalars(
        select(MentorProfile)
        .where(MentorProfile.status == APPROVED, MentorProfile.approval_expires_at <= now)
        .with_for_update(skip_locked=True)).all()
    for profile in due:
        _send_back_to_review(profile)
        audit.record("profile.approval_expired", subject=profile.user, profile_id=profile.id)
        notify(profile.user, "approval_expired", url_for("mentors.my_profile"))
    return len(due)


def _send_back_to_review(profile):
    """Unlist the profile until an admin approves it again. A change the mentor has
    waiting is what gets reviewed; otherwise a copy of the published version."""
    if open_revision(profile) is None:
        new_revision(profile, content_of(profile.published), PENDING)
    profile.status = PENDING


def publish_fully_approved(*, actor):
    """Publish the versions waiting for review that already have the approvals the
    program now asks for (after an admin lowered the number). Returns how many."""
    require_admin(actor, VettingError)
    published = 0
    for revision in queue():
        if approvals_of(revision) >= settings().required_approvals:
            _close(revision, APPROVED)
            _publish(revision.profile, revision)
            audit.record("profile.approved", actor=actor, subject=revision.profile.user,
                         profile_id=revision.profile_id, revision=revision.number,
                         reason="fewer approvals required")
            notify(revision.profile.user, "profile_approved", url_for("mentors.my_profile"))
            invitations.mentor_approved(revision.profile)
            published += 1
    return published
