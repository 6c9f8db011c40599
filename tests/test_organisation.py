"""The organisation, not the user, says who is inside (issue 19, "Who may join, and as
what" and "Who sees what").

- The settings hold the internal email domains (normalised, each checked), whether
  outside people may sign up on their own, and the company's name in both languages;
  every change is audited, and admins are told while no domain is set.
- Sign-up derives the affiliation from the address: internal domain → internal; any
  other address is refused with a page that says how outside mentors join (an
  invitation), unless outside sign-ups are on: then external, waiting for approval.
  Without any domain (a new installation) everyone signs up as internal, as before.
- An account waiting for approval sees its account page and nothing else until an
  admin approves it; admins list who waits, and check internal accounts outside the
  domains, with one action to make them external. Only admins change an affiliation.
- External and waiting accounts get a plain 404 from the mentor list, mentor pages and
  the request form, and no link to them; internal accounts and admins browse.
- Only confirmed internal accounts invite; the invitation mail names the company and
  quotes the inviter's words as theirs. The probe's abuse (a freemail account calling
  itself internal and mailing its own text through the product) fails.
"""

import html
import re

import pytest
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import EXTERNAL, INTERNAL, User
from marketplace.accounts.services import AccountError, OutsideAddress
from marketplace.core.audit import AuditEvent
from marketplace.extensions import db
from marketplace.invitations import services as invitations
from marketplace.invitations.models import Invitation
from marketplace.mentorships import services as mentorships
from marketplace.mentorships.models import MentorshipRequest
from marketplace.notifications.models import Notification
from marketplace.program import services as program
from marketplace.program.services import ProgramError

from .builders import (
    assert_italian_ui,
    audit_actions,
    field_errors,
    italian,
    redirected_to,
    request_fields,
    settings_form,
    shows,
)
from .factories import make_area, make_profile, make_user
from .helpers import count, flashed, get, login_client

NEW_PASSWORD = "violet harbour lantern nine"
OUTSIDE_TEXT = ("Only the company's own email addresses can sign up here. Mentors from "
                "outside the company join through an invitation from a colleague.")
OUTSIDE_TITLE = "Mentors from outside the company join by invitation"
HOW_TO_JOIN = ("Are you going to mentor someone who works here? Ask them to invite you: "
               "they open “Invite a mentor”, enter your name and email address, and you "
               "receive an email with a link to sign up as a mentor.")
NO_DOMAIN = "No company email domain is set yet."
WAITING_TEXT = "Your account is waiting for the program team’s approval."
# A request as its form posts it (the rule answers before the form is read).
REQUEST_FORM = {"area": 1, "goal": "Close three deals with new customers by spring",
                "hours_per_month": 2, "duration_months": 6, "cadence": "biweekly",
                "meeting_format": "video"}
MESSAGE = "Verify now at http://phish.example/login\n<b>urgent</b>"




def set_settings(**values):
    current = program.settings()
    for name, value in values.items():
        setattr(current, name, value)
    db.session.commit()


def with_domains(app, domains="acme.com\nacme.it", **values):
    with app.app_context():
        set_settings(internal_domains=domains, **values)


def register(**fields):
    values = {"email": "nina@acme.com", "full_name": "Nina New", "password": NEW_PASSWORD,
              "language": "en"}
    return accounts.register_user(**{**values, **fields})


def registration(**fields):
    return {"email": "nina@acme.com", "full_name": "Nina New", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "language": "en", **fields}


