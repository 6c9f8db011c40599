"""What the story pages read: the mentorship a story belongs to, for one of its sides,
and the people a listed story names."""

from sqlalchemy.orm import joinedload

from ..mentors.models import MentorProfile
from ..mentorships.models import Mentorship
from ..mentorships.queries import mentorship_for
from .models import SuccessStory


def party_mentorship(actor, mentorship_id):
    """The mentorship, if `actor` is one of its two sides (admins review stories on
    their own page); None otherwise."""
    mentorship = mentorship_for(actor, mentorship_id)
    if mentorship is None or not mentorship.has_party(actor):
        return None
    return mentorship


def with_people():
    """Load a story's mentorship with both people, for pages that list stories."""
    return (joinedload(SuccessStory.mentorship).joinedload(Mentorship.mentee),
            joinedload(SuccessStory.mentorship).joinedload(Mentorship.profile)
            .joinedload(MentorProfile.user))
