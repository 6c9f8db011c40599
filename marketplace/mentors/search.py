"""Browsing listed mentors: the filters of /mentors, their query, and the cards.

Mentors the viewer can ask come first, whatever the sort: those they cannot ask right
now (their own profile, their reporting line, mentors they already asked or work with,
paused or full ones) follow, each sort applying within both groups (`Later`), and their
cards say why in a word (`later_because`).

The page costs a fixed number of queries whatever its size and the number of mentors:
what the viewer looks for and may ask (see mentorships.services.requester), the
ranking (the page's ids and row versions, from the profile rows alone) and its count,
on every request; the page's mentors (their profile rows with their users' names and
published texts in one query, their answer times in another) only when a mentor's row
version is new to the process (see listing).
"""

from dataclasses import dataclass
from functools import cached_property

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, false, func, literal, or_, select, text, true, union_all

from ..accounts.models import EXTERNAL, User
from ..core import fulltext
from ..extensions import db
from ..mentorships.services import requester, why_cannot_request
from ..program.models import FocusArea
from . import listing, matching
from .models import (
    MentorProfile,
    ProfileRevision,
    has_code,
    has_codes,
    in_language,
)
from .queries import answer_time_text, typical_answer_times

PER_PAGE = 12
# Past this many matches the list says "more than" and offers no further page: a count
# that stops there costs the same at any size, and nobody pages through a thousand.
COUNT_CAP = 1000
SORTS = {
    "match": _l("Best match"),
    "experience": _l("Most experience"),
    "availability": _l("Most availability"),
    "newest": _l("Newest"),
}
Q_MAX = 100


@dataclass(frozen=True)
class Filters:
    q: str = ""
    area: int | None = None
    region: str | None = None
    language: str | None = None
    affiliation: str | None = None
    format: str | None = None
    available: bool = False
    min_years: int | None = None
    sort: str = "match"

    @property
    def active(self):
        """Whether anything narrows the list (the sort does not)."""
        return any((self.q, self.area, self.region, self.language, self.affiliation,
                    self.format, self.available, self.min_years is not None))

    def args(self):
        """The query string that gives these filters back, for links and pages."""
        pairs = {"q": self.q, "area": self.area, "region": self.region,
                 "language": self.language, "affiliation": self.affiliation,
                 "format": self.format, "available": "y" if self.available else None,
                 "min_years": self.min_years, "sort": self.sort}
        return {key: value for key, value in pairs.items() if value not in (None, "")}


@dataclass(frozen=True)
class Later:
    """Whom the list puts after the mentors the viewer can ask, besides paused and full
    mentors (which come after for everyone): the part of the viewer's `Requester` the
    order depends on, and so part of the key a ranked page is remembered under."""

    user_ids: frozenset = frozenset()     # the viewer and their reporting line
    profile_ids: frozenset = frozenset()  # mentors they asked or have a mentorship with


def later_for(who):
    """The `Later` of a viewer's `Requester`."""
    return Later(user_ids=frozenset({who.user_id, *who.above_ids}),
                 profile_ids=who.open_request_profile_ids | who.mentoring_profile_ids)


# The short reasons a card gives for coming after the others (see `later_because`).
OWN, MANAGER_LINE, MENTORING, ASKED, PAUSED, FULL = (
    "own", "manager_line", "mentoring", "asked", "paused", "full")


def later_because(who, mentor):
    """Why the list puts `mentor` after the mentors `who` (a Requester) can ask, in one
    of the words above, or None. The same rules as `_later_clause`, which orders the
    list; `why_cannot_request` says it in a sentence."""
    if mentor.user_id == who.user_id:
        return OWN
    if mentor.user_id in who.above_ids:
        return MANAGER_LINE
    if mentor.id in who.mentoring_profile_ids:
        return MENTORING
    if mentor.id in who.open_request_profile_ids:
        return ASKED
    if not mentor.accepting:
        return PAUSED
    if mentor.free_places == 0 or mentor.free_hours == 0:
        return FULL
    return None


