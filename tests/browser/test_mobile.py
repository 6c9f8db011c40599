"""Phones and small screens, in a real browser (Chromium), in English and Italian.

Every page of the main journeys, as a visitor, a mentee, a mentor and an admin of the
demo data, at 360×740: none may be wider than the screen (the page would scroll
sideways). The navigation folds behind a "Menu" button that works without JavaScript,
and on a 1280 px screen it is one row, even an admin's in Italian. After a failed
submit the focus is on the error summary. Axe checks each page on the way (conftest.py).
"""

import pytest
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.demo import seed as demo
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships.models import Mentorship

from .conftest import BROWSER_LOCALES

LANGUAGES = ["en", "it"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
MENTEE, MENTOR = "marco.bianchi@example.com", "elena.ferri@example.org"
ADMIN = {"en": "alex.morgan@example.com", "it": "giulia.romano@example.com"}
# What decides whether a page scrolls sideways: the document wider than the window.
WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
# Axe findings at 360 px that only other templates can fix: a table that scrolls in its
# box needs keyboard access (tabindex="0", a role and a name on its wrapper), in
# admin/dashboard.html and mentors/statement.html. Remove each once its template does.
@pytest.fixture
def demo_world(live):
    """The demo data (seed-demo) in the live server's database: the ids the pages need."""
    with live.app.app_context():
        demo.load()
        db.session.commit()

        def profile_id(email):
            return db.session.scalar(select(MentorProfile.id).join(User).where(
                User.email == email))

        mentee_id = db.session.scalar(select(User.id).where(User.email == MENTEE))
        return {
            "mentor_profile": profile_id(MENTOR),
            "askable_profile": profile_id("roberto.conti@example.com"),
            "mentorship": db.session.scalar(select(Mentorship.id).where(
                Mentorship.mentee_id == mentee_id)),
        }


def journeys(ids):
    """(who, path) for every page of the main journeys."""
    mentor, askable, mentorship = (ids["mentor_profile"], ids["askable_profile"],
                                   ids["mentorship"])
    return {
        None: ["/", "/auth/login", "/auth/register", "/auth/forgot"],
        MENTEE: ["/home", "/", "/mentors", "/mentors?area=1&available=y",
                 f"/mentors/{mentor}", f"/mentors/{askable}/request", "/requests",
                 "/mentoring", f"/mentorships/{mentorship}", "/notifications", "/account",
                 "/account/looking-for", "/profile/mentor", "/invitations"],
        MENTOR: ["/home", "/requests", "/mentoring", f"/mentorships/{mentorship}",
                 "/notifications", "/account", "/profile/mentor",
                 "/profile/mentor/statement", f"/mentors/{mentor}"],
        "admin": ["/home", "/admin", "/admin/vetting", f"/admin/vetting/{mentor}",
                  "/admin/users", "/admin/program", "/admin/areas", "/admin/stories",
                  "/admin/settings", "/admin/invitations", "/admin/directory", "/mentors",
                  f"/mentors/{mentor}", "/notifications", "/account", "/invitations"],
    }


def said(live, language, message, plural=None, num=None):
    """What the app says in `language` (`plural` and `num` for a count)."""
    with live.app.test_request_context(), force_locale(language):
        if plural is None:
            return gettext(message)
        return ngettext(message, plural, num)  # `num` goes into the text too


def speaking(live, email, language):
    """The demo person reads the site in `language` (their own setting wins over the
    browser's)."""
    with live.app.app_context():
        db.session.scalar(select(User).where(User.email == email)).language = language
        db.session.commit()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["visitor", "mentee", "mentor", "admin"])
def test_no_page_scrolls_sideways_on_a_phone(live, open_session, demo_world, role,
                                             language):
    email = {"visitor": None, "mentee": MENTEE, "mentor": MENTOR,
             "admin": ADMIN[language]}[role]
    paths = journeys(demo_world)["admin" if role == "admin" else email]
    session = open_session(language, f"mobile-{role}")
    if email:
        speaking(live, email, language)
        session.login(email, demo.PASSWORD)
    session.page.set_viewport_size(PHONE)
    too_wide, failed = [], []
    for path in paths:
        response = session.page.goto(live.url + path)
        session.check()
        if response.status != 200:
            failed.append(f"{path}: {response.status}")
        scroll_width, window = session.page.evaluate(WIDTH)
        if scroll_width > window:
            too_wide.append(f"{path}: {scroll_width} px")
    assert failed == []
    assert too_wide == [], f"wider than {PHONE['width']} px ({role}, {language}): {too_wide}"
    session.shot("phone-last-page")


