"""Inviting a mentor from outside the company: the rep's invitations and
their states, the invitee's link and sign-up, what follows vetting, admins' view."""

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.accounts.models import EXTERNAL, User
from marketplace.accounts.services import AccountError
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import utcnow
from marketplace.core.ops import redact
from marketplace.extensions import db
from marketplace.invitations import queries, services
from marketplace.invitations.models import (
    APPROVED,
    CANCELLED,
    EXPIRED,
    IN_VETTING,
    NOT_APPROVED,
    OPENED,
    REGISTERED,
    SENT,
    STATES,
    Invitation,
)
from marketplace.mentors.models import (
    CHANGES_REQUESTED,
    DRAFT,
    PENDING,
    REJECTED,
    MentorProfile,
)
from marketplace.mentorships.models import MentorshipRequest
from marketplace.notifications.models import Notification
from marketplace.privacy.services import delete_account, export_data
from marketplace.program.services import settings
from marketplace.vetting.services import decide
from marketplace.web.labels import INVITATION_STATE_LABELS as STATE_LABELS

from .builders import submit
from .factories import PASSWORD, make_area, make_profile, make_user
from .helpers import count, flashed, get, login_client, run_together

MESSAGE = "You taught me <b>negotiation</b> at Acme; I want to get better at closing."
NEW_PASSWORD = "violet harbour lantern nine"
LINK = re.compile(r"https?://[^\s\"]+/invitations/([\w-]+)")

# An invitation is its mail: the tests take the link from the mail as it is sent.
pytestmark = pytest.mark.usefixtures("outbox")


def invite(rep, email="marco@outside.example.com", name="Marco Bianchi", language="en"):
    """An invitation through the service, committed: (invitation id, its token)."""
    invitation = services.invite(actor=db.session.get(User, rep.id), name=name, email=email,
                                 message=MESSAGE, language=language)
    db.session.commit()
    return invitation.id, last_token(invitation.email)


def last_token(email):
    """The token of the last invitation link sent to `email`."""
    mails = [m for m in current_app.extensions.get("mail_outbox", []) if m.to == email]
    return LINK.search(mails[-1].text).group(1)


def accept(token, **changes):
    values = {"full_name": "Marco Bianchi", "password": NEW_PASSWORD, "language": "en",
              "company": "Bianchi Consulting", **changes}
    user = services.accept(token, **values)
    db.session.commit()
    return user


def state_of(invitation_id):
    [row] = queries.with_states([get(Invitation, invitation_id)])
    return row.state


def t(app, language, message, **params):
    with app.test_request_context(), force_locale(language):
        return gettext(message, **params)


@pytest.fixture
def rep(app):
    with app.app_context():
        return make_user(email="rita@example.com", full_name="Rita Rossi", language="it")


# Sending -------------------------------------------------------------------------------

