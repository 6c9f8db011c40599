"""Languages: everything the app shows exists in English and Italian. The Italian
catalog matches the source and is complete, the locale is chosen in the documented
order, and pages, validation messages, dates, numbers and emails come out in the
right language.

The pages are rendered with messages.po compiled afresh into a folder of the test run
(exactly as `flask translate compile` does), so they check the catalog as it is now and
never a stale messages.mo; one test checks the app's own translations folder.
"""

import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import flask_babel
import pytest
import wtforms.i18n
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale, get_babel, get_locale, gettext
from flask_login import login_user

from marketplace import cli, create_app
from marketplace.accounts.models import User
from marketplace.config import PROJECT_ROOT, load_config
from marketplace.extensions import babel, db
from marketplace.i18n import EXTRACT_KEYWORDS, LOCALES, _language_name, language_name
from marketplace.mentors import models as profiles
from marketplace.web.labels import decision_label, status_label, timestamp, version_status

from . import factories
from .builders import field_errors
from .helpers import flashed

TRANSLATIONS = PROJECT_ROOT / "translations"
PO_FILE = TRANSLATIONS / "it" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
NEW_PASSWORD = "a brand new passphrase"
# 2026-11-22 23:30 UTC is already 23 November, 00:30 in Rome.
LATE_EVENING_UTC = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
HEADERS = {"en": "en-GB,en;q=0.9", "it": "it-IT,it;q=0.9"}
ZONES = {"en": "UTC", "it": "Europe/Rome"}

# Words no text of the other language uses: they give away a sentence left out of the
# catalog altogether (never wrapped in _()), which the msgid checks cannot see.
TELLTALE_WORDS = {
    "it": frozenset({"the", "and", "you", "your", "with", "this", "that", "of", "to", "is",
                     "are", "for", "please", "have", "has", "been", "will", "from", "here"}),
    "en": frozenset({"il", "gli", "che", "della", "del", "tuo", "tua", "sono", "questo",
                     "questa", "puoi", "nel", "alla", "hai"}),
}

# printf-style placeholders as Python formats them: %(name)s, %(min)d, %s, %.1f, %%…
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


# Catalog helpers ---------------------------------------------------------------------

def singular_and_plural(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


def forms(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def entries(catalog):
    """The catalog's messages without the header entry."""
    return [message for message in catalog if message.id]


def italian(catalog, msgid, number=None, **values):
    """The Italian translation of `msgid` (the singular for plurals), filled in."""
    message = catalog.get(msgid)
    assert message is not None, f"{msgid!r} is not in messages.po"
    if number is None:
        translation = forms(message)[0]
    else:
        translation = forms(message)[1 if number != 1 else 0]
        values.setdefault("num", number)
    assert translation, f"{msgid!r} is not translated yet in messages.po"
    return translation % values if values else translation


def text_pattern(message):
    """A regex finding `message` in page text, with anything in place of placeholders."""
    literal = [r"\s+".join(map(re.escape, re.split(r"\s+", part)))
               for part in PLACEHOLDER.split(message)]
    regex = ".{1,120}?".join(literal)
    if re.match(r"\w", message):
        regex = r"(?<!\w)" + regex
    if re.search(r"\w$", message):
        regex += r"(?!\w)"
    return re.compile(regex)


def ui_strings(sources, other_language):
    """UI strings of one language worth looking for on the other language's pages:
    at least two words long, and not also part of a string of the other language
    (the product name, say). Returns (string, pattern) pairs."""
    found = []
    for text in sorted(set(sources)):
        if len(text.split()) < 2:
            continue
        pattern = text_pattern(text)
        if not any(pattern.search(other) for other in other_language):
            found.append((text, pattern))
    return found


class VisibleText(HTMLParser):
    """What a reader meets on a page: the text and the accessible names (aria-label,
    title, placeholder, alt), without scripts, styles and the list of time zones."""

    NAMES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.parts.extend(attrs[name] for name in self.NAMES if attrs.get(name))
        if tag in ("script", "style") or (tag == "select" and attrs.get("name") == "timezone"):
            self.hidden.append(tag)

    def handle_endtag(self, tag):
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def page_text(response):
    return visible_text(response.get_data(as_text=True))


def foreign(text, strings):
    return sorted(source for source, pattern in strings if pattern.search(text))


def telltale_words(text, language):
    """Words of the other language found in a text in `language`."""
    words = set(re.findall(r"[^\W\d_]+", text.lower()))
    return sorted(words & TELLTALE_WORDS[language])


def html_lang(response):
    match = re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True))
    assert match, "the page has no <html lang>"
    return match.group(1)


def forget_loaded_translations():
    """Flask-Babel keeps the catalogs it has loaded, by locale, for the whole process
    and whatever the app (and so does our Domain, in the same cache); start and end
    each test with none, so every app reads its own translations folder and other test
    modules are not affected."""
    domain = vars(babel).get("domain_instance")  # a cached_property, made on first use
    if domain is not None:
        domain.cache.clear()


def compile_catalogs(folder):
    """What `flask translate compile` runs (marketplace/cli.py), on another folder."""
    CommandLineInterface().run(["pybabel", "compile", "-d", str(folder)])


# Fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def po_bytes():
    """One reading of messages.po for the whole run: the translator may be saving it."""
    return PO_FILE.read_bytes()


@pytest.fixture(scope="session")
def catalog(po_bytes):
    return read_po(io.BytesIO(po_bytes), locale="it")


@pytest.fixture(scope="session")
def compiled_translations(po_bytes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("translations")
    po = folder / "it" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(po_bytes)
    compile_catalogs(folder)
    assert po.with_suffix(".mo").exists(), "pybabel compile wrote no messages.mo"
    return folder


@pytest.fixture
def make_app(make_app, compiled_translations):
    """conftest's `make_app`, reading the freshly compiled catalog."""

    def make(**overrides):
        overrides.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled_translations))
        return make_app(**overrides)

    forget_loaded_translations()
    yield make
    forget_loaded_translations()


@pytest.fixture(scope="session")
def english_strings(catalog):
    """English UI strings whose Italian translation is different (or still missing)."""
    translations = [form for message in entries(catalog) for form in forms(message) if form]
    sources = [msgid for message in entries(catalog) for msgid in singular_and_plural(message)
               if msgid not in forms(message)]
    return ui_strings(sources, translations)


@pytest.fixture(scope="session")
def italian_strings(catalog):
    """Italian translations that differ from their English original."""
    originals = [msgid for message in entries(catalog) for msgid in singular_and_plural(message)]
    sources = [form for message in entries(catalog) for form in forms(message)
               if form and form not in singular_and_plural(message)]
    return ui_strings(sources, originals)


