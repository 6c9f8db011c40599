"""An outside mentor, from invitation to first request, in a real browser (Chromium), in
English and in Italian, with axe-core checking every page on the way (see conftest.py).

A rep invites someone she knows; the invitee signs up with the link in the email, fills
in a mentor profile, an admin approves it, the rep is told and sends her request, and
the new mentor sees that the request comes from the person who invited them.
"""

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.invitations.models import Invitation
from marketplace.mentors.models import APPROVED, PENDING, MentorProfile
from marketplace.mentorships.models import MentorshipRequest

from ..factories import PASSWORD, make_area, make_user
from .conftest import quoted
from .test_journeys import GOAL, NEW_PASSWORD, fill_request, in_db, path_of

LANGUAGES = ["en", "it"]
INVITEE_EMAIL = "marco@outside.example.com"
MESSAGE = ("Marco, you taught me how to run a <b>bold</b> negotiation when we worked "
           "together. Would you mentor me for a few months?")
INVITATION_LINK = re.compile(r"https?://[^\s]+/invitations/[\w-]+")



def states(rep):
    """The state labels in the rep's list of invitations."""
    return rep.page.locator("main .history .tag").all_inner_texts()


def in_language(live, language, message, **params):
    """What the app says in `language`, whatever the session speaks."""
    with live.app.test_request_context(), force_locale(language):
        return gettext(message, **params)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rep_invites_an_outside_mentor_and_sends_them_a_request(live, open_session,
                                                                  language):
    other = "it" if language == "en" else "en"
    with live.app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        make_user(email="rita@example.com", full_name="Rita Rossi", language=language)
        make_user(email="admin@example.com", full_name="Ada Admin", is_admin=True,
                  language=language)

    # The rep finds the page in the navigation and sends the invitation.
    rep = open_session(language, "inviter")
    rep.login("rita@example.com", PASSWORD)
    rep.click_link(f"nav a:text-is({quoted(rep.t('Invite a mentor'))})")
    assert path_of(rep) == "/invitations"
    rep.page.fill("main [name=name]", "Marco Bianchi")
    rep.page.fill("main [name=email]", INVITEE_EMAIL)
    rep.page.fill("main [name=message]", MESSAGE)
    rep.page.check(f"main [name=language][value={language}]")
    rep.shot("invitation-form")
    rep.submit("main form[method=post]:has([name=email])")
    assert path_of(rep) == "/invitations"
    assert rep.t("Your invitation is on its way to %(email)s. We will tell you when "
                 "%(name)s is an approved mentor.", email=INVITEE_EMAIL,
                 name="Marco Bianchi") in rep.flashes()
    assert states(rep) == [rep.t("Sent, not opened yet")]
    rep.shot("invitation-sent")

    # The invitee's email: in the invitation's language, with a line in the other one.
    [mail] = live.mail_to(INVITEE_EMAIL)
    assert mail.subject == rep.t("%(name)s invites you to be their mentor",
                                 name="Rita Rossi")
    assert in_language(live, other, "%(name)s has invited you to be their mentor: the "
                       "page behind the link is in English too.",
                       name="Rita Rossi") in mail.text
    assert MESSAGE in mail.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in mail.html and "<b>bold</b>" not in mail.html
    link = urlsplit(INVITATION_LINK.search(mail.text).group(0))
    assert f"{link.scheme}://{link.netloc}" == live.url

    # The invitee opens the link: the rep's message, shown as she wrote it, and what
    # mentoring here means.
    invitee = open_session(language, "invitee")
    invitee.goto(link.path)
    page = invitee.page
    assert page.locator("h1").inner_text() == invitee.t(
        "%(name)s invites you to be their mentor", name="Rita Rossi")
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.content()
    assert page.locator("main b").count() == 0
    assert MESSAGE in invitee.text()
    assert invitee.t("What mentoring here means") in invitee.text()
    assert page.input_value("[name=full_name]") == "Marco Bianchi"
    assert in_db(live, lambda: db.session.scalar(select(Invitation.opened_at))) is not None
    invitee.shot("invitation-page")
    rep.goto("/invitations")
    assert states(rep) == [rep.t("Opened")]

    # They sign up with it, and go straight on to their mentor profile.
    page.fill("[name=company]", "Bianchi Consulting")
    page.fill("[name=password]", NEW_PASSWORD)
    page.fill("[name=confirm]", NEW_PASSWORD)
    page.check(f"main [name=language][value={language}]")
    invitee.submit("main form[method=post]",
                   f"button:text-is({quoted(invitee.t('Create my mentor account'))})")
    assert path_of(invitee) == "/profile/mentor"
    welcome = invitee.t("Welcome, %(name)s! Tell the program about yourself: once the "
                        "program team has reviewed your profile, %(inviter)s can ask you "
                        "for mentoring.", name="Marco Bianchi", inviter="Rita Rossi")
    assert any(flash.startswith(welcome) for flash in invitee.flashes()), invitee.flashes()

    # The link works once.
    stranger = open_session(language, "link-again")
    stranger.goto(link.path)
    assert stranger.page.locator("h1").inner_text() == stranger.t(
        "This invitation link no longer works")
    assert "Rita Rossi" not in stranger.text()
    stranger.shot("link-used")

    # The invitee fills in their profile as an external mentor and sends it for review.
    assert page.locator("[name=affiliation][value=external]").is_checked()
    assert page.input_value("main form.form-wide [name=company]") == "Bianchi Consulting"
    page.fill("[name=headline]", "Thirty years of negotiating supply contracts")
    page.fill("[name=bio]", "I negotiated for buyers and for sellers, in Italy and abroad. "
                            * 4)
    page.check(f"[name=areas][value='{area.id}']")
    page.check("[name=confidentiality]")
    page.fill("[name=conflicts]", "None: I advise no competitor, customer or supplier.")
    page.fill("[name=capacity]", "2")
    page.fill("[name=monthly_hours]", "6")
    page.fill("[name=years_experience]", "30")
    page.select_option("[name=region]", index=1)
    page.check("[name=languages][value=en]")
    page.check("[name=languages][value=it]")
    page.check("[name=formats][value=video]")
    page.fill("[name=working_style]", "An hour every two weeks, with homework in between.")
    page.fill("[name=motivation]", "Staying close to how selling changes.")
    invitee.submit("main form.form-wide")
    assert page.locator("[id$=-error]").all_inner_texts() == []
    invitee.shot("profile-saved")
    rep.goto("/invitations")
    assert states(rep) == [rep.t("Signed up")]
    invitee.submit("main form.form-wide", button="button[name=send]")
    profile_id = in_db(live, lambda: db.session.scalar(select(MentorProfile.id)))
    assert in_db(live, lambda: db.session.get(MentorProfile, profile_id).status) == PENDING

    rep.goto("/invitations")
    assert states(rep) == [rep.t("Profile in review")]

    # An admin approves the profile; the dashboard counts invitations.
    admin = open_session(language, "admin")
    admin.login("admin@example.com", PASSWORD)
    admin.goto("/admin/vetting")
    assert "Marco Bianchi" in admin.text()
    admin.goto(f"/admin/vetting/{profile_id}")
    admin.page.check("[name=decision][value=approve]")
    admin.shot("vetting-decision")
    admin.submit(f"form[action='/admin/vetting/{profile_id}']")
    assert in_db(live, lambda: db.session.get(MentorProfile, profile_id).status) == APPROVED
    admin.goto("/admin")
    assert admin.page.locator("main h2", has_text=admin.t(
        "Invitations to outside mentors")).count() == 1
    admin.shot("dashboard")

    # The rep is told, and goes from her list to the mentor's page and her request.
    rep.goto("/notifications")
    assert rep.t("%(name)s, whom you invited, is now an approved mentor: you can send "
                 "them your request.", name="Marco Bianchi") in rep.text()
    rep.goto("/invitations")
    assert states(rep) == [rep.t("Approved mentor")]
    rep.shot("invitation-approved")
    see_profile = rep.t("See their profile and send your request")
    rep.click_link(f"main a:text-is({quoted(see_profile)})")
    assert path_of(rep) == f"/mentors/{profile_id}"
    assert rep.t("You invited %(name)s to the program, and they are now a listed mentor.",
                 name="Marco Bianchi") in rep.text()
    rep.shot("mentor-page")
    rep.click_link(f"main a:text-is({quoted(rep.t('Send them your request'))})")
    assert path_of(rep) == f"/mentors/{profile_id}/request"

    fill_request(rep.page, area.id)
    rep.submit("main form[method=post]")
    assert path_of(rep) == "/requests", rep.page.locator("[id$=-error]").all_inner_texts()
    assert rep.t("Your request has been sent to %(name)s. You will be told when they "
                 "answer.", name="Marco Bianchi") in rep.flashes()
    assert rep.t("You invited this mentor to the program") in rep.text()

    # The new mentor sees that the request comes from the person who invited them.
    invitee.goto("/requests")
    assert invitee.t("%(name)s invited you to the program", name="Rita Rossi") \
        in invitee.text()
    assert GOAL in invitee.text()
    invitee.shot("request-received")
    invitation_id = in_db(live, lambda: db.session.scalar(select(Invitation.id)))
    request = in_db(live, lambda: db.session.scalar(select(MentorshipRequest)))
    assert (request.invitation_id, request.goal) == (invitation_id, GOAL)