class TestInvite:
    def test_sends_a_link_in_the_chosen_language_with_a_line_in_the_other(
            self, app, app_ctx, rep, outbox):
        invitation_id, token = invite(rep, language="it")
        invitation = get(Invitation, invitation_id)
        assert (invitation.email, invitation.name, invitation.message, invitation.language) \
            == ("marco@outside.example.com", "Marco Bianchi", MESSAGE, "it")
        assert invitation.token_hash != token and len(token) >= 40
        assert invitation.expires_at - invitation.sent_at == timedelta(days=14)
        [mail] = outbox
        assert mail.subject == "Rita Rossi vorrebbe averti come mentore"
        assert "Ciao Marco," in mail.text and MESSAGE in mail.text
        # The other language's line, in English.
        assert ("Rita Rossi has invited you to be their mentor: the page behind the link "
                "is in English too.") in mail.text
        # Escaped in the HTML part, as written in the text part.
        assert "&lt;b&gt;negotiation&lt;/b&gt;" in mail.html and "<b>" not in mail.html
        assert state_of(invitation_id) == SENT
        assert count(AuditEvent, AuditEvent.action == "invitation.sent") == 1

    def test_an_english_invitation_has_its_italian_line(self, app, app_ctx, rep, outbox):
        invite(rep, language="en")
        [mail] = outbox
        assert mail.subject == "Rita Rossi invites you to be their mentor"
        assert "la pagina a cui porta il link è anche in italiano" in mail.text

    def test_address_stored_lower_case(self, app, app_ctx, rep):
        invitation_id, _token = invite(rep, email="  Marco@Outside.Example.com ")
        assert get(Invitation, invitation_id).email == "marco@outside.example.com"

    def test_an_address_with_an_account_points_to_its_listed_profile(self, app, app_ctx, rep,
                                                                      outbox):
        giulia = make_user(email="giulia@example.com", full_name="Giulia Greco")
        profile = make_profile(giulia)
        with pytest.raises(services.AlreadyRegistered) as raised:
            services.invite(actor=db.session.get(User, rep.id), name="G",
                            email="GIULIA@example.com", message=MESSAGE, language="en")
        assert raised.value.profile.id == profile.id
        assert raised.value.message == "Giulia Greco already has an account here."
        db.session.rollback()
        assert count(Invitation) == 0 and outbox == []

    @pytest.mark.parametrize("status", [None, PENDING])
    def test_an_account_without_a_listed_profile_has_none_to_show(self, app, app_ctx, rep,
                                                                   status):
        bruno = make_user(email="bruno@example.com")
        if status:
            make_profile(bruno, status=status)
        with pytest.raises(services.AlreadyRegistered) as raised:
            services.invite(actor=db.session.get(User, rep.id), name="B", email="bruno@example.com",
                            message=MESSAGE, language="en")
        assert raised.value.profile is None
        assert raised.value.message == "This person already has an account here."

    def test_external_people_do_not_invite(self, app, app_ctx):
        outsider = make_user(affiliation=EXTERNAL, company="Elsewhere Srl")
        with pytest.raises(services.InvitationError, match="company's own people"):
            invite(outsider)

    def test_one_open_invitation_per_address(self, app, app_ctx, rep):
        invite(rep)
        with pytest.raises(services.InvitationError, match="already invited this person"):
            invite(rep, email="MARCO@outside.example.com")

    def test_someone_else_may_invite_the_same_person(self, app, app_ctx, rep):
        invite(rep)
        other = make_user()
        invite(other)
        assert count(Invitation) == 2

    def test_open_invitations_are_limited_by_the_setting(self, app, app_ctx, rep):
        settings().max_open_invitations = 2
        db.session.commit()
        invite(rep, email="a@example.net")
        invite(rep, email="b@example.net")
        with pytest.raises(services.InvitationError) as raised:
            invite(rep, email="c@example.net")
        assert raised.value.message == ("You already have 2 open invitations, the most "
                                        "allowed. Cancel one or wait until one is accepted.")

    def test_cancelled_expired_and_accepted_ones_do_not_count(self, app, app_ctx, rep):
        settings().max_open_invitations = 1
        db.session.commit()
        first, _token = invite(rep, email="a@example.net")
        services.cancel(get(Invitation, first), actor=db.session.get(User, rep.id))
        db.session.commit()
        second, _token = invite(rep, email="b@example.net")
        get(Invitation, second).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        _third, token = invite(rep, email="c@example.net")
        accept(token)
        invite(rep, email="d@example.net")
        assert services.open_count(db.session.get(User, rep.id)) == 1

    def test_default_limit_is_three(self, app, app_ctx):
        assert settings().max_open_invitations == 3

    def test_unknown_language_refused(self, app, app_ctx, rep):
        with pytest.raises(services.InvitationError):
            invite(rep, language="fr")


# States ----------------------------------------------------------------------------------

class TestStates:
    def test_from_sent_to_approved(self, app, app_ctx, rep, admin):
        invitation_id, token = invite(rep)
        assert state_of(invitation_id) == SENT
        db.session.commit()  # it writes on a connection of its own
        services.mark_opened(invitation_id)
        assert state_of(invitation_id) == OPENED
        opened_at = get(Invitation, invitation_id).opened_at
        db.session.commit()
        services.mark_opened(invitation_id)  # the first time only
        assert get(Invitation, invitation_id).opened_at == opened_at
        marco = accept(token)
        assert state_of(invitation_id) == REGISTERED
        profile = make_profile(db.session.get(User, marco.id), status=PENDING)
        assert state_of(invitation_id) == IN_VETTING
        decide(db.session.get(MentorProfile, profile.id), actor=db.session.get(User, admin.id),
               decision="approve")
        db.session.commit()
        assert state_of(invitation_id) == APPROVED
        [row] = queries.sent_by(db.session.get(User, rep.id))
        assert row.listed_profile_id == profile.id

    def test_expired(self, app, app_ctx, rep):
        invitation_id, _token = invite(rep)
        get(Invitation, invitation_id).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert state_of(invitation_id) == EXPIRED

    @pytest.mark.parametrize("status, state", [
        (PENDING, IN_VETTING), (CHANGES_REQUESTED, IN_VETTING), (REJECTED, NOT_APPROVED),
        (DRAFT, REGISTERED)])
    def test_the_invitees_profile_decides_once_registered(self, app, app_ctx, rep, status,
                                                           state):
        invitation_id, token = invite(rep)
        marco = accept(token)
        make_profile(get(User, marco.id), status=status)
        assert state_of(invitation_id) == state

    def test_cancelled(self, app, app_ctx, rep):
        invitation_id, _token = invite(rep)
        services.cancel(get(Invitation, invitation_id), actor=db.session.get(User, rep.id))
        db.session.commit()
        assert state_of(invitation_id) == CANCELLED
        assert not get(Invitation, invitation_id).cancelled_by_admin


# Resend and cancel -----------------------------------------------------------------------

