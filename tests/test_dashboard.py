"""The admin dashboard at /admin (issue "Admin dashboard"): every figure,
overall, by focus area and by region, over a chosen period, computed against a data set
checked by hand; the page in English and Italian with its inline SVG charts; the CSV
exports of the figures and of the mentorships (CSV injection neutralised); and a number
of SQL queries that does not grow with the data.

The hand-checked data set
-------------------------
T is today (UTC); "T-20" is twenty days ago; a time stamp "T-22 09:00" is UTC. Areas, in
their order: Negotiation (NEG), Key accounts (KEY) and Prospecting (PRO, retired, no
data). Two mentors, Mario and Monika, mentor both NEG and KEY. Mentees and their region:
Anna, Bruno, Fabio, Gina and Hugo in Italy – North; Carla and Dario in DACH; Elena has no
region (she counts overall only).

Mentorships (each from a request sent, then accepted at the start; "hpm" hours a month):

    id  mentee–mentor  area  state               hpm cadence  request sent → answered
    MA  Anna–Mario     NEG   active, from T-20    4  biweekly  T-22 09:00 → T-20 09:00 (48 h)
    MB  Bruno–Monika   KEY   active, from T-40    2  weekly    T-41 09:00 → T-40 09:00
    MC  Carla–Mario    NEG   completed T-10,      5  monthly   T-61 09:00 → T-60 09:00
                             from T-60
    MD  Dario–Monika   KEY   ended early T-5,     2  biweekly  T-16 09:00 → T-15 09:00 (24 h)
                             from T-15
    ME  Elena–Monika   NEG   completed T-100,     2  biweekly  T-202 → T-200
                             from T-200
    MF  Fabio–Mario    KEY   active, from T-50,   1  monthly   T-53 09:00 → T-50 09:00
                             planned end moved to T-10
    MG  Hugo–Mario     NEG   completed T-2,       2  monthly   T-101 09:00 → T-100 09:00
                             from T-100

Check-ins (day, minutes): MA T-20 60, T-8 30 (unconfirmed); MB T-40 45, T-25 80;
MC T-60 120, T-15 60; MD T-5 40; ME T-200 60; MF none; MG T-100 60, T-30 30, T-29 60.

Other requests: R7 Gina→Mario NEG open, sent T-3; R8 Gina→Monika NEG declined, T-12 09:00
→ T-8 09:00 (96 h); R9 Anna→Monika KEY withdrawn, sent T-7; R10 Carla→Monika KEY expired,
sent T-28; R11 Bruno→Mario NEG expired, sent T-45; R12 Elena→Mario NEG declined,
T-31 21:00 → T-29 09:00 (36 h); R13 Fabio→Monika NEG declined, T-70 → T-65.
Mentor profiles waiting for vetting: two (a draft and a profile sent back for changes do
not count).

The last 30 days, T-29 … T (`LAST_30` below):
- requests sent in the period: MA, MD, R7, R8, R9, R10 = 6 (open 1, accepted 2,
  declined 1, withdrawn 1, expired 1); R12 was sent the day before the period.
  NEG: MA, R7, R8 (open, accepted, declined); KEY: MD, R9, R10 (accepted, withdrawn,
  expired); North: MA, R7, R8, R9; DACH: MD, R10.
- answered in the period: MA (accepted, 48 h), MD (accepted, 24 h), R8 (declined, 96 h),
  R12 (declined, 36 h): acceptance 2/4 = 50 %, median of 24, 36, 48, 96 h = 42 h.
  NEG: MA, R8, R12 → 1/3, median 48 h; KEY: MD → 1/1, 24 h; North: MA, R8 → 1/2,
  median 72 h; DACH: MD → 1/1, 24 h.
- active now: MA, MB, MF = 3 (NEG 1, KEY 2, North 3, DACH 0); check-ins overdue: MB
  (weekly, last T-25, due T-18, three days' grace) and MF (monthly, none since T-50) = 2;
  MA is not (biweekly, last T-8, due T+6).
- finished in the period: MC completed, MD ended early, MG completed → 2/3. NEG: MC, MG
  → 2/2; KEY: MD → 0/1; North: MG → 1/1; DACH: MC, MD → 1/2. ME finished before.
- hours logged (check-ins held in the period, confirmed or not): MA 60 + 30, MB 80,
  MC 60, MD 40, MG 60 (its T-30 check-in is a day early) = 330 min. NEG 210, KEY 120,
  North 230, DACH 100 min.
- hours committed: hpm × the days each ran in the period (both ends counted) ÷ 30.44:
  MA 4 × 21 (T-20…T) = 84, MB 2 × 30 = 60, MC 5 × 20 (T-29…T-10) = 100,
  MD 2 × 11 (T-15…T-5) = 22, MF 1 × 20 (T-29…T-10, its planned end) = 20,
  MG 2 × 28 (T-29…T-2) = 56: 342 ÷ 30.44 = 11.24 h. NEG 84+100+56 = 240,
  KEY 60+22+20 = 102, North 84+60+20+56 = 220, DACH 100+22 = 122.

T-15 … T-5 (`NARROW`), whose first and last days hold rows: sent R8, R9 = 2 (declined
1, withdrawn 1; MD's request was sent on T-16); answered MD (T-15, 24 h, accepted) and R8
(T-8, 96 h, declined) → 1/2, median 60 h; finished MC (T-10) and MD (T-5) → 1/2; logged
MC T-15 60 + MA T-8 30 + MD T-5 40 = 130 min; committed MA 4×11 + MB 2×11 + MC 5×6 +
MD 2×11 + MF 1×6 + MG 2×11 = 146 day-hours.

T-14 … T-6 (`INNER`), one day in from both ends: sent R8, R9 = 2; answered R8 only → 0/1,
96 h; finished MC only → 1/1; logged MA's 30 min; committed MA 4×9 + MB 2×9 + MC 5×5 +
MD 2×9 + MF 1×5 + MG 2×9 = 120 day-hours.

The page's default period is the last 90 days, T-89 … T: 12 requests were sent in it
(all but ME's and MG's).
"""

import csv
import io
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from sqlalchemy import event, update

from marketplace.accounts.models import User
from marketplace.admin import queries as dashboard
from marketplace.admin.queries import Period
from marketplace.config import PROJECT_ROOT
from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.geography import REGIONS
from marketplace.mentors.models import CHANGES_REQUESTED, DRAFT, PENDING, MentorProfile
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import (
    ACCEPTED,
    COMPLETED,
    DECLINED,
    ENDED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    Mentorship,
    MentorshipRequest,
)
from marketplace.program import services as program
from marketplace.program.models import FocusArea

