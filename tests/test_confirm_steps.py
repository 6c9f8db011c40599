"""Issue 21, fix 6 and "Words and small things":
- withdrawing a request, cancelling an invitation and deactivating a user each ask first
  (a disclosure holding a short warning and the real submit, no script), with a
  secondary opener and a danger submit, never the primary button;
- "Make admin" is not offered for external people, and the admin service refuses it;
- one's own request reads "Where you are now", the mentor's copy "Where they are now";
- the program page refuses a pilot that starts after the rollout.
"""

import re
from datetime import date

import pytest
from flask_babel import force_locale, gettext

from marketplace.accounts import services as account_services
from marketplace.accounts.models import EXTERNAL, User
from marketplace.accounts.services import AccountError
from marketplace.admin import services as admin_services
from marketplace.extensions import db
from marketplace.invitations import services as invitation_services
from marketplace.invitations.models import Invitation
from marketplace.mentorships.models import MentorshipRequest
from marketplace.program import services as program_services
from marketplace.program.services import ProgramError, settings

from .builders import field_errors, italian, section, submit
from .factories import make_area, make_profile, make_user
from .helpers import flashed, get
from .test_program import default_parts, program_form


def confirm_step(page, action):
    """The HTML of the disclosure whose form posts to `action`; checks the opener is a
    secondary button, the submit a danger one, and no other form posts there."""
    assert page.count(f'action="{action}"') == 1, action
    form_at = page.index(f'action="{action}"')
    details_at = page.rindex('<details class="confirm">', 0, form_at)
    block = page[details_at:page.index("</details>", form_at)]
    opener = re.search(r'<summary class="([^"]*)"', block).group(1).split()
    assert "button" in opener and "button-secondary" in opener
    submit_button = re.search(r'<button type="submit" class="([^"]*)"', block).group(1)
    assert "button-danger" in submit_button.split()
    return block


@pytest.fixture
def request_world(app):
    """Sara sent Marco a request that waits for his answer."""
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor = make_user(email="marco@example.com", full_name="Marco Mentor")
        profile = make_profile(mentor, areas=[area])
        mentee = make_user(email="sara@example.com", full_name="Sara Seller")
        request_id = submit(mentee.id, profile.id, area.id)
        return mentor, mentee, request_id


# Withdraw a request --------------------------------------------------------------------

class TestWithdraw:
    def test_asks_first_with_a_danger_button(self, client, auth, request_world):
        _mentor, mentee, request_id = request_world
        auth.login(mentee.email)
        page = client.get("/requests").get_data(as_text=True)
        block = confirm_step(page, f"/requests/{request_id}/withdraw")
        assert "Withdraw your request to Marco Mentor? This cannot be undone" in block
        assert "Yes, withdraw it" in block

    def test_confirming_withdraws(self, app, client, auth, request_world):
        _mentor, mentee, request_id = request_world
        auth.login(mentee.email)
        response = client.submit(f"/requests/{request_id}/withdraw")
        assert response.status_code == 302 and response.location == "/requests"
        assert flashed(client) == ["Your request has been withdrawn."]
        with app.app_context():
            assert get(MentorshipRequest, request_id).status == "withdrawn"

    def test_italian(self, app, client, auth, request_world):
        _mentor, mentee, request_id = request_world
        with app.app_context():
            get(User, mentee.id).language = "it"
            db.session.commit()
        auth.login(mentee.email)
        page = client.get("/requests").get_data(as_text=True)
        block = confirm_step(page, f"/requests/{request_id}/withdraw")
        assert "Vuoi ritirare la tua richiesta? Marco Mentor non la vedrà più" in block
        assert italian(app, "Yes, withdraw it") in block


