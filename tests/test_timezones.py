"""Time zones (issue 22): the common zones only, labelled "Country – City" in the
reader's language from CLDR and sorted ignoring accents, the IANA name stored; a zone
saved before and no longer offered kept; new accounts starting in the zone of their
region or language."""

import html
import re
import zoneinfo

import pytest
from babel.core import get_global
from sqlalchemy import select

from marketplace import geography
from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.directory import services as directory
from marketplace.extensions import db
from marketplace.geography import (
    COMMON_TIMEZONES,
    REGIONS,
    default_timezone,
    timezone_choices,
    timezone_label,
)
from marketplace.program.services import settings

from .builders import start_mentorship
from .factories import make_area, make_profile, make_user
from .helpers import flashed, login_client

OPTION = re.compile(r'<option([^>]*) value="([^"]*)"[^>]*>([^<]*)</option>')
DATA = {"full_name": "Rita Rep", "language": "en", "timezone": "Europe/Rome",
        "region": "", "job_title": "", "manager_email": ""}


def zone_options(page):
    """(value, text, selected) of the time-zone select's options, in page order."""
    select_html = re.search(r'<select[^>]*name="timezone".*?</select>', page, re.DOTALL)
    assert select_html, "no time-zone select on the page"
    return [(html.unescape(value), html.unescape(text).strip(), "selected" in attrs)
            for attrs, value, text in OPTION.findall(select_html.group(0))]


def account_page(app, email):
    response = login_client(app, email).get("/account")
    assert response.status_code == 200
    return zone_options(response.get_data(as_text=True))


def saved_zone(app, email):
    with app.app_context():
        return db.session.scalar(select(User.timezone).where(User.email == email))


def accentless(text):
    return geography._sort_key(text)[0]


# The list ----------------------------------------------------------------------------

def test_the_list_is_current_iana_names_each_in_a_country():
    zones = zoneinfo.available_timezones()
    aliases = get_global("zone_aliases")
    territories = get_global("zone_territories")
    assert 100 <= len(COMMON_TIMEZONES) <= 200
    assert len(set(COMMON_TIMEZONES)) == len(COMMON_TIMEZONES)
    for zone in COMMON_TIMEZONES[1:]:
        assert zone in zones, zone
        assert zone not in aliases, f"{zone} is a legacy name of {aliases.get(zone)}"
        assert territories.get(zone) not in (None, "001", "ZZ"), zone
    # Every zone the product sets itself: the defaults and the demo data's.
    defaults = {default_timezone(language, region) for language in ("it", "en", "fr")
                for region, _label in (*REGIONS, (None, ""))}
    assert defaults | {"Europe/Rome", "Europe/London", "America/New_York", "UTC"} <= set(
        COMMON_TIMEZONES)


@pytest.mark.parametrize("language", ["en", "it"])
def test_labels_are_unique_and_sorted_ignoring_accents_and_case(app, language):
    with app.test_request_context():
        options = timezone_choices(locale=language)
    labels = [label for _zone, label in options]
    assert options[0][0] == "UTC"
    assert len(set(labels)) == len(labels)
    assert labels[1:] == sorted(labels[1:], key=lambda label: (accentless(label), label))
    assert not any("/" in label or "_" in label for label in labels)


def test_the_labels_are_computed_once_per_language(app):
    geography._common_labels.cache_clear()
    with app.test_request_context():
        for _ in range(3):
            timezone_choices(locale="it")
            timezone_choices(locale="en")
    info = geography._common_labels.cache_info()
    assert (info.misses, info.hits, info.currsize) == (2, 4, 2)


@pytest.mark.parametrize("language, zone, label", [
    ("it", "Europe/Rome", "Italia – Roma"),
    ("it", "Europe/London", "Regno Unito – Londra"),
    ("it", "America/New_York", "Stati Uniti – New York"),
    ("it", "Africa/Abidjan", "Costa d’Avorio – Abidjan"),  # CLDR's apostrophe
    ("it", "UTC", "UTC – Tempo coordinato universale"),
    ("en", "Europe/Rome", "Italy – Rome"),
    ("en", "Europe/London", "United Kingdom – London"),
    ("en", "UTC", "UTC – Coordinated Universal Time"),
    # A zone outside the list, and a legacy name, in the same style.
    ("it", "Europe/Busingen", "Germania – Büsingen"),
    ("en", "Asia/Calcutta", "India – Kolkata"),
    ("en", "Etc/UTC", "UTC – Coordinated Universal Time"),
    # In no country: its IANA name, as nothing better is known.
    ("en", "Etc/GMT+5", "Etc/GMT+5"),
    # A city that names its country is said once; one that merely begins like it is not.
    ("it", "Asia/Hong_Kong", "RAS di Hong Kong"),
    ("en", "Asia/Singapore", "Singapore"),
    ("it", "Africa/Algiers", "Algeria – Algeri"),
    ("en", "Africa/Tunis", "Tunisia – Tunis"),
])
def test_label(app, language, zone, label):
    with app.test_request_context():
        assert timezone_label(zone, language) == label