class TestResendAndCancel:
    def test_resend_sends_a_new_link_and_voids_the_old_one(self, app, app_ctx, rep, outbox):
        invitation_id, old = invite(rep)
        get(Invitation, invitation_id).expires_at = utcnow() + timedelta(days=1)
        db.session.commit()
        services.resend(get(Invitation, invitation_id), actor=db.session.get(User, rep.id))
        db.session.commit()
        new = last_token("marco@outside.example.com")
        assert len(outbox) == 2 and new != old
        assert services.invitation_for(old) is None
        assert services.invitation_for(new).id == invitation_id
        assert get(Invitation, invitation_id).expires_at > utcnow() + timedelta(days=13)

    def test_an_expired_invitation_can_be_sent_again_within_the_limit(self, app, app_ctx,
                                                                      rep):
        settings().max_open_invitations = 1
        db.session.commit()
        first, _token = invite(rep, email="a@example.net")
        get(Invitation, first).expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
        second, _token = invite(rep, email="b@example.net")
        with pytest.raises(services.InvitationError, match="1 open invitation, the most"):
            services.resend(get(Invitation, first), actor=db.session.get(User, rep.id))
        db.session.rollback()
        services.cancel(get(Invitation, second), actor=db.session.get(User, rep.id))
        services.resend(get(Invitation, first), actor=db.session.get(User, rep.id))
        db.session.commit()
        assert state_of(first) == SENT

    @pytest.mark.parametrize("how", ["accepted", "cancelled"])
    def test_nothing_to_resend_or_cancel_once_accepted_or_cancelled(self, app, app_ctx, rep,
                                                                     how):
        invitation_id, token = invite(rep)
        actor = db.session.get(User, rep.id)
        if how == "accepted":
            accept(token)
        else:
            services.cancel(get(Invitation, invitation_id), actor=actor)
            db.session.commit()
        with pytest.raises(services.InvitationError):
            services.resend(get(Invitation, invitation_id), actor=actor)
        db.session.rollback()
        with pytest.raises(services.InvitationError):
            services.cancel(get(Invitation, invitation_id), actor=actor)

    def test_no_resend_to_an_address_that_has_signed_up_meanwhile(self, app, app_ctx, rep,
                                                                   outbox):
        invitation_id, _token = invite(rep)
        make_user(email="marco@outside.example.com")
        with pytest.raises(services.AlreadyRegistered):
            services.resend(get(Invitation, invitation_id), actor=get(User, rep.id))
        assert len(outbox) == 1

    def test_no_resend_of_an_expired_one_when_invited_again(self, app, app_ctx, rep):
        old, _token = invite(rep)
        get(Invitation, old).expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
        invite(rep)  # the same address again, as a new invitation
        with pytest.raises(services.InvitationError, match="already invited this person"):
            services.resend(get(Invitation, old), actor=get(User, rep.id))

    def test_an_admin_revoking_tells_the_rep(self, app, app_ctx, rep, admin):
        invitation_id, _token = invite(rep)
        services.cancel(get(Invitation, invitation_id), actor=get(User, admin.id))
        db.session.commit()
        [notification] = db.session.scalars(select(Notification).where(
            Notification.user_id == rep.id)).all()
        assert (notification.kind, notification.params, notification.link) == (
            "invitation_revoked", {"name": "Marco Bianchi"}, "/invitations")

    def test_cancelling_voids_the_link(self, app, app_ctx, rep):
        invitation_id, token = invite(rep)
        services.cancel(get(Invitation, invitation_id), actor=db.session.get(User, rep.id))
        db.session.commit()
        assert services.invitation_for(token) is None
        with pytest.raises(services.InvitationError):
            accept(token)

    def test_own_invitation_only(self, app, app_ctx, rep):
        invitation_id, _token = invite(rep)
        other = make_user()
        assert queries.own_invitation(db.session.get(User, other.id), invitation_id) is None
        assert queries.own_invitation(db.session.get(User, rep.id), invitation_id).id \
            == invitation_id


# The invitee's sign-up ---------------------------------------------------------------------