class TestWhereYouAreNow:
    def test_own_request_says_you_the_mentor_reads_they(self, app, client, auth,
                                                        request_world):
        mentor, mentee, _request_id = request_world
        auth.login(mentee.email)
        sent = section(client.get("/requests").get_data(as_text=True), "sent-title")
        assert "<dt>Where you are now</dt>" in sent and "Where they are now" not in sent
        auth.logout()
        auth.login(mentor.email)
        received = section(client.get("/requests").get_data(as_text=True), "received-title")
        assert "<dt>Where they are now</dt>" in received
        assert "Where you are now" not in received

    def test_italian(self, app):
        assert italian(app, "Where you are now") != italian(app, "Where they are now")


# Cancel an invitation --------------------------------------------------------------------

@pytest.fixture
def invitation(app, outbox):
    with app.app_context():
        rep = make_user(email="rita@example.com", full_name="Rita Rossi")
        sent = invitation_services.invite(
            actor=get(User, rep.id), name="Marco Bianchi", email="marco@outside.example.com",
            message="Marco led our biggest accounts for years; I would love his advice.",
            language="en")
        db.session.commit()
        return rep, sent.id


class TestCancelInvitation:
    def test_asks_first_with_a_danger_button(self, client, auth, invitation):
        rep, invitation_id = invitation
        auth.login(rep.email)
        page = client.get("/invitations").get_data(as_text=True)
        block = confirm_step(page, f"/invitations/{invitation_id}/cancel")
        assert "Cancel the invitation to Marco Bianchi?" in block
        assert "this cannot be undone" in block and "Yes, cancel it" in block
        # Sending it again is harmless: it stays a plain secondary button.
        assert f'action="/invitations/{invitation_id}/resend"' in page

    def test_confirming_cancels(self, app, client, auth, invitation):
        rep, invitation_id = invitation
        auth.login(rep.email)
        response = client.submit(f"/invitations/{invitation_id}/cancel")
        assert response.status_code == 302 and response.location == "/invitations"
        assert flashed(client) == [
            "The invitation to Marco Bianchi is cancelled: its link no longer works."]
        with app.app_context():
            assert get(Invitation, invitation_id).cancelled_at is not None


    def test_an_admin_revoking_asks_first(self, client, auth, admin, invitation):
        _rep, invitation_id = invitation
        auth.login(admin.email)
        page = client.get("/admin/invitations").get_data(as_text=True)
        block = confirm_step(page, f"/admin/invitations/{invitation_id}/revoke")
        assert ("Revoke the invitation to Marco Bianchi? Its link stops working at once "
                "and Rita Rossi is told; this cannot be undone.") in block
        assert "Yes, revoke it" in block


# The users page ------------------------------------------------------------------------

@pytest.fixture
def people(app):
    with app.app_context():
        inside = make_user(email="ivo@example.com", full_name="Ivo Inside")
        outside = make_user(email="olga@outside.example.net", full_name="Olga Outside",
                            affiliation=EXTERNAL)
        return inside, outside


class TestUsersPage:
    def test_deactivate_asks_first(self, client, auth, admin, people):
        inside, _outside = people
        auth.login(admin.email)
        page = client.get("/admin/users").get_data(as_text=True)
        block = confirm_step(page, f"/admin/users/{inside.id}/deactivate")
        assert "Deactivate Ivo Inside? They are logged out at once" in block
        assert "Yes, deactivate" in block

    def test_make_admin_only_offered_for_internal_people(self, client, auth, admin,
                                                         people):
        inside, outside = people
        auth.login(admin.email)
        page = client.get("/admin/users").get_data(as_text=True)
        assert f'action="/admin/users/{inside.id}/grant-admin"' in page
        assert f'action="/admin/users/{outside.id}/grant-admin"' not in page
        # The other actions are still there for the external person.
        assert f'action="/admin/users/{outside.id}/make-internal"' in page

    def test_confirming_deactivates(self, app, client, auth, admin, people):
        inside, _outside = people
        auth.login(admin.email)
        response = client.submit(f"/admin/users/{inside.id}/deactivate")
        assert response.status_code == 302 and response.location == "/admin/users"
        assert flashed(client) == ["Ivo Inside has been deactivated and logged out."]
        with app.app_context():
            assert not get(User, inside.id).active

    def test_view_refuses_make_admin_for_external(self, app, client, auth, admin, people):
        _inside, outside = people
        auth.login(admin.email)
        response = client.submit(f"/admin/users/{outside.id}/grant-admin")
        assert response.status_code == 302 and response.location == "/admin/users"
        assert flashed(client) == [
            "Olga Outside is external: only people inside the company can be admins."]
        with app.app_context():
            assert not get(User, outside.id).is_admin