def test_label_in_the_pages_language(app):
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert timezone_label("Europe/Rome") == "Italia – Roma"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert timezone_label("Europe/Rome") == "Italy – Rome"


# The account page ----------------------------------------------------------------------

class TestAccountPage:
    def test_italian_page_shows_italian_labels_and_no_iana_name(self, app):
        with app.app_context():
            make_user(email="rita@example.com", language="it", timezone="Europe/Rome")
        options = account_page(app, "rita@example.com")
        texts = [text for _value, text, _selected in options]
        assert options[0][:2] == ("UTC", "UTC – Tempo coordinato universale")
        assert [value for value, _text, selected in options if selected] == ["Europe/Rome"]
        assert not [text for text in texts if "/" in text or "_" in text]
        assert not [value for value, text, _selected in options if value == text]
        for label in ("Italia – Roma", "Regno Unito – Londra", "Stati Uniti – New York",
                      "Costa d’Avorio – Abidjan", "Germania – Berlino"):
            assert label in texts
        joined = "\n".join(texts)
        for english in ("Rome", "London", "United States", "Germany", "Coordinated"):
            assert english not in joined

    def test_english_page(self, app):
        with app.app_context():
            make_user(email="rita@example.com", language="en", timezone="UTC")
        options = account_page(app, "rita@example.com")
        texts = [text for _value, text, _selected in options]
        assert options[0] == ("UTC", "UTC – Coordinated Universal Time", True)
        assert "Italy – Rome" in texts and "United Kingdom – London" in texts
        # "Côte d’Ivoire" sorts as "Cote": after Costa Rica, before Croatia (a plain
        # sort by code point would put it after Czechia).
        position = {text.partition(" – ")[0]: index for index, text in enumerate(texts)}
        assert position["Costa Rica"] < position["Côte d’Ivoire"] < position["Croatia"]
        assert position["Czechia"] > position["Croatia"]

    def test_legacy_aliases_are_not_offered(self, app):
        with app.app_context():
            make_user(email="rita@example.com", language="en", timezone="UTC")
        values = [value for value, _text, _selected in account_page(app, "rita@example.com")]
        assert "Asia/Kolkata" in values and "Asia/Calcutta" not in values
        assert "Europe/Kyiv" in values and "Europe/Kiev" not in values
        assert 100 <= len(values) <= 200

    def test_saving_a_listed_zone_stores_its_iana_name(self, app):
        with app.app_context():
            make_user(email="rita@example.com", full_name="Rita Rep", timezone="UTC")
        browser = login_client(app, "rita@example.com")
        response = browser.submit("/account", data={**DATA, "timezone": "Asia/Kolkata"})
        assert response.status_code == 302 and response.location == "/account"
        assert flashed(browser) == ["Your changes have been saved."]
        assert saved_zone(app, "rita@example.com") == "Asia/Kolkata"
        options = zone_options(browser.get("/account").get_data(as_text=True))
        assert [(value, text) for value, text, selected in options if selected] == [
            ("Asia/Kolkata", "India – Kolkata")]

    def test_an_unlisted_saved_zone_is_offered_and_kept(self, app):
        with app.app_context():
            make_user(email="rita@example.com", full_name="Rita Rep", language="it",
                      timezone="America/Boise")
        browser = login_client(app, "rita@example.com")
        options = zone_options(browser.get("/account").get_data(as_text=True))
        assert ("America/Boise", "Stati Uniti – Boise", True) in options
        texts = [text for _value, text, _selected in options]
        assert texts[1:] == sorted(texts[1:], key=lambda text: (accentless(text), text))
        # Saving another field, the zone as the page sent it.
        response = browser.submit("/account", data={
            **DATA, "language": "it", "full_name": "Rita Rossi", "timezone": "America/Boise"})
        assert response.status_code == 302
        with app.app_context():
            saved = db.session.scalar(select(User).where(User.email == "rita@example.com"))
            assert (saved.full_name, saved.timezone) == ("Rita Rossi", "America/Boise")

    def test_another_users_unlisted_zone_is_not_offered(self, app):
        with app.app_context():
            make_user(email="other@example.com", timezone="Asia/Calcutta")
            make_user(email="rita@example.com", timezone="UTC")
        browser = login_client(app, "rita@example.com")
        values = [value for value, _text, _selected
                  in zone_options(browser.get("/account").get_data(as_text=True))]
        assert "Asia/Calcutta" not in values
        response = browser.submit("/account", data={**DATA, "timezone": "Asia/Calcutta"})
        assert response.status_code == 422
        assert saved_zone(app, "rita@example.com") == "UTC"

    @pytest.mark.parametrize("language, message", [("en", "Not a valid choice."),
                                                   ("it", "Scelta non valida.")])
    @pytest.mark.parametrize("forged", ["Mars/Olympus", "Europe/Rome<script>", "",
                                        "US/Eastern", "x" * 300])
    def test_a_forged_zone_is_refused_with_a_message(self, app, language, message, forged):
        with app.app_context():
            make_user(email="rita@example.com", full_name="Rita Rep", language=language,
                      timezone="Europe/Rome")
        browser = login_client(app, "rita@example.com")
        response = browser.submit("/account", data={**DATA, "language": language,
                                                    "full_name": "Changed",
                                                    "timezone": forged})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        with app.app_context():
            saved = db.session.scalar(select(User).where(User.email == "rita@example.com"))
            assert (saved.full_name, saved.timezone) == ("Rita Rep", "Europe/Rome")