def user_by_email(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# The settings: domains, outside sign-ups, the company's name ---------------------------

class TestDomains:
    def test_normalised_deduplicated_in_order(self, app_ctx):
        assert program.parse_domains(" ACME.com, acme.it\nacme.com ; Sales.Acme.com.\n\n") \
            == ["acme.com", "acme.it", "sales.acme.com"]
        assert program.parse_domains("") == [] and program.parse_domains(None) == []

    @pytest.mark.parametrize("text, named", [
        ("acme", "acme"),
        ("@acme.com", "@acme.com"),
        ("rita@acme.com", "rita@acme.com"),
        ("acme .com", "acme"),
        ("acme..com", "acme..com"),
        ("-acme.com", "-acme.com"),
        ("acme-.com", "acme-.com"),
        ("a_b.com", "a_b.com"),
        ("*.acme.com", "*.acme.com"),
        ("acme.123", "acme.123"),
        ("x" * 64 + ".com", "x" * 64 + ".com"),
        (".".join(["abcdefghi"] * 26) + ".com", ".".join(["abcdefghi"] * 26) + ".com"),
        ("acme.com, good.it, bad", "bad"),
    ])
    def test_what_is_not_a_domain_is_refused_by_name(self, app_ctx, text, named):
        with pytest.raises(ProgramError) as refused:
            program.parse_domains(text)
        assert refused.value.field == "internal_domains"
        assert f"“{named}”" in refused.value.message

    def test_at_sign_gets_its_own_advice(self, app_ctx):
        with pytest.raises(ProgramError, match="without “@”"):
            program.parse_domains("@acme.com")

    def test_accented_domain_accepted(self, app_ctx):
        assert program.parse_domains("Vendità.it") == ["vendità.it"]

    def test_subdomains_only_when_listed(self, app_ctx):
        domains = program.parse_domains("acme.com")
        assert program.is_internal_address("Rita@ACME.com", domains)
        assert not program.is_internal_address("rita@sales.acme.com", domains)
        assert not program.is_internal_address("rita@notacme.com", domains)
        assert not program.is_internal_address("rita@acme.com.evil.example", domains)
        assert not program.is_internal_address("", domains)


class TestUpdateSettings:
    def test_saved_normalised_and_audited(self, app_ctx, admin):
        changes = program.update_settings(
            actor=get(User, admin.id), internal_domains="ACME.com, acme.it, acme.com",
            outside_signups=True, organisation_name_en="  Acme Sales ",
            organisation_name_it="Acme Vendite")
        db.session.commit()
        current = program.settings()
        assert current.internal_domains == "acme.com\nacme.it"
        assert program.internal_domains() == ["acme.com", "acme.it"]
        assert current.outside_signups is True
        assert (current.organisation_name_en, current.organisation_name_it) == (
            "Acme Sales", "Acme Vendite")
        assert set(changes) == {"internal_domains", "outside_signups",
                                "organisation_name_en", "organisation_name_it"}
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "settings.updated"))
        assert event.actor_id == admin.id
        assert event.details["changes"]["internal_domains"] == ["", "acme.com\nacme.it"]

    def test_the_same_domains_written_differently_change_nothing(self, app_ctx, admin):
        set_settings(internal_domains="acme.com\nacme.it")
        assert program.update_settings(actor=get(User, admin.id),
                                       internal_domains="ACME.COM,acme.it") == {}
        assert "settings.updated" not in audit_actions()

    def test_only_admins(self, app_ctx, user):
        with pytest.raises(ProgramError, match="Only an admin"):
            program.update_settings(actor=get(User, user.id), internal_domains="evil.com")
        assert program.settings().internal_domains == ""

    def test_bad_domain_changes_nothing(self, app_ctx, admin):
        with pytest.raises(ProgramError) as refused:
            program.update_settings(actor=get(User, admin.id),
                                    internal_domains="acme.com\nacme", outside_signups=True)
        assert refused.value.field == "internal_domains"
        db.session.rollback()
        assert program.settings().internal_domains == ""
        assert program.settings().outside_signups is False

    def test_name_too_long(self, app_ctx, admin):
        with pytest.raises(ProgramError) as refused:
            program.update_settings(actor=get(User, admin.id),
                                    organisation_name_it="A" * 121)
        assert refused.value.field == "organisation_name_it"

    @pytest.mark.parametrize("english, italian_name, language, expected", [
        ("Acme Sales", "Acme Vendite", "en", "Acme Sales"),
        ("Acme Sales", "Acme Vendite", "it", "Acme Vendite"),
        ("Acme Sales", "", "it", "Acme Sales"),
        ("", "Acme Vendite", "en", "Acme Vendite"),
        ("", "", "it", ""),
    ])
    def test_organisation_name_falls_back(self, app_ctx, english, italian_name, language,
                                          expected):
        set_settings(organisation_name_en=english, organisation_name_it=italian_name)
        assert program.organisation_name(language) == expected


