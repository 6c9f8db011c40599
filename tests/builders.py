"""Builders the test modules share: a request worth a mentor's time, sent and accepted
through the services, the settings form, and readers of what a page shows (a field, its
errors, a section, a table row, a text, the Italian interface, a redirect).

Requests and mentorships are made the real way, through
marketplace.mentorships.services, so that every rule is checked; the helpers take ids
and work inside an application context.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import add_months, utcnow
from marketplace.extensions import db
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships import services
from marketplace.mentorships.models import Mentorship, MentorshipRequest
from marketplace.program.models import FocusArea

GOAL = "Close my first multi-year deal with a manufacturing customer by the end of Q3."
SITUATION = ("I run six mid-size accounts and win renewals, but my two attempts at a "
             "multi-year deal stalled at procurement; discounting did not help, early "
             "access to the CFO did.")
MEASURES = "One signed multi-year contract; a procurement playbook I can reuse."
REASON = "My role changed and I no longer sell to manufacturing customers."


# Requests and mentorships --------------------------------------------------------------

def today():
    """The day the services count in (UTC)."""
    return utcnow().date()


def request_fields(**changes):
    """What submit_request takes besides the area: a request worth a mentor's time."""
    return {"goal": GOAL, "target_date": add_months(today(), 4),
            "current_situation": SITUATION, "success_measures": MEASURES,
            "hours_per_month": 2, "duration_months": 6, "cadence": "biweekly",
            "meeting_format": "video", "message": "", **changes}


def submit(mentee_id, profile_id, area_id, **changes):
    """An open request sent through the service (every rule checked): its id."""
    request = services.submit_request(
        db.session.get(MentorProfile, profile_id), actor=db.session.get(User, mentee_id),
        area=db.session.get(FocusArea, area_id), **request_fields(**changes))
    db.session.commit()
    return request.id


def accept(request_id):
    """The mentor accepts the request through the service: the mentorship's id."""
    request = db.session.get(MentorshipRequest, request_id)
    mentorship = services.accept_request(request, actor=request.profile.user)
    db.session.commit()
    return mentorship.id


def start_mentorship(mentee_id, profile_id, area_id, *, days_ago=0, **changes):
    """A mentorship made the real way (request, then accept), started `days_ago` days
    ago (the planned end moves with the start)."""
    mentorship_id = accept(submit(mentee_id, profile_id, area_id, **changes))
    if days_ago:
        move_start(mentorship_id, days_ago)
    db.session.expire_all()
    return mentorship_id


def other_side(side):
    """The other party of a mentorship: "mentor" for "mentee" and the reverse."""
    return "mentor" if side == "mentee" else "mentee"


def move_start(mentorship_id, days_ago):
    """The mentorship started `days_ago` days ago; its planned end moves with it."""
    mentorship = db.session.get(Mentorship, mentorship_id)
    started = today() - timedelta(days=days_ago)
    mentorship.started_on = started
    mentorship.planned_end_on = add_months(started, mentorship.request.duration_months)
    db.session.commit()


def settings_form(**values):
    """Every field of /admin/settings, at its default unless given."""
    return {"required_approvals": 1, "approval_months": 12, "max_open_requests": 3,
            "max_open_invitations": 3,
            "request_expiry_days": 14, "default_duration_months": 6, **values}


# What a page shows ---------------------------------------------------------------------

def redirected_to(response, path):
    """The response redirects to `path` (whatever the query string)."""
    return response.status_code == 302 and urlsplit(response.location).path == path


def field_errors(page_or_response, name):
    """The errors shown next to one field (their HTML), of a page or a response."""
    page = (page_or_response if isinstance(page_or_response, str)
            else page_or_response.get_data(as_text=True))
    match = re.search(rf'<div class="field-errors" id="{name}-error">(.*?)</div>', page,
                      re.DOTALL)
    return match.group(1) if match else ""


def field_html(page, name):
    """The `<div class="field …">` block of one form field."""
    block = r'(?:(?!<div class="field[ "]).)'
    match = re.search(rf'<div class="field[ "][^>]*>{block}*?name="{name}"{block}*', page,
                      re.S)
    assert match, f"no field {name}"
    return match.group(0)


def row_of(page, text):
    """The table row of a page that contains `text`."""
    return next(row for row in page.split("<tr>") if text in row)


def section(page, title_id):
    """One <section> of a page, found by the id of its heading."""
    match = re.search(rf'<section aria-labelledby="{title_id}".*?</section>', page, re.DOTALL)
    return match.group(0) if match else ""


def shows(page, text):
    """`text` is on the page, escaped as the templates escape it."""
    return str(escape(text)) in page


def italian(app, message):
    """What the app shows for `message` to an Italian user (its compiled catalog)."""
    with app.test_request_context(), force_locale("it"):
        translated = gettext(message)
    assert translated != message, f"no Italian translation for {message!r}"
    return translated


def translate(app, language, message, **params):
    """`message` as the app says it in `language`, from the compiled catalog; Italian
    must differ from the English."""
    with app.test_request_context(), force_locale(language):
        text = gettext(message, **params)
    if language == "it":
        assert text != (message % params if params else message), \
            f"no Italian translation for {message!r}"
    return text


def assert_italian_ui(app, page, messages):
    """Each UI string is translated and shown in Italian on the page."""
    with app.test_request_context(), force_locale("it"):
        translations = {message: gettext(message) for message in messages}
    untranslated = [message for message, text in translations.items() if text == message]
    assert untranslated == [], "no Italian translation"
    # Strings from templates are not escaped by gettext (an apostrophe stays as it is,
    # "L'accordo"), those from code are: either form counts.
    assert [text for text in translations.values()
            if text not in page and str(escape(text)) not in page] == []


def audit_actions():
    """Every audit event's action, oldest first."""
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