def _later_clause(later):
    """True for the listed mentors that come after the others: not open to requests
    (paused, or no free place or no free hour), or named by `later`. An SQL condition,
    so that the order and the page's slice stay in the database whatever the number of
    mentors."""
    conditions = [MentorProfile.listed_open == false()]
    if later.user_ids:
        conditions.append(MentorProfile.user_id.in_(sorted(later.user_ids)))
    if later.profile_ids:
        conditions.append(MentorProfile.id.in_(sorted(later.profile_ids)))
    return or_(*conditions)


def _groups(later):
    """`_later_clause` and its opposite as conditions an index reads: (0, open and not
    named by `later`), (1, not open), and (1, open but named), when `later` names any."""
    first = [MentorProfile.listed_open == true()]
    named = []
    if later.user_ids:
        first.append(MentorProfile.user_id.not_in(sorted(later.user_ids)))
        named.append(MentorProfile.user_id.in_(sorted(later.user_ids)))
    if later.profile_ids:
        first.append(MentorProfile.id.not_in(sorted(later.profile_ids)))
        named.append(MentorProfile.id.in_(sorted(later.profile_ids)))
    groups = [(0, and_(*first)), (1, MentorProfile.listed_open == false())]
    if named:
        groups.append((1, and_(MentorProfile.listed_open == true(), or_(*named))))
    return groups


def filtered(filters):
    """The ids and row versions of the listed mentors that pass the filters, in no
    order. Everything it reads is on the profile row (see listing)."""
    statement = (select(MentorProfile.id, MentorProfile.row_version)
                 .where(MentorProfile.listed == true()))
    dialect = db.session.get_bind().dialect.name
    postgresql = dialect == "postgresql"
    if filters.q:
        statement = statement.where(fulltext.matches(
            filters.q, dialect, MentorProfile.user_id, MentorProfile.published_revision_id,
            also=_with_area_named))
    if filters.area:
        statement = statement.where(
            has_codes(MentorProfile.listed_areas, [filters.area], postgresql))
    if filters.region:
        statement = statement.where(MentorProfile.region == filters.region)
    if filters.language:
        statement = statement.where(
            has_codes(MentorProfile.listed_languages, [filters.language], postgresql))
    if filters.affiliation:
        statement = statement.where(
            MentorProfile.listed_external == (filters.affiliation == EXTERNAL))
    if filters.format:
        statement = statement.where(has_code(MentorProfile.listed_formats, filters.format))
    if filters.available:
        statement = statement.where(MentorProfile.listed_open == true())
    if filters.min_years is not None:
        statement = statement.where(MentorProfile.years_experience >= filters.min_years)
    return statement


def ranked(filters, seeker, later=None):
    """The ids and row versions of the listed mentors that pass the filters, best
    first: those the viewer can ask before those they cannot (`later`), each group in
    the filters' sort."""
    return filtered(filters).order_by(
        case((_later_clause(later or Later()), 1), else_=0),
        *(key.desc() for key in _sort_keys(filters.sort, seeker)))


def ranked_slice(filters, seeker, later, offset, limit):
    """`ranked(...)`'s rows from `offset`, at most `limit` of them, read as far as the
    slice only where an index can give the order: the sorts that do not depend on the
    viewer read each group (the UNION ALL below: those the viewer can ask, those not
    open to requests, those open but not to them) from an index, in order, and stop at
    the slice's end. The best match depends on the viewer: the database sorts the
    matches, keeping only the best `offset + limit` (a top-N sort), of the viewer's
    region and areas alone when they are enough (`_best_matches_near_first`). A search
    finds its mentors through the full-text indexes, not in an order: its matches are
    sorted and counted in the same statement (rows carry `total`), as looking them up
    costs more than sorting them all."""
    later = later or Later()
    if filters.q:  # counted as it is ranked: the look-ups cost more than sorting all
        return (ranked(filters, seeker, later).add_columns(func.count().over().label("total"))
                .limit(limit).offset(offset))
    if filters.sort == "match":
        if _on_postgresql() and (near := _near(filters, seeker, postgresql=True)):
            return _best_matches_near_first(filters, seeker, later, offset + limit, *near) \
                .limit(limit).offset(offset)
        return ranked(filters, seeker, later).limit(limit).offset(offset)
    keys = _sort_keys(filters.sort, seeker)
    groups = [filtered(filters).add_columns(
        literal(number).label("later_group"),
        *(key.label(f"key_{n}") for n, key in enumerate(keys)))
        .where(condition).order_by(*(key.desc() for key in keys))
        .limit(offset + limit).subquery()
        for number, condition in _groups(later)]
    both = union_all(*(select(group) for group in groups)).subquery()
    return (select(both.c.id, both.c.row_version)
            .order_by(both.c.later_group,
                      *(both.c[f"key_{n}"].desc() for n in range(len(keys))))
            .limit(limit).offset(offset))


