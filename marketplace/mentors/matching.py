"""How well a mentor fits what a mentee is looking for, and why.

The score is out of 100 and adds up five factors that good mentoring programs pair on,
each shown to the mentee in words:

- focus areas: up to 40 points, in proportion to the share of the areas the mentee
  wants to work on that the mentor offers;
- a shared language: 20 points (the mentee's language is one the mentor mentors in);
- the same region: 15 points;
- a free place: 15 points (the mentor has a place and is accepting requests);
- hours: 10 points when the mentor's free hours cover the hours a month the mentee
  wants to give (or, when the mentee has not said, when the mentor has any).

`score_expression` ranks mentors the same way in SQL, for the "best match" order; a
test checks that the two agree.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, literal

from ..i18n import language_name
from .models import MentorProfile, has_code

AREAS = 40
LANGUAGE = 20
REGION = 15
PLACE = 15
HOURS = 10


@dataclass(frozen=True)
class Seeker:
    """What the viewer is looking for."""

    area_ids: frozenset = frozenset()
    region: str | None = None
    language: str = "en"
    hours: int | None = None


@dataclass(frozen=True)
class Offer:
    """What a mentor offers, as far as matching is concerned."""

    area_ids: frozenset
    region: str | None
    languages: frozenset
    has_place: bool
    free_hours: int


@dataclass
class Match:
    score: int
    shared_area_ids: frozenset = frozenset()
    same_region: bool = False
    shared_language: bool = False
    has_place: bool = False
    hours_fit: bool = False
    reasons: list = field(default_factory=list)


def match(seeker, offer):
    """Score `offer` for `seeker`; the factors that count are kept for the reasons."""
    shared = seeker.area_ids & offer.area_ids
    result = Match(
        score=0,
        shared_area_ids=frozenset(shared),
        same_region=bool(seeker.region) and seeker.region == offer.region,
        shared_language=seeker.language in offer.languages,
        has_place=offer.has_place,
        hours_fit=offer.free_hours >= (seeker.hours or 1),
    )
    areas = (AREAS * len(shared)) // len(seeker.area_ids) if seeker.area_ids else 0
    result.score = (areas + LANGUAGE * result.shared_language + REGION * result.same_region
                    + PLACE * result.has_place + HOURS * result.hours_fit)
    return result


def has_place_clause():
    return and_(MentorProfile.accepting.is_(True),
                MentorProfile.active_mentees < MentorProfile.capacity)


def score_expression(seeker):
    """The same score as `match`, as an SQL expression over MentorProfile's row (listed
    profiles, whose areas and languages are copied onto it; see listing)."""
    if seeker.area_ids:
        shared = sum(case((has_code(MentorProfile.listed_areas, area_id), 1), else_=0)
                     for area_id in sorted(seeker.area_ids))
        areas = (shared * AREAS) // len(seeker.area_ids)
    else:
        areas = literal(0)
    speaks = has_code(MentorProfile.listed_languages, seeker.language)
    return (areas
            + case((speaks, LANGUAGE), else_=0)
            + case((MentorProfile.region == (seeker.region or ""), REGION), else_=0)
            + case((has_place_clause(), PLACE), else_=0)
            + case((MentorProfile.monthly_hours - MentorProfile.committed_hours
                    >= (seeker.hours or 1), HOURS), else_=0))


def best_outside(seeker, by_region, by_areas):
    """The highest score of a mentor who is neither in the seeker's region (when
    `by_region`) nor offers every focus area the seeker chose (when `by_areas`): every
    point but the region's and one area's."""
    wanted = len(seeker.area_ids)
    shared = wanted - 1 if by_areas and wanted else wanted
    areas = (AREAS * shared) // wanted if wanted else 0
    region = REGION if seeker.region and not by_region else 0
    return areas + LANGUAGE + region + PLACE + HOURS


def reasons(result, seeker, areas_by_id, language):
    """The factors of a match, in words for the mentee."""
    words = []
    if result.shared_area_ids:
        names = ", ".join(areas_by_id[area_id].name(language)
                          for area_id in sorted(result.shared_area_ids,
                                                key=lambda i: areas_by_id[i].position))
        words.append(ngettext("Works on the area you chose: %(areas)s",
                              "Works on %(num)d of the areas you chose: %(areas)s",
                              len(result.shared_area_ids), areas=names))
    if result.shared_language:
        words.append(_("Mentors in %(language)s",
                       language=language_name(seeker.language, language, capitalize=False)))
    if result.same_region:
        words.append(_("In your region"))
    if result.has_place:
        words.append(_("Has a free place"))
    if result.hours_fit and seeker.hours:
        words.append(ngettext("Has time for the %(num)d hour a month you want",
                              "Has time for the %(num)d hours a month you want", seeker.hours))
    return words
