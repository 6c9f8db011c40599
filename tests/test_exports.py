"""The dashboard's CSV exports in the admin's language (issue 22, "Files for the reader's
spreadsheet"): headers, focus areas, regions, states and cadences as words; Italian
files split on semicolons with decimal commas, English ones on commas with decimal
points; a UTF-8 byte order mark on both; ISO dates; the formula-injection guard kept,
in both languages, and never applied to a number. The hand-checked figures themselves
are in test_dashboard.py.

The data: Anna (Italy – North) is mentored by Mario in Negotiation, weekly, with one
confirmed 90-minute check-in (1.5 hours); Bruno (DACH) asked Mario too, and Mario
declined. Over the default period: 2 requests sent, 1 accepted and 1 declined, so an
acceptance rate of 0.5, both answered at once (a median answer time of 0 hours).
"""

import csv
import io
from datetime import date, timedelta

import pytest

from marketplace.accounts.models import User
from marketplace.admin import exports
from marketplace.admin import queries as dashboard
from marketplace.extensions import db
from marketplace.geography import REGIONS
from marketplace.mentorships import services as mentoring
from marketplace.mentorships.models import MentorshipRequest
from marketplace.program import services as program

from .builders import submit, today
from .factories import make_area, make_mentorship, make_profile, make_user

BOM = "\ufeff"
FIGURES = "/admin/export/figures.csv"
MENTORSHIPS = "/admin/export/mentorships.csv"

FIGURES_HEADER = {
    "en": ["Breakdown", "Name", "Requests sent", "Waiting for an answer", "Accepted",
           "Declined", "Withdrawn", "Expired", "Acceptance rate",
           "Median time to first answer (hours)", "Active mentorships", "Hours logged",
           "Hours committed", "Completion rate", "Check-ins overdue"],
    "it": ["Suddivisione", "Nome", "Richieste inviate", "In attesa di risposta", "Accettate",
           "Rifiutate", "Ritirate", "Scadute", "Tasso di accettazione",
           "Tempo mediano di prima risposta (ore)", "Percorsi di mentoring attivi",
           "Ore registrate", "Ore concordate", "Tasso di completamento",
           "Check-in in ritardo"],
}
MENTORSHIPS_HEADER = {
    "en": ["ID", "Mentee", "Mentee’s email", "Mentor", "Mentor’s email", "Focus area",
           "Status", "Started", "Planned end", "Ended", "Hours a month", "Meeting cadence",
           "Hours logged", "Hours confirmed"],
    "it": ["ID", "Mentee", "Email del mentee", "Mentore", "Email del mentore",
           "Area di sviluppo", "Stato", "Inizio", "Fine prevista", "Fine effettiva",
           "Ore al mese", "Frequenza degli incontri", "Ore registrate", "Ore confermate"],
}
# What each language calls the things the files name, and how it writes 1.5.
WORDS = {
    "en": {"delimiter": ",", "total": "Total", "area": "Focus area", "region": "Region",
           "negotiation": "Negotiation", "north": "Italy – North",
           "dach": "Germany, Austria and Switzerland", "active": "In progress",
           "weekly": "Weekly", "one and a half": "1.5", "half": "0.5", "one": "1.0",
           "nothing": "0.0"},
    "it": {"delimiter": ";", "total": "Totale", "area": "Area di sviluppo",
           "region": "Area geografica", "negotiation": "Negoziazione",
           "north": "Italia – Nord", "dach": "Germania, Austria e Svizzera",
           "active": "In corso", "weekly": "Settimanale", "one and a half": "1,5",
           "half": "0,5", "one": "1,0", "nothing": "0,0"},
}
# The codes the database keeps, which no file shows.
CODES = {"it-north", "dach", "open", "accepted", "declined", "active", "weekly", "biweekly",
         "overall", "area", "region"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read(response, language):
    """The rows of an export, read as a spreadsheet set to `language` would."""
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):]),
                           delimiter=WORDS[language]["delimiter"]))