from .factories import make_area, make_mentorship, make_profile, make_user

PO_FILE = PROJECT_ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po"
REGION_CODES = [code for code, _label in REGIONS]
MONTH_DAYS = 30.44  # the average month the committed hours are prorated over
NO_DATA = "–"  # what the page shows for a rate or a time without any data
# The invitations' cards, when nobody has been invited (tested in test_invitations.py).
NO_INVITATIONS = {"Invitations sent": "0", "Accepted: the invitee signed up": "0",
                  "Became approved mentors": "0", "Conversion to approved mentors": NO_DATA}
# The exports' headers, in the admin's language (English here; both languages are tested
# in test_exports.py).
CSV_HEADER = ["Breakdown", "Name", "Requests sent", "Waiting for an answer", "Accepted",
              "Declined", "Withdrawn", "Expired", "Acceptance rate",
              "Median time to first answer (hours)", "Active mentorships", "Hours logged",
              "Hours committed", "Completion rate", "Check-ins overdue"]
MENTORSHIPS_HEADER = ["ID", "Mentee", "Mentee’s email", "Mentor", "Mentor’s email",
                      "Focus area", "Status", "Started", "Planned end", "Ended",
                      "Hours a month", "Meeting cadence", "Hours logged", "Hours confirmed"]
REQUEST = {"goal": "Close my first multi-year deal with a manufacturing customer.",
           "current_situation": "I win renewals but multi-year deals stall at procurement.",
           "success_measures": "One signed multi-year contract.", "hours_per_month": 1,
           "duration_months": 6, "cadence": "biweekly", "meeting_format": "video",
           "message": ""}
# A cell a spreadsheet would read as a formula starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Building the data set -------------------------------------------------------------------

def at(today, days_ago, hour=9):
    """`days_ago` days before `today`, at `hour`:00 UTC."""
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def send(mentee, profile, area, **fields):
    """A request sent the real way; returns its id."""
    request = mentoring.submit_request(
        db.session.get(MentorProfile, profile.id), actor=db.session.get(User, mentee.id),
        area=db.session.get(FocusArea, area.id),
        **{**REQUEST, "target_date": utcnow().date() + timedelta(days=120), **fields})
    db.session.commit()
    return request.id


def answer(request_id, state):
    request = db.session.get(MentorshipRequest, request_id)
    if state == DECLINED:
        mentoring.decline_request(request, actor=request.profile.user, reason="no_time")
    elif state == WITHDRAWN:
        mentoring.withdraw_request(request, actor=request.mentee)
    db.session.commit()


def move_request(request_id, **times):
    """Set a request's created_at / answered_at / closed_at (history)."""
    db.session.execute(update(MentorshipRequest)
                       .where(MentorshipRequest.id == request_id).values(**times))
    db.session.commit()


def log(mentorship, held_on, minutes, confirmed=True):
    """A check-in the mentee logs and, unless told otherwise, the mentor confirms."""
    mentorship = db.session.get(Mentorship, mentorship.id)
    check_in = mentoring.log_check_in(mentorship, actor=mentorship.mentee, held_on=held_on,
                                      minutes=minutes, summary="We reviewed the account plan.")
    if confirmed:
        mentoring.confirm_check_in(check_in, mentorship, actor=mentorship.profile.user)
    db.session.commit()


def finish(mentorship, state, ended_at):
    """Complete or end a mentorship the real way, then move its end back in time."""
    mentorship = db.session.get(Mentorship, mentorship.id)
    if state == COMPLETED:
        mentoring.complete_mentorship(mentorship, actor=mentorship.mentee)
    else:
        mentoring.end_mentorship(mentorship, actor=mentorship.mentee, reason="Role changed.")
    mentorship.ended_at = ended_at
    db.session.commit()


def mentorship(mentee, profile, area, *, started, sent, answered, hours, cadence,
               first_minutes=()):
    """A mentorship started `started` days ago, its request sent and answered at the
    given moments, with a confirmed check-in on its first day for each `first_minutes`."""
    made = make_mentorship(mentee, profile, area, started_days_ago=started,
                           confirmed_minutes=first_minutes, hours_per_month=hours,
                           cadence=cadence)
    move_request(made.request_id, created_at=sent, answered_at=answered, closed_at=answered)
    return made


