"""Each role's home page (GET /home, "My page") in a real browser, in English and in
Italian: people log in through the form and land there, each section they should see is
there with its next action, and one action per role leads to the right page. axe-core
checks every page on the way (conftest.py).

Screenshots of each role's home page and of a mentorship page are saved at 390 and
1280 px wide under test-artifacts/screenshots/, named role-page-language-width.png
(e.g. mentor-home-it-390.png), for people to look at.

The data is made through the services and the test factories, as in the other tests.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, ngettext

from marketplace.accounts.models import User
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mentors.models import PENDING
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import COMPLETED, Mentorship
from marketplace.stories.models import SUBMITTED

from ..builders import submit
from ..factories import PASSWORD, make_area, make_mentorship, make_profile, make_story, make_user
from .conftest import ARTIFACTS

LANGUAGES = ["en", "it"]
WIDTHS = {390: 844, 1280: 900}  # width: height of the window


# The world every journey starts from --------------------------------------------------------

def build_world(live, language):
    """A program in full swing, everyone speaking `language`:

    - Nina, a sales rep: a request waiting for Giulia, an active mentorship with Marco in
      which she logged a check-in he has not confirmed yet;
    - Marco, a mentor: that mentorship, and a request from Paolo waiting for his answer;
    - Ada, an admin: Elena's profile waiting for review, Sara's story waiting to be
      published;
    - Rita, just signed up, with nothing yet.
    """
    with live.app.app_context():
        negotiation = make_area("Negotiation", "Negoziazione")
        accounts = make_area("Account management", "Gestione dei clienti")

        def person(email, name, **fields):
            return make_user(email=email, full_name=name, language=language, **fields)

        nina = person("nina@example.com", "Nina Neri", job_title="Account manager")
        marco = person("marco@example.com", "Marco Moretti")
        giulia = person("giulia@example.com", "Giulia Greco")
        bruno = person("bruno@example.com", "Bruno Bassi")
        paolo = person("paolo@example.com", "Paolo Pini")
        sara = person("sara@example.com", "Sara Serra")
        person("ada@example.com", "Ada Admin", is_admin=True)
        person("rita@example.com", "Rita Rossi", job_title="Sales representative")

        marco_profile = make_profile(marco, areas=[accounts], capacity=3, monthly_hours=10)
        giulia_profile = make_profile(giulia, areas=[negotiation])
        bruno_profile = make_profile(bruno, areas=[negotiation, accounts], capacity=3)
        make_profile(person("elena@example.com", "Elena Esposito"), status=PENDING,
                     areas=[negotiation])

        mentorship = make_mentorship(nina, marco_profile, accounts, started_days_ago=20)
        row = db.session.get(Mentorship, mentorship.id)
        check_in = mentoring.log_check_in(
            row, actor=db.session.get(User, nina.id),
            held_on=utcnow().date() - timedelta(days=6), minutes=45,
            summary="We mapped the buying committee of both accounts.")
        db.session.commit()
        check_in_id = check_in.id
        submit(nina.id, giulia_profile.id, negotiation.id)
        paolos = submit(paolo.id, marco_profile.id, accounts.id)
        make_story(make_mentorship(sara, bruno_profile, negotiation, status=COMPLETED,
                                   started_days_ago=120), status=SUBMITTED)
    return SimpleNamespace(mentorship_id=mentorship.id, check_in_id=check_in_id,
                           paolos_request_id=paolos)


@pytest.fixture
def world(live, language):
    return build_world(live, language)


# Reading and following what the page shows ----------------------------------------------------

def path_of(session):
    return session.page.url.removeprefix(session.live.url)


def plural(session, singular, plural_, num):
    with session.live.app.test_request_context(), force_locale(session.language):
        return ngettext(singular, plural_, num)


def log_in_and_land_home(session, email):
    """Log in through the form: the person lands on /home, "My page", the first item of
    the navigation, in their language."""
    session.login(email, PASSWORD)
    assert path_of(session) == "/home"
    page = session.page
    assert page.locator("html").get_attribute("lang") == session.language
    first = page.locator(".main-nav li").first.locator("a")
    assert first.get_attribute("href") == "/home"
    assert first.get_attribute("aria-current") == "page"
    assert first.inner_text().strip() == said(session, "My page")
    assert page.title().startswith(session.t("My page"))


def said(session, message):
    """What the page says for `message` in the session's language; in Italian it must
    be translated (the same words in both would pass unnoticed)."""
    text = session.t(message)
    assert session.language == "en" or text != message, f"not translated: {message!r}"
    return text


def region(session, title):
    """The page's section with this heading (a <section> labelled by its heading)."""
    found = session.page.get_by_role("region", name=said(session, title), exact=True)
    assert found.count() == 1, f"no section {session.t(title)!r}"
    return found


def listing(session, title):
    """The list of cards under this subheading (a <ul> labelled by it)."""
    found = session.page.get_by_role("list", name=said(session, title), exact=True)
    assert found.count() == 1, f"no list {session.t(title)!r}"
    return found


def card(within, name):
    """The one card, in a section or list, about the person called `name`."""
    found = within.locator(".card").filter(has_text=name)
    assert found.count() == 1, f"no card for {name}"
    return found


def action(session, within, text, href):
    """The link `text` (in the session's language) in `within`, leading to `href`."""
    link = within.get_by_role("link", name=said(session, text), exact=True)
    assert link.count() == 1, f"no link {session.t(text)!r}"
    assert link.get_attribute("href") == href
    return link


def follow(session, link):
    with session.page.expect_navigation():
        link.click()
    return session.check()


def absent(session, *titles):
    text = session.text()
    assert [title for title in titles if session.t(title) in text] == []


