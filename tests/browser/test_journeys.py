"""The main journeys in a real browser (Chromium), each in English and in Italian, with
axe-core checking every page on the way (see conftest.py) and screenshots saved under
test-artifacts/screenshots/.

What the pages say is looked up in the app's own catalog (`session.t`), so the same
test proves the Italian pages say the Italian words.
"""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.geography import timezone_choices
from marketplace.mentors.models import APPROVED, PENDING, MentorProfile
from marketplace.mentorships.models import COMPLETED, Feedback, Mentorship, MentorshipRequest

from ..factories import PASSWORD, make_area, make_profile, make_user
from ..test_mentorships import submit

LANGUAGES = ["en", "it"]
NEW_PASSWORD = "violet harbour lantern nine"
GOAL = "Win back two lapsed retail accounts with a quarterly business review by June."
SITUATION = ("I manage eighteen retail accounts. Two stopped ordering last year; calls to "
             "the buyers went nowhere and discounts did not help.")
MEASURES = "Both accounts ordering again; a review template I reuse with the others."
VERIFY_LINK = re.compile(r"https?://[^\s]+/auth/verify/[\w-]+")


def path_of(session):
    return session.page.url.removeprefix(session.live.url)


def in_db(live, query):
    with live.app.app_context():
        return query()


def fill_request(page, area_id):
    """Fill in the request form: a goal, where the rep stands, and a commitment."""
    page.select_option("[name=area]", str(area_id))
    page.fill("[name=goal]", GOAL)
    page.fill("[name=target_date]", add_months(utcnow().date(), 3).isoformat())
    page.fill("[name=current_situation]", SITUATION)
    page.fill("[name=success_measures]", MEASURES)
    page.fill("[name=hours_per_month]", "3")
    page.check("[name=cadence][value=biweekly]")
    page.check("[name=meeting_format][value=video]")
    page.check("[name=acknowledge]")


# 1. A rep registers, sets a manager, browses, filters, requests ---------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rep_finds_a_mentor_and_asks_for_mentoring(live, open_session, language):
    with live.app.app_context():
        negotiation = make_area("Negotiation", "Negoziazione")
        closing = make_area("Closing", "Chiusura")
        make_user(email="manager@example.com", full_name="Mara Manager")
        giulia = make_profile(make_user(email="giulia@example.com",
                                        full_name="Giulia Greco"), areas=[negotiation])
        make_profile(make_user(email="bruno@example.com", full_name="Bruno Bassi"),
                     areas=[closing])

    rep = open_session(language, "rep")
    rep.goto("/auth/register")
    rep.shot("register")
    rep.page.fill("[name=email]", "rita@example.com")
    rep.page.fill("[name=full_name]", "Rita Rossi")
    rep.page.fill("[name=password]", NEW_PASSWORD)
    rep.page.fill("[name=confirm]", NEW_PASSWORD)
    rep.page.check(f"main [name=language][value={language}]")
    rep.submit()
    [mail] = live.mail_to("rita@example.com")
    rep.goto(urlsplit(VERIFY_LINK.search(mail.text).group(0)).path)
    rep.submit()
    assert path_of(rep) == "/home"
    assert rep.t("Your email address is confirmed. Welcome, %(name)s!",
                 name="Rita Rossi") in rep.flashes()
    rep.shot("home-new")
    rep.goto("/account")

    rep.page.fill("[name=manager_email]", "manager@example.com")
    rep.page.fill("[name=job_title]", "Account manager")
    rep.submit("main form[method=post]:has([name=manager_email])")
    assert rep.t("Your changes have been saved.") in rep.flashes()
    assert in_db(live, lambda: db.session.scalar(
        select(User).where(User.email == "rita@example.com")).manager.full_name
    ) == "Mara Manager"

    rep.goto("/mentors")
    assert "Giulia Greco" in rep.text() and "Bruno Bassi" in rep.text()
    rep.page.select_option("form.filters [name=area]", str(negotiation.id))
    rep.submit("form.filters")
    assert f"area={negotiation.id}" in rep.page.url
    assert "Giulia Greco" in rep.text() and "Bruno Bassi" not in rep.text()
    rep.shot("browse-filtered")
    rep.click_link(f"a[href='/mentors/{giulia.id}']")
    assert path_of(rep) == f"/mentors/{giulia.id}"
    rep.click_link(f"a[href='/mentors/{giulia.id}/request']")
    assert rep.t("A request is a commitment") in rep.text() or "Giulia Greco" in rep.text()

    fill_request(rep.page, negotiation.id)
    rep.shot("request-form")
    rep.submit("main form[method=post]")
    assert path_of(rep) == "/requests"
    assert rep.t("Your request has been sent to %(name)s. You will be told when they "
                 "answer.", name="Giulia Greco") in rep.flashes()
    assert GOAL in rep.text()
    rep.shot("request-pending")
    request = in_db(live, lambda: db.session.scalar(select(MentorshipRequest)))
    assert (request.status, request.hours_per_month, request.goal) == ("open", 3, GOAL)