class TestAccept:
    def test_creates_a_confirmed_external_account(self, app, app_ctx, rep):
        invitation_id, token = invite(rep)
        marco = accept(token, language="it")
        user = get(User, marco.id)
        assert (user.email, user.full_name, user.affiliation, user.company, user.language) \
            == ("marco@outside.example.com", "Marco Bianchi", EXTERNAL, "Bianchi Consulting",
                "it")
        assert user.is_verified and user.timezone == "Europe/Rome"
        invitation = get(Invitation, invitation_id)
        assert invitation.invitee_id == marco.id and invitation.accepted_at is not None
        assert count(AuditEvent, AuditEvent.action == "invitation.accepted") == 1

    def test_the_link_works_once(self, app, app_ctx, rep):
        _invitation_id, token = invite(rep)
        accept(token)
        with pytest.raises(services.InvitationError):
            accept(token, full_name="Someone Else")
        assert count(User) == 2

    @pytest.mark.parametrize("token", ["", "nope", "x" * 43])
    def test_unknown_links_do_nothing(self, app, app_ctx, rep, token):
        invite(rep)
        with pytest.raises(services.InvitationError):
            accept(token)

    def test_an_expired_link_does_nothing(self, app, app_ctx, rep):
        invitation_id, token = invite(rep)
        get(Invitation, invitation_id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        with pytest.raises(services.InvitationError):
            accept(token)

    def test_a_deactivated_inviter_voids_the_link(self, app, app_ctx, rep):
        _invitation_id, token = invite(rep)
        get(User, rep.id).active = False
        db.session.commit()
        assert services.invitation_for(token) is None

    def test_the_password_rules_apply(self, app, app_ctx, rep):
        _invitation_id, token = invite(rep)
        with pytest.raises(AccountError) as raised:
            accept(token, password="short")
        assert raised.value.field == "password"
        db.session.rollback()
        assert services.invitation_for(token) is not None  # still usable

    def test_an_address_registered_in_the_meantime(self, app, app_ctx, rep):
        _invitation_id, token = invite(rep)
        make_user(email="marco@outside.example.com")
        with pytest.raises(AccountError, match="already an account"):
            accept(token)

    def test_an_existing_account_takes_it_up(self, app, app_ctx, rep):
        invitation_id, token = invite(rep)
        marco = make_user(email="marco@outside.example.com")
        stranger = make_user()
        with pytest.raises(services.InvitationError):
            services.accept_as(token, actor=get(User, stranger.id))
        db.session.rollback()
        services.accept_as(token, actor=get(User, marco.id))
        db.session.commit()
        assert get(Invitation, invitation_id).invitee_id == marco.id
        assert state_of(invitation_id) == REGISTERED
        with pytest.raises(services.InvitationError):  # once
            services.accept_as(token, actor=get(User, marco.id))

    def test_other_reps_open_invitations_follow_the_invitee(self, app, app_ctx, rep, admin):
        mine, token = invite(rep)
        other_rep = make_user(full_name="Olga Other")
        theirs, _token = invite(other_rep)
        marco = accept(token)
        assert get(Invitation, theirs).invitee_id == marco.id
        profile = make_profile(get(User, marco.id), status=PENDING)
        decide(db.session.get(MentorProfile, profile.id), actor=db.session.get(User, admin.id),
               decision="approve")
        db.session.commit()
        told = db.session.scalars(select(Notification.user_id).where(
            Notification.kind == "invited_mentor_approved")).all()
        assert sorted(told) == sorted([rep.id, other_rep.id])
        assert state_of(mine) == state_of(theirs) == APPROVED


# After vetting ---------------------------------------------------------------------------

class TestAfterVetting:
    @pytest.fixture
    def invited(self, app, rep, admin):
        """Marco accepted Rita's invitation and his profile waits for review."""
        with app.app_context():
            invitation_id, token = invite(rep)
            marco = accept(token)
            area = make_area()
            profile = make_profile(get(User, marco.id), status=PENDING, areas=[area])
            return invitation_id, make_detached(marco), profile, area

    def approve(self, profile, admin):
        decide(db.session.get(MentorProfile, profile.id), actor=db.session.get(User, admin.id),
               decision="approve")
        db.session.commit()

    def test_the_rep_is_told_in_their_language(self, app, app_ctx, rep, admin, invited,
                                               outbox):
        invitation_id, marco, profile, _area = invited
        self.approve(profile, admin)
        [notification] = db.session.scalars(select(Notification).where(
            Notification.user_id == rep.id)).all()
        assert notification.kind == "invited_mentor_approved"
        assert notification.link == f"/mentors/{profile.id}"
        [mail] = [m for m in outbox if m.to == rep.email]
        assert mail.subject == "Il profilo da mentore di Marco Bianchi è approvato"
        assert get(Invitation, invitation_id).approved_at is not None

    def test_told_once(self, app, app_ctx, rep, admin, invited):
        _invitation_id, marco, profile, _area = invited
        self.approve(profile, admin)
        assert services.mentor_approved(get(MentorProfile, profile.id)) == []
        assert count(Notification, Notification.kind == "invited_mentor_approved") == 1

    def test_not_told_when_the_profile_is_turned_down(self, app, app_ctx, rep, admin, invited):
        _invitation_id, _marco, profile, _area = invited
        decide(db.session.get(MentorProfile, profile.id), actor=db.session.get(User, admin.id),
               decision="reject", notes="Not a fit.")
        db.session.commit()
        assert count(Notification, Notification.kind == "invited_mentor_approved") == 0

    def test_the_request_notes_the_invitation(self, app, app_ctx, rep, admin, invited):
        invitation_id, _marco, profile, area = invited
        self.approve(profile, admin)
        request_id = submit(rep.id, profile.id, area.id)
        assert get(MentorshipRequest, request_id).invitation_id == invitation_id

    def test_other_requests_do_not(self, app, app_ctx, rep, admin, invited):
        _invitation_id, _marco, profile, area = invited
        self.approve(profile, admin)
        other = make_user()
        request_id = submit(other.id, profile.id, area.id)
        assert get(MentorshipRequest, request_id).invitation_id is None

    def test_the_mentor_page_offers_the_inviter_the_request_form(self, app, rep, admin,
                                                                 invited):
        _invitation_id, marco, profile, area = invited
        with app.app_context():
            self.approve(profile, admin)
        browser = login_client(app, rep.email)
        page = browser.get(f"/mentors/{profile.id}").get_data(as_text=True)
        assert "Hai invitato Marco Bianchi nel programma" in page
        assert f'href="/mentors/{profile.id}/request"' in page
        other = login_client(app, make_user_in(app).email)
        assert "invited" not in other.get(f"/mentors/{profile.id}").get_data(as_text=True)

    def test_both_sides_see_the_invitation_on_the_request(self, app, rep, admin, invited):
        _invitation_id, marco, profile, area = invited
        with app.app_context():
            self.approve(profile, admin)
            submit(rep.id, profile.id, area.id)
        mentor = app.test_client()
        mentor.submit("/auth/login", data={"email": marco.email, "password": NEW_PASSWORD})
        mentor_page = mentor.get("/requests").get_data(as_text=True)
        assert "Rita Rossi invited you to the program" in mentor_page
        rep_page = login_client(app, rep.email).get("/requests").get_data(as_text=True)
        assert "Hai invitato tu questo mentore nel programma" in rep_page


def make_detached(user):
    return SimpleNamespace(id=user.id, email=user.email)


def make_user_in(app):
    with app.app_context():
        return make_user()


# Views: the rep ------------------------------------------------------------------------------

class TestRepViews:
    def form(self, **changes):
        return {"name": "Marco Bianchi", "email": "marco@outside.example.com",
                "message": MESSAGE, "language": "en", **changes}

    def test_needs_a_login(self, client):
        response = client.get("/invitations")
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/auth/login"

    def test_page_and_empty_state(self, app, client, auth, rep):
        auth.login(rep.email)
        page = client.get("/invitations").get_data(as_text=True)
        assert "Invita un mentore esterno all’azienda" in page
        assert "Non hai ancora invitato nessuno." in page
        # The email's language starts as the rep's.
        assert re.search(r'<input checked[^>]*name="language"[^>]*value="it"', page)

    def test_send(self, app, client, auth, rep, outbox):
        auth.login(rep.email)
        response = client.submit("/invitations", data=self.form())
        assert response.status_code == 302 and response.location.endswith("/invitations")
        assert flashed(client) == [
            "Abbiamo inviato il tuo invito all’indirizzo marco@outside.example.com. Ti "
            "avviseremo quando Marco Bianchi sarà un mentore approvato."]
        with app.app_context():
            assert count(Invitation, Invitation.inviter_id == rep.id) == 1
        assert [mail.to for mail in outbox] == ["marco@outside.example.com"]
        page = client.get("/invitations").get_data(as_text=True)
        assert "Inviato, non ancora aperto" in page
        assert "&lt;b&gt;negotiation&lt;/b&gt;" in page

    @pytest.mark.parametrize("changes, error", [
        ({"message": ""}, "Scrivi un messaggio: perché proprio questa persona e su cosa "
                          "speri di lavorare insieme."),
        ({"email": "not an address"}, "Inserisci un indirizzo email valido, come "
                                      "nome@esempio.it."),
        ({"language": "fr"}, "Scelta non valida."),
    ])
    def test_bad_input_is_shown_next_to_the_field(self, app, client, auth, rep, outbox,
                                                  changes, error):
        auth.login(rep.email)
        response = client.submit("/invitations", data=self.form(**changes))
        assert response.status_code == 422
        assert error in response.get_data(as_text=True)
        with app.app_context():
            assert count(Invitation) == 0

    def test_an_address_with_an_account_links_to_its_profile(self, app, client, auth, rep):
        with app.app_context():
            profile = make_profile(make_user(email="giulia@example.com",
                                             full_name="Giulia Greco"))
        auth.login(rep.email)
        response = client.submit("/invitations", data=self.form(email="giulia@example.com"))
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Giulia Greco ha già un account qui." in page
        assert f'href="/mentors/{profile.id}"' in page
        with app.app_context():
            assert count(Invitation) == 0

    def test_the_limit_is_a_clear_message(self, app, client, auth, rep):
        with app.app_context():
            settings().max_open_invitations = 1
            db.session.commit()
            invite(rep)
        auth.login(rep.email)
        response = client.submit("/invitations", data=self.form(email="other@example.net"))
        assert response.status_code == 200
        assert ("Hai già 1 invito aperto, il massimo consentito. Annullalo o aspetta che "
                "venga accettato.") in response.get_data(as_text=True)
        with app.app_context():
            assert count(Invitation) == 1

    def test_resend_and_cancel(self, app, client, auth, rep, outbox):
        with app.app_context():
            invitation_id, _token = invite(rep)
        auth.login(rep.email)
        response = client.submit(f"/invitations/{invitation_id}/resend")
        assert response.status_code == 302
        assert flashed(client) == [
            "Abbiamo inviato di nuovo l’invito all’indirizzo marco@outside.example.com, con un "
            "nuovo link."]
        assert len(outbox) == 2
        response = client.submit(f"/invitations/{invitation_id}/cancel")
        assert response.status_code == 302
        assert flashed(client) == [
            "L’invito per Marco Bianchi è stato annullato: il suo link non funziona più."]
        with app.app_context():
            assert get(Invitation, invitation_id).cancelled_at is not None
        client.submit(f"/invitations/{invitation_id}/cancel")
        assert flashed(client) == ["Questo invito è già stato accettato o annullato."]

    @pytest.mark.parametrize("action", ["resend", "cancel"])
    def test_someone_elses_invitation_is_not_found(self, app, client, auth, rep, action):
        with app.app_context():
            invitation_id, _token = invite(rep)
            other = make_user()
        auth.login(other.email)
        assert client.submit(f"/invitations/{invitation_id}/{action}").status_code == 404
        with app.app_context():
            assert get(Invitation, invitation_id).cancelled_at is None

    def test_sending_is_rate_limited(self, make_app, rep_in_new_app):
        app, rep_ = rep_in_new_app
        browser = login_client(app, rep_.email)
        codes = [browser.submit("/invitations", data=self.form(
            email=f"person{number}@example.net")).status_code for number in range(3)]
        assert codes == [302, 302, 429]

    def test_resending_draws_on_the_same_allowance(self, make_app, rep_in_new_app):
        app, rep_ = rep_in_new_app
        browser = login_client(app, rep_.email)
        assert browser.submit("/invitations", data=self.form()).status_code == 302
        with app.app_context():
            invitation_id = db.session.scalar(select(Invitation.id))
        codes = [browser.submit(f"/invitations/{invitation_id}/resend").status_code
                 for _ in range(2)]
        assert codes == [302, 429]

    def test_external_people_see_no_form(self, app, client, auth):
        with app.app_context():
            outsider = make_user(affiliation=EXTERNAL, company="Elsewhere Srl")
        auth.login(outsider.email)
        page = client.get("/invitations").get_data(as_text=True)
        assert 'name="message"' not in page
        assert "Invitations are for the company's own people" in page.replace("&#39;", "'")
        assert 'href="/invitations"' not in page  # nor the menu entry


@pytest.fixture
def rep_in_new_app(make_app, app):
    limited = make_app(INVITATION_LIMIT_PER_USER="2 per hour")
    with limited.app_context():
        return limited, make_user(email="limited@example.com")


# Views: the invitee ---------------------------------------------------------------------------

class TestInviteeViews:
    def signup(self, **changes):
        return {"full_name": "Marco Bianchi", "company": "Bianchi Consulting",
                "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "language": "it",
                **changes}

    def test_the_page_shows_who_invited_and_why(self, app, client, rep):
        with app.app_context():
            invitation_id, token = invite(rep, language="it")
        response = client.get(f"/invitations/{token}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Rita Rossi vorrebbe averti come mentore" in page  # the invitation's language
        assert "&lt;b&gt;negotiation&lt;/b&gt;" in page and "<b>negotiation" not in page
        assert "Cosa significa fare da mentore qui" in page
        assert 'value="Marco Bianchi"' in page
        with app.app_context():
            assert get(Invitation, invitation_id).opened_at is not None

    def test_sign_up_goes_straight_to_the_profile_form(self, app, client, rep):
        with app.app_context():
            invitation_id, token = invite(rep)
        client.get(f"/invitations/{token}")
        response = client.submit(f"/invitations/{token}", data=self.signup())
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/profile/mentor"
        assert flashed(client) == [t(
            app, "it", "Welcome, %(name)s! Tell the program about yourself: once the program "
            "team has reviewed your profile, %(inviter)s can ask you for mentoring.",
            name="Marco Bianchi", inviter="Rita Rossi")]
        assert client.get("/profile/mentor").status_code == 200  # logged in
        with app.app_context():
            user = db.session.scalar(select(User).where(
                User.email == "marco@outside.example.com"))
            assert user.is_external and user.is_verified and user.language == "it"
            assert get(Invitation, invitation_id).invitee_id == user.id

    def test_errors_keep_the_link_usable(self, app, client, rep):
        with app.app_context():
            _invitation_id, token = invite(rep)
        response = client.submit(f"/invitations/{token}",
                                 data=self.signup(confirm="something else entirely"))
        assert response.status_code == 422
        with app.app_context():
            assert services.invitation_for(token) is not None
            assert count(User) == 1

    def test_the_password_may_not_contain_the_address(self, app, client, rep):
        with app.app_context():
            _invitation_id, token = invite(rep)
        password = "marco@outside.example.com rules"
        response = client.submit(f"/invitations/{token}",
                                 data=self.signup(password=password, confirm=password))
        assert response.status_code == 422

    def invalid_page(self, client, path):
        page = client.get(path).get_data(as_text=True)
        return re.sub(r'value="[^"]+"', "", page)

    def test_unknown_used_expired_and_cancelled_links_look_the_same(self, app, rep):
        with app.app_context():
            _id, used = invite(rep, email="a@example.net")
            accept(used)
            expired_id, expired = invite(rep, email="b@example.net")
            get(Invitation, expired_id).expires_at = utcnow() - timedelta(seconds=1)
            cancelled_id, cancelled = invite(rep, email="c@example.net")
            services.cancel(get(Invitation, cancelled_id), actor=get(User, rep.id))
            db.session.commit()
        pages = {self.invalid_page(app.test_client(), f"/invitations/{token}")
                 for token in ("not-a-real-token", used, expired, cancelled)}
        assert len(pages) == 1
        [page] = pages
        assert "This invitation link no longer works" in page
        posted = app.test_client().submit(f"/invitations/{used}", data=self.signup())
        assert "This invitation link no longer works" in posted.get_data(as_text=True)

    def test_a_logged_in_visitor_gets_no_form(self, app, client, auth, rep):
        with app.app_context():
            invitation_id, token = invite(rep)
        auth.login(rep.email)
        page = client.get(f"/invitations/{token}").get_data(as_text=True)
        assert 'name="password"' not in page
        assert "Per accettare questo invito con un nuovo account da mentore" in page
        response = client.submit(f"/invitations/{token}", data=self.signup())
        assert response.status_code == 200
        with app.app_context():
            invitation = get(Invitation, invitation_id)
            assert (invitation.accepted_at, invitation.opened_at) == (None, None)
            assert count(User) == 1

    def test_an_invitee_with_an_account_logs_in_and_takes_it_up(self, app, client, auth,
                                                                rep):
        with app.app_context():
            invitation_id, token = invite(rep)
            marco = make_user(email="marco@outside.example.com", language="en")
        page = client.get(f"/invitations/{token}").get_data(as_text=True)
        assert 'name="password"' not in page
        assert f'href="/auth/login?next=/invitations/{token}"' in page
        response = client.submit(f"/auth/login?next=/invitations/{token}",
                                 data={"email": marco.email, "password": PASSWORD})
        assert urlsplit(response.location).path == f"/invitations/{token}"
        page = client.get(f"/invitations/{token}").get_data(as_text=True)
        assert "Take up the invitation" in page
        response = client.submit(f"/invitations/{token}")
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/profile/mentor"
        assert flashed(client) == [
            "The invitation is yours. Once the program team has approved your mentor "
            "profile, Rita Rossi can ask you for mentoring."]
        with app.app_context():
            invitation = get(Invitation, invitation_id)
            assert invitation.invitee_id == marco.id and invitation.opened_at is not None
        assert "This invitation link no longer works" in client.get(
            f"/invitations/{token}").get_data(as_text=True)

    def test_the_page_is_not_kept_by_browsers(self, app, client, rep):
        with app.app_context():
            _invitation_id, token = invite(rep)
        response = client.get(f"/invitations/{token}")
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"

    def test_sign_ups_are_rate_limited(self, make_app, app, rep):
        limited = make_app(INVITATION_SIGNUP_LIMIT_PER_ADDRESS="2 per hour",
                           MAIL_SEND_IMMEDIATELY=True)
        with limited.app_context():
            _invitation_id, token = invite(rep)
        browser = limited.test_client()
        codes = [browser.submit(f"/invitations/{token}", data=self.signup(
            confirm="does not match")).status_code for _ in range(3)]
        assert codes == [422, 422, 429]


# Admins -------------------------------------------------------------------------------------------

class TestAdmin:
    def test_list_and_revoke(self, app, client, auth, admin, rep):
        with app.app_context():
            invitation_id, token = invite(rep)
        auth.login(admin.email)
        page = client.get("/admin/invitations").get_data(as_text=True)
        assert "Marco Bianchi" in page and "Rita Rossi" in page
        response = client.submit(f"/admin/invitations/{invitation_id}/revoke")
        assert response.status_code == 302
        assert response.location.endswith("/admin/invitations")
        assert flashed(client) == [
            "The invitation to Marco Bianchi is revoked: its link no longer works."]
        with app.app_context():
            invitation = get(Invitation, invitation_id)
            assert invitation.cancelled_by_id == admin.id and invitation.cancelled_by_admin
            assert services.invitation_for(token) is None
        rep_page = login_client(app, rep.email).get("/invitations").get_data(as_text=True)
        assert "Annullato dal team del programma." in rep_page

    def test_empty_list(self, client, auth, admin):
        auth.login(admin.email)
        assert "No one has been invited yet." in client.get("/admin/invitations").get_data(
            as_text=True)

    def test_admins_only(self, client, auth, rep):
        auth.login(rep.email)
        assert client.get("/admin/invitations").status_code == 403
        assert client.submit("/admin/invitations/1/revoke").status_code == 403

    def test_unknown_invitation(self, client, auth, admin):
        auth.login(admin.email)
        assert client.submit("/admin/invitations/999/revoke").status_code == 404

    def test_dashboard_figures(self, app, client, auth, admin, rep):
        with app.app_context():
            invite(rep, email="a@example.net")
            invite(rep, email="b@example.net")
            _id, token = invite(rep, email="c@example.net")
            marco = accept(token)
            profile = make_profile(get(User, marco.id), status=PENDING)
            decide(get(MentorProfile, profile.id), actor=get(User, admin.id),
                   decision="approve")
            db.session.commit()
            today = utcnow()
            figures = queries.figures(today - timedelta(days=1), today + timedelta(days=1))
            assert (figures.sent, figures.accepted, figures.approved) == (3, 1, 1)
            assert figures.conversion == pytest.approx(1 / 3)
            empty = queries.figures(today - timedelta(days=9), today - timedelta(days=8))
            assert (empty.sent, empty.conversion) == (0, None)
        auth.login(admin.email)
        page = client.get("/admin").get_data(as_text=True)
        assert "Invitations to outside mentors" in page and "33%" in page


# Privacy -----------------------------------------------------------------------------------------

class TestPrivacy:
    def test_export_holds_the_invitations_without_their_token(self, app, app_ctx, rep):
        invite(rep)
        [exported] = export_data(get(User, rep.id))["invitations"]
        assert exported["email"] == "marco@outside.example.com"
        assert "token_hash" not in exported

    def test_deleting_the_account_deletes_the_invitations(self, app, app_ctx, rep):
        _id, token = invite(rep)
        delete_account(actor=get(User, rep.id), password=PASSWORD)
        db.session.commit()
        assert count(Invitation) == 0
        assert services.invitation_for(token) is None

    def test_an_invitee_who_leaves_is_no_longer_named(self, app, rep):
        with app.app_context():
            invitation_id, token = invite(rep)
            marco = accept(token)
            delete_account(actor=get(User, marco.id), password=NEW_PASSWORD)
            db.session.commit()
            invitation = get(Invitation, invitation_id)
            assert (invitation.name, invitation.email, invitation.message) == ("", "", MESSAGE)
        page = login_client(app, rep.email).get("/invitations").get_data(as_text=True)
        assert "Marco" not in page and "Utente eliminato" in page


@pytest.mark.parametrize("path, logged", [
    ("GET /invitations/Ab3-x_9 200", "GET /invitations/[redacted] 200"),
    ("/invitations/123abc", "/invitations/[redacted]"),
    ("POST /invitations/12/resend 302", "POST /invitations/12/resend 302"),
    ("/invitations/12", "/invitations/12"),
    ("/invitations", "/invitations"),
])
def test_invitation_links_never_reach_the_logs(path, logged):
    assert redact(path) == logged


# Two at once ----------------------------------------------------------------------------------

THREADS = 8


@pytest.fixture
def race_app(make_app, app):
    """The same database, with a connection for every thread."""
    with app.app_context():
        settings()
        db.session.commit()
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True,
                                               "pool_size": THREADS + 2, "max_overflow": 2},
                    MAIL_SEND_IMMEDIATELY=True)


