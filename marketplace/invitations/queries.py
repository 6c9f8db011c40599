"""What the invitation pages read: the invitations a rep sent, or all of them for
admins, with where each stands; the figures for the dashboard; and what the invitee's
page tells about the program."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.services import find_user_by_email
from ..core import audit
from ..core.clock import utcnow
from ..extensions import db
from ..mentors.models import APPROVED as LISTED
from ..mentors.models import CAPACITY_MAX, CAPACITY_MIN, MentorProfile
from ..mentorships.models import DURATION_MONTHS
from ..program import texts
from ..program.services import organisation_name, settings
from .models import EXPIRED, OPENED, SENT, Invitation

# What a mentor commits to, for the invitee's page: (fewest, most) mentees at once, and
# the durations a mentorship may have.
CAPACITY = (CAPACITY_MIN, CAPACITY_MAX)
MONTHS = DURATION_MONTHS


def own_invitation(user, invitation_id):
    """The invitation if `user` sent it, else None (the view answers 404)."""
    return audit.get_if(Invitation, invitation_id, "invitation",
                        lambda invitation: invitation.inviter_id == user.id)


def open_limit():
    """How many open invitations a rep may have at once."""
    return settings().max_open_invitations


def invitee_has_account(invitation):
    """Whether the invitee signed up before using the link (they log in instead)."""
    return find_user_by_email(invitation.email) is not None


def organisation(language):
    """The company's name for the invitee's page, in its language ("" when not set)."""
    return organisation_name(language)


def mentor_texts(language):
    """The program's own words on a mentor's part and what mentors get out of it."""
    parts = texts.texts(language)
    return [parts["mentor_duties"], parts["mentor_gains"]]


@dataclass(frozen=True)
class Row:
    invitation: Invitation
    state: str
    listed_profile_id: int | None  # the invitee's mentor page, once listed

    @property
    def waiting(self):
        """Not taken up nor cancelled: it can be sent again or cancelled."""
        return self.state in (SENT, OPENED, EXPIRED)

    @property
    def link_works(self):
        return self.state in (SENT, OPENED)


def with_states(invitations):
    """A Row for each, reading the invitees' profiles in one query."""
    invitee_ids = {i.invitee_id for i in invitations if i.invitee_id is not None}
    profiles = {row.user_id: row for row in db.session.execute(
        select(MentorProfile.user_id, MentorProfile.id, MentorProfile.status)
        .where(MentorProfile.user_id.in_(invitee_ids)))} if invitee_ids else {}
    now = utcnow()
    rows = []
    for invitation in invitations:
        profile = profiles.get(invitation.invitee_id)
        status = profile.status if profile is not None else None
        rows.append(Row(invitation, invitation.state(now, status),
                        profile.id if status == LISTED else None))
    return rows


def sent_by(inviter):
    return with_states(db.session.scalars(
        select(Invitation).where(Invitation.inviter_id == inviter.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())).all())


@dataclass(frozen=True)
class Figures:
    """Of the invitations sent in a period: how many were accepted (the invitee signed
    up) and how many brought an approved mentor. Each invitation counts: a person two
    reps invited counts for both."""

    sent: int
    accepted: int
    approved: int

    @property
    def conversion(self):
        return self.approved / self.sent if self.sent else None


def figures(first_moment, last_moment):
    row = db.session.execute(
        select(func.count(Invitation.id), func.count(Invitation.accepted_at),
               func.count(Invitation.approved_at))
        .where(Invitation.created_at >= first_moment, Invitation.created_at < last_moment)
    ).one()
    return Figures(*row)


def all_invitations():
    """Every invitation, newest first (a statement, for paging)."""
    return (select(Invitation).options(selectinload(Invitation.inviter))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc()))
