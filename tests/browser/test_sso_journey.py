"""Single sign-on in a real browser (Chromium), in English and in Italian, against a
real OpenID Connect provider on loopback (tests/oidc_provider.py), with axe-core
checking the app's pages on the way.

A colleague asks for a page, is sent to the login page, clicks "Sign in with Acme",
signs in on the provider's own page and lands on the page asked for, signed in, in
their language; a person whose provider gives an address outside the company gets the
page that says why. Screenshots at desktop and phone width.
"""

import pytest

from marketplace.accounts.sso import REFUSALS

from ..test_sso import with_domains
from ..test_sso_provider import settings
from .conftest import quoted, serve

LANGUAGES = ["en", "it"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live(make_app, postgres_url, oidc_provider):
    """The live server, with single sign-on at the test provider."""
    for server in serve(make_app, postgres_url, **settings(oidc_provider)):
        with_domains(server.app)
        yield server


def at_the_provider(session, provider, sub):
    """Sign in on the provider's page (not the app's: no axe check there) and come back
    to the app."""
    page = session.page
    page.wait_for_url(provider.issuer + "/**")
    page.fill("[name=login]", sub)
    page.fill("[name=password]", "any password")
    with page.expect_navigation(url=session.live.url + "/**"):
        page.locator("button[type=submit]").first.click()
    return session.check()


def click_sign_in(session):
    button = session.page.locator(
        f"a.button:has-text({quoted(session.t('Sign in with %(provider)s', provider='Acme'))})")
    with session.page.expect_navigation():
        button.click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_colleague_signs_in_with_the_company_account(open_session, live, oidc_provider,
                                                       language):
    sub = f"journey-{language}"
    oidc_provider.add_user(sub, email=f"marta.{language}@acme.com", name="Marta Galli",
                           locale=language)
    colleague = open_session(language, "sso")
    colleague.goto("/requests")
    assert colleague.page.url.startswith(live.url + "/auth/login?next=")
    colleague.shot("login")
    colleague.page.set_viewport_size(PHONE)
    colleague.shot("login-phone")
    colleague.page.set_viewport_size({"width": 1280, "height": 900})

    click_sign_in(colleague)
    at_the_provider(colleague, oidc_provider, sub)
    assert colleague.page.url == live.url + "/requests"
    assert colleague.page.locator("html").get_attribute("lang") == language
    assert colleague.flashes() == [
        colleague.t("Welcome, %(name)s! Your account is ready.", name="Marta Galli")]
    colleague.shot("signed-in")
    # The account page offers no password to someone who signs in this way.
    colleague.goto("/account")
    assert colleague.page.locator("a[href='/account/password']").count() == 0
    assert colleague.t("You sign in with your company account, not with a password "
                       "here.") in colleague.text()
    colleague.page.set_viewport_size(PHONE)
    colleague.shot("account-phone")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_address_outside_the_company_is_told_why(open_session, live, oidc_provider,
                                                    language):
    sub = f"outsider-{language}"
    oidc_provider.add_user(sub, email=f"olga.{language}@freemail.example", name="Olga",
                           locale=language)
    outsider = open_session(language, "sso-refused")
    outsider.goto("/auth/login")
    click_sign_in(outsider)
    at_the_provider(outsider, oidc_provider, sub)
    assert outsider.page.url.startswith(live.url + "/auth/sso/callback?")
    assert outsider.t(str(REFUSALS["outside"][1])) in outsider.text()
    outsider.shot("refused")
    outsider.page.set_viewport_size(PHONE)
    outsider.shot("refused-phone")