def speak(client, language):
    """Every request of this client says it prefers `language`."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = HEADERS[language]


def make_user(app, language="en", **fields):
    fields.setdefault("timezone", ZONES[language])
    with app.app_context():
        return factories.make_user(language=language, **fields)


def saved_language(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).language


# 1. The catalog matches the source ------------------------------------------------------

def extracted():
    """Everything `flask translate update` would extract: babel.cfg's mapping, Babel's
    default keywords plus ours, over the project folder."""
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(PROJECT_ROOT / "babel.cfg"))
    keywords = {**DEFAULT_KEYWORDS, **EXTRACT_KEYWORDS}
    return list(extract_from_dir(str(PROJECT_ROOT), method_map, options_map,
                                 keywords=keywords))


@pytest.fixture(scope="session")
def source_messages():
    found = {}
    for filename, lineno, message, _comments, context in extracted():
        ids = message if isinstance(message, tuple) else (message,)
        found.setdefault((context, ids[0]), (ids, f"{filename}:{lineno}"))
    return found


def test_extraction_reads_code_and_both_kinds_of_template(source_messages):
    files = {place.rsplit(":", 1)[0] for _ids, place in source_messages.values()}
    assert {name.split("/")[0] for name in files} == {"marketplace", "templates"}
    assert {name.rsplit(".", 1)[1] for name in files} == {"py", "html", "txt"}


def test_every_file_with_translatable_strings_is_extracted():
    """Babel's walk skips folders starting with "_" or "."; no such folder may hide
    strings from the catalog."""
    files = {filename for filename, *_rest in extracted()}
    gettext_call = re.compile(r"\b(?:_|_l|gettext|ngettext|N_)\(")
    on_disk = {
        str(path.relative_to(PROJECT_ROOT))
        for folder, pattern in (("marketplace", "*.py"), ("templates", "*.html"),
                                ("templates", "*.txt"))
        for path in (PROJECT_ROOT / folder).rglob(pattern)
        if gettext_call.search(path.read_text(encoding="utf-8"))
    }
    assert sorted(on_disk - files) == []


def test_catalog_has_every_string_of_the_source_and_nothing_else(catalog, source_messages):
    source = source_messages
    in_po = {(message.context, singular_and_plural(message)[0]): singular_and_plural(message)
             for message in entries(catalog)}
    missing = sorted(f"{ids} ({place})" for key, (ids, place) in source.items()
                     if key not in in_po)
    wrong_plural = sorted(f"{ids} in source, {in_po[key]} in messages.po ({place})"
                          for key, (ids, place) in source.items()
                          if key in in_po and in_po[key] != ids)
    obsolete = sorted(str(ids) for key, ids in in_po.items() if key not in source)
    kept_obsolete = sorted(str(key) for key in catalog.obsolete)
    assert not (missing or wrong_plural or obsolete or kept_obsolete), (
        "messages.po is out of date (run `flask --app wsgi translate update`):\n"
        f"missing from messages.po: {missing}\n"
        f"singular/plural differ: {wrong_plural}\n"
        f"obsolete (no longer in the source): {obsolete}\n"
        f"#~ obsolete entries kept: {kept_obsolete}"
    )


# 2. Complete, consistent and used --------------------------------------------------------

def test_no_untranslated_or_fuzzy_entry(catalog):
    untranslated = [singular_and_plural(m)[0] for m in entries(catalog) if not all(forms(m))]
    fuzzy = [singular_and_plural(m)[0] for m in entries(catalog) if m.fuzzy]
    assert not catalog.fuzzy, "the header is marked fuzzy: pybabel compile skips the catalog"
    assert not untranslated and not fuzzy, (
        f"untranslated ({len(untranslated)}): {untranslated}\nfuzzy ({len(fuzzy)}): {fuzzy}")


def test_placeholders_are_the_same_in_msgid_and_msgstr(catalog):
    problems = []
    for message in entries(catalog):
        ids = singular_and_plural(message)
        if message.pluralizable:
            singular, plural = ids
            for index, form in enumerate(forms(message)):
                allowed = [placeholders(plural)]
                if index == 0:
                    allowed.append(placeholders(singular))
                if form and placeholders(form) not in allowed:
                    problems.append(f"{plural!r} msgstr[{index}] {form!r}: "
                                    f"{placeholders(form)} instead of {allowed[-1]}")
        elif message.string and placeholders(message.string) != placeholders(message.id):
            problems.append(f"{message.id!r} → {message.string!r}: "
                            f"{placeholders(message.string)} instead of "
                            f"{placeholders(message.id)}")
    assert not problems, "\n".join(problems)


# An article or preposition glued to a placeholder is wrong for some values: "il 8",
# "fino al 11", "dal 1", "sui 1", "a anna@…", "a Anna". Say "il giorno %(date)s",
# "all’indirizzo %(email)s", rebuild the sentence around the name ("%(name)s riceverà
# un avviso"), or use a label with a colon ("Inviata: %(date)s"). A range ("da %(min)s
# a %(max)s") takes no article.
GLUED = re.compile(
    r"(?<![\w'’])(?:il|al|dal|del|nel|sul|sui|ai|dai|entro il|fino al)\s+%\(\w+\)[sd]"
    r"|(?<![\w'’])a\s+%\(\w+\)s", re.IGNORECASE)
RANGE = re.compile(r"(?<![\w'’])da\s+%\(\w+\)[sd]\s+$", re.IGNORECASE)


def glued(text):
    return [match.group(0) for match in GLUED.finditer(text or "")
            if not RANGE.search(text[:match.start()])]


def test_no_article_or_preposition_is_glued_to_a_placeholder(catalog):
    found = [(form, glued(form)) for message in entries(catalog)
             for form in forms(message) if glued(form)]
    assert found == []


@pytest.mark.parametrize("text", [
    "Il link è valido fino al %(date)s.", "Entro il %(date)s.", "Inviata il %(date)s",
    "Hai %(num)s inviti aperti sui %(limit)s consentiti.", "un link a %(email)s",
    "conta dal %(date)s", "La tua richiesta a %(name)s è scaduta.", "A %(name)s è chiesto"])
def test_the_glued_pattern_is_found(text):
    assert glued(text)


@pytest.mark.parametrize("text", [
    "fino al giorno %(date)s", "Inviata: %(date)s", "all’indirizzo %(email)s",
    "da %(min)d a %(max)d caratteri", "Inviti aperti: %(num)s su un massimo di %(limit)s.",
    "la conferma di %(name)s", "dura da %(shortest)s a %(longest)s mesi",
    "%(name)s riceverà un avviso"])
def test_what_reads_well_is_not_flagged(text):
    assert not glued(text)


# A count outside ngettext has no plural form, so a word that agrees with it reads
# wrong for 1: "(1 h confermate)", "circa 1 previsti". Use a label ("confermate: %(n)s")
# or ngettext. These placeholders hold counts that can be 1; a form's minimum length
# ("Almeno %(num)d caratteri", at least 10) and a duration in the form's choices
# ("%(num)s mesi", 3 to 12) never are.
COUNTS = (r"(?:num|count|logged|committed|confirmed|done|expected|free|hours|given"
          r"|new|changed|deactivated)")
UNAGREED = re.compile(rf"%\({COUNTS}\)[sd]\s+(?:h\s+)?"
                      r"(?!su\b|e\b|o\b|di\b|a\b|fa\b|caratteri\b|mesi\b)[a-zàèéìòù]+",
                      re.IGNORECASE)


def test_no_count_outside_ngettext_is_followed_by_a_word_that_agrees_with_it(catalog):
    found = [message.string for message in entries(catalog)
             if not message.pluralizable and UNAGREED.search(message.string or "")]
    assert found == []


@pytest.mark.parametrize("text, flagged", [
    ("%(logged)s h registrate (%(confirmed)s h confermate)", True),
    ("%(done)s su circa %(expected)s previsti finora", True),
    ("Ore registrate: %(logged)s (confermate: %(confirmed)s)", False),
    ("Posti liberi: %(free)s su %(capacity)s", False)])
def test_the_unagreed_count_pattern(text, flagged):
    assert bool(UNAGREED.search(text)) is flagged


TAG = re.compile(r"<[^>]*>")


def test_italian_typography(catalog):
    """Typographic apostrophes and quotes and a real ellipsis; no serial comma before
    "e" ("ritirate, scadute, e i promemoria")."""
    problems = []
    for message in entries(catalog):
        for form in forms(message):
            text = TAG.sub("", form or "")
            if re.search(r"['\"]|\.\.\.", text):
                problems.append(text)
            if re.search(r",[^,.:;]{1,20},\s+e\s", text):
                problems.append(text)
    assert problems == []


def test_english_has_no_straight_double_quotes_or_three_dots(catalog):
    found = [text for message in entries(catalog) for text in singular_and_plural(message)
             if re.search(r'"|\.\.\.', TAG.sub("", text))]
    assert found == []


TEMPLATES = PROJECT_ROOT / "templates"


def template_texts():
    return {path.relative_to(TEMPLATES).as_posix(): path.read_text(encoding="utf-8")
            for path in TEMPLATES.rglob("*.*")}


def test_truncated_texts_end_with_an_ellipsis():
    """Jinja's `truncate` adds three dots unless told otherwise."""
    found = [(name, call) for name, text in template_texts().items()
             for call in re.findall(r"truncate\([^)]*\)", text) if "end='…'" not in call]
    assert found == []


