"""A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider on
Node (tests/oidc/provider.mjs), started on loopback, plus what a test needs to use it
without a browser: users to sign in as, and the provider's sign-in done over HTTP.

The provider keeps everything in memory; only its users are in a JSON file, read at
every sign-in, so a test can add or change one while it runs (add_user).
"""

import json
import os
import secrets
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

OIDC_DIR = Path(__file__).parent / "oidc"
START_TIMEOUT = 20  # seconds; a start takes well under one
HTTP_TIMEOUT = 10
MAX_REDIRECTS = 10
CLIENT_ID = "mentor-marketplace"


class _Page(HTMLParser):
    """The forms (action, inputs' names and values) and links of a provider's page."""

    def __init__(self, html):
        super().__init__()
        self.forms, self.links = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "inputs": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


class OidcProvider:
    """A running provider: its issuer, the app's client, its users."""

    def __init__(self, process, issuer, client_id, client_secret, users_file, stderr_file):
        self.process = process
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.users_file = users_file
        self.stderr_file = stderr_file

    def add_user(self, sub, **claims):
        """Adds (or replaces) the user `sub`, with the claims given (email, name,
        given_name, family_name, locale, email_verified), the next sign-in on."""
        users = json.loads(self.users_file.read_text())
        users[sub] = {"email_verified": True, "locale": "en", **claims}
        # Written aside and renamed: the provider never reads half a file.
        draft = self.users_file.with_suffix(".tmp")
        draft.write_text(json.dumps(users, indent=2))
        draft.replace(self.users_file)

    def sign_in(self, authorize_url, sub):
        """Signs in as `sub` on the provider's login form (any password does), starting
        from the app's authorization request; returns the URL the provider sends the
        browser back to (the app's callback, with the code and state), not requested."""
        # The login form takes any login, and the provider then fails (500) on a sub its
        # findAccount does not know: a real provider would not have let that user in.
        if sub not in json.loads(self.users_file.read_text()):
            raise ValueError(f"{sub!r} is no user of the provider: add_user() it first")
        session = requests.Session()  # no provider session from a previous sign-in
        form = self._login_form(session, authorize_url)
        data = {**form["inputs"], "login": sub, "password": "any password"}
        response = session.post(form["action"], data=data, allow_redirects=False,
                                timeout=HTTP_TIMEOUT)
        return self._back_to_app(session, response)

    def cancel(self, authorize_url):
        """Cancels on the login form (its abort link); returns the app's callback URL the
        provider sends the browser back to, with error=access_denied, not requested."""
        session = requests.Session()
        page_url, page = self._page(session, authorize_url)
        aborts = [link for link in page.links if urlsplit(link).path.endswith("/abort")]
        assert aborts, f"no abort link on the provider's page {page_url}"
        response = session.get(urljoin(page_url, aborts[0]), allow_redirects=False,
                               timeout=HTTP_TIMEOUT)
        return self._back_to_app(session, response)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _follow(self, session, response):
        """Follows the provider's redirects: the first URL elsewhere (not requested), or
        the provider's last response, a page."""
        for _ in range(MAX_REDIRECTS):
            if not response.is_redirect:
                return response
            location = urljoin(response.url, response.headers["Location"])
            if urlsplit(location).netloc != urlsplit(self.issuer).netloc:
                return location
            response = session.get(location, allow_redirects=False, timeout=HTTP_TIMEOUT)
        raise AssertionError(f"more than {MAX_REDIRECTS} redirects on the provider")

    def _page(self, session, authorize_url):
        """The provider's page the authorization request leads to, parsed."""
        first = session.get(authorize_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        response = self._follow(session, first)
        if isinstance(response, str):
            raise AssertionError(f"the provider sent the browser back without a sign-in: "
                                 f"{response}")
        return response.url, _Page(response.text)

    def _login_form(self, session, authorize_url):
        page_url, page = self._page(session, authorize_url)
        forms = [form for form in page.forms if "login" in form["inputs"]]
        assert forms, f"no login form on the provider's page {page_url}: {page.rawdata}"
        return {**forms[0], "action": urljoin(page_url, forms[0]["action"])}

    def _back_to_app(self, session, response):
        location = self._follow(session, response)
        if isinstance(location, str):
            return location
        raise AssertionError(f"the provider stayed on {location.url} "
                             f"({location.status_code}): {location.text}")


def start_provider(tmp_dir):
    """Starts a provider on a free port of 127.0.0.1, its files in `tmp_dir`; returns when it
    answers. The port is the system's pick, made by the provider as it binds (a port found
    free here could be taken by another test worker before it binds)."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"{OIDC_DIR / 'node_modules'} is missing: run make test "
                           "(it installs the provider's npm packages)")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on the PATH: the OpenID Connect tests need Node.js")
    tmp_dir = Path(tmp_dir)
    users_file = tmp_dir / "users.json"
    users_file.write_text("{}")
    # Hex: Authlib puts the secret in the Basic header as is, without the form-encoding
    # the provider undoes, so only characters both leave alone.
    client_secret = secrets.token_hex(32)
    env = {**os.environ, "OIDC_TEST_CLIENT_ID": CLIENT_ID,
           "OIDC_TEST_CLIENT_SECRET": client_secret, "OIDC_TEST_USERS": str(users_file)}
    # Files rather than pipes: nobody reads a pipe once it has started, and a full one
    # would block the provider; stderr stays for the failure report.
    stdout_file, stderr_file = tmp_dir / "provider.out", tmp_dir / "provider.err"
    with stdout_file.open("wb") as stdout, stderr_file.open("wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 (our own script)
            [node, str(OIDC_DIR / "provider.mjs"), "0"], env=env,
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + START_TIMEOUT
    while (issuer := _ready(stdout_file)) is None:
        if process.poll() is not None:
            raise RuntimeError(f"the OpenID Connect provider exited ({process.returncode}):\n"
                               f"{stderr_file.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"the OpenID Connect provider did not start in {START_TIMEOUT}"
                               f" s:\n{stderr_file.read_text()}")
        time.sleep(0.05)
    return OidcProvider(process, issuer, CLIENT_ID, client_secret, users_file, stderr_file)


def _ready(stdout_file):
    """The issuer from the provider's `ready <issuer>` line, once printed."""
    for line in stdout_file.read_text().splitlines(keepends=True):
        if line.startswith("ready ") and line.endswith("\n"):  # the whole line
            return line.removeprefix("ready ").strip()
    return None