def at_once(app, call):
    """call(index) in THREADS threads released together, each in its own app context
    and transaction: "ok" or the error's message, for each."""
    def work(index, barrier):
        with app.app_context():
            barrier.wait()
            try:
                call(index)
            except (services.InvitationError, AccountError) as error:
                db.session.rollback()
                return error.message
            db.session.commit()
            return "ok"
    return run_together(work, THREADS)


class TestConcurrency:
    def test_simultaneous_invitations_never_pass_the_limit(self, race_app, rep):
        with race_app.app_context():
            settings().max_open_invitations = 2
            db.session.commit()
        results = at_once(race_app, lambda index: services.invite(
            actor=db.session.get(User, rep.id), name=f"Person {index}",
            email=f"person{index}@example.net", message=MESSAGE, language="en"))
        assert results.count("ok") == 2
        assert set(results) == {"ok", "You already have 2 open invitations, the most "
                                      "allowed. Cancel one or wait until one is accepted."}
        with race_app.app_context():
            assert count(Invitation) == 2

    def test_simultaneous_sign_ups_with_one_link_make_one_account(self, race_app, rep):
        with race_app.app_context():
            _id, token = invite(rep)
        results = at_once(race_app, lambda index: services.accept(
            token, full_name=f"Marco {index}", password=NEW_PASSWORD, language="en",
            company=""))
        assert results.count("ok") == 1
        assert set(results) == {"ok", "This invitation link no longer works."}
        with race_app.app_context():
            assert count(User, User.email == "marco@outside.example.com") == 1


def test_every_state_has_its_words_in_both_languages(app):
    assert set(STATE_LABELS) == set(STATES)
    with app.test_request_context():
        for state in STATES:
            with force_locale("it"):
                italian = str(STATE_LABELS[state])
            with force_locale("en"):
                assert str(STATE_LABELS[state]) != italian, state
