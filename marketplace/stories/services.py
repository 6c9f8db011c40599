"""Success stories: one side writes, the other agrees, an admin publishes.

Nothing is published without both consents: the author's (asking the other side is
giving it) and the other side's, for the very text published; an edit clears it.
"""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import update

from ..core import audit
from ..core.clock import utcnow
from ..errors import DomainError, require_admin
from ..extensions import db
from ..i18n import N_
from ..mentorships.models import COMPLETED
from ..notifications.services import notify
from .models import (
    AWAITING_CONSENT,
    BODY_MAX,
    BODY_MIN,
    DRAFT,
    PUBLISHED,
    RETURNED,
    SUBMITTED,
    TITLE_MAX,
    SuccessStory,
)

# Also said by the admin's return form before the service is reached.
NOTE_NEEDED = N_("Tell the author what to change.")


class StoryError(DomainError):
    pass


def _link(mentorship):
    return url_for("mentorships.mentorship", mentorship_id=mentorship.id)


def write_story(mentorship, *, actor, title, body):
    """Write or rewrite the story of a completed mentorship. A rewrite needs the other
    side's consent again."""
    if not mentorship.has_party(actor):
        raise StoryError(_("Only the mentor and the mentee can tell their story."))
    if mentorship.status != COMPLETED:
        raise StoryError(_("A story is told once the mentorship is completed."))
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX or not BODY_MIN <= len(body) <= BODY_MAX:
        raise StoryError(_("Give the story a title and tell it in %(min)d to %(max)d "
                           "characters.", min=BODY_MIN, max=BODY_MAX))
    story = mentorship.story
    if story is None:
        story = SuccessStory(mentorship=mentorship, author_id=actor.id, title=title, body=body)
        db.session.add(story)
        db.session.flush()
        return story
    if story.author_id != actor.id:
        raise StoryError(_("The other side is telling this story: you can agree to it."))
    _move(story, (DRAFT, AWAITING_CONSENT, RETURNED),
          _("This story is with the program team and cannot be changed."),
          title=title, body=body, status=DRAFT, consent_at=None)
    return story


def _move(story, states, refusal, **values):
    """Change the story only if it is still in one of `states` and its text is the one
    the caller saw: of two changes at the same moment (an edit and a consent, say) the
    second is refused rather than applied to a text nobody agreed to."""
    moved = db.session.execute(
        update(SuccessStory)
        .where(SuccessStory.id == story.id, SuccessStory.status.in_(states),
               SuccessStory.updated_at == story.updated_at)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.refresh(story)
        raise StoryError(refusal)
    db.session.refresh(story)


def ask_consent(story, *, actor):
    refusal = _("This story cannot be sent for agreement now.")
    if story.author_id != actor.id:
        raise StoryError(refusal)
    _move(story, (DRAFT, RETURNED), refusal, status=AWAITING_CONSENT)
    mentorship = story.mentorship
    notify(mentorship.other_side(actor), "story_consent_requested", _link(mentorship),
           person=actor)


def give_consent(story, *, actor, version):
    """The other side agrees to publish the text they read (`version`, as shown to them
    by `story.version`): it goes to the program team."""
    mentorship = story.mentorship
    if story.author_id == actor.id or not mentorship.has_party(actor):
        raise StoryError(_("Only the other side of the mentorship can agree to the story."))
    if story.status == AWAITING_CONSENT and version != story.version:
        raise StoryError(_("The story has changed since you read it: read it again, "
                           "then agree if you still do."))
    _move(story, (AWAITING_CONSENT,), _("This story is not waiting for your agreement."),
          status=SUBMITTED, consent_at=utcnow())
    audit.record("story.consented", actor=actor, story_id=story.id)


def publish(story, *, actor):
    require_admin(actor, StoryError)
    _move(story, (SUBMITTED,), _("Only a story both sides agreed to can be published."),
          status=PUBLISHED, published_at=utcnow(), review_note=None)
    audit.record("story.published", actor=actor, story_id=story.id)
    for side in story.mentorship.parties:
        notify(side, "story_published", url_for("program.index"))


def return_story(story, *, actor, note):
    require_admin(actor, StoryError)
    note = (note or "").strip()
    if not note:
        raise StoryError(_(NOTE_NEEDED))
    _move(story, (SUBMITTED,),
          _("Only a story waiting for the program team can be returned."),
          status=RETURNED, review_note=note, consent_at=None)
    audit.record("story.returned", actor=actor, story_id=story.id)
    if story.author is not None:
        notify(story.author, "story_returned", _link(story.mentorship))

