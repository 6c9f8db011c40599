"""Regions and time zones people choose from."""

import re
import unicodedata
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l

# Sales regions, used on accounts and later for matching mentors and mentees.
REGIONS = (
    ("it-north", _l("Italy – North")),
    ("it-centre", _l("Italy – Centre")),
    ("it-south", _l("Italy – South and islands")),
    ("dach", _l("Germany, Austria and Switzerland")),
    ("france", _l("France")),
    ("iberia", _l("Spain and Portugal")),
    ("uk-ireland", _l("United Kingdom and Ireland")),
    ("benelux", _l("Benelux")),
    ("nordics", _l("Nordic countries")),
    ("cee", _l("Central and Eastern Europe")),
    ("north-america", _l("North America")),
    ("latin-america", _l("Latin America")),
    ("mea", _l("Middle East and Africa")),
    ("apac", _l("Asia-Pacific")),
)


def region_label(code):
    return dict(REGIONS).get(code, "")


# Time zones ---------------------------------------------------------------------------

UTC = "UTC"
# The zones offered: the main city of most countries, and the big cities of the
# countries that span several zones. Current IANA names only (Asia/Kolkata, not its
# legacy alias Asia/Calcutta); each one has its country in CLDR, which names it in the
# reader's language. A zone saved before, outside this list, stays on offer to its user.
COMMON_TIMEZONES = (
    UTC,
    # Europe
    "Europe/Rome", "Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin",
    "Europe/Vienna", "Europe/Zurich", "Europe/Madrid", "Atlantic/Canary", "Europe/Lisbon",
    "Europe/Brussels", "Europe/Amsterdam", "Europe/Luxembourg", "Europe/Monaco",
    "Europe/Malta", "Europe/San_Marino", "Europe/Copenhagen", "Europe/Stockholm",
    "Europe/Oslo", "Europe/Helsinki", "Atlantic/Reykjavik", "Europe/Warsaw",
    "Europe/Prague", "Europe/Bratislava", "Europe/Budapest", "Europe/Ljubljana",
    "Europe/Zagreb", "Europe/Belgrade", "Europe/Sarajevo", "Europe/Podgorica",
    "Europe/Skopje", "Europe/Tirane", "Europe/Athens", "Europe/Sofia", "Europe/Bucharest",
    "Europe/Chisinau", "Europe/Kyiv", "Europe/Minsk", "Europe/Vilnius", "Europe/Riga",
    "Europe/Tallinn", "Europe/Istanbul", "Asia/Nicosia",
    # Russia, from west to east
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
    "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk",
    "Asia/Vladivostok", "Asia/Magadan", "Asia/Kamchatka",
    # Caucasus and Central Asia
    "Asia/Tbilisi", "Asia/Yerevan", "Asia/Baku", "Asia/Almaty", "Asia/Tashkent",
    # Middle East and South Asia
    "Asia/Dubai", "Asia/Riyadh", "Asia/Qatar", "Asia/Kuwait", "Asia/Bahrain",
    "Asia/Muscat", "Asia/Jerusalem", "Asia/Beirut", "Asia/Amman", "Asia/Baghdad",
    "Asia/Tehran", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Colombo",
    "Asia/Kathmandu", "Indian/Maldives",
    # East and South-East Asia
    "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Asia/Seoul",
    "Asia/Ulaanbaatar", "Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Bangkok",
    "Asia/Ho_Chi_Minh", "Asia/Phnom_Penh", "Asia/Yangon", "Asia/Manila", "Asia/Jakarta",
    "Asia/Makassar", "Asia/Jayapura",
    # Oceania
    "Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane",
    "Australia/Sydney", "Australia/Melbourne", "Australia/Hobart", "Pacific/Auckland",
    "Pacific/Fiji", "Pacific/Port_Moresby",
    # Africa
    "Africa/Cairo", "Africa/Casablanca", "Africa/Algiers", "Africa/Tunis",
    "Africa/Tripoli", "Africa/Khartoum", "Africa/Lagos", "Africa/Accra", "Africa/Abidjan",
    "Africa/Dakar", "Africa/Douala", "Africa/Kinshasa", "Africa/Luanda",
    "Africa/Addis_Ababa", "Africa/Nairobi", "Africa/Kampala", "Africa/Kigali",
    "Africa/Dar_es_Salaam", "Africa/Lusaka", "Africa/Harare", "Africa/Maputo",
    "Africa/Windhoek", "Africa/Gaborone", "Africa/Johannesburg", "Indian/Mauritius",
    # North America
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/St_Johns",
    "America/Halifax", "America/Toronto", "America/Winnipeg", "America/Regina",
    "America/Edmonton", "America/Vancouver", "America/Mexico_City", "America/Monterrey",
    "America/Cancun", "America/Tijuana",
    # Central America and the Caribbean
    "America/Guatemala", "America/El_Salvador", "America/Tegucigalpa", "America/Managua",
    "America/Costa_Rica", "America/Panama", "America/Havana", "America/Jamaica",
    "America/Santo_Domingo", "America/Puerto_Rico", "America/Port_of_Spain",
    # South America
    "America/Sao_Paulo", "America/Recife", "America/Fortaleza", "America/Manaus",
    "America/Argentina/Buenos_Aires", "America/Santiago", "America/Bogota", "America/Lima",
    "America/Caracas", "America/Guayaquil", "America/La_Paz", "America/Asuncion",
    "America/Montevideo",
)

