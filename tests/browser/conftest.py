"""Real-browser fixtures: the app served from a thread on a free port with its own
database, Chromium driven by Playwright, axe-core injected into pages.

The browser is the system's Chromium or, where there is none, the one npm's
@sparticuz/chromium ships (see chromium.py). A missing browser or axe-core fails the
tests; `make test` installs both from the npm registry.
"""

import json
import os
import re
import threading
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from marketplace.extensions import db

from .chromium import NoChromium, find_chromium

AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
BROWSER_LOCALES = {"en": "en-US", "it": "it-IT"}
# axe-core's impact levels that fail a page.
BLOCKING_IMPACTS = {"serious", "critical"}



def quoted(text):
    """`text` as a string in a Playwright selector (not ASCII-escaped: Playwright would
    read \\u2019 as a CSS escape)."""
    return json.dumps(text, ensure_ascii=False)

class LiveServer:
    """The app on 127.0.0.1:<free port>, in a thread, until `stop()`."""

    def __init__(self, make_app, **settings):
        holder = {}
        self.server = make_server("127.0.0.1", 0, lambda environ, start_response:
                                  holder["app"](environ, start_response), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.app = holder["app"] = make_app(SERVER_NAME=f"127.0.0.1:{self.server.port}",
                                             MAIL_SEND_IMMEDIATELY=True, **settings)
        with self.app.app_context():
            db.create_all()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)

    def mail_to(self, address):
        return [message for message in self.app.extensions.get("mail_outbox", [])
                if message.to == address]


def serve(make_app, postgres_url, **settings):
    """A live server with these settings, for a fixture to yield from."""
    server = LiveServer(make_app, **settings)
    yield server
    server.stop()
    with server.app.app_context():
        db.session.remove()
        if postgres_url:
            db.drop_all()


@pytest.fixture
def live(make_app, postgres_url):
    yield from serve(make_app, postgres_url)


@pytest.fixture(scope="session")
def browser():
    try:
        executable, env = find_chromium()
    except NoChromium as error:  # one line, without the traceback
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             env={**os.environ, **env} if env else None)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source():
    assert AXE.exists(), f"No axe-core at {AXE}: `make test` installs it with npm."
    return AXE.read_text(encoding="utf-8")


class Session:
    """One person's browser (its own cookies), speaking `language`.

    Every page it reaches through `goto`, `click` or `submit` is checked with axe-core;
    `shot` saves a screenshot under test-artifacts/.
    """

    def __init__(self, browser, live, language, axe_source, name):
        self.live, self.language, self.name = live, language, name
        # The app's CSP forbids inline scripts; only axe needs to get past it.
        self.context = browser.new_context(locale=BROWSER_LOCALES[language],
                                           bypass_csp=True,
                                           viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.axe_source = axe_source
        self.violations = []
        self.checked = set()

    # What the app says in this session's language.
    def t(self, message, **params):
        with self.live.app.test_request_context(), force_locale(self.language):
            return gettext(message, **params)

    def goto(self, path):
        self.page.goto(self.live.url + path)
        return self.check()

    def submit(self, form_selector="main form", button=None):
        """Submit a form with its (first, or `button`) submit button."""
        form = self.page.locator(form_selector)
        target = form.locator(button or "button[type=submit]").first
        with self.page.expect_navigation():
            target.click()
        return self.check()

    def click_link(self, selector):
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        return self.check()

    def check(self):
        """Run axe-core once per path and keep its serious and critical findings."""
        path = re.sub(r"\d+", "<n>", self.page.url.removeprefix(self.live.url).split("?")[0])
        if path not in self.checked:
            self.checked.add(path)
            self.page.add_script_tag(content=self.axe_source)
            result = self.page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))")
            self.violations += [dict(violation, page=path) for violation in result
                                if violation["impact"] in BLOCKING_IMPACTS]
        return self.page

    def text(self):
        return self.page.locator("body").inner_text()

    def flashes(self):
        return [text.strip() for text in self.page.locator(".flash").all_inner_texts()]

    def shot(self, step):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{self.name}-{self.language}-{step}.png",
                             full_page=True)

    def login(self, email, password):
        self.goto("/auth/login")
        self.page.fill("[name=email]", email)
        self.page.fill("[name=password]", password)
        self.submit()
        assert self.page.url.removeprefix(self.live.url) != "/auth/login", self.flashes()


@pytest.fixture
def open_session(browser, live, axe_source):
    """open_session(language, name) -> a Session; all are closed, and their axe
    findings must be empty, at the end of the test."""
    sessions = []

    def open_(language, name):
        session = Session(browser, live, language, axe_source, name)
        sessions.append(session)
        return session

    yield open_
    findings = [violation for session in sessions for violation in session.violations]
    for session in sessions:
        session.context.close()
    assert findings == [], json.dumps(findings, indent=2, ensure_ascii=False)