# 2. A mentor is vetted: changes requested, fixed, approved, listed ---------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentor_profile_goes_through_vetting(live, open_session, language):
    with live.app.app_context():
        area = make_area("Prospecting", "Prospezione")
        make_user(email="ada@example.com", full_name="Ada Admin", is_admin=True,
                  language=language)
        make_user(email="marco@example.com", full_name="Marco Moretti", language=language)

    mentor = open_session(language, "mentor")
    mentor.login("marco@example.com", PASSWORD)
    mentor.goto("/profile/mentor")
    page = mentor.page
    page.fill("[name=headline]", "Twenty years of opening doors in industrial sales")
    page.fill("[name=bio]", "I built the northern territory from nothing. " * 5)
    page.check(f"[name=areas][value='{area.id}']")
    page.check("[name=affiliation][value=internal]")
    page.fill("[name=capacity]", "2")
    page.fill("[name=monthly_hours]", "4")
    page.fill("[name=years_experience]", "20")
    page.select_option("[name=region]", index=1)
    page.check("[name=languages][value=it]")
    page.check("[name=formats][value=video]")
    page.fill("[name=working_style]", "An hour every two weeks, with an agenda.")
    page.fill("[name=motivation]", "I learn from how younger reps sell.")
    mentor.submit("main form.form-wide")
    mentor.shot("profile-saved")
    mentor.submit("main form.form-wide", button="button[name=send]")
    profile_id = in_db(live, lambda: db.session.scalar(select(MentorProfile.id)))
    assert in_db(live, lambda: db.session.get(MentorProfile, profile_id).status) == PENDING

    admin = open_session(language, "admin")
    admin.login("ada@example.com", PASSWORD)
    admin.goto("/admin/vetting")
    assert "Marco Moretti" in admin.text()
    admin.goto(f"/admin/vetting/{profile_id}")
    admin.page.check("[name=decision][value=request_changes]")
    admin.page.fill("[name=notes]", "Say which customers you worked with, by sector.")
    admin.shot("vetting-decision")
    admin.submit(f"form[action='/admin/vetting/{profile_id}']")

    mentor.goto("/profile/mentor")
    assert "Say which customers you worked with, by sector." in mentor.text()
    mentor.page.fill("[name=headline]", "Twenty years of industrial sales: machinery, "
                                        "packaging, chemicals")
    mentor.submit("main form.form-wide", button="button[name=send]")  # what is typed

    admin.goto(f"/admin/vetting/{profile_id}")
    admin.page.check("[name=decision][value=approve]")
    admin.submit(f"form[action='/admin/vetting/{profile_id}']")
    assert in_db(live, lambda: db.session.get(MentorProfile, profile_id).status) == APPROVED

    rep_user = in_db(live, lambda: make_user(email="rep@example.com", language=language))
    rep = open_session(language, "rep")
    rep.login(rep_user.email, PASSWORD)
    rep.goto("/mentors")
    assert "Marco Moretti" in rep.text()
    assert "machinery, packaging, chemicals" in rep.text()
    rep.shot("listed")