def _near(filters, seeker, postgresql):
    """Where the best match looks first, as a condition, and the highest score of the
    mentors it leaves out (`matching.best_outside`): the mentors of the seeker's region
    (unless the filters choose a region) and those with every focus area the seeker
    chose, each read from an index. None when the seeker chose neither."""
    by_region, by_areas = bool(seeker.region) and filters.region is None, bool(seeker.area_ids)
    conditions = [*([MentorProfile.region == seeker.region] if by_region else []),
                  *([has_codes(MentorProfile.listed_areas, sorted(seeker.area_ids), postgresql)]
                    if by_areas else [])]
    if not conditions:
        return None
    return or_(*conditions), matching.best_outside(seeker, by_region, by_areas)


def _best_matches_near_first(filters, seeker, later, wanted, near, best_outside):
    """The best `wanted` matches in order (id, row_version), taken from the mentors
    `near` picks alone when that is enough: when the best `wanted` of those are all
    mentors the viewer can ask and each scores more than `best_outside`, nobody else
    comes before them.

    The mentors of the seeker's region and those with every area they chose come from
    indexes (at 100,000 mentors, 10,000 of them or so, 9 ms, against 28 to 40 for
    scoring everyone). The best match of everyone runs only when they are not enough:
    its condition is known before it starts, and PostgreSQL skips it otherwise. Only
    there: SQLite has no index of the areas, and with the region alone a page at 10,000
    mentors took 2 to 4 ms more than scoring everyone."""
    scored = _scored(filters, seeker, later)
    first, enough = _nearby(scored, near, best_outside, wanted)
    everywhere = scored.limit(wanted).subquery()
    both = union_all(select(first).where(enough == 1),
                     select(everywhere).where(enough == 0)).subquery()
    return select(both.c.id, both.c.row_version).order_by(
        both.c.later_group, both.c.score.desc(), both.c.approved_at.desc(), both.c.id.desc())


def _nearby(scored, near, best_outside, wanted):
    """The best `wanted` of the `scored` rows that `near` picks (a CTE), and whether they
    are the best of all (a scalar subquery, 1 or 0)."""
    first = scored.where(near).limit(wanted).cte("near")
    enough = select(case((and_(
        func.count() == wanted, func.max(first.c.later_group) == 0,
        func.min(first.c.score) > best_outside), 1), else_=0)
    ).scalar_subquery()
    return first, enough


def _scored(filters, seeker, later):
    """`ranked` by best match, with what it orders by as columns (later_group, score,
    approved_at)."""
    group = case((_later_clause(later), 1), else_=0).label("later_group")
    score = matching.score_expression(seeker).label("score")
    return (filtered(filters).add_columns(group, score, MentorProfile.approved_at)
            .order_by(group, score.desc(), MentorProfile.approved_at.desc(),
                      MentorProfile.id.desc()))


def _with_area_named(word):
    """A condition: the published revision has a focus area one of whose names (in
    English or Italian) has a word that `word` starts; None when no area has one.

    The few areas are matched here, and the condition reads the codes of the published
    revision's areas that the profile row holds (listed_areas, see listing): no query per
    mentor, and no set of every revision with a common area to build first (40,000 to
    60,000 rows a word at 100,000 mentors, 9 to 15 ms each). The names are not copied
    into the full-text index, which an admin's renaming of an area would leave stale on
    every revision that has it.
    """
    found = [area_id for area_id, names in _area_words() if any(
        name.startswith(word) for name in names)]
    if not found:
        return None
    return or_(*(has_code(MentorProfile.listed_areas, area_id) for area_id in found))