class TestGrantAdminService:
    def test_refuses_an_external_account(self, app, app_ctx, admin, people):
        _inside, outside = people
        with pytest.raises(AccountError) as refused:
            admin_services.grant_admin(get(User, outside.id), actor=get(User, admin.id))
        assert refused.value.message == (
            "Olga Outside is external: only people inside the company can be admins.")
        assert not get(User, outside.id).is_admin

    def test_grants_an_internal_account(self, app, app_ctx, admin, people):
        inside, _outside = people
        admin_services.grant_admin(db.session.get(User, inside.id),
                                   actor=db.session.get(User, admin.id))
        db.session.commit()
        assert get(User, inside.id).is_admin

    def test_message_in_italian(self, app, admin, people):
        _inside, outside = people
        with app.test_request_context(), force_locale("it"):
            with pytest.raises(AccountError) as refused:
                admin_services.grant_admin(get(User, outside.id),
                                           actor=get(User, admin.id))
            assert refused.value.message == (
                "L’account di Olga Outside è esterno: solo chi lavora nell’azienda può "
                "essere admin.")


    def test_the_rule_is_the_accounts_service_s(self, app, app_ctx, admin, people):
        """The CLI and every other caller go through accounts.grant_admin: it refuses too."""
        _inside, outside = people
        with pytest.raises(AccountError):
            account_services.grant_admin(get(User, outside.id), actor=get(User, admin.id))
        assert not get(User, outside.id).is_admin

    def test_an_admin_is_not_made_external(self, app, app_ctx, admin, people):
        inside, _outside = people
        helper = get(User, inside.id)
        account_services.grant_admin(helper, actor=get(User, admin.id))
        db.session.commit()
        with pytest.raises(AccountError) as refused:
            admin_services.make_external(get(User, inside.id), actor=get(User, admin.id))
        assert refused.value.message == (
            "Ivo Inside is an admin: remove their admin rights first, as only people "
            "inside the company can be admins.")
        db.session.rollback()
        assert get(User, inside.id).affiliation != EXTERNAL


# The program's timeline ------------------------------------------------------------------

PILOT, ROLLOUT = date(2026, 3, 2), date(2026, 11, 22)
PILOT_AFTER_ROLLOUT = ("The pilot cannot start after the program opens to the whole sales "
                       "organisation: choose an earlier day, or change the other date.")


@pytest.fixture
def defaults(app):
    with app.test_request_context():
        return default_parts()


class TestTimelineService:
    def test_pilot_after_rollout_is_refused(self, app, request_ctx, admin):
        with pytest.raises(ProgramError) as refused:
            program_services.update_texts(actor=get(User, admin.id), texts={},
                                          pilot_starts_on=ROLLOUT, rollout_starts_on=PILOT)
        assert refused.value.message == PILOT_AFTER_ROLLOUT
        assert refused.value.field == "pilot_starts_on"
        assert settings().pilot_starts_on is None

    @pytest.mark.parametrize(("pilot", "rollout"), [
        (PILOT, ROLLOUT), (ROLLOUT, ROLLOUT), (ROLLOUT, None), (None, PILOT)])
    def test_in_order_or_open_is_saved(self, app, request_ctx, admin, pilot, rollout):
        program_services.update_texts(actor=get(User, admin.id), texts={},
                                      pilot_starts_on=pilot, rollout_starts_on=rollout)
        assert (settings().pilot_starts_on, settings().rollout_starts_on) == (pilot, rollout)

    def test_message_in_italian(self, app):
        assert italian(app, PILOT_AFTER_ROLLOUT).startswith("La fase pilota non può")


