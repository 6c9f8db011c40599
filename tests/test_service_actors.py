"""Every service command checks that its `actor` may do it, whoever calls it: a wrong
actor is refused with the domain's error and nothing in the database changes. A command
a user runs on their own account takes them as `actor` too, and changes their data only."""

import importlib
import inspect
import pkgutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

import marketplace
from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.accounts.services import AccountError, hash_token
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.invitations.models import Invitation
from marketplace.invitations.services import InvitationError
from marketplace.mentors import queries as mentor_queries
from marketplace.mentors import services as mentors
from marketplace.mentors.models import DRAFT, PENDING, SUSPENDED, MentorProfile
from marketplace.mentors.services import ProfileError
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import COMPLETED, MentorshipRequest
from marketplace.mentorships.services import RequestError
from marketplace.notifications import queries as notification_queries
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Notification
from marketplace.notifications.services import NotificationError
from marketplace.privacy import services as privacy
from marketplace.program import services as program
from marketplace.program.models import FocusArea
from marketplace.program.services import ProgramError
from marketplace.stories import services as stories
from marketplace.stories.models import SuccessStory
from marketplace.stories.services import StoryError
from marketplace.vetting import services as vetting
from marketplace.vetting.services import VettingError

from .factories import PASSWORD, make_area, make_mentorship, make_profile, make_story, make_user
from .test_requests import make_request

ADMINS_ONLY = "Only an admin can do this."
MENTOR_ONLY = "Only the mentor this request was sent to can answer it."


def everything():
    """Every row of every table: what a refused command must leave as it was."""
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}


PEOPLE = ("mentee", "mentor", "outsider", "admin", "external")