class TestSettingsPage:
    def test_notice_while_no_domain_in_both_languages(self, app, client, auth, admin):
        auth.login(admin.email)
        for url in ("/admin", "/admin/settings"):
            assert NO_DOMAIN in client.get(url).get_data(as_text=True)
        client.submit("/language", data={"language": "it"})
        for url in ("/admin", "/admin/settings"):
            assert_italian_ui(app, client.get(url).get_data(as_text=True), [NO_DOMAIN])
        with_domains(app)
        for url in ("/admin", "/admin/settings"):
            with pytest.raises(AssertionError):
                assert_italian_ui(app, client.get(url).get_data(as_text=True), [NO_DOMAIN])

    def test_save_domains(self, app, client, auth, admin):
        auth.login(admin.email)
        response = client.submit("/admin/settings", data=settings_form(
            internal_domains="Acme.com\nacme.it, acme.com", outside_signups="y",
            organisation_name_en="Acme Sales", organisation_name_it="Acme Vendite"))
        assert redirected_to(response, "/admin/settings")
        assert flashed(client) == ["The settings have been saved."]
        with app.app_context():
            current = program.settings()
            assert current.internal_domains == "acme.com\nacme.it"
            assert current.outside_signups is True
            assert current.organisation_name_it == "Acme Vendite"
            assert "settings.updated" in audit_actions()
        page = client.get("/admin/settings").get_data(as_text=True)
        assert "acme.com\nacme.it</textarea>" in page and NO_DOMAIN not in page

    @pytest.mark.parametrize("language", ["en", "it"])
    def test_bad_domain_shown_next_to_the_field(self, app, client, auth, admin, language):
        auth.login(admin.email)
        client.submit("/language", data={"language": language})
        response = client.submit("/admin/settings", data=settings_form(
            internal_domains="acme.com\nacme .com", max_open_requests=5))
        assert response.status_code == 422
        message = "“%(domain)s” is not a domain name: write it like acme.com."
        expected = (italian(app, message) if language == "it" else message) % {
            "domain": "acme"}
        assert shows(field_errors(response, "internal_domains"), expected)
        assert "acme .com</textarea>" in response.get_data(as_text=True)  # input kept
        with app.app_context():
            assert program.settings().internal_domains == ""
            assert program.settings().max_open_requests == 3

    def test_only_admins(self, app, client, auth, user):
        auth.login(user.email)
        response = client.submit("/admin/settings",
                                 data=settings_form(internal_domains="evil.com"))
        assert response.status_code == 403
        with app.app_context():
            assert program.settings().internal_domains == ""


# Sign-up -------------------------------------------------------------------------------

class TestRegisterService:
    def test_no_domain_set_everyone_is_internal(self, request_ctx):
        user = register(email="nina@gmail.com")
        assert user.affiliation == INTERNAL and not user.awaiting_approval

    def test_internal_domain_makes_an_internal_account(self, request_ctx, outbox):
        set_settings(internal_domains="acme.com\nacme.it")
        user = register(email="Nina@Acme.IT")
        db.session.commit()
        assert (user.email, user.affiliation, user.awaiting_approval) == (
            "nina@acme.it", INTERNAL, False)
        assert not user.is_verified
        assert [message.to for message in outbox] == ["nina@acme.it"]
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "account.register"))
        assert event.details["affiliation"] == INTERNAL

    @pytest.mark.parametrize("email", ["nina@gmail.com", "nina@sales.acme.com",
                                       "nina@acme.com.evil.example"])
    def test_outside_address_refused(self, request_ctx, outbox, email):
        set_settings(internal_domains="acme.com")
        with pytest.raises(OutsideAddress) as refused:
            register(email=email)
        assert refused.value.message == OUTSIDE_TEXT
        db.session.rollback()
        assert count(User) == 0 and outbox == []

    def test_outside_refusal_tells_nothing_about_taken_addresses(self, request_ctx, outbox):
        set_settings(internal_domains="acme.com")
        make_user(email="taken@gmail.com")
        with pytest.raises(OutsideAddress) as refused:
            register(email="taken@gmail.com")
        assert refused.value.message == OUTSIDE_TEXT
        db.session.rollback()
        assert outbox == [] and count(User) == 1

    def test_taken_internal_address_same_answer(self, request_ctx, outbox):
        set_settings(internal_domains="acme.com")
        make_user(email="nina@acme.com")
        assert register() is None
        db.session.commit()
        assert count(User) == 1
        assert [message.kind for message in outbox] == ["already_registered"]

    def test_outside_sign_ups_are_external_and_wait(self, request_ctx, outbox):
        set_settings(internal_domains="acme.com", outside_signups=True)
        user = register(email="olga@gmail.com")
        db.session.commit()
        assert (user.affiliation, user.awaiting_approval) == (EXTERNAL, True)
        assert not user.sees_directory
        assert len(outbox) == 1
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "account.register"))
        assert event.details == {"affiliation": EXTERNAL, "awaiting_approval": True}

    def test_outside_sign_ups_do_not_change_internal_ones(self, request_ctx):
        set_settings(internal_domains="acme.com", outside_signups=True)
        user = register()
        assert (user.affiliation, user.awaiting_approval) == (INTERNAL, False)