def test_moments_in_time_have_one_format():
    """Every timestamp through the `timestamp` filter ("7 dic 2026, 14:05"), not the
    locale's medium format with seconds here and its numeric short one there."""
    found = [name for name, text in template_texts().items() if "datetimeformat" in text]
    assert found == []


@pytest.mark.parametrize("language, expected", [
    ("it", "7 dic 2026, 14:05"), ("en", "7 Dec 2026, 14:05")])
def test_the_timestamp_format(app, language, expected):
    with app.test_request_context(), force_locale(language):
        assert timestamp(datetime(2026, 12, 7, 14, 5, 31, tzinfo=UTC)) == expected


@pytest.mark.parametrize("language, expected", [
    ("it", "3 mesi · settimanale · videochiamata"),
    ("en", "3 months · Weekly · Video call")])
def test_labels_inside_running_text(app, language, expected):
    template = ("{{ ngettext('%(num)s month', '%(num)s months', 3) }} · "
                "{{ 'weekly'|cadence_label|inline }} · {{ 'video'|format_label|inline }}")
    with app.test_request_context(), force_locale(language):
        assert render_template_string(template) == expected


@pytest.mark.parametrize("language, expected", [
    ("it", "inglese, italiano"), ("en", "English, Italian")])
def test_language_names_in_a_list(app, language, expected):
    template = ("{% for code in ['en', 'it'] %}{{ code|language_name(False) }}"
                "{% if not loop.last %}, {% endif %}{% endfor %}")
    with app.test_request_context(), force_locale(language):
        assert render_template_string(template) == expected


@pytest.mark.parametrize("language, approved, rejected", [
    ("it", "Approvata", "Respinta"), ("en", "Approved", "Rejected")])
def test_a_version_state_agrees_with_version(app, language, approved, rejected):
    with app.test_request_context(), force_locale(language):
        assert version_status(profiles.APPROVED) == approved
        assert decision_label(profiles.REJECT) == rejected
        assert status_label(profiles.APPROVED) == ("Approvato" if language == "it" else "Approved")


def test_plural_forms_are_the_italian_ones(catalog, po_bytes):
    header = re.search(r'^"Plural-Forms: *(.*?)\\n"$', po_bytes.decode(), re.MULTILINE)
    assert header and header.group(1) == PLURAL_FORMS
    assert str(catalog.locale) == "it"
    wrong = [message.id for message in entries(catalog)
             if message.pluralizable and len(forms(message)) != 2]
    assert not wrong, f"plural entries without exactly 2 msgstr forms: {wrong}"


def test_compiled_catalog_is_used(client, catalog):
    """Every translated string shown on the English home page shows up translated."""
    english = page_text(client.get("/", headers={"Accept-Language": "en"}))
    shown = [(m.id, m.string) for m in entries(catalog)
             if not m.pluralizable and m.string and m.string != m.id
             and len(m.id.split()) > 1 and not PLACEHOLDER.search(m.id) and m.id in english]
    assert shown, "no translated string of messages.po appears on the home page"
    response = client.get("/", headers={"Accept-Language": "it"})
    assert response.status_code == 200
    text = page_text(response)
    assert [msgid for msgid, msgstr in shown if msgstr not in text] == []


def test_messages_follow_the_locale_forced_inside_a_request(app):
    """A request in Italian that writes to someone in English (as mail does, with
    `in_language_of`) says each message in the language of the moment, in code and in
    templates, and in Italian again afterwards."""
    template = "{{ _('Log out') }} {{ ngettext('Works on the area you chose: %(areas)s', " \
        "'Works on %(num)d of the areas you chose: %(areas)s', 2, areas='x') }}"
    with app.test_request_context(headers={"Accept-Language": "it"}):
        assert (gettext("Log out"), render_template_string(template)) == (
            "Esci", "Esci Si occupa di 2 delle aree che hai scelto: x")
        with force_locale("en"):
            assert (gettext("Log out"), render_template_string(template)) == (
                "Log out", "Log out Works on 2 of the areas you chose: x")
        assert gettext("Log out") == "Esci"