def test_the_mentorship_page_names_the_zone_by_its_label(app):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mentor = make_profile(make_user(email="marco@example.com", timezone="Europe/Rome"),
                              areas=[area])
        nora = make_user(email="nora@example.com", language="it", timezone="America/New_York")
        mentorship_id = start_mentorship(nora.id, mentor.id, area.id)
    for email, label in (("nora@example.com", "(Stati Uniti – New York)"),
                         ("marco@example.com", "(Italy – Rome)")):
        page = login_client(app, email).get(f"/mentorships/{mentorship_id}")
        assert page.status_code == 200
        text = html.unescape(page.get_data(as_text=True))
        assert label in text
        assert "America/New_York" not in text and "Europe/Rome" not in text


# New accounts ------------------------------------------------------------------------

@pytest.mark.parametrize("language, region, zone", [
    ("it", None, "Europe/Rome"),
    ("en", None, "Europe/London"),
    ("fr", None, "UTC"),
    (None, None, "UTC"),
    ("en", "it-north", "Europe/Rome"),
    ("en", "it-south", "Europe/Rome"),
    ("it", "uk-ireland", "Europe/London"),
    ("it", "dach", "Europe/Berlin"),
    ("en", "france", "Europe/Paris"),
    ("en", "iberia", "Europe/Madrid"),
    ("en", "benelux", "Europe/Amsterdam"),
    ("en", "nordics", "Europe/Stockholm"),
    ("en", "cee", "Europe/Warsaw"),
    ("it", "north-america", "America/New_York"),
    ("en", "latin-america", "America/Sao_Paulo"),
    ("en", "mea", "Asia/Dubai"),
    ("it", "apac", "Asia/Singapore"),
    ("it", "", "Europe/Rome"),
    ("en", "atlantis", "Europe/London"),
])
def test_default_timezone(language, region, zone):
    assert default_timezone(language, region) == zone


def test_every_region_has_a_default_zone():
    assert all(default_timezone("fr", code) != "UTC" for code, _label in REGIONS)


@pytest.mark.parametrize("language, zone", [("it", "Europe/Rome"), ("en", "Europe/London")])
def test_registration_starts_in_the_languages_zone(app, client, language, zone):
    response = client.submit("/auth/register", data={
        "email": "nina@example.com", "full_name": "Nina New", "language": language,
        "password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert saved_zone(app, "nina@example.com") == zone


def test_registration_service(request_ctx):
    user = accounts.register_user(email="nina@example.com", full_name="Nina New",
                                  password="a brand new passphrase", language="en")
    assert user.timezone == "Europe/London"


def test_directory_import_the_region_beats_the_language(app_ctx):
    admin = make_user(email="admin@acme.com", is_admin=True)
    settings().internal_domains = "acme.com"
    db.session.commit()
    text = ("email,full_name,manager_email,region,job_title,language\n"
            "boss@acme.com,Bea Boss,,north-america,Sales director,it\n"
            "rep@acme.com,Rita Rep,boss@acme.com,,Sales rep,en\n"
            "ugo@acme.com,Ugo Uno,boss@acme.com,,Sales rep,it\n"
            "ada@acme.com,Ada Due,boss@acme.com,apac,Sales rep,\n")
    admin = db.session.get(User, admin.id)
    directory_import = directory.upload(text.encode(), actor=admin, filename="c.csv",
                                        deactivate_missing=False)
    db.session.commit()
    plan = directory.preview(directory_import)
    assert not plan.has_errors
    directory.apply_import(directory_import, actor=admin, sha256=directory_import.sha256,
                           deactivate_missing=False, digest=plan.digest)
    db.session.commit()
    zones = dict(db.session.execute(select(User.email, User.timezone)).all())
    assert zones == {"admin@acme.com": "UTC", "boss@acme.com": "America/New_York",
                     "rep@acme.com": "Europe/London", "ugo@acme.com": "Europe/Rome",
                     "ada@acme.com": "Asia/Singapore"}