def test_the_phone_pages_look_right(live, open_session, demo_world):
    """Screenshots at 360 px for people to look at: the menu open, the directory's filters
    folded and open, a mentor, a mentorship and an admin table, in both languages."""
    for language in LANGUAGES:
        speaking(live, MENTEE, language)
        session = open_session(language, "mobile-mentee")
        session.login(MENTEE, demo.PASSWORD)
        session.page.set_viewport_size(PHONE)
        session.goto("/home")
        session.page.click(".menu-button")
        assert session.page.locator(".main-nav a[href='/mentoring']").is_visible()
        session.shot("phone-menu-open")
        session.goto("/mentors?area=1")
        assert not session.page.locator("form.filters").is_visible()
        assert session.t("Filters") in session.page.locator(".filters-panel summary").inner_text()
        session.shot("phone-directory")
        session.page.click(".filters-panel summary")
        assert session.page.locator("form.filters [name=q]").is_visible()
        session.shot("phone-directory-filters")
        session.goto(f"/mentors/{demo_world['mentor_profile']}")
        session.shot("phone-mentor")
        session.goto(f"/mentorships/{demo_world['mentorship']}")
        session.shot("phone-mentorship")
        admin = open_session(language, "mobile-admin")
        admin.login(ADMIN[language], demo.PASSWORD)
        admin.page.set_viewport_size(PHONE)
        admin.goto("/admin/users")
        admin.shot("phone-users")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_menu_works_without_javascript(browser, live, demo_world, language):
    """On a phone the links hide behind "Menu", a <details> that opens without scripts;
    on a wide screen there is no button and the links show."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE,
                                  locale=BROWSER_LOCALES[language])
    page = context.new_page()
    try:
        page.goto(live.url + "/")
        link = page.locator(".main-nav a[href='/auth/login']")
        button = page.locator("summary.menu-button")
        assert button.is_visible() and not link.is_visible()
        assert button.inner_text().strip() == said(live, language, "Menu")
        button.focus()
        page.keyboard.press("Enter")  # the keyboard opens it as well as a tap
        assert link.is_visible()
        assert page.locator(".language-switcher").is_visible()
        page.keyboard.press("Enter")
        assert not link.is_visible()
        page.set_viewport_size(DESKTOP)
        assert link.is_visible() and not button.is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admins_navigation_is_one_row_at_1280_px(live, open_session, demo_world,
                                                   language):
    """The longest navigation there is: an admin's (also a mentor), with unread
    notifications, in Italian the longest words."""
    session = open_session(language, "desktop-admin")
    speaking(live, "giulia.romano@example.com", language)
    session.login("giulia.romano@example.com", demo.PASSWORD)
    for path in ("/home", "/admin"):
        session.goto(path)
        items = session.page.locator(".main-nav li")
        assert items.count() >= 10  # every link, the unread badge and "Log out"
        tops = session.page.evaluate(
            "[...document.querySelectorAll('.main-nav li')].map(li => li.offsetTop)")
        assert len(set(tops)) == 1, f"{path}: the navigation wraps: {tops}"
        assert not session.page.locator("summary.menu-button").is_visible()
    session.shot("desktop-nav")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_submit_puts_the_focus_on_the_error_summary(live, open_session, language):
    session = open_session(language, "mobile-visitor")
    session.page.set_viewport_size(PHONE)
    session.goto("/auth/register")
    session.page.fill("[name=email]", "nina@example.com")
    session.page.fill("[name=password]", "short")
    session.page.fill("[name=confirm]", "different")
    session.submit()
    summary = session.page.locator(".error-summary")
    # The browser runs autofocus in its next rendering step after the load: wait for it.
    expect(summary).to_be_focused()
    problems = summary.locator("li").count()
    assert problems >= 2  # the two passwords: too short, and different
    assert said(live, language, "There is %(num)s problem to fix",
                "There are %(num)s problems to fix", problems) in summary.inner_text()
    first = summary.locator("a").first
    target = first.get_attribute("href").removeprefix("#")
    first.click()
    assert session.page.evaluate("document.activeElement.id") == target
    scroll_width, window = session.page.evaluate(WIDTH)
    assert scroll_width <= window
    session.shot("phone-error-summary")