# 3. Accept and decline, check-in, complete, feedback ---------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentorship_from_request_to_feedback(live, open_session, language):
    with live.app.app_context():
        area = make_area("Account management", "Gestione dei clienti")
        marco = make_user(email="marco@example.com", full_name="Marco Moretti",
                          language=language)
        profile = make_profile(marco, areas=[area], capacity=3, monthly_hours=10)
        nina = make_user(email="nina@example.com", full_name="Nina Neri", language=language)
        paolo = make_user(email="paolo@example.com", full_name="Paolo Pini",
                          language=language)
        accepted_id = submit(nina.id, profile.id, area.id)
        declined_id = submit(paolo.id, profile.id, area.id)

    mentor = open_session(language, "mentor")
    mentor.login("marco@example.com", PASSWORD)
    mentor.goto("/requests")
    mentor.shot("requests-received")
    mentor.page.fill(f"#accept-note-{accepted_id}", "Happy to: bring your account list.")
    mentor.submit(f"form[action='/requests/{accepted_id}/accept']")
    mentor.page.locator(f"details:has(form[action='/requests/{declined_id}/decline']) "
                        "summary").click()
    mentor.page.check(f"#reason-{declined_id}-not_my_expertise")
    mentor.submit(f"form[action='/requests/{declined_id}/decline']")
    statuses = in_db(live, lambda: (db.session.get(MentorshipRequest, accepted_id).status,
                                    db.session.get(MentorshipRequest, declined_id).status))
    assert statuses == ("accepted", "declined")

    declined = open_session(language, "declined-mentee")
    declined.login("paolo@example.com", PASSWORD)
    assert declined.page.locator("a[href='/notifications'] .badge").inner_text().startswith(
        "1")
    declined.goto("/notifications")
    assert declined.t("%(name)s declined your request for mentoring.",
                      name="Marco Moretti") in declined.text()
    declined.goto("/requests")
    declined.shot("declined")

    mentee = open_session(language, "mentee")
    mentee.login("nina@example.com", PASSWORD)
    mentee.goto("/notifications")
    assert mentee.t("%(name)s accepted your request for mentoring.",
                    name="Marco Moretti") in mentee.text()
    mentorship_id = in_db(live, lambda: db.session.scalar(select(Mentorship.id)))
    mentee.goto(f"/mentorships/{mentorship_id}")
    mentee.page.fill("[name=date]", utcnow().date().isoformat())
    mentee.page.fill("[name=minutes]", "45")
    mentee.page.fill("[name=summary]", "We mapped the buying committee of both accounts.")
    mentee.page.fill("[name=next_steps]", "Book the business reviews.")
    mentee.submit(f"form[action='/mentorships/{mentorship_id}/checkins']")
    assert mentee.t("The check-in is logged. The other side can now confirm it.") \
        in mentee.flashes()

    mentor.goto(f"/mentorships/{mentorship_id}")
    mentor.submit("form[action*='/confirm']")
    assert mentor.t("The check-in is confirmed.") in mentor.flashes()
    mentor.shot("mentorship")

    # Completing takes both sides: the mentee proposes, behind a confirmation step...
    mentee.goto(f"/mentorships/{mentorship_id}")
    mentee.page.locator("summary", has_text=mentee.t(
        "The goal is reached: complete the mentorship")).click()
    mentee.submit(f"form[action='/mentorships/{mentorship_id}/complete']")
    assert in_db(live, lambda: db.session.get(Mentorship, mentorship_id).status) != COMPLETED
    # ...and the mentor confirms.
    mentor.goto(f"/mentorships/{mentorship_id}")
    mentor.submit(f"form[action='/mentorships/{mentorship_id}/complete/confirm']")
    assert in_db(live, lambda: db.session.get(Mentorship, mentorship_id).status) == COMPLETED
    mentee.goto(f"/mentorships/{mentorship_id}")
    mentee.page.check("[name=rating][value='5']")
    mentee.page.fill("[name=comment]", "Marco asked the questions I was avoiding.")
    mentee.submit(f"form[action='/mentorships/{mentorship_id}/feedback']")
    assert mentee.t("Thank you for your feedback.") in mentee.flashes()

    mentor.goto(f"/mentorships/{mentorship_id}")
    mentor.page.check("[name=rating][value='4']")
    mentor.page.fill("[name=gained]", "A fresh look at how I run reviews myself.")
    mentor.submit(f"form[action='/mentorships/{mentorship_id}/feedback']")
    mentor.shot("completed")
    assert in_db(live, lambda: sorted(f.rating for f in db.session.scalars(
        select(Feedback)))) == [4, 5]


# 4. The language switcher ----------------------------------------------------------------------

PAGES = ["/", "/mentors", "/requests", "/account", "/notifications", "/profile/mentor"]