@pytest.fixture
def world(app):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        mario = make_user(full_name="Mario Mentor", email="mario@example.com")
        profile = make_profile(mario, areas=[area], monthly_hours=10)
        anna = make_user(full_name="Anna Mentee", email="anna@example.com", region="it-north")
        bruno = make_user(full_name="Bruno Mentee", email="bruno@example.com", region="dach")
        mentorship = make_mentorship(anna, profile, area, started_days_ago=10,
                                     cadence="weekly", hours_per_month=3,
                                     confirmed_minutes=(90,))
        request = db.session.get(MentorshipRequest, submit(bruno.id, profile.id, area.id))
        mentoring.decline_request(request, actor=db.session.get(User, mario.id),
                                  reason="no_time")
        db.session.commit()
        return {"mentorship_id": mentorship.id, "area": area}


@pytest.fixture
def italian_admin(app):
    with app.app_context():
        return make_user(email="amministratrice@example.com", full_name="Giulia Romano",
                         is_admin=True, language="it")


@pytest.fixture
def admin_in(admin, italian_admin):
    """The admin who reads in `language`."""
    return {"en": admin, "it": italian_admin}.get


LANGUAGES = pytest.mark.parametrize("language", ["en", "it"])


# The files, downloaded -------------------------------------------------------------------

@LANGUAGES
def test_mentorships_in_the_admin_s_language(client, auth, admin_in, world, language):
    auth.login(admin_in(language).email)
    response = client.get(MENTORSHIPS)
    assert response.headers["Content-Disposition"] == 'attachment; filename="mentorships.csv"'
    words = WORDS[language]
    # The raw first line: the right separator, so Excel opens the file in columns.
    first_line = response.get_data(as_text=True)[len(BOM):].split("\r\n", 1)[0]
    assert first_line == words["delimiter"].join(MENTORSHIPS_HEADER[language])
    header, *rows = read(response, language)
    assert header == MENTORSHIPS_HEADER[language]
    [row] = rows
    started = today() - timedelta(days=10)
    assert dict(zip(header, row, strict=True)) == dict(zip(header, [
        str(world["mentorship_id"]), "Anna Mentee", "anna@example.com", "Mario Mentor",
        "mario@example.com", words["negotiation"], words["active"], started.isoformat(),
        row[8], "", "3", words["weekly"], words["one and a half"], words["one and a half"]],
        strict=True))
    assert date.fromisoformat(row[8]) > started  # dates in ISO form, which Excel reads
    assert not CODES & set(row)


@LANGUAGES
def test_figures_in_the_admin_s_language(client, auth, admin_in, world, language):
    auth.login(admin_in(language).email)
    header, *rows = read(client.get(FIGURES), language)
    words = WORDS[language]
    assert header == FIGURES_HEADER[language]
    by_name = {(row[0], row[1]): dict(zip(header, row, strict=True)) for row in rows}
    # One total, the area by its name, every region by its name, in the list's order.
    assert [row[:2] for row in rows[:2]] == [[words["total"], ""],
                                             [words["area"], words["negotiation"]]]
    assert len(rows) == 2 + len(REGIONS)
    assert all(row[0] == words["region"] for row in rows[2:])
    assert words["north"] in [row[1] for row in rows[2:]]
    cells = {cell for row in rows for cell in row}
    assert not CODES & cells
    # The decimal separator is the language's: an acceptance of 1 in 2, 1.5 hours.
    total = by_name[(words["total"], "")]
    rate, logged = FIGURES_HEADER[language][8], FIGURES_HEADER[language][11]
    assert (total[header[2]], total[header[4]], total[header[5]]) == ("2", "1", "1")
    assert (total[rate], total[logged]) == (words["half"], words["one and a half"])
    # Both were answered at once: a median of no time at all is 0, not "no data".
    assert total[header[9]] == words["nothing"]
    north = by_name[(words["region"], words["north"])]
    dach = by_name[(words["region"], words["dach"])]
    assert (north[rate], north[logged]) == (words["one"], words["one and a half"])
    assert (dach[rate], dach[logged]) == (words["nothing"], words["nothing"])
    # Numbers are bare: no thousands separator, nothing behind the formula guard.
    assert not [cell for cell in cells if cell.startswith("'")]


