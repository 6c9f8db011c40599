"""Every state's label, and the Jinja filter that shows it: a template shows a value's
label with its filter (`{{ mentorship.status|mentorship_state }}`), and only a list of
options to choose from (the states to filter by, the reasons to decline) is passed by
the view. Other packages' views and the templates of every package need them, so they
are here, where any view may import them."""

from flask_babel import lazy_gettext as _l

from ..geography import region_label
from ..invitations import models as invitations
from ..mentors import models as profiles
from ..mentors.forms import FORMAT_LABELS, language_name
from ..mentorships import models as mentorships
from ..mentorships.forms import CADENCE_LABELS, DECLINE_LABELS
from ..stories import models as stories

FILTERS = {}


def init_app(app):
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)


def template_filter(name):
    def register(function):
        FILTERS[name] = function
        return function
    return register


PROFILE_STATUS_LABELS = {
    profiles.DRAFT: _l("Draft"),
    profiles.PENDING: _l("Waiting for review"),
    profiles.APPROVED: _l("Approved"),
    profiles.CHANGES_REQUESTED: _l("Changes requested"),
    profiles.REJECTED: _l("Not approved"),
    profiles.SUSPENDED: _l("Suspended"),
    profiles.SUPERSEDED: _l("Replaced by a newer version"),
}


@template_filter("status_label")
def status_label(status):
    return PROFILE_STATUS_LABELS.get(status, status)


# Decisions as they read in a profile's history (the form offers them as actions).
DECISIONS_TAKEN = {
    profiles.APPROVE: _l("Approved"),
    profiles.REQUEST_CHANGES: _l("Changes requested"),
    profiles.REJECT: _l("Rejected"),
}


@template_filter("decision_label")
def decision_label(decision):
    return DECISIONS_TAKEN.get(decision, decision)


@template_filter("format_label")
def format_label(code):
    return FORMAT_LABELS.get(code, code)


@template_filter("language_name")
def language_name_filter(code):
    return language_name(code)


@template_filter("region_label")
def region_label_filter(code):
    return region_label(code)


MENTORSHIP_STATE_LABELS = {
    mentorships.ACTIVE: _l("In progress"),
    mentorships.COMPLETED: _l("Completed"),
    mentorships.ENDED: _l("Ended early"),
}
REQUEST_STATE_LABELS = {
    mentorships.OPEN: _l("Waiting for an answer"),
    mentorships.ACCEPTED: _l("Accepted"),
    mentorships.DECLINED: _l("Declined"),
    mentorships.WITHDRAWN: _l("Withdrawn"),
    mentorships.EXPIRED: _l("Expired"),
}


@template_filter("mentorship_state")
def mentorship_state(state):
    return MENTORSHIP_STATE_LABELS.get(state, state)


@template_filter("request_state")
def request_state(state):
    return REQUEST_STATE_LABELS.get(state, state)


@template_filter("cadence_label")
def cadence_label(cadence):
    return CADENCE_LABELS.get(cadence, cadence)


@template_filter("decline_label")
def decline_label(reason):
    return DECLINE_LABELS.get(reason, reason)


INVITATION_STATE_LABELS = {
    invitations.SENT: _l("Sent, not opened yet"),
    invitations.OPENED: _l("Opened"),
    invitations.REGISTERED: _l("Signed up"),
    invitations.IN_VETTING: _l("Profile in review"),
    invitations.NOT_APPROVED: _l("Profile not approved"),
    invitations.APPROVED: _l("Approved mentor"),
    invitations.EXPIRED: _l("Link expired"),
    invitations.CANCELLED: _l("Cancelled"),
}


@template_filter("invitation_state")
def invitation_state(state):
    return INVITATION_STATE_LABELS.get(state, state)


STORY_STATES = {
    stories.DRAFT: _l("Draft: only you can see it."),
    stories.AWAITING_CONSENT: _l("Waiting for the other side to agree."),
    stories.SUBMITTED: _l("Both sides agreed: waiting for the program team."),
    stories.PUBLISHED: _l("Published on the program page."),
    stories.RETURNED: _l("Returned by the program team with a note."),
}


@template_filter("story_state")
def story_state(state):
    return STORY_STATES.get(state, state)