@pytest.mark.parametrize("start", LANGUAGES)
def test_the_language_switcher_changes_every_string_and_keeps_the_page(live, open_session,
                                                                       start):
    with live.app.app_context():
        area = make_area("Closing", "Chiusura")
        make_profile(make_user(email="giulia@example.com", full_name="Giulia Greco"),
                     areas=[area], content={"headline_en": HEADLINE})
        make_user(email="rita@example.com", full_name="Rita Rossi", language=start)
    other = "it" if start == "en" else "en"
    person = open_session(start, "switcher")
    person.login("rita@example.com", PASSWORD)
    for path in PAGES:
        person.goto(path)
        before = visible_lines(person)
        person.submit("form.language-switcher", f"button[value={other}]")
        assert path_of(person) == path
        assert person.page.locator("html").get_attribute("lang") == other
        after = visible_lines(person)
        unchanged = (before & after) - NOT_TRANSLATED - person_data() - same_zone_labels(live.app)
        assert unchanged == set(), f"{path}: not translated: {sorted(unchanged)}"
        person.submit("form.language-switcher", f"button[value={start}]")
        assert person.page.locator("html").get_attribute("lang") == start


HEADLINE = "Closes retail deals without discounts"
# Names and words that are the same in both languages (the glossary keeps some
# English terms), and what people wrote.
NOT_TRANSLATED = {"Mentor Marketplace", "English", "Italiano", "Mentor", "Mentee", "Email",
                  "Account", "Check-in", "Feedback", "Dashboard", "Admin", "Password",
                  "Benelux", "Hindi"}


def same_zone_labels(app):
    """Time zones CLDR names alike in both languages ("Australia – Sydney")."""
    with app.test_request_context():
        return set.intersection(*({label for _zone, label in timezone_choices(locale=language)}
                                  for language in LANGUAGES))


def person_data():
    """What people wrote, and their initials in the circles beside their names."""
    return {"Giulia Greco", "Rita Rossi", "GG", "RR", "Closing", "Chiusura", HEADLINE}


# Time zones, UTC aside, are shown by their labels ("Italia – Roma").
IDENTIFIERS = re.compile(r"UTC|[A-Z][\w+-]+/[\w/+-]+|\S+@\S+|[\d\s.,:/–\-()%·]+")


def visible_lines(session):
    """The page's visible text, line by line, without numbers, dates, time zone names
    and email addresses."""
    lines = set()
    for line in session.text().splitlines():
        line = line.strip()
        if line and not IDENTIFIERS.fullmatch(line):
            lines.add(line)
    return lines


# Keyboard only ---------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_logging_in_and_requesting_with_the_keyboard_alone(live, open_session, language):
    with live.app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        profile = make_profile(make_user(email="giulia@example.com",
                                         full_name="Giulia Greco"), areas=[area])
        make_user(email="rita@example.com", full_name="Rita Rossi", language=language)
    person = open_session(language, "keyboard")
    person.goto("/auth/login")
    keyboard = person.page.keyboard
    tab_to(person, "[name=email]")
    keyboard.type("rita@example.com")
    tab_to(person, "[name=password]")
    keyboard.type(PASSWORD)
    with person.page.expect_navigation():
        keyboard.press("Enter")
    assert path_of(person) != "/auth/login"

    person.goto(f"/mentors/{profile.id}/request")
    tab_to(person, "[name=area]")
    keyboard.press("ArrowDown")
    tab_to(person, "[name=goal]")
    keyboard.type(GOAL)
    tab_to(person, "[name=target_date]")
    target = add_months(utcnow().date(), 3)
    # Headless Chromium keeps the month/day/year order of date inputs in every locale.
    keyboard.type(target.strftime("%m%d%Y"))
    tab_to(person, "[name=current_situation]")
    keyboard.type(SITUATION)
    tab_to(person, "[name=success_measures]")
    keyboard.type(MEASURES)
    tab_to(person, "[name=meeting_format]")
    keyboard.press("Space")
    tab_to(person, "[name=acknowledge]")
    keyboard.press("Space")
    tab_to(person, "main form[method=post] button[type=submit]")
    with person.page.expect_navigation():
        keyboard.press("Enter")
    assert path_of(person) == "/requests", person.page.locator("[id$=-error]").all_inner_texts()
    request = in_db(live, lambda: db.session.scalar(select(MentorshipRequest)))
    assert (request.goal, request.target_date) == (GOAL, target)


def tab_to(session, selector, limit=80):
    """Press Tab until `selector` has the focus: it must be reachable by keyboard."""
    element = session.page.locator(selector).first
    for _ in range(limit):
        if element.evaluate("node => node === document.activeElement"):
            return
        session.page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with Tab")