def _area_words():
    """(area id, the words of its names in both languages) for every focus area, retired
    ones too (profiles keep them), remembered until the listing changes."""
    return listing.remembered(("area words",), lambda: tuple(
        (area_id, frozenset(fulltext.all_words(f"{name_en} {name_it}")))
        for area_id, name_en, name_it in db.session.execute(
            select(FocusArea.id, FocusArea.name_en, FocusArea.name_it))))


class Page(Pagination):
    """One page of `ranked` mentors, loaded as `Mentor`s, and how many there are up to
    COUNT_CAP (`capped` when there are more): the database sorts only as far as the
    page, and counts no further than the cap (a search counts its matches as it ranks
    them: see `ranked_slice`)."""

    def _query_items(self):
        filters, seeker, later = (self._query_args[name]
                                  for name in ("filters", "seeker", "later"))
        if filters.q:
            _plan_for_index_look_ups()
        rows = db.session.execute(ranked_slice(
            filters, seeker, later, (self.page - 1) * self.per_page, self.per_page)).all()
        total = self._query_args.get("counted")  # known when the last page is asked again
        if total is None and rows and "total" in rows[0]._fields:
            total = rows[0].total
        if total is None:
            total = db.session.scalar(select(func.count()).select_from(
                filtered(filters).limit(COUNT_CAP + 1).subquery()))
        self.counted, self.capped = total, total > COUNT_CAP
        self._total = min(total, COUNT_CAP)
        return mentors([(row.id, row.row_version) for row in rows])

    def _query_count(self):
        return self._total


def _plan_for_index_look_ups():
    """On PostgreSQL, plan the rest of this transaction (a search) for its look-ups:

    - as if reading a page anywhere cost little more than reading the next one, as it
      does with the data in memory or on SSD. With the default (4×, for spinning disks)
      the planner reads every revision to test its search vector once a word is common
      (62 ms for one in eight of 100,000 mentors) instead of taking them from the GIN
      index (11 ms);
    - without parallel workers: each would build every set of matching revisions again
      for itself (a three-word search at 100,000 mentors took 143 ms with one worker
      and 122 to 130 ms without)."""
    if _on_postgresql():
        db.session.execute(text("SELECT set_config('random_page_cost', '1.1', true), "
                                "set_config('max_parallel_workers_per_gather', '0', true)"))


def _on_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def _sort_keys(sort, seeker):
    """What `sort` orders by, each descending, the newest approval breaking ties."""
    newest = (MentorProfile.approved_at, MentorProfile.id)
    if sort == "experience":
        return (MentorProfile.years_experience, *newest)
    if sort == "availability":
        return (MentorProfile.capacity - MentorProfile.active_mentees,
                MentorProfile.monthly_hours - MentorProfile.committed_hours, *newest)
    if sort == "newest":
        return newest
    return (matching.score_expression(seeker), *newest)


@dataclass(frozen=True, slots=True)
class Area:
    """A focus area of a `Mentor`: what cards and reasons read from a FocusArea."""

    id: int
    position: int
    name_en: str
    name_it: str

    def name(self, language):
        return self.name_it if language == "it" else self.name_en


@dataclass(frozen=True, slots=True)
class Mentor:
    """A mentor as cards and their page show them: plain values, which outlive the
    request. Listed mentors are remembered until the listing changes (see `mentors`).

    It mirrors what cards, the mentor page and `why_cannot_request` read from a
    MentorProfile, so that they can be given either: each field is the profile's
    attribute of that name, with its value, except the shown revision's (`company`,
    `is_external`, the texts, "" where none was written, `areas` as `Area`s, and
    `headline()`, `bio()`), `name` (the user's) and `answer_time` and `offer` (worked
    out). tests/test_listing.py checks both: the values against a profile's, and the
    pages rendered from it, where reading anything else fails.
    """

    id: int
    user_id: int
    status: str
    name: str
    company: str | None
    is_external: bool
    headline_en: str
    headline_it: str
    bio_en: str
    bio_it: str
    working_style: str
    motivation: str
    areas: tuple
    region: str | None
    language_codes: tuple
    format_codes: tuple
    years_experience: int
    capacity: int
    free_places: int
    monthly_hours: int
    free_hours: int
    accepting: bool
    answer_time: object  # a timedelta, or None before the first answer
    offer: matching.Offer
    shown_in_list: bool

    def headline(self, language):
        return in_language(language, self.headline_en, self.headline_it)

    def bio(self, language):
        return in_language(language, self.bio_en, self.bio_it)


