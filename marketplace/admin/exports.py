"""The dashboard's CSV files, written for the admin's spreadsheet.

A file is in the admin's language: its headers, and the names of areas, regions, states
and cadences, are the words the dashboard shows, never codes (`it-north`, `open`). Its
form follows what Excel expects in that language: where numbers take a decimal comma
(Italian), Excel splits a CSV file on semicolons, so the file does; elsewhere on commas.
Numbers are written without thousands separators (a grouped "1.234" is a thousand in
Italian and a little over one in English, and a program reading the file without the
locale takes it for text), and days in ISO form, which Excel reads as dates in every
language.

Every file starts with a UTF-8 byte order mark, the English one too: without it, Excel
on Windows reads the file in the machine's legacy code page, and every accented name and
the dash of "Italy – North" come out garbled. Python's `utf-8-sig`, pandas and
LibreOffice all skip it.
"""

import csv
import io
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal, get_decimal_symbol
from flask_babel import force_locale
from flask_babel import gettext as _

from ..geography import region_label
from ..web.labels import REQUEST_STATE_LABELS, cadence_label, mentorship_state

BOM = "\ufeff"

# A spreadsheet opening the file runs a cell that starts with one of these as a formula
# (CSV injection, e.g. a user named "=HYPERLINK(…)"): such text goes behind an apostrophe,
# which makes it plain text. Only text is guarded: numbers are written by `cell` itself,
# so a negative one stays a number.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# At least one decimal (so "42.0" reads as a measure, as before), the value's own
# rounding beyond that, and no grouping.
DECIMAL = "0.0#####"


def delimiter(language):
    """What Excel splits a CSV file on in `language`: its list separator, a semicolon
    where the decimal separator is a comma."""
    return ";" if get_decimal_symbol(language) == "," else ","


def cell(value, language):
    """One value as the file writes it in `language` (a day as a `date`: a time stamp
    would need a time zone chosen for it)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format_decimal(value, DECIMAL, locale=language)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)  # lazy labels too
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write(rows, language):
    """The CSV text of `rows` (the header first) for a spreadsheet in `language`."""
    out = io.StringIO()
    out.write(BOM)
    csv.writer(out, delimiter=delimiter(language)).writerows(
        [cell(value, language) for value in row] for row in rows)
    return out.getvalue()


def _rounded(value, digits):
    return None if value is None else round(float(value), digits)


def figures_csv(figures, language):
    """The dashboard's figures (`queries.dashboard`): overall, by focus area and by
    region of the mentee, one row each."""
    with force_locale(language):
        rows = [[_("Breakdown"), _("Name"), _("Requests sent"), *REQUEST_STATE_LABELS.values(),
                 _("Acceptance rate"), _("Median time to first answer (hours)"),
                 _("Active mentorships"), _("Hours logged"), _("Hours committed"),
                 _("Completion rate"), _("Check-ins overdue")]]
        groups = [(_("Total"), "", figures.overall)]
        groups += [(_("Focus area"), area.name(language), values)
                   for area, values in figures.by_area]
        groups += [(_("Region"), region_label(code), values)
                   for code, values in figures.by_region]
        for scope, name, values in groups:
            answer = values.median_answer  # a timedelta: zero, answered at once, is false
            rows.append([
                scope, name, values.requests,
                *(values.requests_by_state[state] for state in REQUEST_STATE_LABELS),
                _rounded(values.acceptance_rate, 2),
                _rounded(None if answer is None else answer.total_seconds() / 3600, 1),
                values.active_mentorships, _rounded(values.hours_logged, 1),
                _rounded(values.hours_committed, 1), _rounded(values.completion_rate, 2),
                values.overdue_check_ins])
        return write(rows, language)


def mentorships_csv(mentorships, language):
    """Every mentorship (`queries.mentorships_for_export`), with its hours."""
    with force_locale(language):
        rows = [[_("ID"), _("Mentee"), _("Mentee’s email"), _("Mentor"), _("Mentor’s email"),
                 _("Focus area"), _("Status"), _("Started"), _("Planned end"), _("Ended"),
                 _("Hours a month"), _("Meeting cadence"), _("Hours logged"),
                 _("Hours confirmed")]]
        for mentorship in mentorships:
            check_ins = mentorship.check_ins
            rows.append([
                mentorship.id, mentorship.mentee.full_name, mentorship.mentee.email,
                mentorship.profile.user.full_name, mentorship.profile.user.email,
                mentorship.area.name(language), mentorship_state(mentorship.status),
                mentorship.started_on, mentorship.planned_end_on,
                mentorship.ended_at.date() if mentorship.ended_at else None,
                mentorship.hours_per_month, cadence_label(mentorship.cadence),
                _rounded(sum(c.minutes for c in check_ins) / 60, 1),
                _rounded(sum(c.minutes for c in check_ins if c.is_confirmed) / 60, 1)])
        return write(rows, language)