class TestRegisterPage:
    def test_form_asks_no_affiliation(self, client):
        page = client.get("/auth/register").get_data(as_text=True)
        assert 'name="affiliation"' not in page and 'name="company"' not in page

    @pytest.mark.parametrize("language", ["en", "it"])
    def test_outside_address_gets_the_way_in(self, app, client, outbox, language):
        with_domains(app)
        client.submit("/language", data={"language": language})
        response = client.submit("/auth/register", data=registration(
            email="nina@gmail.com", affiliation="internal", company="Acme"))
        page = response.get_data(as_text=True)
        assert response.status_code == 409
        if language == "it":
            assert_italian_ui(app, page, [OUTSIDE_TITLE, HOW_TO_JOIN])
        else:
            assert OUTSIDE_TITLE in page and HOW_TO_JOIN in page
        assert 'value="nina@gmail.com"' in page  # the form stays, as written
        with app.app_context():
            assert count(User) == 0
        assert outbox == []

    def test_same_page_whether_taken_or_not(self, app, client, outbox):
        with_domains(app)
        with app.app_context():
            make_user(email="taken@gmail.com", full_name="Taken")
        taken = client.submit("/auth/register", data=registration(email="taken@gmail.com"))
        new = client.submit("/auth/register", data=registration(email="fresh@gmail.com"))
        assert taken.status_code == new.status_code == 409
        def answer(response, email):
            page = response.get_data(as_text=True).replace(email, "X")
            return re.sub(r'name="csrf_token"[^>]*>', "", page)

        assert answer(taken, "taken@gmail.com") == answer(new, "fresh@gmail.com")
        assert outbox == []

    def test_internal_address_signs_up_as_before(self, app, client, outbox):
        with_domains(app)
        response = client.submit("/auth/register", data=registration(
            affiliation="external", company="Elsewhere"))  # ignored: not the form's
        assert redirected_to(response, "/auth/login")
        assert flashed(client) == [
            "Almost done: we have sent a link to nina@acme.com. Open it to confirm your "
            "address, then you can log in."]
        with app.app_context():
            user = user_by_email("nina@acme.com")
            assert (user.affiliation, user.company, user.awaiting_approval) == (
                INTERNAL, None, False)

    def test_outside_sign_up_when_allowed(self, app, client, outbox):
        with_domains(app, outside_signups=True)
        response = client.submit("/auth/register", data=registration(email="olga@gmail.com"))
        assert redirected_to(response, "/auth/login")
        with app.app_context():
            user = user_by_email("olga@gmail.com")
            assert (user.affiliation, user.awaiting_approval) == (EXTERNAL, True)


# Waiting for approval --------------------------------------------------------------------

@pytest.fixture
def waiting(app):
    with app.app_context():
        return make_user(email="olga@gmail.com", full_name="Olga Outsider",
                         affiliation=EXTERNAL, awaiting_approval=True)


