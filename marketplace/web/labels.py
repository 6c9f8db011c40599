"""Every state's label, and the Jinja filter that shows it: a template shows a value's
label with its filter (`{{ mentorship.status|mentorship_state }}`), and only a list of
options to choose from (the states to filter by, the reasons to decline) is passed by
the view. Other packages' views and the templates of every package need them, so they
are here, where any view may import them; so is the `initials` filter of the circles
beside people's names."""

import unicodedata

from flask_babel import format_datetime, get_locale, pgettext
from flask_babel import lazy_gettext as _l

from ..geography import region_label, timezone_label
from ..i18n import language_name
from ..invitations import models as invitations
from ..mentors import models as profiles
from ..mentors.forms import FORMAT_LABELS
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


def label_filter(name, labels):
    """The filter `name` shows the label of a value in `labels` (an unknown value as
    it is)."""
    def label(value):
        return labels.get(value, value)
    FILTERS[name] = label
    return label


PROFILE_STATUS_LABELS = {
    profiles.DRAFT: _l("Draft"),
    profiles.PENDING: _l("Waiting for review"),
    profiles.APPROVED: _l("Approved"),
    profiles.CHANGES_REQUESTED: _l("Changes requested"),
    profiles.REJECTED: _l("Not approved"),
    profiles.SUSPENDED: _l("Suspended"),
    profiles.SUPERSEDED: _l("Replaced by a newer version"),
}
status_label = label_filter("status_label", PROFILE_STATUS_LABELS)




@template_filter("version_status")
def version_status(status):
    """A profile version's state: Italian makes it agree with "versione" (feminine),
    where the profile's own state agrees with "profilo"."""
    labels = {
        profiles.DRAFT: pgettext("profile version", "Draft"),
        profiles.PENDING: pgettext("profile version", "Waiting for review"),
        profiles.APPROVED: pgettext("profile version", "Approved"),
        profiles.CHANGES_REQUESTED: pgettext("profile version", "Changes requested"),
        profiles.REJECTED: pgettext("profile version", "Not approved"),
        profiles.SUSPENDED: pgettext("profile version", "Suspended"),
        profiles.SUPERSEDED: pgettext("profile version", "Replaced by a newer version"),
    }
    return labels.get(status, status)


@template_filter("decision_label")
def decision_label(decision):
    """A decision as it reads in a profile's history, about the version it was taken
    on (the form offers them as actions)."""
    labels = {
        profiles.APPROVE: pgettext("profile version", "Approved"),
        profiles.REQUEST_CHANGES: pgettext("profile version", "Changes requested"),
        profiles.REJECT: pgettext("profile version", "Rejected"),
    }
    return labels.get(decision, decision)


format_label = label_filter("format_label", FORMAT_LABELS)


@template_filter("language_name")
def language_name_filter(code, capitalize=True):
    """`code|language_name(False)` inside running text or a list: "inglese, italiano"
    in Italian, "English, Italian" in English (each language's own rule)."""
    return language_name(code, capitalize=capitalize)


@template_filter("inline")
def inline(label):
    """A label as a word inside running text ("3 mesi · settimanale · videochiamata"):
    Italian writes such words in lower case, English keeps its capital."""
    text = str(label)
    if str(get_locale() or "") == "it":
        return text[:1].lower() + text[1:]
    return text


# One format for a moment in time, without seconds, in the reader's time zone:
# "7 dic 2026, 14:05" / "7 Dec 2026, 14:05".
TIMESTAMP = "d MMM y, HH:mm"


@template_filter("timestamp")
def timestamp(value):
    return format_datetime(value, TIMESTAMP) if value else ""


@template_filter("region_label")
def region_label_filter(code):
    return region_label(code)


template_filter("timezone_label")(timezone_label)


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
mentorship_state = label_filter("mentorship_state", MENTORSHIP_STATE_LABELS)


request_state = label_filter("request_state", REQUEST_STATE_LABELS)


@template_filter("request_answer")
def request_answer(status):
    """One request's state, as a word about it ("Accepted" alone, not as a heading over
    several: Italian makes it agree with "richiesta")."""
    labels = {
        mentorships.ACCEPTED: pgettext("one request", "Accepted"),
        mentorships.DECLINED: pgettext("one request", "Declined"),
        mentorships.WITHDRAWN: pgettext("one request", "Withdrawn"),
        mentorships.EXPIRED: pgettext("one request", "Expired"),
    }
    return labels.get(status) or request_state(status)


cadence_label = label_filter("cadence_label", CADENCE_LABELS)


decline_label = label_filter("decline_label", DECLINE_LABELS)


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
invitation_state = label_filter("invitation_state", INVITATION_STATE_LABELS)


STORY_STATES = {
    stories.DRAFT: _l("Draft: only you can see it."),
    stories.AWAITING_CONSENT: _l("Waiting for the other side to agree."),
    stories.SUBMITTED: _l("Both sides agreed: waiting for the program team."),
    stories.PUBLISHED: _l("Published on the program page."),
    stories.RETURNED: _l("Returned by the program team with a note."),
}
story_state = label_filter("story_state", STORY_STATES)


@template_filter("initials")
def initials(name):
    """Up to two letters for a person's circle (macros/people.html): the first letter
    of their first and last words, capitalised, accents kept ("élise d'Ăngelo" → "ÉD"),
    one for a one-word name, "?" for none. A word's letter is its first one that is a
    letter (with any accent that follows it, when typed as a separate mark), so that
    brackets or apostrophes before it do not count."""
    letters = [letter for letter in map(_first_letter, unicodedata.normalize(
        "NFC", name or "").split()) if letter]
    if not letters:
        return "?"
    return "".join(letters[:1] + letters[1:][-1:]).upper()


def _first_letter(word):
    for index, char in enumerate(word):
        if char.isalpha():
            end = index + 1
            while end < len(word) and unicodedata.combining(word[end]):
                end += 1
            return word[index:end]
    return ""
