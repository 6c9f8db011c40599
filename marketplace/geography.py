"""Regions and time zones people choose from."""

import zoneinfo
from functools import cache

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


@cache
def timezones():
    """IANA zone names people recognise (Europe/Rome), without legacy aliases."""
    areas = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/",
             "Europe/", "Indian/", "Pacific/")
    names = {name for name in zoneinfo.available_timezones() if name.startswith(areas)}
    return ("UTC", *sorted(names))
