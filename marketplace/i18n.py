"""Languages: which locale a request gets, and WTForms' messages in our catalog.

The order: the user's saved preference, then the choice made
with the language switcher (kept in the session), then the browser's Accept-Language
negotiated with q-values, then English.
"""

from functools import lru_cache

from babel import Locale, negotiate_locale
from flask import has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user

DEFAULT_LOCALE = "en"
# Each language is named in its own language in the switcher.
LANGUAGES = {"en": "English", "it": "Italiano"}
# One Locale a language for the process: flask-babel takes a Locale as it is, where it
# would parse a code afresh each request (reading Babel's data files), and a message's
# translations are then found under that same object (see extensions.Domain).
LOCALES = {code: Locale.parse(code) for code in LANGUAGES}
SESSION_KEY = "language"

# Keywords the extraction looks for, beyond Babel's defaults (`_`, `gettext`, `N_`…).
EXTRACT_KEYWORDS = {"_l": None, "N_plural": (1, 2)}


def N_(message):
    """Mark a string for extraction without translating it here."""
    return message


def N_plural(singular, plural):
    return singular, plural


def accepted_locale():
    """The best supported language from Accept-Language, honouring q-values.

    Werkzeug's `best_match` ignores the order of preference, so the header's values
    are sorted by quality (Werkzeug does that) and given to Babel's negotiation.
    """
    preferred = [value for value, quality in request.accept_languages if quality > 0]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="-")
    return found and found.lower()  # Babel answers as the header spells it ("IT")


def select_locale():
    return LOCALES[_selected_language()]


def _selected_language():
    if not has_request_context():  # commands; what they send uses in_language_of()
        return DEFAULT_LOCALE
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return accepted_locale() or DEFAULT_LOCALE


def select_timezone():
    if has_request_context() and current_user.is_authenticated:
        return current_user.timezone
    return None


def in_language_of(user):
    """Render in the recipient's language, not the one of whoever triggered it."""
    return force_locale(user.language if user.language in LANGUAGES else DEFAULT_LOCALE)


class FormTranslations:
    """WTForms' messages through our own catalog.

    WTForms' Italian catalog has untranslated and fuzzy entries, so every message it
    can produce is listed below and translated in `messages.po` instead.
    """

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


form_translations = FormTranslations()

# Every message WTForms 3.3 can show, so that extraction puts them in our catalog.
WTFORMS_MESSAGES = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    N_plural(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ),
    N_plural(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ),
    N_plural(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_plural(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    # Flask-WTF's own CSRF messages.
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token is invalid."),
    N_("The CSRF token has expired."),
    N_("The CSRF tokens do not match."),
)


def language_name(code, locale=None, capitalize=True):
    """A language's name in the viewer's language ("Francese", "French"; with
    `capitalize=False` as inside an Italian sentence, "francese")."""
    return _language_name(code, str(locale or get_locale() or DEFAULT_LOCALE), capitalize)


@lru_cache(maxsize=1024)
def _language_name(code, locale, capitalize):
    """Worked out once a process: Babel reads its data files to make each Locale (a
    card names its mentor's languages)."""
    name = Locale.parse(code).get_display_name(locale)
    return name[:1].upper() + name[1:] if capitalize else name