class TestWaiting:
    def test_only_the_account_until_approved(self, app, waiting):
        with app.app_context():
            profile_id = make_profile(make_user()).id
        browser = login_client(app, waiting.email)
        for url in ("/", "/mentors", f"/mentors/{profile_id}", "/requests", "/mentoring",
                    "/profile/mentor", "/invitations", "/account/looking-for"):
            response = browser.get(url)
            assert redirected_to(response, "/account"), url
        response = browser.submit(f"/mentors/{profile_id}/request", data=REQUEST_FORM)
        assert redirected_to(response, "/account")
        page = browser.get("/account").get_data(as_text=True)
        assert page.count(WAITING_TEXT) == 1
        assert "Find a mentor" not in page and "My mentor profile" not in page
        assert browser.get("/notifications").status_code == 200
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_may_edit_the_account_and_log_out(self, app, waiting):
        browser = login_client(app, waiting.email)
        response = browser.submit("/account", data={
            "full_name": "Olga Esterna", "language": "it", "timezone": "Europe/Rome",
            "region": "", "job_title": "Consultant", "manager_email": ""})
        assert redirected_to(response, "/account")
        with app.app_context():
            assert get(User, waiting.id).full_name == "Olga Esterna"
        page = browser.get("/account").get_data(as_text=True)
        assert_italian_ui(app, page, [WAITING_TEXT])
        assert redirected_to(browser.submit("/auth/logout"), "/auth/login")

    def test_approve_service(self, request_ctx, admin, waiting, outbox):
        accounts.approve_user(get(User, waiting.id), actor=get(User, admin.id))
        db.session.commit()
        approved = get(User, waiting.id)
        assert not approved.awaiting_approval and approved.is_external
        assert "user.approved" in audit_actions()
        assert db.session.scalar(select(Notification.kind).where(
            Notification.user_id == waiting.id)) == "account_approved"

    def test_approve_refusals(self, request_ctx, admin, user, waiting):
        with pytest.raises(AccountError, match="Only an admin"):
            accounts.approve_user(get(User, waiting.id), actor=get(User, user.id))
        with pytest.raises(AccountError, match="not waiting"):
            accounts.approve_user(get(User, user.id), actor=get(User, admin.id))
        inactive = get(User, waiting.id)
        inactive.active = False
        with pytest.raises(AccountError, match="Reactivate"):
            accounts.approve_user(inactive, actor=db.session.get(User, admin.id))
        db.session.rollback()
        assert get(User, waiting.id).awaiting_approval

    def test_admin_lists_and_approves(self, app, client, auth, admin, user, waiting):
        auth.login(admin.email)
        page = client.get("/admin/users?show=waiting").get_data(as_text=True)
        assert "Olga Outsider" in page and user.full_name not in page
        assert "Waiting for approval (1)" in page
        response = client.submit(f"/admin/users/{waiting.id}/approve?show=waiting")
        assert redirected_to(response, "/admin/users")
        assert "show=waiting" in response.location
        assert flashed(client) == [
            "Olga Outsider's account is approved: they can now use the program."]
        with app.app_context():
            assert not get(User, waiting.id).awaiting_approval
        # Approved, an outsider sees what any external account sees.
        browser = login_client(app, waiting.email)
        assert browser.get("/mentoring").status_code == 200
        assert browser.get("/mentors").status_code == 404

    def test_approving_twice_is_refused(self, app, client, auth, admin, user):
        auth.login(admin.email)
        response = client.submit(f"/admin/users/{user.id}/approve")
        assert redirected_to(response, "/admin/users")
        assert flashed(client) == ["Rita Rep is not waiting for approval."]

    def test_not_for_members(self, app, user, waiting):
        browser = login_client(app, user.email)
        assert browser.submit(f"/admin/users/{waiting.id}/approve").status_code == 403
        with app.app_context():
            assert get(User, waiting.id).awaiting_approval


# Affiliation: only admins change it; the check of existing accounts ------------------------