class TestTimelineView:
    def test_pilot_after_rollout_shows_the_error_on_the_field(self, app, client, auth,
                                                              admin, defaults):
        auth.login(admin.email)
        response = client.submit("/admin/program", data=program_form(
            defaults, pilot_starts_on=ROLLOUT.isoformat(),
            rollout_starts_on=PILOT.isoformat()))
        assert response.status_code == 422
        assert PILOT_AFTER_ROLLOUT in field_errors(response, "pilot_starts_on")
        page = response.get_data(as_text=True)
        assert 'value="2026-11-22"' in page  # what the admin typed is kept
        assert flashed(client) == []
        with app.app_context():
            assert settings().pilot_starts_on is None and settings().rollout_starts_on is None

    def test_in_order_is_saved(self, app, client, auth, admin, defaults):
        auth.login(admin.email)
        response = client.submit("/admin/program", data=program_form(
            defaults, pilot_starts_on=PILOT.isoformat(), rollout_starts_on=ROLLOUT.isoformat()))
        assert response.status_code == 302 and response.location == "/admin/program"
        assert flashed(client) == ["The program page has been saved."]
        with app.app_context():
            assert (settings().pilot_starts_on, settings().rollout_starts_on) == (PILOT,
                                                                                   ROLLOUT)

    def test_italian_page(self, app, client, auth, defaults):
        with app.app_context():
            make_user(email="capo@example.com", is_admin=True, language="it")
        auth.login("capo@example.com")
        response = client.submit("/admin/program", data=program_form(
            defaults, pilot_starts_on=ROLLOUT.isoformat(),
            rollout_starts_on=PILOT.isoformat()))
        assert response.status_code == 422
        with app.test_request_context(), force_locale("it"):
            expected = gettext(PILOT_AFTER_ROLLOUT)
        assert expected.replace("'", "&#39;") in field_errors(response, "pilot_starts_on")


# The dashboard's chart -------------------------------------------------------------------

class TestChart:
    """Labels and values are page text, never cut: a long Italian area name and a large
    number are shown whole, and the bars are in proportion (the largest is full width)."""

    LABEL = "Acquisizione e fidelizzazione dei clienti nei mercati internazionali"

    def render(self, app, items, language="en"):
        with app.test_request_context(), force_locale(language):
            macro = app.jinja_env.get_template("macros/charts.html").module.bars
            return str(macro("Ore registrate per area di sviluppo", items, unit=" h"))

    def test_long_labels_and_large_values_are_whole(self, app):
        chart = self.render(app, [(self.LABEL, 1234567.5), ("Negoziazione", 0.5)], "it")
        assert f'class="chart-label">{self.LABEL}: ' in chart
        assert '<strong class="chart-value">1.234.567,5 h</strong>' in chart
        assert re.findall(r'<rect width="([\d.]+)"', chart) == ["100.0", "0.0"]
        assert "<text" not in chart  # no SVG text that a viewBox could clip

    def test_bars_are_decoration_and_the_figure_is_named(self, app):
        chart = self.render(app, [("Accepted", 2), ("Declined", 1)])
        assert chart.count('aria-hidden="true"') == 2
        assert "<figcaption>Ore registrate per area di sviluppo</figcaption>" in chart
        assert re.findall(r'<rect width="([\d.]+)"', chart) == ["100.0", "50.0"]

    def test_empty_and_all_zero(self, app):
        assert "chart-row" not in self.render(app, [])
        assert re.findall(r'<rect width="([\d.]+)"', self.render(app, [("A", 0)])) == ["0.0"]
