"""What the vetting pages read: a profile with its owner, the profiles in one state,
and whether an admin may decide on the version waiting."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..mentors.models import PENDING, PROFILE_STATES, MentorProfile
from ..mentors.queries import history
from ..mentors.services import open_revision

__all__ = ["history", "open_revision"]


def profile(profile_id):
    return db.session.get(MentorProfile, profile_id, options=[joinedload(MentorProfile.user)])


def profiles_in(status):
    """The profiles in one state, newest first (a statement, for paging); None for a
    state that does not exist."""
    if status not in PROFILE_STATES:
        return None
    return (select(MentorProfile).where(MentorProfile.status == status)
            .options(joinedload(MentorProfile.user))
            .order_by(MentorProfile.created_at.desc(), MentorProfile.id.desc()))


def may_decide(actor, profile, revision):
    """A version waits for review and `actor` is not its owner (no one vets their own)."""
    return (revision is not None and revision.status == PENDING
            and profile.user_id != actor.id)