# The zone a new account starts with: its region's, else its language's.
REGION_TIMEZONES = {
    "it-north": "Europe/Rome",
    "it-centre": "Europe/Rome",
    "it-south": "Europe/Rome",
    "dach": "Europe/Berlin",
    "france": "Europe/Paris",
    "iberia": "Europe/Madrid",
    "uk-ireland": "Europe/London",
    "benelux": "Europe/Amsterdam",
    "nordics": "Europe/Stockholm",
    "cee": "Europe/Warsaw",
    "north-america": "America/New_York",
    "latin-america": "America/Sao_Paulo",
    "mea": "Asia/Dubai",
    "apac": "Asia/Singapore",
}
LANGUAGE_TIMEZONES = {"it": "Europe/Rome", "en": "Europe/London"}


def default_timezone(language, region=None):
    """The time zone a new account starts with: where its region's people mostly work,
    else where its language is mostly spoken in the company, else UTC."""
    return REGION_TIMEZONES.get(region) or LANGUAGE_TIMEZONES.get(language) or UTC


def _utc_label(locale):
    if locale == str(get_locale()):
        return gettext("UTC – Coordinated Universal Time")
    # Another language than the page's (Flask-Babel's force_locale would end any
    # force_locale around this call on leaving, so only when needed).
    with force_locale(locale):
        return gettext("UTC – Coordinated Universal Time")


def _is_utc(zone):
    return zone == UTC or get_global("zone_aliases").get(zone, zone) == "Etc/UTC"


def _cldr_locale(locale):
    try:
        return Locale.parse(str(locale or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale("en")


def _cldr_label(zone, locale):
    """"Country – City" from CLDR in `locale`, or None for a zone in no country."""
    # CLDR keys its data by its own names, which are often the legacy ones
    # (Asia/Calcutta for Asia/Kolkata): try the zone and every name it stands for.
    aliases = get_global("zone_aliases")
    canonical = aliases.get(zone, zone)
    names = [zone, canonical, *(old for old, new in aliases.items() if new == canonical)]
    territory = next((code for name in names
                      if (code := get_global("zone_territories").get(name))
                      and code not in ("001", "ZZ")), None)
    if territory is None or territory not in locale.territories:
        return None
    city = next((locale.time_zones[name]["city"] for name in names
                 if "city" in locale.time_zones.get(name, {})),
                canonical.rsplit("/", 1)[-1].replace("_", " "))
    country = locale.territories[territory]
    # A city that names its country is said once: "Singapore", "RAS di Hong Kong".
    if re.search(rf"\b{re.escape(city.casefold())}\b", country.casefold()):
        return country
    return f"{country} – {city}"


def _sort_key(label):
    """Accents and case ignored: "Côte d’Ivoire" among the C's, before "Croatia"."""
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold(), label


@cache
def _common_labels(locale_name):
    """The offered zones but UTC, labelled in `locale_name` and sorted: computed from
    CLDR once per language."""
    locale = _cldr_locale(locale_name)
    labelled = ((zone, _cldr_label(zone, locale)) for zone in COMMON_TIMEZONES if zone != UTC)
    return tuple(sorted(((zone, label or zone) for zone, label in labelled),
                        key=lambda pair: _sort_key(pair[1])))


@cache
def _common_label_of(locale_name):
    return dict(_common_labels(locale_name))


def timezone_label(zone, locale=None):
    """How a time zone is shown: "Italia – Roma", "UTC – Coordinated Universal Time",
    in `locale` (the page's language by default); a zone CLDR places in no country
    as its IANA name."""
    if not zone:
        return ""
    locale = str(locale or get_locale() or "en")
    if _is_utc(zone):
        return _utc_label(locale)
    label = _common_label_of(locale).get(zone)
    return label or _cldr_label(zone, _cldr_locale(locale)) or zone


def timezone_choices(keep=None, locale=None):
    """(IANA name, label) of the zones offered, UTC first then by label, in `locale`
    (the page's language by default). `keep`, the zone saved on the account, is offered
    too when it is not among them, so saving the form never changes it unasked."""
    locale = str(locale or get_locale() or "en")
    options = [(UTC, _utc_label(locale)), *_common_labels(locale)]
    if keep and keep not in COMMON_TIMEZONES:
        options.append((keep, timezone_label(keep, locale)))
        options[1:] = sorted(options[1:], key=lambda pair: _sort_key(pair[1]))
    return options