def test_a_language_catalog_is_looked_up_once_not_for_every_message(app, monkeypatch):
    """flask-babel looks the catalog up by the locale's name for every message; ours
    (marketplace.extensions.Domain) does it once per locale: a third of what a message
    cost, on a request that says about 130."""
    lookups = []
    look_up = flask_babel.Domain.get_translations

    def counted(domain):
        lookups.append(str(get_locale()))
        return look_up(domain)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    forget_loaded_translations()
    try:
        with app.test_request_context(headers={"Accept-Language": "it"}):
            render_template_string("{% for i in range(50) %}{{ _('Log out') }}{% endfor %}")
            assert gettext("Log out") == "Esci"
            with force_locale("en"):
                assert [gettext("Log out") for _i in range(50)][-1] == "Log out"
    finally:
        forget_loaded_translations()
    assert lookups == ["it", "en"]


def test_each_language_is_one_locale_for_the_process(app):
    """Requests in a language all get the same Locale object, made once: Babel reads
    its data files to make one, and the translations are found under it by identity."""
    seen = []
    for language in ("it", "en", "it"):
        with app.test_request_context(headers={"Accept-Language": language}):
            seen.append(get_locale())
    assert [str(locale) for locale in seen] == ["it", "en", "it"]
    assert seen[0] is seen[2] is LOCALES["it"] and seen[1] is LOCALES["en"]


def test_a_language_name_is_worked_out_once(app, monkeypatch):
    """Naming a language makes a Locale (Babel reads its data files): done once for
    each language, capitalisation and viewer's language, whatever the calls."""
    made = []
    parse = Locale.parse

    def counted(code, *args, **kwargs):
        made.append(code)
        return parse(code, *args, **kwargs)

    monkeypatch.setattr("marketplace.i18n.Locale.parse", counted)
    _language_name.cache_clear()
    try:
        names = [(language_name("fr", "it"), language_name("fr", "en", capitalize=False))
                 for _i in range(20)]
    finally:
        _language_name.cache_clear()
    assert names[-1] == ("Francese", "French")
    assert sorted(made) == ["en", "fr", "fr", "it"]  # the named and the viewer's, once


def test_app_reads_the_project_translations_folder(database_url):
    """The configured folder is the project's (an absolute path: Flask-Babel would
    resolve a relative one against the package), and its compiled catalog is used."""
    assert str(TRANSLATIONS) == load_config().BABEL_TRANSLATION_DIRECTORIES
    forget_loaded_translations()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
        assert get_babel(app).translation_directories == [str(TRANSLATIONS)]
        assert MO_FILE.exists(), (
            f"{MO_FILE} is missing: run `make translations` (`make test` does it)")
        with MO_FILE.open("rb") as compiled:
            mo = read_mo(compiled)
        client = app.test_client()
        english = page_text(client.get("/", headers={"Accept-Language": "en"}))
        shown = [(m.id, m.string) for m in mo
                 if isinstance(m.id, str) and len(m.id.split()) > 1 and m.string
                 and m.string != m.id and m.id in english]
        assert shown, f"{MO_FILE} translates nothing on the home page"
        italian_page = page_text(client.get("/", headers={"Accept-Language": "it"}))
        assert [msgid for msgid, msgstr in shown if msgstr not in italian_page] == []
    finally:
        forget_loaded_translations()


def test_translate_commands_exist(runner):
    result = runner.invoke(args=["translate", "--help"])
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:")[1].split()
    assert {"update", "compile", "init"} <= set(commands)
    result = runner.invoke(args=["translate", "init", "--help"])
    assert result.exit_code == 0 and "LANGUAGE" in result.output