def mentors(rows):
    """The listed mentors of these (id, row version) pairs, in the order given, each
    remembered under its row version; those not remembered are loaded together."""
    found = {mentor_id: listing.recalled(("mentor", mentor_id, row_version))
             for mentor_id, row_version in rows}
    missing = [mentor_id for mentor_id, mentor in found.items() if mentor is None]
    if missing:
        listed = db.session.execute(_listed_rows(missing)).all()
        # Read after the profiles: what is filed under a row version is never older.
        waits = typical_answer_times(missing)
        areas = _areas_by_id({int(code) for row in listed for code in _codes(row.listed_areas)})
        for row in listed:
            found[row.id] = _listed_mentor_of(row, areas, waits.get(row.id))
            listing.keep(("mentor", row.id, row.row_version), found[row.id])
    return [found[mentor_id] for mentor_id, _version in rows if found[mentor_id] is not None]


def _listed_rows(ids):
    """What a `Mentor` holds of the listed mentors with these ids, one row each: the
    profile row (with the codes of its languages, formats and areas that `listing`
    copies onto it), its user's name and its published revision's texts."""
    profile, revision = MentorProfile, ProfileRevision
    return (select(profile.id, profile.user_id, profile.status, profile.row_version,
                   User.full_name, revision.company, revision.affiliation,
                   revision.headline_en, revision.headline_it, revision.bio_en,
                   revision.bio_it, profile.working_style, profile.motivation,
                   profile.region, profile.listed_areas, profile.listed_languages,
                   profile.listed_formats, profile.years_experience, profile.capacity,
                   profile.active_mentees, profile.monthly_hours, profile.committed_hours,
                   profile.accepting)
            .join(User, User.id == profile.user_id)
            .join(revision, revision.id == profile.published_revision_id)
            .where(profile.id.in_(ids), profile.listed == true()))


def _listed_mentor_of(row, areas, wait):
    """A `_listed_rows` row as a `Mentor`: what `mentor_of` makes of the profile, its
    published revision and its user, without loading them (a third of the time)."""
    mentor_areas = tuple(sorted((areas[int(code)] for code in _codes(row.listed_areas)),
                                key=lambda area: (area.position, area.id)))
    languages = tuple(sorted(_codes(row.listed_languages)))
    free_places = max(row.capacity - row.active_mentees, 0)
    free_hours = max(row.monthly_hours - row.committed_hours, 0)
    return Mentor(
        id=row.id, user_id=row.user_id, status=row.status, name=row.full_name,
        company=row.company, is_external=row.affiliation == EXTERNAL,
        headline_en=row.headline_en or "", headline_it=row.headline_it or "",
        bio_en=row.bio_en or "", bio_it=row.bio_it or "",
        working_style=row.working_style, motivation=row.motivation, areas=mentor_areas,
        region=row.region, language_codes=languages,
        format_codes=tuple(sorted(_codes(row.listed_formats))),
        years_experience=row.years_experience, capacity=row.capacity,
        free_places=free_places, monthly_hours=row.monthly_hours, free_hours=free_hours,
        accepting=row.accepting, answer_time=wait,
        offer=_offer(mentor_areas, row.region, languages, row.accepting, free_places,
                     free_hours),
        shown_in_list=True)  # listed: approved, and its mentor's account active


def _codes(listed):
    """The codes of a listed_* column (between commas)."""
    return [code for code in listed.split(",") if code]


def _areas_by_id(ids):
    """The focus areas with these ids as `Area`s, by id."""
    return {area_id: Area(area_id, position, name_en, name_it)
            for area_id, position, name_en, name_it in db.session.execute(
                select(FocusArea.id, FocusArea.position, FocusArea.name_en, FocusArea.name_it)
                .where(FocusArea.id.in_(ids)))} if ids else {}


def listed_mentor(profile_id):
    """The listed mentor with this id, or None."""
    return next(iter(mentors(db.session.execute(
        select(MentorProfile.id, MentorProfile.row_version)
        .where(MentorProfile.id == profile_id, MentorProfile.listed == true())).all())), None)


