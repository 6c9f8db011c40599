"""Every service command checks that its `actor` may do it, whoever calls it: a wrong
actor is refused with the domain's error and nothing in the database changes."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.accounts.services import AccountError
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.invitations.models import Invitation
from marketplace.invitations.services import InvitationError
from marketplace.mentors import services as mentors
from marketplace.mentors.models import DRAFT, PENDING, SUSPENDED, MentorProfile
from marketplace.mentors.services import ProfileError
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import COMPLETED, MentorshipRequest
from marketplace.mentorships.services import RequestError
from marketplace.program import services as program
from marketplace.program.models import FocusArea
from marketplace.program.services import ProgramError
from marketplace.stories import services as stories
from marketplace.stories.models import SuccessStory
from marketplace.stories.services import StoryError
from marketplace.vetting import services as vetting
from marketplace.vetting.services import VettingError

from .factories import make_area, make_mentorship, make_profile, make_story, make_user
from .test_requests import make_request

ADMINS_ONLY = "Only an admin can do this."
MENTOR_ONLY = "Only the mentor this request was sent to can answer it."


def everything():
    """Every row of every table: what a refused command must leave as it was."""
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def people(app_ctx, admin):
    """A mentee, a listed mentor with the mentee's open request, an outsider who is
    neither, and an admin (all users, loaded)."""
    area = make_area()
    mentee, mentor, outsider = make_user(), make_user(), make_user()
    profile = make_profile(mentor, areas=[area])
    request_id = make_request(mentee.id, profile.id, area.id)
    return {"mentee": db.session.get(User, mentee.id), "mentor": db.session.get(User, mentor.id),
            "outsider": db.session.get(User, outsider.id),
            "admin": db.session.get(User, admin.id), "area": area, "profile": profile,
            "request": db.session.get(MentorshipRequest, request_id)}


def _request(p, service, **values):
    return lambda actor: service(p["request"], actor=actor, **values)


def _story(p):
    """A story waiting for the program team, told by the outsider, the mentor's mentee."""
    mentorship = make_mentorship(p["outsider"], p["profile"], p["area"], status=COMPLETED)
    return db.session.get(SuccessStory, make_story(mentorship).id)


def _profile(status):
    return db.session.get(MentorProfile, make_profile(make_user(), status=status).id)


def _invitation(p):
    invitation = invitations.invite(actor=p["mentee"], name="Marco",
                                    email="marco@outside.example.com",
                                    message="Come and mentor.", language="en")
    db.session.commit()
    return db.session.get(Invitation, invitation.id)


def _area(p, retired=False):
    return db.session.get(FocusArea, make_area(retired=retired).id)


# (service, how to call it with a given actor, the wrong actors, the refusal)
CASES = {
    "withdraw_request": (
        lambda p: _request(p, mentoring.withdraw_request), ("mentor", "outsider", "admin"),
        RequestError, "Only the person who sent this request can withdraw it."),
    "accept_request": (
        lambda p: _request(p, mentoring.accept_request), ("mentee", "outsider", "admin"),
        RequestError, MENTOR_ONLY),
    "decline_request": (
        lambda p: _request(p, mentoring.decline_request, reason="no_time"),
        ("mentee", "outsider", "admin"), RequestError, MENTOR_ONLY),
    "publish_story": (
        lambda p: (lambda story: lambda actor: stories.publish(story, actor=actor))(_story(p)),
        ("outsider", "mentor", "mentee"), StoryError, ADMINS_ONLY),
    "return_story": (
        lambda p: (lambda story: lambda actor: stories.return_story(
            story, actor=actor, note="Shorter, please."))(_story(p)),
        ("outsider", "mentor"), StoryError, ADMINS_ONLY),
    "decide": (
        lambda p: (lambda profile: lambda actor: vetting.decide(
            profile, actor=actor, decision="approve"))(_profile(PENDING)),
        ("outsider", "mentor"), VettingError, ADMINS_ONLY),
    "suspend": (
        lambda p: lambda actor: vetting.suspend(db.session.get(MentorProfile, p["profile"].id),
                                                actor=actor, reason="Complaints."),
        ("outsider", "mentee"), VettingError, ADMINS_ONLY),
    "reinstate": (
        lambda p: (lambda profile: lambda actor: vetting.reinstate(
            profile, actor=actor))(_profile(SUSPENDED)),
        ("outsider",), VettingError, ADMINS_ONLY),
    "publish_fully_approved": (
        lambda p: lambda actor: vetting.publish_fully_approved(actor=actor),
        ("outsider",), VettingError, ADMINS_ONLY),
    "deactivate_user": (
        lambda p: lambda actor: accounts.deactivate_user(p["mentee"], actor=actor),
        ("outsider", "mentor"), AccountError, ADMINS_ONLY),
    "reactivate_user": (
        lambda p: (lambda user: lambda actor: accounts.reactivate_user(user, actor=actor))(
            db.session.get(User, make_user(active=False).id)),
        ("outsider",), AccountError, ADMINS_ONLY),
    "grant_admin": (
        lambda p: lambda actor: accounts.grant_admin(p["mentee"], actor=actor),
        ("outsider", "mentee"), AccountError, ADMINS_ONLY),
    "revoke_admin": (
        lambda p: lambda actor: accounts.revoke_admin(p["admin"], actor=actor),
        ("outsider",), AccountError, ADMINS_ONLY),
    "update_settings": (
        lambda p: lambda actor: program.update_settings(actor=actor, request_expiry_days=3),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "add_area": (
        lambda p: lambda actor: program.add_area(actor=actor, name_en="Pricing",
                                                 name_it="Prezzi"),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "rename_area": (
        lambda p: lambda actor: program.rename_area(
            db.session.get(FocusArea, p["area"].id), actor=actor, name_en="Pricing",
            name_it="Prezzi"),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "retire_area": (
        lambda p: lambda actor: program.retire_area(db.session.get(FocusArea, p["area"].id),
                                                    actor=actor),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "restore_area": (
        lambda p: (lambda area: lambda actor: program.restore_area(area, actor=actor))(
            _area(p, retired=True)),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "update_texts": (
        lambda p: lambda actor: program.update_texts(actor=actor, texts={},
                                                     pilot_starts_on=date(2030, 1, 1)),
        ("outsider",), ProgramError, ADMINS_ONLY),
    "resend_invitation": (
        lambda p: (lambda invitation: lambda actor: invitations.resend(
            invitation, actor=actor))(_invitation(p)),
        ("outsider", "admin"), InvitationError,
        "Only the person who sent this invitation can send it again."),
    "cancel_invitation": (
        lambda p: (lambda invitation: lambda actor: invitations.cancel(
            invitation, actor=actor))(_invitation(p)),
        ("outsider", "mentor"), InvitationError, ADMINS_ONLY),
    "submit_profile": (
        lambda p: (lambda profile: lambda actor: mentors.submit_profile(
            profile, actor=actor))(_profile(DRAFT)),
        ("outsider", "admin"), ProfileError,
        "Only the mentor can send their profile for review."),
}


@pytest.mark.parametrize("service", list(CASES))
def test_a_wrong_actor_is_refused_and_nothing_changes(people, service):
    prepare, wrong_actors, error_class, message = CASES[service]
    call = prepare(people)
    db.session.commit()
    before = everything()
    for name in wrong_actors:
        with pytest.raises(error_class) as error:
            call(people[name])
        assert error.value.message == message, name
        db.session.rollback()
        assert everything() == before, name