def write_catalog(folder, msgid, msgstr):
    po = folder / "it" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(f'msgid ""\nmsgstr ""\n"Language: it\\n"\n"Plural-Forms: {PLURAL_FORMS}\\n"\n'
                  f'"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  f'#, python-format\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8")
    return po


def test_translate_compile_writes_the_catalogs(runner, tmp_path, monkeypatch):
    """`flask translate compile`, pointed at a folder of the test's own."""
    po = write_catalog(tmp_path, "Hello %(name)s,", "Ciao %(name)s,")
    monkeypatch.setattr(cli, "TRANSLATIONS", tmp_path)
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output
    with po.with_suffix(".mo").open("rb") as compiled:
        assert read_mo(compiled).get("Hello %(name)s,").string == "Ciao %(name)s,"


def test_translate_compile_fails_on_a_broken_catalog(runner, tmp_path, monkeypatch):
    """pybabel reports the placeholder error and exits 1; the command must fail too,
    or whoever runs it ships a catalog that raises KeyError when the string is shown."""
    write_catalog(tmp_path, "Hello %(name)s,", "Ciao %(nome)s,")
    monkeypatch.setattr(cli, "TRANSLATIONS", tmp_path)
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code != 0, "flask translate compile succeeded on a broken catalog"


# 3. WTForms' messages through our catalog --------------------------------------------------

def test_every_wtforms_message_is_in_our_catalog(catalog):
    with open(f"{wtforms.i18n.messages_path()}/wtforms.pot", "rb") as pot:
        wtforms_catalog = read_po(pot)
    ours = {msgid for message in entries(catalog) for msgid in singular_and_plural(message)}
    theirs = [msgid for message in entries(wtforms_catalog)
              for msgid in singular_and_plural(message)]
    assert len(theirs) > 30
    missing = [msgid for msgid in theirs if msgid not in ours]
    assert not missing, ("WTForms messages missing from messages.po (add them to "
                         f"WTFORMS_MESSAGES in marketplace/i18n.py): {missing}")


def test_empty_login_form_says_required_in_italian(client, catalog):
    speak(client, "it")
    response = client.submit("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert visible_text(field_errors(response, "email")) == italian(
        catalog, "Enter your email address.")
    assert visible_text(field_errors(response, "password")) == italian(
        catalog, "Enter your password.")
    page = response.get_data(as_text=True)
    assert "This field is required." not in page
    assert italian(catalog, "This field is required.") not in page


def test_empty_login_form_says_required_in_english(client):
    speak(client, "en")
    response = client.submit("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert visible_text(field_errors(response, "email")) == "Enter your email address."


def test_wtforms_messages_in_italian_with_values_and_plurals(client, catalog):
    speak(client, "it")
    response = client.submit("/auth/register", data={
        "email": "not-an-email", "full_name": "N" * 121, "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD, "language": "it"})
    assert response.status_code == 422
    assert visible_text(field_errors(response, "email")) == italian(
        catalog, "Enter a valid email address, like name@example.com.")
    assert visible_text(field_errors(response, "full_name")) == italian(
        catalog, "Shorten the name to at most %(num)d character.", 120)


# 4. Which language a request gets ----------------------------------------------------------

def test_italian_browser_gets_italian(client):
    response = client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.8"})
    assert response.status_code == 200
    assert html_lang(response) == "it"


@pytest.mark.parametrize(("header", "expected"), [
    ("en;q=0.3, it;q=0.9", "it"),
    ("it;q=0.2, en;q=0.8", "en"),
    ("fr-FR, it;q=0.5", "it"),
    ("fr-FR, en;q=0.4, it;q=0.5", "it"),
    ("en-US,en;q=0.9,it;q=0.8", "en"),
    ("it-CH", "it"),
    ("IT", "it"),
    ("de-DE", "en"),
    ("it;q=0", "en"),
    ("*", "en"),
    (None, "en"),
])
def test_accept_language_is_negotiated_with_q_values(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/auth/login", headers=headers)
    assert response.status_code == 200
    assert html_lang(response) == expected


def test_switcher_beats_the_browser(client):
    speak(client, "en")
    response = client.submit("/language", data={"language": "it", "next": "/auth/login"})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    with client.session_transaction() as session:
        assert session["language"] == "it"
    assert html_lang(client.get("/auth/login")) == "it"
    client.submit("/language", data={"language": "en", "next": "/"})
    speak(client, "it")
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize(("saved", "other"), [("it", "en"), ("en", "it")])
def test_saved_preference_beats_switcher_and_browser(app, client, auth, saved, other):
    user = make_user(app, saved, email="pref@example.com")
    speak(client, other)
    auth.login(user.email)
    with client.session_transaction() as session:
        session["language"] = other
    response = client.get("/account")
    assert response.status_code == 200
    assert html_lang(response) == saved


def test_switching_while_logged_in_saves_the_preference(app, client, auth):
    user = make_user(app, "en", email="switch@example.com")
    speak(client, "en")
    auth.login(user.email)
    response = client.submit("/language", data={"language": "it", "next": "/account"})
    assert response.status_code == 302
    assert response.location == "/account"
    assert saved_language(app, user.id) == "it"
    assert html_lang(client.get("/account")) == "it"
    # The preference outlives the session: a new browser, still English.
    browser = app.test_client()
    speak(browser, "en")
    browser.submit("/auth/login", data={"email": user.email, "password": factories.PASSWORD})
    assert html_lang(browser.get("/account")) == "it"


@pytest.mark.parametrize("value", ["de", "", "IT", "english", "it "])
def test_unknown_language_is_ignored(app, client, auth, value):
    speak(client, "en")
    response = client.submit("/language", data={"language": value, "next": "/auth/login"})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    with client.session_transaction() as session:
        assert "language" not in session
    assert html_lang(client.get("/auth/login")) == "en"

    user = make_user(app, "it", email="keep@example.com")
    auth.login(user.email)
    response = client.submit("/language", data={"language": value, "next": "/account"})
    assert response.status_code == 302
    assert saved_language(app, user.id) == "it"
    assert html_lang(client.get("/account")) == "it"


def test_switch_without_csrf_token_changes_nothing(client):
    speak(client, "en")
    response = client.post("/language", data={"language": "it"})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "language" not in session
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize(("data", "location"), [
    ({"next": "/auth/login?next=%2Faccount"}, "/auth/login?next=%2Faccount"),
    ({"next": "/auth/register"}, "/auth/register"),
    ({}, "/"),
    ({"next": ""}, "/"),
    ({"next": "https://evil.example/"}, "/"),
    ({"next": "//evil.example/"}, "/"),
])
def test_switch_returns_to_the_page(client, data, location):
    response = client.submit("/language", data={"language": "it", **data})
    assert response.status_code == 302
    assert response.location == location


def test_switcher_form_points_back_to_the_page(client):
    page = client.get("/auth/login?next=%2Faccount").get_data(as_text=True)
    form = re.search(r'<form class="language-switcher".*?</form>', page, re.DOTALL).group(0)
    assert 'action="/language"' in form
    assert 'name="next" value="/auth/login?next=%2Faccount"' in form
    assert 'name="language" value="en"' in form and 'name="language" value="it"' in form


@pytest.mark.parametrize("language", ["en", "it"])
def test_switcher_names_each_language_in_itself(client, language):
    page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    buttons = dict(re.findall(r'<button type="submit" name="language" value="(\w+)"'
                              r'[^>]*>([^<]*)</button>', page))
    assert buttons == {"en": "English", "it": "Italiano"}
    assert re.search(r'value="it" lang="it"', page) and re.search(r'value="en" lang="en"', page)
    assert f'value="{language}" lang="{language}" aria-pressed="true"' in page


# 5. Vary and <html lang> ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/auth/login", "/auth/register", "/no-such-page"])
@pytest.mark.parametrize("language", ["en", "it"])
def test_pages_vary_on_accept_language(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.mimetype == "text/html"
    assert "Accept-Language" in response.vary
    assert html_lang(response) == language


def test_logged_in_pages_vary_on_accept_language(app, client, auth):
    user = make_user(app, "it", email="vary@example.com")
    auth.login(user.email)
    response = client.get("/account")
    assert response.status_code == 200
    assert "Accept-Language" in response.vary
    assert html_lang(response) == "it"


# 6. No English on Italian pages, no Italian on English ones ---------------------------------

def page_home(app, client, auth, language):
    return client.get("/")


def page_login(app, client, auth, language):
    return client.get("/auth/login")


def page_register(app, client, auth, language):
    return client.get("/auth/register")


def page_register_errors(app, client, auth, language):
    return client.submit("/auth/register", data={
        "email": "not-an-email", "full_name": "", "password": "short", "confirm": "other",
        "language": language})


def page_forgot(app, client, auth, language):
    return client.get("/auth/forgot")


def page_link_invalid(app, client, auth, language):
    return client.get("/auth/reset/not-a-token")


def page_not_found(app, client, auth, language):
    return client.get("/no-such-page")


def page_not_allowed(app, client, auth, language):
    return client.get("/auth/logout")


def page_login_failed(app, client, auth, language):
    user = make_user(app, language, email="failed@example.com")
    return auth.login(user.email, password="not the password at all")


def page_login_required(app, client, auth, language):
    return client.get("/account", follow_redirects=True)


def logged_in(app, auth, language, **fields):
    user = make_user(app, language, email="page@example.com", full_name="Rita Rossi", **fields)
    assert auth.login(user.email).status_code == 302
    return user


def page_account(app, client, auth, language):
    logged_in(app, auth, language)
    return client.get("/account")


def page_account_error(app, client, auth, language):
    logged_in(app, auth, language)
    return client.submit("/account", data={
        "full_name": "Rita Rossi", "language": language, "timezone": ZONES[language],
        "region": "", "job_title": "", "manager_email": "nobody@example.com"})


def page_change_password(app, client, auth, language):
    logged_in(app, auth, language)
    return client.get("/account/password")


def page_change_password_error(app, client, auth, language):
    logged_in(app, auth, language)
    return client.submit("/account/password", data={
        "current_password": "not the password at all", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})


def page_forbidden(app, client, auth, language):
    logged_in(app, auth, language)
    return client.get("/admin/users")


def page_admin_users(app, client, auth, language):
    logged_in(app, auth, language, is_admin=True)
    make_user(app, "it", email="esterna@example.com", full_name="Giulia Bianchi",
              affiliation="external", company="Vendite Srl")
    make_user(app, "en", email="new@example.com", full_name="Nora New", verified=False)
    make_user(app, "en", email="gone@example.com", full_name="Gino Gone", active=False)
    return client.get("/admin/users")


PAGES = {
    "home": (page_home, 200),
    "login": (page_login, 200),
    "register": (page_register, 200),
    "register with errors": (page_register_errors, 422),
    "forgot password": (page_forgot, 200),
    "link invalid": (page_link_invalid, 200),
    "404": (page_not_found, 404),
    "405": (page_not_allowed, 405),
    "failed login": (page_login_failed, 200),
    "login required": (page_login_required, 200),
    "account": (page_account, 200),
    "account with an error": (page_account_error, 409),
    "change password": (page_change_password, 200),
    "change password with an error": (page_change_password_error, 409),
    "403": (page_forbidden, 403),
    "admin users": (page_admin_users, 200),
}


@pytest.mark.parametrize("name", PAGES)
def test_italian_pages_have_no_english(app, client, auth, english_strings, name):
    open_page, status = PAGES[name]
    speak(client, "it")
    response = open_page(app, client, auth, "it")
    assert response.status_code == status
    assert html_lang(response) == "it"
    assert foreign(page_text(response), english_strings) == []
    assert telltale_words(page_text(response), "it") == []


@pytest.mark.parametrize("name", PAGES)
def test_english_pages_have_no_italian(app, client, auth, italian_strings, name):
    open_page, status = PAGES[name]
    speak(client, "en")
    response = open_page(app, client, auth, "en")
    assert response.status_code == status
    assert html_lang(response) == "en"
    assert foreign(page_text(response), italian_strings) == []
    assert telltale_words(page_text(response), "en") == []


def test_login_required_message_is_in_italian(client, catalog):
    speak(client, "it")
    response = client.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")
    message = italian(catalog, "Please log in to see this page.")
    assert flashed(client) == [message]
    assert message in page_text(client.get(response.location))


def test_user_count_uses_italian_plural_forms(app, client, auth, catalog):
    logged_in(app, auth, "it", is_admin=True)
    one = page_text(client.get("/admin/users"))
    assert italian(catalog, "%(num)s user", 1) in one
    make_user(app, "it", email="second@example.com")
    two = page_text(client.get("/admin/users"))
    assert italian(catalog, "%(num)s user", 2) in two


# 7. Dates and numbers --------------------------------------------------------------------

@pytest.mark.parametrize(("language", "timezone", "expected", "not_expected"), [
    ("it", "Europe/Rome", "23 novembre 2026", "22 novembre 2026"),
    ("it", "UTC", "22 novembre 2026", "23 novembre 2026"),
    ("en", "UTC", "November 22, 2026", "November 23, 2026"),
    ("en", "Europe/Rome", "November 23, 2026", "November 22, 2026"),
])
def test_member_since_in_the_user_language_and_time_zone(app, client, auth, language,
                                                         timezone, expected, not_expected):
    user = make_user(app, language, email="since@example.com", timezone=timezone,
                     created_at=LATE_EVENING_UTC)
    auth.login(user.email)
    response = client.get("/account")
    assert response.status_code == 200
    text = page_text(response)
    assert expected in text
    assert not_expected not in text


@pytest.mark.parametrize(("language", "timezone", "date", "number"), [
    ("it", "Europe/Rome", "23 nov 2026", "1.234,5"),
    ("it", "UTC", "22 nov 2026", "1.234,5"),
    ("en", "UTC", "Nov 22, 2026", "1,234.5"),
])
def test_date_and_number_filters(app, language, timezone, date, number):
    user = make_user(app, language, email="filters@example.com", timezone=timezone)
    with app.test_request_context("/"):
        login_user(user)
        rendered = render_template_string(
            "{{ when|dateformat }}|{{ 1234.5|number }}", when=LATE_EVENING_UTC)
    assert rendered == f"{date}|{number}"


def test_italian_times_are_24_hour_in_the_user_zone(app):
    user = make_user(app, "it", email="times@example.com")
    with app.test_request_context("/"):
        login_user(user)
        rendered = render_template_string("{{ when|datetimeformat('short') }}",
                                          when=LATE_EVENING_UTC)
    assert rendered == "23/11/26, 00:30"


# 8. Emails in the recipient's language -----------------------------------------------------

def request_reset(client, email, browser_language):
    speak(client, browser_language)
    response = client.submit("/auth/forgot", data={"email": email})
    assert response.status_code == 302
    assert response.location == "/auth/login"
    return response


def email_text(message):
    return message.text + "\n" + visible_text(message.html)


def test_reset_email_speaks_the_recipient_language(app, client, outbox, catalog,
                                                   english_strings, italian_strings):
    rita = make_user(app, "it", email="rita@example.com", full_name="Rita Rossi")
    eric = make_user(app, "en", email="eric@example.com", full_name="Eric English")

    # An Italian user asks from an English browser: the page answers in English...
    request_reset(client, rita.email, "en")
    assert [flash for flash in flashed(client) if rita.email in flash]
    assert foreign(" ".join(flashed(client)), italian_strings) == []
    assert html_lang(client.get("/auth/login")) == "en"
    # ...and an English user from an Italian browser.
    request_reset(client, eric.email, "it")

    assert [message.to for message in outbox] == [rita.email, eric.email]
    to_rita, to_eric = outbox
    assert catalog.get(to_eric.subject) is not None, "the English subject is not a msgid"
    assert to_rita.subject == italian(catalog, to_eric.subject)
    assert to_rita.subject != to_eric.subject
    assert "Ciao Rita," in to_rita.text and "Hello Eric," in to_eric.text
    assert '<html lang="it">' in to_rita.html
    assert '<html lang="en">' in to_eric.html
    assert foreign(email_text(to_rita), english_strings) == []
    assert foreign(email_text(to_eric), italian_strings) == []
    for message in outbox:
        assert "/auth/reset/" in message.text


def test_verification_email_speaks_the_new_user_language(client, outbox, catalog,
                                                         english_strings, italian_strings):
    speak(client, "en")
    for email, language in (("nuova@example.com", "it"), ("new@example.com", "en")):
        response = client.submit("/auth/register", data={
            "email": email, "full_name": "Nina Nuova", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "language": language})
        assert response.status_code == 302
        assert response.location == "/auth/login"
    to_italian, to_english = outbox
    assert (to_italian.to, to_english.to) == ("nuova@example.com", "new@example.com")
    assert catalog.get(to_english.subject) is not None, "the English subject is not a msgid"
    assert to_italian.subject == italian(catalog, to_english.subject)
    assert foreign(email_text(to_italian), english_strings) == []
    assert foreign(email_text(to_english), italian_strings) == []