@pytest.fixture
def people(app_ctx, admin):
    """A mentee, a listed mentor with the mentee's open request, an outsider who is
    neither, an admin and an external person without a profile (all users, loaded)."""
    area = make_area()
    mentee, mentor, outsider = make_user(), make_user(), make_user()
    external = make_user(affiliation="external", company="Elsewhere Srl")
    profile = make_profile(mentor, areas=[area])
    request_id = make_request(mentee.id, profile.id, area.id)
    return {"mentee": db.session.get(User, mentee.id), "mentor": db.session.get(User, mentor.id),
            "outsider": db.session.get(User, outsider.id),
            "admin": db.session.get(User, admin.id),
            "external": db.session.get(User, external.id), "area": area, "profile": profile,
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


def _invitation_to(email, inviter, token):
    """An open invitation to `email` whose link carries `token`."""
    now = utcnow()
    invitation = Invitation(inviter=inviter, email=email, name="Marco", message="",
                            language="en", token_hash=hash_token(token), created_at=now,
                            sent_at=now, expires_at=now + timedelta(days=14))
    db.session.add(invitation)
    db.session.flush()
    return invitation


def _accept(p, email):
    """Taking up an invitation to `email`, sent by the mentee, with an account."""
    _invitation_to(email, p["mentee"], "a-token")
    return lambda actor: invitations.accept_as("a-token", actor=actor)


def _notification(user):
    notification = Notification(user_id=user.id, kind="story_published", link="/stories")
    db.session.add(notification)
    db.session.flush()
    return notification


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
    "invite": (
        lambda p: lambda actor: invitations.invite(
            actor=actor, name="Marco", email="marco@outside.example.com",
            message="Come and mentor.", language="en"),
        ("external",), InvitationError,
        "Invitations are for the company's own people, to find their mentor."),
    "accept_invitation": (
        lambda p: _accept(p, "marco@outside.example.com"),
        ("mentee", "mentor", "outsider", "admin", "external"), InvitationError,
        "This invitation link no longer works."),
    "mark_read": (
        lambda p: (lambda notification: lambda actor: notifications.mark_read(
            notification, actor=actor))(_notification(p["mentee"])),
        ("mentor", "outsider", "admin"), NotificationError,
        "Only the person a notification is for can mark it read."),
    "change_password": (
        lambda p: lambda actor: accounts.change_password(
            actor=actor, current_password="not the password at all",
            new_password="a brand new passphrase"),
        ("mentee", "admin"), AccountError, "Your current password is incorrect."),
    "delete_account": (
        lambda p: lambda actor: privacy.delete_account(actor=actor, password="not it at all"),
        ("mentee", "admin"), AccountError, "Your password is incorrect."),
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


# Commands on one's own account ------------------------------------------------------------

def state_of(user_id):
    """What the commands below may change about a person, read from the database."""
    db.session.expire_all()
    user = db.session.get(User, user_id)
    profile = mentors.profile_of(user)
    return {
        "password": user.password_hash,
        "sessions": user.session_token,
        "account": (user.email, user.full_name, user.language, user.timezone, user.region,
                    user.job_title, user.manager_id, user.active, user.deleted_at),
        "looking_for": (sorted(area.id for area in user.interests), user.desired_hours),
        "preferences": [notifications.Preferences.wants(user, category)
                        for category in notifications.CATEGORIES],
        "unread": notification_queries.unread_count(user),
        "profile": None if profile is None else (
            profile.status, profile.capacity, profile.monthly_hours, profile.working_style,
            [(revision.id, revision.status) for revision in mentor_queries.history(profile)]),
        "invited": sorted(db.session.scalars(select(Invitation.id).where(
            Invitation.inviter_id == user_id))),
        "invited_by": sorted(db.session.scalars(select(Invitation.id).where(
            Invitation.invitee_id == user_id))),
    }


def _area_of(p):
    return db.session.get(FocusArea, p["area"].id)


def _everyone_has_unread(p):
    for name in PEOPLE:
        _notification(p[name])
    return lambda actor: notifications.mark_all_read(actor=actor)


def _save_profile(p):
    return lambda actor: mentors.save_profile(actor=actor, content={
        "headline_en": "Pricing, from the field", "headline_it": None,
        "bio_en": "Twenty years of pricing deals.", "bio_it": None, "areas": [_area_of(p)],
        "affiliation": "internal", "company": None, "confidentiality": False,
        "conflicts": None,
    }, details={
        "years_experience": 20, "region": "it-north", "working_style": "Monthly calls.",
        "motivation": "Giving back.", "capacity": 2, "monthly_hours": 4, "accepting": True,
        "languages": ["en"], "formats": ["video"],
    })


# service: (the service, how to call it with a given actor, what it changes of theirs)
OWN = {
    "change_password": (
        accounts.change_password,
        lambda p: lambda actor: accounts.change_password(
            actor=actor, current_password=PASSWORD, new_password="a brand new passphrase"),
        "password"),
    "update_account": (
        accounts.update_account,
        lambda p: lambda actor: accounts.update_account(
            actor=actor, full_name="Someone Else", language="it", timezone="Europe/Rome",
            region="it-north", job_title="Account executive",
            manager_email=p["mentor"].email),
        "account"),
    "set_looking_for": (
        accounts.set_looking_for,
        lambda p: lambda actor: accounts.set_looking_for(actor=actor, areas=[_area_of(p)],
                                                         hours=6),
        "looking_for"),
    "set_language": (
        accounts.set_language,
        lambda p: lambda actor: accounts.set_language(actor=actor, language="it"),
        "account"),
    "record_logout": (
        accounts.record_logout,
        lambda p: lambda actor: accounts.record_logout(actor=actor),
        "sessions"),
    "set_preferences": (
        notifications.set_preferences,
        lambda p: lambda actor: notifications.set_preferences(
            actor=actor, **dict.fromkeys(notifications.CATEGORIES, False)),
        "preferences"),
    "mark_all_read": (notifications.mark_all_read, _everyone_has_unread, "unread"),
    "save_profile": (mentors.save_profile, _save_profile, "profile"),
    "invite": (
        invitations.invite,
        lambda p: lambda actor: invitations.invite(
            actor=actor, name="Marco", email="marco@outside.example.com",
            message="Come and mentor.", language="en"),
        "invited"),
    "accept_invitation": (
        invitations.accept_as, lambda p: _accept(p, p["outsider"].email), "invited_by"),
    "delete_account": (
        privacy.delete_account,
        lambda p: lambda actor: privacy.delete_account(actor=actor, password=PASSWORD),
        "account"),
}


@pytest.mark.parametrize("service", list(OWN))
def test_a_command_on_ones_own_account_changes_the_actors_data_only(people, service):
    function, prepare, changed = OWN[service]
    assert "user" not in inspect.signature(function).parameters
    call = prepare(people)
    db.session.commit()
    before = {name: state_of(people[name].id) for name in PEOPLE}
    call(people["outsider"])
    db.session.flush()
    after = {name: state_of(people[name].id) for name in PEOPLE}
    assert after["outsider"][changed] != before["outsider"][changed]
    for name in PEOPLE:
        if name != "outsider":
            assert after[name] == before[name], name


def _services_modules():
    for module in pkgutil.iter_modules(marketplace.__path__):
        try:
            yield importlib.import_module(f"marketplace.{module.name}.services")
        except ModuleNotFoundError:
            continue


def test_every_service_takes_its_actor_by_keyword():
    """`actor=` is always named at the call, so no caller passes the wrong user by
    position (private helpers that check an actor they are handed may take it first)."""
    positional = [
        f"{module.__name__}.{name}"
        for module in _services_modules()
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
        and "actor" in inspect.signature(function).parameters
        and inspect.signature(function).parameters["actor"].kind
        is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == []
    assert all(inspect.signature(function).parameters["actor"].kind
               is inspect.Parameter.KEYWORD_ONLY for function, _call, _changed in OWN.values())