class TestAffiliation:
    def test_admin_sets_it_audited(self, app_ctx, admin, user):
        accounts.set_affiliation(get(User, user.id), actor=get(User, admin.id),
                                 affiliation=EXTERNAL)
        db.session.commit()
        assert get(User, user.id).is_external
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "user.affiliation_changed"))
        assert (event.actor_id, event.subject_id) == (admin.id, user.id)
        assert event.details == {"old": INTERNAL, "new": EXTERNAL}

    def test_refusals(self, app_ctx, admin, user):
        with pytest.raises(AccountError, match="Only an admin"):
            accounts.set_affiliation(get(User, user.id), actor=get(User, user.id),
                                     affiliation=EXTERNAL)
        with pytest.raises(AccountError, match="Choose internal or external"):
            accounts.set_affiliation(get(User, user.id), actor=get(User, admin.id),
                                     affiliation="partner")
        with pytest.raises(AccountError, match="already internal"):
            accounts.set_affiliation(get(User, user.id), actor=get(User, admin.id),
                                     affiliation=INTERNAL)
        assert get(User, user.id).affiliation == INTERNAL

    def test_no_form_makes_an_outsider_internal(self, app):
        with app.app_context():
            outsider = make_user(affiliation=EXTERNAL, company="Elsewhere Srl")
        browser = login_client(app, outsider.email)
        browser.submit("/account", data={
            "full_name": "Still Outside", "language": "en", "timezone": "UTC", "region": "",
            "job_title": "", "manager_email": "", "affiliation": INTERNAL})
        assert browser.submit(f"/admin/users/{outsider.id}/make-internal").status_code == 403
        with app.app_context():
            assert get(User, outsider.id).is_external

    def test_check_lists_internal_accounts_outside_the_domains(self, app, client, auth, admin):
        with app.app_context():
            make_user(email="ok@acme.com", full_name="Okay Inside")
            odd = make_user(email="probe@gmail.com", full_name="Pat Probe")
            make_user(email="sub@sales.acme.com", full_name="Sub Domain")
            make_user(email="out@elsewhere.com", full_name="Already Outside",
                      affiliation=EXTERNAL)
        auth.login(admin.email)
        page = client.get("/admin/users?show=check").get_data(as_text=True)
        assert "Set the company’s email domains first" in page
        assert "Pat Probe" not in page
        with_domains(app, "acme.com")
        page = client.get("/admin/users?show=check").get_data(as_text=True)
        # The admin's own example.com address is outside the domains too.
        for name in ("Pat Probe", "Sub Domain", "Ada Admin"):
            assert name in page
        for name in ("Okay Inside", "Already Outside"):
            assert name not in page
        assert "(3)" in page
        response = client.submit(f"/admin/users/{odd.id}/make-external?show=check")
        assert redirected_to(response, "/admin/users") and "show=check" in response.location
        assert flashed(client) == ["Pat Probe is now external."]
        with app.app_context():
            assert get(User, odd.id).is_external
            assert "user.affiliation_changed" in audit_actions()
        page = client.get("/admin/users?show=check").get_data(as_text=True)
        assert "probe@gmail.com" not in page and "(2)" in page

    def test_check_in_italian(self, app, client, auth, admin):
        with app.app_context():
            make_user(email="probe@gmail.com")
        with_domains(app, "acme.com")
        auth.login(admin.email)
        client.submit("/language", data={"language": "it"})
        page = client.get("/admin/users?show=check").get_data(as_text=True)
        assert_italian_ui(app, page, [
            "Make external",
            "These accounts are marked internal, but their address is in none of the "
            "company’s email domains. Make them external unless they really work for the "
            "company."])


# Who sees what ---------------------------------------------------------------------------

@pytest.fixture
def world(app):
    with app.app_context():
        area = make_area()
        mentor = make_user(email="marco@acme.com", full_name="Marco Mentor")
        profile = make_profile(mentor, areas=[area])
        outsider = make_user(email="esther@elsewhere.com", full_name="Esther Esterna",
                             affiliation=EXTERNAL, company="Elsewhere Srl")
        own = make_profile(outsider, areas=[area])
        return area, profile, outsider, own