def shoot(session, role, page_name):
    """Screenshots of the page at each width, named role-page-language-width; at
    390 px nothing may stick out sideways (the page would scroll horizontally)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = session.page
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=ARTIFACTS / f"{role}-{page_name}-{session.language}-{width}.png",
                        full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{page_name} is {overflow}px wide at {width}px"
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})


# The journeys ---------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentee_sees_their_request_and_mentorship(live, world, open_session, language):
    mentee = open_session(language, "mentee")
    log_in_and_land_home(mentee, "nina@example.com")
    assert mentee.t("Hello, %(name)s", name="Nina Neri") in mentee.text()
    mentorship = f"/mentorships/{world.mentorship_id}"

    waiting = card(region(mentee, "Your requests waiting for an answer"), "Giulia Greco")
    assert ("Negoziazione" if language == "it" else "Negotiation") in waiting.inner_text()
    action(mentee, waiting, "See your request", "/requests")
    running = card(region(mentee, "Your mentorships"), "Marco Moretti")
    # Her check-in waits for Marco: the card says so.
    with live.app.test_request_context(), force_locale(language):
        held_on = live.app.jinja_env.filters["dateformat"](
            utcnow().date() - timedelta(days=6), "medium")
    assert mentee.t("Your check-in of %(date)s is waiting for %(name)s to confirm it.",
                    date=held_on, name="Marco Moretti") in running.inner_text()
    log = action(mentee, running, "Log a check-in", mentorship)
    # The answer that started it is old news once the mentorship is under way.
    absent(mentee, "Your last request", "Find your mentor", "As a mentor",
           "Running the program", "Feedback to leave")
    shoot(mentee, "mentee", "home")

    follow(mentee, log)
    assert path_of(mentee) == mentorship
    assert "Marco Moretti" in mentee.text()
    assert "We mapped the buying committee of both accounts." in mentee.text()
    assert mentee.page.locator(f"form[action='{mentorship}/checkins']").count() == 1
    shoot(mentee, "mentee", "mentorship")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mentor_sees_a_request_to_answer_and_a_check_in_to_confirm(live, world,
                                                                      open_session, language):
    mentor = open_session(language, "mentor")
    log_in_and_land_home(mentor, "marco@example.com")
    mentorship = f"/mentorships/{world.mentorship_id}"

    section = region(mentor, "As a mentor")
    status = section.locator(".status-box").inner_text()
    assert mentor.t("%(free)s of %(capacity)s places free", free="2", capacity="3") in status
    action(mentor, section, "Open your mentor profile", "/profile/mentor")
    request = card(listing(mentor, "Requests waiting for your answer"), "Paolo Pini")
    answer = action(mentor, request, "Read and answer",
                    f"/requests#request-{world.paolos_request_id}")
    to_confirm = card(listing(mentor, "Check-ins to confirm"), "Nina Neri")
    assert plural(mentor, "%(num)s check-in to confirm", "%(num)s check-ins to confirm",
                  1) in to_confirm.inner_text()
    confirm = action(mentor, to_confirm, "Review and confirm",
                     f"{mentorship}#check-in-{world.check_in_id}")
    absent(mentor, "Find your mentor", "Your mentorships", "Running the program")
    shoot(mentor, "mentor", "home")

    follow(mentor, answer)
    assert path_of(mentor) == f"/requests#request-{world.paolos_request_id}"
    assert mentor.page.locator("form[action$='/accept']").count() == 1
    assert "Paolo Pini" in mentor.text()

    mentor.goto("/home")
    follow(mentor, confirm)
    assert path_of(mentor) == f"{mentorship}#check-in-{world.check_in_id}"
    assert mentor.page.locator("form[action*='/confirm']").count() == 1
    shoot(mentor, "mentor", "mentorship")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admin_sees_a_profile_waiting_for_review(live, world, open_session, language):
    admin = open_session(language, "admin")
    log_in_and_land_home(admin, "ada@example.com")

    section = region(admin, "Running the program")
    pending = section.locator(".card").filter(has_text=plural(
        admin, "%(num)s profile waiting for review", "%(num)s profiles waiting for review", 1))
    assert pending.count() == 1
    review = action(admin, pending, "Review profiles", "/admin/vetting")
    stories = section.locator(".card").filter(has_text=plural(
        admin, "%(num)s story to publish", "%(num)s stories to publish", 1))
    action(admin, stories, "Read the stories", "/admin/stories")
    assert listing(admin, "This month").locator(".card").count() == 4
    assert section.get_by_role("link", name=admin.t("Open the dashboard"),
                               exact=True).count() == 1
    absent(admin, "Find your mentor", "As a mentor", "Your mentorships")
    shoot(admin, "admin", "home")

    follow(admin, review)
    assert path_of(admin) == "/admin/vetting"
    assert "Elena Esposito" in admin.text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_mentee_is_shown_how_to_start(live, world, open_session, language):
    newcomer = open_session(language, "new-mentee")
    log_in_and_land_home(newcomer, "rita@example.com")

    section = region(newcomer, "Find your mentor")
    looking_for = action(newcomer, section, "What I am looking for", "/account/looking-for")
    suggested = section.locator(".mentor-card")
    assert newcomer.t("Mentors who may fit") in section.inner_text()
    assert 1 <= suggested.count() <= 3
    names = {"Marco Moretti", "Giulia Greco", "Bruno Bassi"}
    assert all(any(name in text for name in names) for text in suggested.all_inner_texts())
    absent(newcomer, "Your requests waiting for an answer", "Your mentorships",
           "As a mentor", "Running the program")
    shoot(newcomer, "new-mentee", "home")

    follow(newcomer, looking_for)
    assert path_of(newcomer) == "/account/looking-for"
