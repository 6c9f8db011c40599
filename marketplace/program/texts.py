"""The parts of the program page, with their default wording.

Admins can reword every part in both languages (stored in program_texts); until they
do, the defaults below are shown, translated through the catalog.
"""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from .models import ProgramText

# Also shown in full next to the acknowledgement on the request form (as reworded).
RESPONSIBILITIES = _l(
    "As a mentee I take the lead: I prepare every meeting and send the agenda beforehand, "
    "I keep the agreed time and frequency, I do what we agree between meetings, I log our "
    "check-ins, I tell my mentor early when something changes, and I keep what we "
    "discuss confidential.")

# key: (heading, default text)
PARTS = {
    "purpose": (_l("Why the program exists"), _l(
        "The program helps sales reps reach concrete goals sooner by learning from "
        "experienced people, inside and outside the company, through mentoring with a "
        "goal, a time frame and commitments on both sides.")),
    "scope": (_l("What it covers"), _l(
        "One-to-one mentoring on selling and on the program's focus areas, for three to "
        "twelve months, alongside the usual training and the work with your manager.")),
    "population": (_l("Who it is for"), _l(
        "Every sales rep and account manager, from their first year on. Experienced "
        "sales people, sales leaders and outside experts take part as mentors.")),
    "outcomes": (_l("What you will get out of it"), _l(
        "Mentees reach the goal they set, build skills they can show in their results "
        "and widen their network. Mentors sharpen their leadership and their coaching.")),
    "mentee_duties": (_l("Your part as a mentee"), RESPONSIBILITIES),
    "mentor_duties": (_l("Your part as a mentor"), _l(
        "As a mentor I give the time I offered, I listen before I advise, I share "
        "experience rather than instructions, I keep what I hear confidential, and I say "
        "early when I cannot go on.")),
    "mentor_gains": (_l("What mentors get out of it"), _l(
        "Mentors learn from the questions of less experienced colleagues, see their own "
        "practice with fresh eyes, widen their network across the company and are "
        "recognised for the time they give.")),
    "difference": (_l("Mentoring is not coaching, nor a chat over lunch"), _l(
        "Mentoring is a relationship with a goal, led by the mentee, in which an "
        "experienced person shares what they have learned. Coaching works on performance "
        "with a trained coach and a method. Picking someone's brain over lunch is a "
        "one-off conversation, without goals or commitments.")),
    "timeline": (_l("Timeline"), _l(
        "The program starts as a pilot with a first group of reps and mentors, then opens "
        "to the whole sales organisation.")),
}


def stored():
    return {text.key: text for text in db.session.scalars(db.select(ProgramText))}


def texts(language):
    """{key: (heading, text)} in `language`: the admins' wording, else the default in
    that language (not in the current request's: the admin form shows both)."""
    rows = stored()
    defaults = defaults_in(language)
    result = {}
    for key, (heading, _default) in PARTS.items():
        row = rows.get(key)
        text = row.text(language) if row is not None else ""
        result[key] = (heading, text or defaults[key])
    return result


def part(key, language):
    """One part's text in `language`, as the program page shows it."""
    return texts(language)[key][1]


def defaults_in(language):
    with force_locale(language):
        return {key: str(default) for key, (_heading, default) in PARTS.items()}