class TestWhoSeesWhat:
    def test_outsiders_get_a_plain_404(self, app, world):
        area, profile, outsider, own = world
        browser = login_client(app, outsider.email)
        for url in ("/mentors", "/mentors?q=Marco", f"/mentors/{profile.id}",
                    f"/mentors/{profile.id}/request"):
            response = browser.get(url)
            assert response.status_code == 404, url
            page = response.get_data(as_text=True)
            assert "Page not found" in page and "external" not in page.lower()
        response = browser.submit(f"/mentors/{profile.id}/request",
                                  data={**REQUEST_FORM, "area": area.id})
        assert response.status_code == 404
        with app.app_context():
            assert count(MentorshipRequest) == 0

    def test_outsiders_keep_their_own_pages(self, app, world):
        _area, _profile, outsider, own = world
        browser = login_client(app, outsider.email)
        for url in ("/profile/mentor", f"/mentors/{own.id}", "/requests", "/mentoring",
                    "/notifications", "/account", "/"):
            assert browser.get(url).status_code == 200, url
        page = browser.get("/mentoring").get_data(as_text=True)
        assert 'href="/mentors"' not in page and "Invite a mentor" not in page
        assert "Find a mentor" not in browser.get("/").get_data(as_text=True)

    def test_navigation_in_italian(self, app, world):
        _area, _profile, outsider, _own = world
        with app.app_context():
            get(User, outsider.id).language = "it"
            db.session.commit()
        page = login_client(app, outsider.email).get("/account").get_data(as_text=True)
        assert "Trova un mentore" not in page and "Invita un mentore" not in page
        assert "Il mio account" in page

    def test_insiders_and_admins_browse(self, app, world, admin):
        _area, profile, _outsider, _own = world
        with app.app_context():
            insider = make_user(email="rita@acme.com")
        for email in (insider.email, admin.email):
            browser = login_client(app, email)
            page = browser.get("/mentors").get_data(as_text=True)
            assert "Marco Mentor" in page and "Find a mentor" in page
            assert browser.get(f"/mentors/{profile.id}").status_code == 200
            assert browser.get(f"/mentors/{profile.id}/request").status_code == 200

    def test_the_service_refuses_outsiders_too(self, request_ctx, world):
        area, profile, outsider, _own = world
        with pytest.raises(mentorships.RequestError, match="company's own people"):
            mentorships.submit_request(get(type(profile), profile.id),
                                       actor=get(User, outsider.id),
                                       area=get(type(area), area.id), **request_fields())


# Invitations: who may send them, and what they say ----------------------------------------

def invite_for_company(user, language, names, outbox):
    """`user` invites Marco with MESSAGE, the company being named (en, it) `names`:
    the invitation mail."""
    set_settings(organisation_name_en=names[0], organisation_name_it=names[1])
    invitations.invite(actor=get(User, user.id), name="Marco Bianchi",
                       email="marco@outside.example", message=MESSAGE, language=language)
    db.session.commit()
    [mail] = outbox
    return mail