def build_data_set():
    """The hand-checked data set of the module docstring. Needs an app context."""
    today = utcnow().date()

    def day(days_ago):
        return today - timedelta(days=days_ago)

    def moment(days_ago, hour=9):
        return at(today, days_ago, hour)

    neg = make_area("Negotiation", "Negoziazione")
    key = make_area("Key accounts", "Grandi clienti")
    pro = make_area("Prospecting", "Prospezione", retired=True)
    mario = make_profile(make_user(full_name="Mario Mentor", email="mario@example.com"),
                         areas=[neg, key], capacity=10, monthly_hours=40)
    monika = make_profile(make_user(full_name="Monika Mentor", email="monika@example.com"),
                          areas=[neg, key], capacity=10, monthly_hours=40)
    people = {name: make_user(full_name=f"{name} Mentee", email=f"{name.lower()}@example.com",
                              region=region)
              for name, region in [("Anna", "it-north"), ("Bruno", "it-north"),
                                   ("Carla", "dach"), ("Dario", "dach"), ("Elena", None),
                                   ("Fabio", "it-north"), ("Gina", "it-north"),
                                   ("Hugo", "it-north")]}
    for status in (PENDING, PENDING, DRAFT, CHANGES_REQUESTED):
        make_profile(make_user(), status=status, areas=[neg])

    # Expired requests first, by the real expiry run, before any other request is open.
    r10 = send(people["Carla"], monika, key)
    r11 = send(people["Bruno"], mario, neg)
    move_request(r10, created_at=moment(28))
    move_request(r11, created_at=moment(45))
    assert mentoring.expire_requests(now=moment(14)) == 2
    db.session.commit()
    move_request(r11, closed_at=moment(31))

    ma = mentorship(people["Anna"], mario, neg, started=20, sent=moment(22),
                    answered=moment(20), hours=4, cadence="biweekly", first_minutes=[60])
    log(ma, day(8), 30, confirmed=False)
    mb = mentorship(people["Bruno"], monika, key, started=40, sent=moment(41),
                    answered=moment(40), hours=2, cadence="weekly", first_minutes=[45])
    log(mb, day(25), 80)
    mc = mentorship(people["Carla"], mario, neg, started=60, sent=moment(61),
                    answered=moment(60), hours=5, cadence="monthly", first_minutes=[120])
    log(mc, day(15), 60)
    finish(mc, COMPLETED, moment(10, 12))
    md = mentorship(people["Dario"], monika, key, started=15, sent=moment(16),
                    answered=moment(15), hours=2, cadence="biweekly")
    log(md, day(5), 40)
    finish(md, ENDED, moment(5, 12))
    me = mentorship(people["Elena"], monika, neg, started=200, sent=moment(202),
                    answered=moment(200), hours=2, cadence="biweekly", first_minutes=[60])
    finish(me, COMPLETED, moment(100, 12))
    mf = mentorship(people["Fabio"], mario, key, started=50, sent=moment(53),
                    answered=moment(50), hours=1, cadence="monthly")
    db.session.execute(update(Mentorship).where(Mentorship.id == mf.id)
                       .values(planned_end_on=day(10)))
    db.session.commit()
    mg = mentorship(people["Hugo"], mario, neg, started=100, sent=moment(101),
                    answered=moment(100), hours=2, cadence="monthly", first_minutes=[60])
    log(mg, day(30), 30)
    log(mg, day(29), 60)
    finish(mg, COMPLETED, moment(2, 12))

    r7 = send(people["Gina"], mario, neg)
    move_request(r7, created_at=moment(3))
    r8 = send(people["Gina"], monika, neg)
    answer(r8, DECLINED)
    move_request(r8, created_at=moment(12), answered_at=moment(8), closed_at=moment(8))
    r9 = send(people["Anna"], monika, key)
    answer(r9, WITHDRAWN)
    move_request(r9, created_at=moment(7), closed_at=moment(6))
    r12 = send(people["Elena"], mario, neg)
    answer(r12, DECLINED)
    move_request(r12, created_at=moment(31, 21), answered_at=moment(29), closed_at=moment(29))
    r13 = send(people["Fabio"], monika, neg)
    answer(r13, DECLINED)
    move_request(r13, created_at=moment(70), answered_at=moment(65), closed_at=moment(65))

    return SimpleNamespace(today=today, neg=neg, key=key, pro=pro, mario=mario,
                           monika=monika, people=people,
                           mentorships=dict(MA=ma, MB=mb, MC=mc, MD=md, ME=me, MF=mf, MG=mg))