def mentor_of(profile, content, wait=None):
    """`profile` with `content` (one of its revisions) as a `Mentor`."""
    areas = tuple(Area(area.id, area.position, area.name_en, area.name_it)
                  for area in content.areas)
    return Mentor(
        id=profile.id, user_id=profile.user_id, status=profile.status,
        name=profile.user.full_name, company=content.company,
        is_external=content.is_external,
        headline_en=content.headline_en or "", headline_it=content.headline_it or "",
        bio_en=content.bio_en or "", bio_it=content.bio_it or "",
        working_style=profile.working_style, motivation=profile.motivation,
        areas=areas, region=profile.region, language_codes=tuple(profile.language_codes),
        format_codes=tuple(profile.format_codes),
        years_experience=profile.years_experience, capacity=profile.capacity,
        free_places=profile.free_places, monthly_hours=profile.monthly_hours,
        free_hours=profile.free_hours, accepting=profile.accepting, answer_time=wait,
        offer=_offer(areas, profile.region, profile.language_codes, profile.accepting,
                     profile.free_places, profile.free_hours),
        shown_in_list=profile.shown_in_list)


@dataclass
class Card:
    """One mentor as the list shows them to the viewer. The match and its reasons are
    worked out when asked for: a remembered card does not need them."""

    mentor: Mentor
    seeker: matching.Seeker
    language: str
    blocked_because: str | None
    later: str | None  # why the list puts this mentor after others, in a word (or None)
    invited: bool  # the viewer invited this mentor to the program (on their page only)

    @cached_property
    def match(self):
        return matching.match(self.seeker, self.mentor.offer)

    @cached_property
    def reasons(self):
        areas_by_id = {area.id: area for area in self.mentor.areas}
        return matching.reasons(self.match, self.seeker, areas_by_id, self.language)

    @property
    def answer_time(self):
        return answer_time_text(self.mentor.answer_time)


def seeker_for(user):
    return matching.Seeker(area_ids=frozenset(area.id for area in user.interests),
                           region=user.region, language=user.language,
                           hours=user.desired_hours)


def cards(found, viewer, seeker, language, who=None):
    """Everything a card shows, for a page of mentors, in a fixed number of queries (one,
    none when the viewer's `Requester` is given)."""
    who = who or requester(viewer)
    return [Card(mentor=mentor, seeker=seeker, language=language,
                 blocked_because=why_cannot_request(who, mentor),
                 later=later_because(who, mentor),
                 invited=mentor.user_id in who.invited_user_ids) for mentor in found]


def _offer(areas, region, language_codes, accepting, free_places, free_hours):
    """What the match reads of a mentor (see matching)."""
    return matching.Offer(area_ids=frozenset(area.id for area in areas), region=region,
                          languages=frozenset(language_codes),
                          has_place=accepting and free_places > 0, free_hours=free_hours)


def browse(filters, viewer, language, page):
    """A page of cards, those the viewer can ask first. What the viewer may ask is read
    once, before the ranking, which it orders, and the cards, which it words."""
    seeker, who = seeker_for(viewer), requester(viewer)
    ranking = {"filters": filters, "seeker": seeker, "later": later_for(who)}
    pagination = Page(page=page, per_page=PER_PAGE, error_out=False, **ranking)
    if not pagination.items and pagination.pages and page > pagination.pages:
        # An old link past the end: show the last page rather than "no mentor".
        pagination = Page(page=pagination.pages, per_page=PER_PAGE, **ranking,
                          counted=pagination.counted)
    return pagination, cards(pagination.items, viewer, seeker, language, who)


def suggestions(viewer, language, area_id=None, exclude=(), limit=3):
    """The best-matching mentors the viewer can ask now, e.g. after a mentor declined."""
    seeker, who = seeker_for(viewer), requester(viewer)
    statement = (ranked(Filters(area=area_id, available=True), seeker, later_for(who))
                 .where(MentorProfile.id.not_in(list(exclude) or [0]))
                 .limit(limit * 4))
    found = [card for card in cards(mentors(db.session.execute(statement).all()),
                                    viewer, seeker, language, who)
             if not card.blocked_because]
    return found[:limit]
