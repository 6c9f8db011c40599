"""A mentor's own profile: creating it, editing it, sending it for review.

Vetted content goes into revisions (see models.py); the practical details take effect
at once. Decisions on revisions are in vetting/services.py.
"""

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from ..accounts.models import EXTERNAL
from ..core import audit
from ..core.clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import (
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    OPEN_REVISION_STATES,
    PENDING,
    REJECTED,
    SUPERSEDED,
    SUSPENDED,
    MentorProfile,
    ProfileFormat,
    ProfileLanguage,
    ProfileRevision,
)

# What admins vet, as stored on a revision (plus its focus areas).
VETTED_FIELDS = ("headline_en", "headline_it", "bio_en", "bio_it", "affiliation", "company",
                 "confidentiality", "conflicts")
# What changes at once, as stored on the profile (plus languages and formats).
DIRECT_FIELDS = ("years_experience", "region", "working_style", "motivation", "capacity",
                 "monthly_hours", "accepting")

SAVED = "saved"
SENT_FOR_REVIEW = "sent_for_review"


class ProfileError(DomainError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field  # the form field the refusal is about, if one


def profile_of(user):
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def open_revision(profile):
    """The revision the mentor is working on or waiting for, if any."""
    return db.session.scalar(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id,
                                      ProfileRevision.status.in_(OPEN_REVISION_STATES)))


def latest_revision(profile):
    return db.session.scalar(
        select(ProfileRevision).where(ProfileRevision.profile_id == profile.id)
        .order_by(ProfileRevision.number.desc()).limit(1))


def working_content(profile):
    """What the owner edits and sees: the revision in the works; else the version sent
    back for changes, to be fixed; else the published one; else (a profile that was
    never approved) the latest."""
    revision = open_revision(profile)
    if revision is not None:
        return revision
    latest = latest_revision(profile)
    if latest.status == CHANGES_REQUESTED:
        return latest
    return profile.published or latest


def can_submit(profile):
    """A draft, or a version sent back for changes, can go (back) to review."""
    revision = open_revision(profile)
    if revision is not None:
        return revision.status == DRAFT
    return latest_revision(profile).status == CHANGES_REQUESTED


def _content_differs(revision, content):
    if revision is None:
        return True
    if any(getattr(revision, name) != content[name] for name in VETTED_FIELDS):
        return True
    return {area.id for area in revision.areas} != {area.id for area in content["areas"]}


def new_revision(profile, content, status):
    number = (db.session.scalar(select(func.max(ProfileRevision.number))
                                .where(ProfileRevision.profile_id == profile.id)) or 0) + 1
    revision = ProfileRevision(profile=profile, number=number, status=status)
    _fill(revision, content)
    if status == PENDING:
        revision.submitted_at = utcnow()
    db.session.add(revision)
    db.session.flush()
    return revision


def content_of(revision):
    return {**{name: getattr(revision, name) for name in VETTED_FIELDS},
            "areas": list(revision.areas)}


def _fill(revision, content):
    for name in VETTED_FIELDS:
        setattr(revision, name, content[name])
    revision.areas = list(content["areas"])


def _check_content(content, actor):
    if actor.is_external and content["affiliation"] != EXTERNAL:
        # The organisation says who is inside: an outside mentor cannot claim otherwise.
        raise ProfileError(_("You joined as an outside mentor, so your profile says "
                             "external. Only the program team can change that."),
                           field="affiliation")
    if not (content["headline_en"] or content["headline_it"]):
        raise ProfileError(_("Write a headline."))
    if not (content["bio_en"] or content["bio_it"]):
        raise ProfileError(_("Write a short bio."))
    if not content["areas"]:
        raise ProfileError(_("Choose at least one focus area."))
    if content["affiliation"] == EXTERNAL:
        if not content["company"]:
            raise ProfileError(_("Tell us which company you work for."))
        if not content["confidentiality"]:
            raise ProfileError(_("External mentors must agree to keep what they learn "
                                 "confidential."))
        if not content["conflicts"]:
            raise ProfileError(_("Declare any conflict of interest, or write “none”."))
    else:
        content.update(company=None, confidentiality=False, conflicts=None)