class TestInvitations:
    def test_who_may_invite(self, app_ctx):
        insider = make_user(email="rita@acme.com")
        unconfirmed = make_user(email="uma@acme.com", verified=False)
        outsider = make_user(email="esther@elsewhere.com", affiliation=EXTERNAL)
        assert invitations.may_invite(get(User, insider.id))
        assert not invitations.may_invite(get(User, unconfirmed.id))
        assert not invitations.may_invite(get(User, outsider.id))
        assert "Confirm your email address" in invitations.why_cannot_invite(
            get(User, unconfirmed.id))

    @pytest.mark.parametrize("kind", ["unconfirmed", "external"])
    def test_invite_refused(self, request_ctx, outbox, kind):
        actor = make_user(verified=False) if kind == "unconfirmed" else \
            make_user(affiliation=EXTERNAL)
        with pytest.raises(invitations.InvitationError):
            invitations.invite(actor=get(User, actor.id), name="Marco", email="m@x.example",
                               message=MESSAGE, language="en")
        db.session.rollback()
        assert count(Invitation) == 0 and outbox == []

    def test_page_explains(self, app):
        with app.app_context():
            outsider = make_user(affiliation=EXTERNAL)
        page = login_client(app, outsider.email).get("/invitations").get_data(as_text=True)
        assert shows(page, "Invitations are for the company's own people, to find their "
                           "mentor.")
        assert 'name="message"' not in page

    @pytest.mark.parametrize("language, names, expected", [
        ("en", ("Acme Sales", "Acme Vendite"),
         "in the mentoring program of Acme Sales."),
        ("it", ("Acme Sales", "Acme Vendite"),
         "nel programma di mentoring di Acme Vendite."),
        ("it", ("Acme Sales", ""), "nel programma di mentoring di Acme Sales."),
        ("en", ("", ""), "in the mentoring program of their sales organisation."),
    ])
    def test_mail_names_the_company_and_quotes_the_inviter(self, request_ctx, outbox, user,
                                                           language, names, expected):
        mail = invite_for_company(user, language, names, outbox)
        wrote = "Rita Rep ha scritto:" if language == "it" else "Rita Rep wrote:"
        assert expected in mail.text and expected in mail.html
        text = mail.text
        assert text.index(wrote) < text.index("> Verify now at http://phish.example/login")
        assert "> <b>urgent</b>" in text
        assert wrote in mail.html
        assert "&lt;b&gt;urgent&lt;/b&gt;" in mail.html and "<b>urgent</b>" not in mail.html
        own_words = ("Queste sono le parole di Rita Rep" if language == "it"
                     else "These are the words of Rita Rep")
        assert own_words in text and own_words in mail.html

    @pytest.mark.parametrize("language, names, expected", [
        ("en", ("Acme Sales", "Acme Vendite"), "works in the sales organisation of Acme Sales"),
        ("it", ("Acme Sales", "Acme Vendite"),
         "lavora nell’organizzazione commerciale di Acme Vendite"),
        ("en", ("", ""), "works in the sales organisation and takes part"),
    ])
    def test_the_invitees_page_names_the_company(self, app, request_ctx, outbox, user,
                                                 language, names, expected):
        mail = invite_for_company(user, language, names, outbox)
        token = re.search(r"/invitations/([\w-]+)", mail.text).group(1)
        response = app.test_client().get(f"/invitations/{token}")
        assert response.status_code == 200
        assert expected in html.unescape(response.get_data(as_text=True))


class TestTheProbe:
    """The outside probe: a freemail account calling itself internal sent its own text
    ("verify now at http://phish.example/login") through the product."""

    def test_freemail_cannot_register_as_internal_so_cannot_invite(self, app, client,
                                                                   outbox):
        with_domains(app, "acme.com")
        response = client.submit("/auth/register", data=registration(
            email="probe@gmail.com", affiliation="internal"))
        assert response.status_code == 409
        with app.app_context():
            assert count(User) == 0
        # Even where the program takes outside sign-ups, the account is external…
        with_domains(app, "acme.com", outside_signups=True)
        client.submit("/auth/register", data=registration(
            email="probe@gmail.com", affiliation="internal"))
        with app.app_context():
            probe = user_by_email("probe@gmail.com")
            assert probe.is_external and probe.awaiting_approval
            probe.email_verified_at = probe.created_at  # it confirms its address
            probe_id = probe.id
            db.session.commit()
        # …so it can neither reach the invitation page nor send one, even once approved.
        browser = app.test_client()
        assert redirected_to(browser.submit("/auth/login", data={
            "email": "probe@gmail.com", "password": NEW_PASSWORD}), "/home")
        response = browser.submit("/invitations", data={
            "name": "Victim", "email": "victim@acme.com", "message": MESSAGE,
            "language": "en"})
        assert redirected_to(response, "/account")
        with app.app_context():
            get(User, probe_id).awaiting_approval = False
            db.session.commit()
        response = browser.submit("/invitations", data={
            "name": "Victim", "email": "victim@acme.com", "message": MESSAGE,
            "language": "en"})
        assert response.status_code == 200
        assert "Invitations are for the company" in response.get_data(as_text=True) \
            .replace("&#39;", "'")
        with app.app_context():
            assert count(Invitation) == 0
        assert [mail.to for mail in outbox if mail.kind == "invitation"] == []