def add_more_data(today, count):
    """`count` more mentees in every region, each with a mentorship in one of three new
    areas, with check-ins, and a declined request; and more profiles waiting for vetting:
    more of every kind of row the dashboard reads."""
    areas = [make_area() for _ in range(3)]
    mentors = [make_profile(make_user(), areas=areas, capacity=10, monthly_hours=40)
               for _ in range(count // 8 + 2)]
    for number in range(count):
        mentee = make_user(region=REGION_CODES[number % len(REGION_CODES)])
        area = areas[number % len(areas)]
        made = make_mentorship(mentee, mentors[number % (len(mentors) - 1)], area,
                               started_days_ago=10 + number, confirmed_minutes=[30, 45])
        if number % 3 == 0:
            finish(made, COMPLETED, at(today, 1))
        answer(send(mentee, mentors[-1], area), DECLINED)
        make_profile(make_user(), status=PENDING, areas=[area])


# Reading figures and pages ---------------------------------------------------------------

def hours(day_hours):
    """Hours committed from hours-a-month × days, as the dashboard prorates them."""
    return round(day_hours / MONTH_DAYS, 6)


def states(open_=0, accepted=0, declined=0, withdrawn=0, expired=0):
    return {OPEN: open_, ACCEPTED: accepted, DECLINED: declined, WITHDRAWN: withdrawn,
            EXPIRED: expired}


def summary(figures):
    """A Figures as a plain dict, floats rounded so hand-made values compare equal."""
    def rounded(value):
        return None if value is None else round(value, 6)

    return {"requests_by_state": figures.requests_by_state, "requests": figures.requests,
            "acceptance_rate": rounded(figures.acceptance_rate),
            "median_answer": figures.median_answer,
            "active_mentorships": figures.active_mentorships,
            "hours_logged": rounded(figures.hours_logged),
            "hours_committed": rounded(figures.hours_committed),
            "completion_rate": rounded(figures.completion_rate),
            "overdue_check_ins": figures.overdue_check_ins}


def expected(by_state, acceptance, median_hours, active, minutes, day_hours, completion,
             overdue):
    return {"requests_by_state": by_state, "requests": sum(by_state.values()),
            "acceptance_rate": None if acceptance is None else round(acceptance, 6),
            "median_answer": None if median_hours is None else timedelta(hours=median_hours),
            "active_mentorships": active, "hours_logged": round(minutes / 60, 6),
            "hours_committed": hours(day_hours),
            "completion_rate": None if completion is None else round(completion, 6),
            "overdue_check_ins": overdue}


EMPTY = expected(states(), None, None, 0, 0, 0, None, 0)

# The hand-checked figures (see the module docstring for the working).
LAST_30 = {
    "overall": expected(states(1, 2, 1, 1, 1), 2 / 4, 42, 3, 330, 342, 2 / 3, 2),
    "NEG": expected(states(open_=1, accepted=1, declined=1), 1 / 3, 48, 1, 210, 240, 1.0, 0),
    "KEY": expected(states(accepted=1, withdrawn=1, expired=1), 1.0, 24, 2, 120, 102, 0.0, 2),
    "PRO": EMPTY,
    "it-north": expected(states(open_=1, accepted=1, declined=1, withdrawn=1), 1 / 2, 72, 3,
                         230, 220, 1.0, 2),
    "dach": expected(states(accepted=1, expired=1), 1.0, 24, 0, 100, 122, 1 / 2, 0),
    "france": EMPTY,
}
NARROW = {
    # Only the figures the period changes; active and overdue are "now" (3 and 2).
    "overall": expected(states(declined=1, withdrawn=1), 1 / 2, 60, 3, 130, 146, 1 / 2, 2),
}
INNER = {
    "overall": expected(states(declined=1, withdrawn=1), 0.0, 96, 3, 30, 120, 1.0, 2),
}


def by_name(board):
    """The dashboard's groups by the names the hand check uses."""
    groups = {"overall": board.overall}
    groups.update({{"Negotiation": "NEG", "Key accounts": "KEY", "Prospecting": "PRO"}
                   .get(area.name_en, area.name_en): values for area, values in board.by_area})
    groups.update(dict(board.by_region))
    return groups


def board_for(data, start_days_ago, end_days_ago):
    period = Period(start=data.today - timedelta(days=start_days_ago),
                    end=data.today - timedelta(days=end_days_ago))
    return dashboard.dashboard(period, program.areas(include_retired=True), REGION_CODES,
                               today=data.today)


def period_query(data, start_days_ago, end_days_ago):
    return (f"start={data.today - timedelta(days=start_days_ago)}"
            f"&end={data.today - timedelta(days=end_days_ago)}")


def period_shown(page):
    """The (start, end) the period form shows."""
    values = dict(re.findall(r'<input id="(start|end)" name="\1" type="date" value="([^"]*)"',
                             page))
    return values.get("start"), values.get("end")


def text_of(fragment):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def stat_cards(page):
    """{label: figure} of the cards at the top of the dashboard."""
    cards = re.findall(r'<li class="card"><p class="stat">(.*?)</p><p>(.*?)</p></li>', page)
    return {text_of(label): text_of(value) for value, label in cards}


def table_rows(page, heading):
    """{row name: [cells]} of the table under `heading`."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', section, re.S)
    return {text_of(name): [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", cells,
                                                                  re.S)]
            for name, cells in rows}


def visible_text(page):
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', page))
    return text_of(page) + " " + unescape(labels)


def chart(page, title):
    """[(label, bar width in % of the largest, value)] of the chart called `title`."""
    start = page.index(f"<figcaption>{title}</figcaption>")
    figure = page[start:page.index("</figure>", start)]
    return [(unescape(label), float(width), unescape(value)) for label, value, width in
            re.findall(r'class="chart-label">([^<]*): <strong class="chart-value">'
                       r'([^<]*)</strong></span>\s*<svg [^>]*><rect width="([\d.]+)"', figure)]


def read_csv(response, delimiter=","):
    """The rows of a CSV export, which starts with a byte order mark for Excel."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


@contextmanager
def counted_queries():
    """The SQL statements run inside the block (needs an app context)."""
    statements = []

    def count(connection, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# Fixtures --------------------------------------------------------------------------------

@pytest.fixture
def data(app):
    with app.app_context():
        return build_data_set()


@pytest.fixture
def italian_admin(app):
    with app.app_context():
        return make_user(email="amministratrice@example.com", full_name="Giulia Romano",
                         is_admin=True, language="it")


@pytest.fixture(scope="module")
def italian():
    """msgid → Italian msgstr, from the project's messages.po (the plain gettext ones:
    a message with a context, such as one request's "Accepted", is another word)."""
    with PO_FILE.open("rb") as po:
        catalog = read_po(po, locale="it")
    return {message.id: message.string for message in catalog
            if message.id and message.context is None}


# 1. The figures, computed by the service -------------------------------------------------

class TestFigures:
    def test_last_30_days_overall_by_area_and_by_region(self, app_ctx, data):
        board = board_for(data, 29, 0)
        assert board.pending_vetting == 2
        groups = by_name(board)
        for name, figures in LAST_30.items():
            assert summary(groups[name]) == figures, name

    def test_every_area_and_every_region_has_a_row(self, app_ctx, data):
        board = board_for(data, 29, 0)
        assert [area.name_en for area, _values in board.by_area] == [
            "Negotiation", "Key accounts", "Prospecting"]  # retired areas keep their row
        assert [code for code, _values in board.by_region] == REGION_CODES
        for code, values in board.by_region:
            if code not in ("it-north", "dach"):
                assert summary(values) == EMPTY, code

    def test_groups_add_up_to_the_overall_figures(self, app_ctx, data):
        board = board_for(data, 29, 0)
        # Every row has a focus area, so the areas add up to the whole program; not so
        # the regions, as Elena has none (her R12 is the fourth answer of the period).
        areas = [values for _area, values in board.by_area]
        overall = board.overall
        for state in overall.requests_by_state:
            assert sum(v.requests_by_state[state] for v in areas) == (
                overall.requests_by_state[state])
        assert sum(v.active_mentorships for v in areas) == overall.active_mentorships
        assert sum(v.overdue_check_ins for v in areas) == overall.overdue_check_ins
        assert sum(v.hours_logged for v in areas) == pytest.approx(overall.hours_logged)
        assert sum(v.hours_committed for v in areas) == pytest.approx(overall.hours_committed)
        regions = [values for _code, values in board.by_region]
        assert sum(v.requests for v in regions) == overall.requests  # R12 was sent earlier
        assert sum(v.hours_logged for v in regions) == pytest.approx(overall.hours_logged)

    def test_a_mentee_who_moves_counts_where_they_were_when_they_asked(self, app_ctx, data):
        anna = db.session.get(User, data.people["Anna"].id)
        anna.region = "france"
        db.session.commit()
        groups = by_name(board_for(data, 29, 0))
        assert summary(groups["it-north"]) == LAST_30["it-north"]
        assert summary(groups["france"]) == EMPTY
        send(anna, data.monika, data.neg)  # what she asks now counts where she is now
        groups = by_name(board_for(data, 29, 0))
        assert groups["france"].requests_by_state == states(open_=1)
        assert summary(groups["it-north"]) == LAST_30["it-north"]

    def test_a_last_check_in_older_than_any_cadence_allows_is_overdue(self, app_ctx, data):
        # Three more active mentorships from T-100: weekly and monthly ones last met on
        # T-40, older than any cadence allows; a monthly one met on T-40 and T-20.
        for cadence, days_ago in (("weekly", [40]), ("monthly", [40]), ("monthly", [40, 20])):
            made = make_mentorship(make_user(), data.mario, data.neg, started_days_ago=100,
                                   cadence=cadence)
            for day in days_ago:
                log(made, data.today - timedelta(days=day), 30)
        overall = board_for(data, 29, 0).overall
        assert (overall.active_mentorships, overall.overdue_check_ins) == (3 + 3, 2 + 2)
        assert overall.hours_logged == pytest.approx(330 / 60 + 0.5)  # T-20 is in the period

    def test_first_and_last_day_of_the_period_are_included(self, app_ctx, data):
        # MD answered on T-15 and ended on T-5; MC's check-in was held on T-15.
        assert summary(board_for(data, 15, 5).overall) == NARROW["overall"]

    def test_rows_a_day_outside_the_period_are_left_out(self, app_ctx, data):
        assert summary(board_for(data, 14, 6).overall) == INNER["overall"]

    def test_a_period_before_any_activity_has_no_rates(self, app_ctx, data):
        overall = board_for(data, 400, 300).overall
        # Only the figures of today remain: active mentorships and overdue check-ins.
        assert summary(overall) == expected(states(), None, None, 3, 0, 0, None, 2)

    def test_a_period_in_the_future_commits_no_hours(self, app_ctx, data):
        overall = board_for(data, -10, -20).overall
        assert summary(overall) == expected(states(), None, None, 3, 0, 0, None, 2)

    def test_a_mentorship_finished_before_the_period_is_not_counted(self, app_ctx, data):
        # ME (completed T-100) in T-120 … T-90: its check-in and its request are older,
        # but it ran then; MG started on T-100 and was active throughout.
        overall = board_for(data, 120, 90).overall
        assert overall.completion_rate == 1.0  # ME completed on T-100
        assert overall.hours_logged == pytest.approx(1.0)  # MG's first check-in, T-100
        # ME 2 × 21 days (T-120…T-100) + MG 2 × 11 days (T-100…T-90) = 64 day-hours.
        assert round(overall.hours_committed, 6) == hours(2 * 21 + 2 * 11)
        assert overall.requests_by_state == states(accepted=1)  # MG's, sent T-101
        assert overall.acceptance_rate == 1.0
        assert overall.median_answer == timedelta(hours=24)

    def test_no_data_at_all(self, app_ctx):
        today = utcnow().date()
        board = dashboard.dashboard(Period.last_days(90, today), [], REGION_CODES, today=today)
        assert board.pending_vetting == 0
        assert summary(board.overall) == EMPTY
        assert board.by_area == []
        assert all(summary(values) == EMPTY for _code, values in board.by_region)

    def test_default_period_is_the_last_90_days(self):
        period = Period.last_days(90, date(2026, 3, 31))
        assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 3, 31))
        assert period.holds(datetime(2026, 1, 1, tzinfo=UTC))
        assert period.holds(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
        assert not period.holds(datetime(2026, 4, 1, tzinfo=UTC))
        assert not period.holds(datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
        assert not period.holds(None)


# 2. The page -----------------------------------------------------------------------------

class TestAccess:
    @pytest.mark.parametrize("path", ["/admin", "/admin/export/figures.csv",
                                      "/admin/export/mentorships.csv"])
    def test_visitors_are_sent_to_log_in(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/auth/login")

    @pytest.mark.parametrize("path", ["/admin", "/admin/export/figures.csv",
                                      "/admin/export/mentorships.csv"])
    def test_other_users_are_refused_as_on_every_admin_page(self, client, auth, user, path):
        auth.login(user.email)
        response = client.get(path)
        assert response.status_code == 403
        assert "text/csv" not in response.content_type

    def test_admins_see_the_dashboard(self, client, auth, admin):
        auth.login(admin.email)
        response = client.get("/admin")
        assert response.status_code == 200
        assert '<a href="/admin" aria-current="page">Dashboard</a>' in response.get_data(
            as_text=True)


class TestPage:
    def test_cards_show_the_last_30_days(self, client, auth, admin, data):
        auth.login(admin.email)
        page = client.get(f"/admin?{period_query(data, 29, 0)}").get_data(as_text=True)
        assert stat_cards(page) == {
            "Profiles waiting for vetting": "2",
            "Requests sent": "6",
            "Acceptance rate": "50%",
            "Median time to first answer": "2 days",  # 42 h
            "Active mentorships": "3",
            "Hours logged / committed": "5.5 / 11.2",  # 330 min / 342 ÷ 30.44
            "Completion rate": "67%",
            "Check-ins overdue": "2",
            **NO_INVITATIONS,
        }
        period = (f"From {format_date(data.today - timedelta(days=29), 'long', locale='en')}"
                  f" to {format_date(data.today, 'long', locale='en')}.")
        assert period in text_of(page)

    def test_tables_by_area_and_by_region(self, client, auth, admin, data):
        auth.login(admin.email)
        page = client.get(f"/admin?{period_query(data, 29, 0)}").get_data(as_text=True)
        # requests, acceptance, median answer, active, hours, completion, overdue
        assert table_rows(page, "By focus area") == {
            "Negotiation": ["3", "33%", "2 days", "1", "3.5 / 7.9", "100%", "0"],
            "Key accounts": ["3", "100%", "1 day", "2", "2 / 3.4", "0%", "2"],
            "Prospecting": ["0", NO_DATA, NO_DATA, "0", "0 / 0", NO_DATA, "0"],
        }
        regions = table_rows(page, "By region of the mentee")
        assert len(regions) == len(REGIONS)
        assert regions["Italy – North"] == ["4", "50%", "3 days", "3", "3.8 / 7.2", "100%",
                                            "2"]
        assert regions["Germany, Austria and Switzerland"] == [
            "2", "100%", "1 day", "0", "1.7 / 4", "50%", "0"]
        assert regions["France"] == ["0", NO_DATA, NO_DATA, "0", "0 / 0", NO_DATA, "0"]
        assert ("counts in the region the mentee was in when they sent it"
                in text_of(page.split("By region of the mentee", 1)[1]))

    def test_charts_are_inline_svg(self, client, auth, admin, data):
        auth.login(admin.email)
        response = client.get(f"/admin?{period_query(data, 29, 0)}")
        page = response.get_data(as_text=True)
        assert page.count('<figure class="chart">') == 2
        assert page.count("<svg ") == page.count("</svg>") == 5 + 3  # one bar a row
        # Bars are full width at the largest value, the others in proportion.
        assert chart(page, "Requests by state") == [
            ("Waiting for an answer", 50.0, "1"), ("Accepted", 100.0, "2"),
            ("Declined", 50.0, "1"), ("Withdrawn", 50.0, "1"), ("Expired", 50.0, "1")]
        assert chart(page, "Hours logged by focus area") == [
            ("Negotiation", 100.0, "3.5"), ("Key accounts", 57.1, "2"),  # 120 of 210 min
            ("Prospecting", 0.0, "0")]
        # Nothing is fetched from elsewhere: no script, image or style from another host.
        assert not re.search(r'<script\b[^>]*\bsrc=', page)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
        # Not a content delivery network either ("cdn" may occur in a random CSRF token).
        addresses = re.findall(r'(?:src|href|action)="([^"]*)"', page)
        assert not [a for a in addresses if "cdn" in a.lower()]
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy

    def test_the_default_period_is_the_last_90_days(self, client, auth, admin, data):
        auth.login(admin.email)
        page = client.get("/admin").get_data(as_text=True)
        assert stat_cards(page)["Requests sent"] == "12"
        start = data.today - timedelta(days=89)
        assert period_shown(page) == (str(start), str(data.today))
        assert (f'href="/admin/export/figures.csv?start={start}&amp;end={data.today}"'
                in page)

    def test_the_period_filter(self, client, auth, admin, data):
        auth.login(admin.email)
        page = client.get(f"/admin?{period_query(data, 15, 5)}").get_data(as_text=True)
        cards = stat_cards(page)
        assert (cards["Requests sent"], cards["Acceptance rate"],
                cards["Median time to first answer"], cards["Hours logged / committed"],
                cards["Completion rate"]) == ("2", "50%", "2 days", "2.2 / 4.8", "50%")
        # (the median is 60 h: the page rounds it to whole days, 2.5 to the even 2)
        # Figures of today do not depend on the period.
        assert (cards["Profiles waiting for vetting"], cards["Active mentorships"],
                cards["Check-ins overdue"]) == ("2", "3", "2")

    def test_start_after_end_is_the_same_period(self, client, auth, admin, data):
        auth.login(admin.email)
        right = client.get(f"/admin?{period_query(data, 15, 5)}").get_data(as_text=True)
        reversed_ = client.get(f"/admin?start={data.today - timedelta(days=5)}"
                               f"&end={data.today - timedelta(days=15)}")
        assert reversed_.status_code == 200
        page = reversed_.get_data(as_text=True)
        assert stat_cards(page) == stat_cards(right)
        assert period_shown(page) == (str(data.today - timedelta(days=15)),
                                      str(data.today - timedelta(days=5)))

    UNUSABLE = ["start=yesterday&end=2026-02-30", "start=2026-13-01", "end=31/12/2026",
                "start=&end=", "start=%00&end=%ff", "start=" + "9" * 5000, "start[]=1",
                "start=0001-01-01", "end=0001-01-01", "start=9999-12-31", "end=9999-12-31",
                "start=9999-12-31&end=9999-12-31", "start=0001-01-01&end=9999-12-31"]

    def test_unusable_dates_never_fail(self, client, auth, admin, data):
        # 9999-12-31 used to fail: the moment after the period's last day overflowed.
        auth.login(admin.email)
        for query in self.UNUSABLE:
            response = client.get(f"/admin?{query}")
            assert response.status_code == 200, query
            assert "Profiles waiting for vetting" in response.get_data(as_text=True), query
            assert client.get(f"/admin/export/figures.csv?{query}").status_code == 200, query

    def test_the_longest_period_holds_everything(self, client, auth, admin, data):
        auth.login(admin.email)
        page = client.get("/admin?start=0001-01-01&end=9999-12-31").get_data(as_text=True)
        assert period_shown(page) == ("0001-01-01", "9999-12-30")
        cards = stat_cards(page)
        # All 14 requests; answered: 7 accepted, 3 declined; finished: MC, MD, ME, MG.
        assert (cards["Requests sent"], cards["Acceptance rate"], cards["Completion rate"]) == (
            "14", "70%", "75%")

    def test_invalid_dates_fall_back_to_the_default_period(self, client, auth, admin, data):
        auth.login(admin.email)
        response = client.get("/admin?start=2026-02-30&end=tomorrow")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        period = (f"From {format_date(data.today - timedelta(days=89), 'long', locale='en')}"
                  f" to {format_date(data.today, 'long', locale='en')}.")
        assert period in text_of(page)
        assert stat_cards(page)["Requests sent"] == "12"
        # What was typed stays in the form, with the reason it was not used.
        assert period_shown(page) == (None, None)
        assert 'aria-invalid="true" id="start" name="start" type="date" value="2026-02-30"' in page
        assert 'aria-invalid="true" id="end" name="end" type="date" value="tomorrow"' in page
        assert page.count("Not a valid date value.") == 2

    def test_one_invalid_date_keeps_the_other(self, client, auth, admin, data):
        auth.login(admin.email)
        end = data.today - timedelta(days=5)
        page = client.get(f"/admin?start=soon&end={end}").get_data(as_text=True)
        # The default start, T-89, with the end asked for.
        assert period_shown(page) == (None, str(end))
        assert (f'href="/admin/export/figures.csv?start={data.today - timedelta(days=89)}'
                f'&amp;end={end}"') in page

    def test_no_data_at_all(self, client, auth, admin):
        auth.login(admin.email)
        response = client.get("/admin")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert stat_cards(page) == {
            "Profiles waiting for vetting": "0", "Requests sent": "0",
            "Acceptance rate": NO_DATA, "Median time to first answer": NO_DATA,
            "Active mentorships": "0", "Hours logged / committed": "0 / 0",
            "Completion rate": NO_DATA, "Check-ins overdue": "0", **NO_INVITATIONS}
        assert table_rows(page, "By focus area") == {}
        assert all(cells == ["0", NO_DATA, NO_DATA, "0", "0 / 0", NO_DATA, "0"]
                   for cells in table_rows(page, "By region of the mentee").values())
        assert [width for _label, width, _value in chart(page, "Requests by state")] == [0.0] * 5
        assert chart(page, "Hours logged by focus area") == []

    def test_user_text_is_escaped(self, app, client, auth, admin):
        with app.app_context():
            make_area('<script>alert(1)</script>', '"><svg onload=alert(1)>')
        auth.login(admin.email)
        page = client.get("/admin").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestItalian:
    LABELS = ["Dashboard", "Period", "Show", "Export the figures (CSV)",
              "Export the mentorships (CSV)", "Profiles waiting for vetting", "Requests sent",
              "Acceptance rate", "Median time to first answer", "Active mentorships",
              "Hours logged / committed", "Completion rate", "Check-ins overdue",
              "Requests by state", "Hours logged by focus area", "Requests", "By focus area",
              "By region of the mentee", "Focus area", "Region", "From", "To",
              "Waiting for an answer", "Accepted", "Declined", "Withdrawn", "Expired",
              "Italy – North", "Germany, Austria and Switzerland"]

    def test_the_dashboard_in_italian(self, client, auth, italian_admin, data):
        auth.login(italian_admin.email)
        response = client.get(f"/admin?{period_query(data, 29, 0)}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert '<html lang="it"' in page
        assert stat_cards(page) == {
            "Profili in attesa di verifica": "2",
            "Richieste inviate": "6",
            "Tasso di accettazione": "50%",
            "Tempo mediano di prima risposta": "2 giorni",
            "Percorsi di mentoring attivi": "3",
            "Ore registrate / concordate": "5,5 / 11,2",
            "Tasso di completamento": "67%",
            "Check-in in ritardo": "2",
            "Inviti inviati": "0", "Accettati: la persona invitata si è registrata": "0",
            "Diventati mentori approvati": "0",
            "Tasso di conversione in mentori approvati": NO_DATA,
        }
        areas = table_rows(page, "Per area di sviluppo")
        assert areas["Negoziazione"] == ["3", "33%", "2 giorni", "1", "3,5 / 7,9", "100%", "0"]
        assert areas["Prospezione"] == ["0", NO_DATA, NO_DATA, "0", "0 / 0", NO_DATA, "0"]
        regions = table_rows(page, "Per area geografica dei mentee")
        assert regions["Italia – Nord"] == ["4", "50%", "3 giorni", "3", "3,8 / 7,2", "100%",
                                            "2"]
        assert ("rientra nell’area geografica in cui si trovava il mentee quando l’ha inviata"
                in text_of(page.split("Per area geografica dei mentee", 1)[1]))
        assert chart(page, "Richieste per stato")[0] == ("In attesa di risposta", 50.0, "1")
        assert chart(page, "Ore registrate per area di sviluppo")[0] == (
            "Negoziazione", 100.0, "3,5")
        period = (f"Periodo: {format_date(data.today - timedelta(days=29), 'long', locale='it')}"
                  f" – {format_date(data.today, 'long', locale='it')}.")
        assert period in text_of(page)
        for words in ("Esporta i dati (CSV)", "Esporta i percorsi di mentoring (CSV)"):
            assert words in text_of(page)
        assert '<label for="start">Dal</label>' in page and '<label for="end">Al</label>' in page
        assert 'aria-label="Periodo"' in page and ">Mostra</button>" in page

    def test_no_english_label_is_left(self, client, auth, italian_admin, data, italian):
        auth.login(italian_admin.email)
        text = visible_text(client.get(f"/admin?{period_query(data, 29, 0)}")
                            .get_data(as_text=True))
        for label in self.LABELS:
            translation = italian[label]
            assert translation, f"{label!r} has no Italian translation"
            assert translation in text, label
            if translation != label:
                assert not re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text), label
        # The English area names are not shown to an Italian reader.
        assert "Negotiation" not in text and "Key accounts" not in text

    def test_english_page_has_no_italian_label(self, client, auth, admin, data, italian):
        auth.login(admin.email)
        text = visible_text(client.get(f"/admin?{period_query(data, 29, 0)}")
                            .get_data(as_text=True))
        for label in self.LABELS:
            assert label in text, label
            if italian[label] != label:
                assert not re.search(rf"(?<!\w){re.escape(italian[label])}(?!\w)", text), label
        assert "Negoziazione" not in text

    def test_the_language_switcher_turns_the_dashboard_italian(self, client, auth, admin):
        auth.login(admin.email)
        assert "Acceptance rate" in client.get("/admin").get_data(as_text=True)
        response = client.submit("/language", data={"language": "it", "next": "/admin"})
        assert response.status_code == 302 and response.location == "/admin"
        page = client.get("/admin").get_data(as_text=True)
        assert "Tasso di accettazione" in page and "Acceptance rate" not in page

    def test_csv_headers_are_italian(self, client, auth, italian_admin, italian):
        # Semicolons, as Excel set to Italian expects (see test_exports.py).
        auth.login(italian_admin.email)
        assert read_csv(client.get("/admin/export/figures.csv"), ";")[0] == [
            italian[label] for label in CSV_HEADER]
        assert read_csv(client.get("/admin/export/mentorships.csv"), ";")[0] == [
            italian[label] for label in MENTORSHIPS_HEADER]


# 3. The CSV exports ----------------------------------------------------------------------

def csv_row(scope, name, figures):
    """A figures row as the export writes it in English, from the hand-checked values."""
    by_state = figures["requests_by_state"]
    median = figures["median_answer"]

    def number(value, digits=2):
        return "" if value is None else str(round(value, digits))

    return [scope, name, str(figures["requests"]),
            *(str(by_state[state]) for state in (OPEN, ACCEPTED, DECLINED, WITHDRAWN,
                                                 EXPIRED)),
            number(figures["acceptance_rate"]),
            number(median.total_seconds() / 3600 if median else None, 1),
            str(figures["active_mentorships"]), number(figures["hours_logged"], 1),
            number(figures["hours_committed"], 1), number(figures["completion_rate"]),
            str(figures["overdue_check_ins"])]


class TestFiguresExport:
    def test_file(self, client, auth, admin, data):
        auth.login(admin.email)
        response = client.get(f"/admin/export/figures.csv?{period_query(data, 29, 0)}")
        assert response.status_code == 200
        assert response.content_type == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="figures-{data.today - timedelta(days=29)}-{data.today}.csv"')

    def test_rows_hold_the_hand_checked_figures(self, client, auth, admin, data):
        auth.login(admin.email)
        rows = read_csv(client.get(f"/admin/export/figures.csv?{period_query(data, 29, 0)}"))
        assert rows[0] == CSV_HEADER
        assert len(rows) == 1 + 1 + 3 + len(REGIONS)
        by_key = {(row[0], row[1]): row for row in rows[1:]}
        assert by_key[("Total", "")] == csv_row("Total", "", LAST_30["overall"])
        assert by_key[("Total", "")] == [
            "Total", "", "6", "1", "2", "1", "1", "1", "0.5", "42.0", "3", "5.5", "11.2",
            "0.67", "2"]
        for name, key in (("Negotiation", "NEG"), ("Key accounts", "KEY"),
                          ("Prospecting", "PRO")):
            assert by_key[("Focus area", name)] == csv_row("Focus area", name, LAST_30[key])
        # Regions by their names, in the order of the list people choose from.
        assert [row[1] for row in rows[1:] if row[0] == "Region"] == [
            str(label) for _code, label in REGIONS]
        for name, code in (("Italy – North", "it-north"),
                           ("Germany, Austria and Switzerland", "dach"), ("France", "france")):
            assert by_key[("Region", name)] == csv_row("Region", name, LAST_30[code])
        assert by_key[("Focus area", "Prospecting")][8:10] == ["", ""]  # no data, not 0

    def test_figures_match_the_page(self, client, auth, admin, data):
        auth.login(admin.email)
        query = period_query(data, 29, 0)
        cards = stat_cards(client.get(f"/admin?{query}").get_data(as_text=True))
        overall = dict(zip(CSV_HEADER, read_csv(
            client.get(f"/admin/export/figures.csv?{query}"))[1], strict=True))
        assert cards["Requests sent"] == overall["Requests sent"]
        assert cards["Acceptance rate"] == f"{float(overall['Acceptance rate']):.0%}"
        assert cards["Active mentorships"] == overall["Active mentorships"]
        assert cards["Hours logged / committed"] == (
            f"{overall['Hours logged']} / {overall['Hours committed']}")
        assert cards["Completion rate"] == f"{float(overall['Completion rate']):.0%}"
        assert cards["Check-ins overdue"] == overall["Check-ins overdue"]

    def test_the_period_is_respected(self, client, auth, admin, data):
        auth.login(admin.email)
        rows = read_csv(client.get(f"/admin/export/figures.csv?{period_query(data, 15, 5)}"))
        assert rows[1] == csv_row("Total", "", NARROW["overall"])
        rows = read_csv(client.get(f"/admin/export/figures.csv?{period_query(data, 14, 6)}"))
        assert rows[1] == csv_row("Total", "", INNER["overall"])

    def test_no_data_at_all(self, client, auth, admin):
        auth.login(admin.email)
        response = client.get("/admin/export/figures.csv")
        assert response.status_code == 200
        rows = read_csv(response)
        assert rows[1] == ["Total", "", "0", "0", "0", "0", "0", "0", "", "", "0", "0.0",
                           "0.0", "", "0"]
        assert len(rows) == 2 + len(REGIONS)


class TestMentorshipsExport:
    def test_file(self, client, auth, admin, data):
        auth.login(admin.email)
        response = client.get("/admin/export/mentorships.csv")
        assert response.status_code == 200
        assert response.content_type == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="mentorships.csv"')

    def test_one_row_per_mentorship(self, app, client, auth, admin, data):
        auth.login(admin.email)
        rows = read_csv(client.get("/admin/export/mentorships.csv"))
        assert rows[0] == MENTORSHIPS_HEADER
        made = data.mentorships
        assert [int(row[0]) for row in rows[1:]] == sorted(m.id for m in made.values())
        by_id = {int(row[0]): dict(zip(MENTORSHIPS_HEADER, row, strict=True))
                 for row in rows[1:]}

        def day(days_ago):
            return str(data.today - timedelta(days=days_ago))

        with app.app_context():
            planned = {m.id: str(m.planned_end_on) for m in db.session.query(Mentorship)}
        anna = by_id[made["MA"].id]
        assert anna == {
            "ID": str(made["MA"].id), "Mentee": "Anna Mentee",
            "Mentee’s email": "anna@example.com", "Mentor": "Mario Mentor",
            "Mentor’s email": "mario@example.com", "Focus area": "Negotiation",
            "Status": "In progress", "Started": day(20),
            "Planned end": planned[made["MA"].id], "Ended": "", "Hours a month": "4",
            "Meeting cadence": "Every two weeks",
            "Hours logged": "1.5", "Hours confirmed": "1.0"}  # 30 min not confirmed
        carla = by_id[made["MC"].id]
        assert (carla["Status"], carla["Ended"], carla["Hours logged"],
                carla["Hours confirmed"], carla["Meeting cadence"]) == (
            "Completed", day(10), "3.0", "3.0", "Monthly")
        dario = by_id[made["MD"].id]
        assert (dario["Status"], dario["Ended"], dario["Hours logged"],
                dario["Focus area"]) == ("Ended early", day(5), "0.7", "Key accounts")  # 40 min
        assert by_id[made["MB"].id]["Meeting cadence"] == "Weekly"
        assert by_id[made["MF"].id]["Planned end"] == day(10)
        assert by_id[made["MG"].id]["Hours logged"] == "2.5"  # 60 + 30 + 60 min

    def test_no_mentorship(self, client, auth, admin):
        auth.login(admin.email)
        assert read_csv(client.get("/admin/export/mentorships.csv")) == [MENTORSHIPS_HEADER]


class TestCsvInjection:
    NAMES = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]

    @pytest.fixture
    def hostile(self, app):
        with app.app_context():
            area = make_area("=HYPERLINK(\"http://evil.example\")", "@area")
            mentor = make_profile(make_user(full_name=self.NAMES[1], email="m@example.com"),
                                  areas=[area], capacity=10, monthly_hours=40)
            for number, name in enumerate(self.NAMES):
                mentee = make_user(full_name=name, email=f"mentee{number}@example.com")
                make_mentorship(mentee, mentor, area)

    @pytest.mark.parametrize("path", ["/admin/export/mentorships.csv",
                                      "/admin/export/figures.csv"])
    def test_no_cell_starts_a_formula(self, client, auth, admin, hostile, path):
        auth.login(admin.email)
        rows = read_csv(client.get(path))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]

    def test_the_text_is_kept_behind_a_quote(self, client, auth, admin, hostile):
        auth.login(admin.email)
        rows = read_csv(client.get("/admin/export/mentorships.csv"))
        assert sorted(row[1] for row in rows[1:]) == sorted(f"'{name}" for name in self.NAMES)
        assert {row[3] for row in rows[1:]} == {"'+SUM(1+1)"}
        assert {row[5] for row in rows[1:]} == {"'=HYPERLINK(\"http://evil.example\")"}
        figures = read_csv(client.get("/admin/export/figures.csv"))
        assert figures[2][:2] == ["Focus area", "'=HYPERLINK(\"http://evil.example\")"]

    def test_ordinary_values_are_untouched(self, client, auth, admin, data):
        auth.login(admin.email)
        rows = read_csv(client.get("/admin/export/mentorships.csv"))
        assert not [cell for row in rows for cell in row if cell.startswith("'")]


# 4. Queries ------------------------------------------------------------------------------

class TestQueries:
    PATHS = ["/admin", "/admin/export/figures.csv", "/admin/export/mentorships.csv"]

    def queries(self, app, client):
        """{path: number of SQL statements its request runs}."""
        counts = {}
        for path in self.PATHS:
            client.get(path)  # warm up: anything loaded once per process is loaded now
            with app.app_context(), counted_queries() as statements:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[path] = len(statements)
        return counts

    def test_queries_do_not_grow_with_the_data(self, app, client, auth, admin, data):
        auth.login(admin.email)
        few = self.queries(app, client)
        with app.app_context():
            add_more_data(data.today, 24)
        many = self.queries(app, client)
        assert few == many
        assert all(count <= 12 for count in many.values()), many