def test_the_language_follows_the_admin_not_the_browser(client, auth, italian_admin, world):
    auth.login(italian_admin.email)
    response = client.get(FIGURES, headers={"Accept-Language": "en"})
    assert read(response, "it")[0] == FIGURES_HEADER["it"]


# The formula-injection guard -------------------------------------------------------------

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.fixture
def hostile(app):
    with app.app_context():
        area = make_area('=HYPERLINK("http://evil.example")', '=HYPERLINK("http://male.example")')
        mentor = make_profile(make_user(full_name="@mentor", email="m@example.com"),
                              areas=[area], capacity=10, monthly_hours=40)
        for number, name in enumerate(HOSTILE):
            make_mentorship(make_user(full_name=name, email=f"mentee{number}@example.com"),
                            mentor, area)


@LANGUAGES
@pytest.mark.parametrize("path", [MENTORSHIPS, FIGURES])
def test_no_cell_starts_a_formula(client, auth, admin_in, hostile, language, path):
    auth.login(admin_in(language).email)
    cells = [cell for row in read(client.get(path), language) for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


@LANGUAGES
def test_hostile_text_is_kept_behind_a_quote(client, auth, admin_in, hostile, language):
    auth.login(admin_in(language).email)
    rows = read(client.get(MENTORSHIPS), language)[1:]
    assert sorted(row[1] for row in rows) == sorted(f"'{name}" for name in HOSTILE)
    assert {row[3] for row in rows} == {"'@mentor"}
    area = {"en": "evil", "it": "male"}[language]
    assert {row[5] for row in rows} == {f"'=HYPERLINK(\"http://{area}.example\")"}


@LANGUAGES
def test_the_guard_touches_text_and_never_a_number(language):
    # No figure of the dashboard is negative today; a negative one must still be a
    # number the spreadsheet can add up, not text behind an apostrophe.
    rows = list(csv.reader(io.StringIO(exports.write(
        [["-2+3", "=1+1", "+1", "@a", "\tb", "\rc", "plain", -3, -1.5, 1234567.25, 0.0,
          None]], language)[len(BOM):]), delimiter=exports.delimiter(language)))
    decimal = WORDS[language]["one"][1]
    assert rows == [["'-2+3", "'=1+1", "'+1", "'@a", "'\tb", "'\rc", "plain", "-3",
                     f"-1{decimal}5", f"1234567{decimal}25", f"0{decimal}0", ""]]


# Called directly -------------------------------------------------------------------------

def test_the_delimiter_is_excel_s_list_separator():
    assert exports.delimiter("it") == ";"
    assert exports.delimiter("en") == ","


def test_the_files_can_be_built_without_a_request(app, world):
    with app.app_context():
        areas = program.areas(include_retired=True)
        board = dashboard.dashboard(dashboard.Period.last_days(90), areas,
                                    [code for code, _label in REGIONS])
        italian = exports.figures_csv(board, "it")
        english = exports.figures_csv(board, "en")
        mentorships = exports.mentorships_csv(dashboard.mentorships_for_export(), "it")
    assert italian.startswith(BOM + ";".join(FIGURES_HEADER["it"]) + "\r\n")
    assert english.startswith(BOM + ",".join(FIGURES_HEADER["en"]) + "\r\n")
    assert "Negoziazione;" in mentorships and ";Settimanale;1,5;1,5\r\n" in mentorships


# Who may download them -------------------------------------------------------------------

@pytest.mark.parametrize("path", [FIGURES, MENTORSHIPS])
@pytest.mark.parametrize("language", ["en", "it"])
def test_other_users_are_refused(app, client, auth, path, language):
    with app.app_context():
        rep = make_user(email="rep@example.com", language=language)
    auth.login(rep.email)
    response = client.get(path)
    assert response.status_code == 403
    assert "text/csv" not in response.content_type
    assert BOM not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [FIGURES, MENTORSHIPS])
def test_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")