def save_profile(*, actor, content, details):
    """Create or update `actor`'s own profile (no one edits another's). Returns
    (profile, outcome).

    `content` holds the vetted fields and `areas`; `details` the direct fields,
    `languages` and `formats`. On a listed profile, changed content becomes a new
    revision waiting for review while the listed one stays as it is.
    """
    content = dict(content)
    _check_content(content, actor)
    profile = profile_of(actor)
    if profile is None:
        profile = MentorProfile(user=actor, status=DRAFT)
        db.session.add(profile)
        _apply_details(profile, details)
        db.session.flush()
        new_revision(profile, content, DRAFT)
        audit.record("profile.created", actor=actor, profile_id=profile.id)
        return profile, SAVED

    if profile.status == REJECTED:
        raise ProfileError(_("Your profile was not approved, so it can no longer be "
                             "changed. Ask the program team if you want to try again."))
    _apply_details(profile, details)
    if not _content_differs(working_content(profile), content):
        return profile, SAVED

    revision = open_revision(profile)
    if revision is not None and revision.status == DRAFT:
        _fill(revision, content)
        return profile, SAVED
    if revision is None and profile.status == CHANGES_REQUESTED:
        # Never listed and sent back: the fix is a new draft, sent when the mentor says.
        new_revision(profile, content, DRAFT)
        return profile, SAVED
    if revision is not None:  # pending: the new version replaces it in the queue
        revision.status = SUPERSEDED
        db.session.flush()
    new_revision(profile, content, PENDING)
    if profile.status not in (APPROVED, SUSPENDED):
        profile.status = PENDING
    audit.record("profile.submitted", actor=actor, profile_id=profile.id)
    return profile, SENT_FOR_REVIEW


def _apply_details(profile, details):
    if details["capacity"] < (profile.active_mentees or 0):
        raise ProfileError(ngettext(
            "You are mentoring %(num)d person now: your capacity cannot be lower.",
            "You are mentoring %(num)d people now: your capacity cannot be lower.",
            profile.active_mentees))
    if details["monthly_hours"] < (profile.committed_hours or 0):
        raise ProfileError(ngettext(
            "Your mentees count on %(num)d hour a month: you cannot offer fewer.",
            "Your mentees count on %(num)d hours a month: you cannot offer fewer.",
            profile.committed_hours))
    for name in DIRECT_FIELDS:
        setattr(profile, name, details[name])
    if sorted(profile.language_codes) != sorted(details["languages"]):
        profile.languages = [ProfileLanguage(code=code) for code in details["languages"]]
    if sorted(profile.format_codes) != sorted(details["formats"]):
        profile.formats = [ProfileFormat(format=code) for code in details["formats"]]


def submit_profile(profile, *, actor):
    """Send a draft, or (as it is) a version sent back for changes, to the vetting
    queue."""
    if actor.id != profile.user_id:
        raise ProfileError(_("Only the mentor can send their profile for review."))
    if not can_submit(profile):
        raise ProfileError(_("There is nothing to send for review."))
    revision = open_revision(profile)
    if revision is None:
        revision = new_revision(profile, content_of(latest_revision(profile)), PENDING)
    revision.status = PENDING
    revision.submitted_at = utcnow()
    if profile.status not in (APPROVED, SUSPENDED):
        profile.status = PENDING
    audit.record("profile.submitted", actor=actor, profile_id=profile.id)
    return revision


def save_and_submit(*, actor, content, details):
    """Save what the mentor has in the form and send that version for review, in one
    go: sending the saved version alone would drop the edits still in the form.
    Returns (profile, outcome) like save_profile.

    A listed profile's changed content goes to review on saving already; a profile
    with nothing to send (listed and unchanged, or pending and unchanged) is just saved.
    """
    profile, outcome = save_profile(actor=actor, content=content, details=details)
    if outcome == SAVED and can_submit(profile):
        submit_profile(profile, actor=actor)
        outcome = SENT_FOR_REVIEW
    return profile, outcome
