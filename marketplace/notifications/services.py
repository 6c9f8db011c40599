"""Telling people what happened: in the app always, by email when they want it.

Each kind of event has its words here, written in the recipient's language: when they
read the notification (its words are made then, from the stored parameters), and when
the email is rendered (at once, in their language and time zone).

The person a notification names is kept as an account (`person`), not as a name, so
that once they delete their account the words say "Deleted user"; the email, rendered
at once, is marked as being about them and dropped with their account while unsent.
"""

from datetime import date
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import update

from ..core import mail
from ..core.clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import N_, in_language_of
from .models import Notification

REQUESTS = "requests"
VETTING = "vetting"
MENTORSHIPS = "mentorships"
CATEGORIES = (REQUESTS, VETTING, MENTORSHIPS)


class NotificationError(DomainError):
    pass


# kind: (words, email category). Parameters ending in "_date" are ISO dates.
KINDS = {
    "request_received": (N_("%(name)s asked you for mentoring."), REQUESTS),
    "request_accepted": (N_("%(name)s accepted your request for mentoring."), REQUESTS),
    "request_declined": (N_("%(name)s declined your request for mentoring."), REQUESTS),
    "request_withdrawn": (N_("%(name)s withdrew their request for mentoring."), REQUESTS),
    "request_expired": (N_("Your request to %(name)s expired without an answer."),
                        REQUESTS),
    "request_reminder": (N_("%(name)s has been waiting for your answer for more than "
                            "a week."), REQUESTS),
    "account_approved": (N_("The program team approved your account: welcome!"), VETTING),
    "profile_approved": (N_("Your mentor profile is approved and listed."), VETTING),
    "profile_changes_requested": (N_("The program team asked for changes to your mentor "
                                     "profile."), VETTING),
    "profile_rejected": (N_("Your mentor profile was not approved."), VETTING),
    "invited_mentor_approved": (N_("%(name)s, whom you invited, is now an approved mentor: "
                                   "you can send them your request."), REQUESTS),
    "invitation_revoked": (N_("The program team cancelled your invitation to %(name)s."),
                           REQUESTS),
    "approval_expiring": (N_("The approval of your mentor profile runs out on "
                             "%(expiry_date)s: check that it is up to date."), VETTING),
    "approval_expired": (N_("The approval of your mentor profile has run out: it is "
                            "being reviewed again."), VETTING),
    "mentorship_completed": (N_("%(name)s confirmed that your mentorship is completed. "
                                "Leave your feedback."), MENTORSHIPS),
    "completion_proposed": (N_("%(name)s proposes to complete your mentorship: the goal "
                               "is reached. Confirm it, or object within %(days)s days; "
                               "without an answer it counts as completed."), MENTORSHIPS),
    "completion_objected": (N_("%(name)s objected to completing your mentorship: it goes "
                               "on. Their reason is on the mentorship page."), MENTORSHIPS),
    "completion_settled": (N_("Your mentorship with %(name)s counts as completed: no "
                              "objection came within %(days)s days. Leave your feedback."),
                           MENTORSHIPS),
    "check_in_to_confirm": (N_("%(name)s logged a check-in: confirm that it took place."),
                            MENTORSHIPS),
    "mentorship_ended": (N_("%(name)s ended your mentorship early. Leave your "
                            "feedback."), MENTORSHIPS),
    "check_in_overdue": (N_("A check-in with %(name)s is overdue: it was due on "
                            "%(due_date)s."), MENTORSHIPS),
    "story_consent_requested": (N_("%(name)s wrote the success story of your mentorship "
                                   "and asks you to agree to publish it."), MENTORSHIPS),
    "story_published": (N_("The success story of your mentorship is published."),
                        MENTORSHIPS),
    "story_returned": (N_("The program team returned your success story with a note."),
                       MENTORSHIPS),
    "request_closed_by_leaver": (N_("A request was closed because the other person "
                                    "deleted their account."), REQUESTS),
    "mentorship_ended_by_leaver": (N_("A mentorship ended because the other person "
                                      "deleted their account."), MENTORSHIPS),
}


# kind: the email's subject, short and without a final full stop (the words above are
# sentences for the notifications page, some of them long).
SUBJECTS = {
    "request_received": N_("New request for mentoring from %(name)s"),
    "request_accepted": N_("%(name)s accepted your request"),
    "request_declined": N_("%(name)s declined your request"),
    "request_withdrawn": N_("%(name)s withdrew their request"),
    "request_expired": N_("Your request expired without an answer"),
    "request_reminder": N_("%(name)s is waiting for your answer"),
    "account_approved": N_("Your account is approved"),
    "profile_approved": N_("Your mentor profile is approved"),
    "profile_changes_requested": N_("Your mentor profile needs changes"),
    "profile_rejected": N_("Your mentor profile was not approved"),
    "invited_mentor_approved": N_("%(name)s is now an approved mentor"),
    "invitation_revoked": N_("Your invitation to %(name)s was cancelled"),
    "approval_expiring": N_("The approval of your mentor profile runs out soon"),
    "approval_expired": N_("The approval of your mentor profile has run out"),
    "mentorship_completed": N_("Mentorship completed: leave your feedback"),
    "completion_proposed": N_("%(name)s proposes to complete your mentorship"),
    "completion_objected": N_("%(name)s objected: your mentorship goes on"),
    "completion_settled": N_("Your mentorship with %(name)s is completed"),
    "check_in_to_confirm": N_("Confirm the check-in logged by %(name)s"),
    "mentorship_ended": N_("%(name)s ended your mentorship early"),
    "check_in_overdue": N_("Overdue check-in with %(name)s"),
    "story_consent_requested": N_("Success story: %(name)s asks for your consent"),
    "story_published": N_("Your success story is published"),
    "story_returned": N_("Your success story was returned with a note"),
    "request_closed_by_leaver": N_("Request closed: the other person deleted their account"),
    "mentorship_ended_by_leaver": N_("Mentorship ended: the other person deleted their "
                                      "account"),
}


class Preferences:
    """Which emails a user receives, one switch per category (in-app is always on)."""

    COLUMNS = {REQUESTS: "email_requests", VETTING: "email_vetting",
               MENTORSHIPS: "email_mentorships"}

    @classmethod
    def wants(cls, user, category):
        return getattr(user, cls.COLUMNS[category])


def words(kind, params, person=None):
    """The notification's text, in the current language.

    `person` is the account it names: their name as it is now ("Deleted user" once
    they have left). Older notifications stored the name itself in `params`.
    """
    return _(KINDS[kind][0], **_values(KINDS[kind][0], params, person))


def subject(kind, params, person=None):
    """The email's subject, in the current language: the kind's short words, with the
    name of the person it is about, as `words` has it."""
    return _(SUBJECTS[kind], **_values(SUBJECTS[kind], params, person))


def _values(text, params, person):
    values = {name: format_date(date.fromisoformat(value), "long")
              if name.endswith("_date") else value for name, value in params.items()}
    if person is not None:
        values["name"] = person.full_name
    elif "%(name)s" in text:
        values.setdefault("name", _("Deleted user"))  # the account itself is gone
    return values


def text_of(notification):
    """A stored notification's words, in the current language."""
    return words(notification.kind, notification.params, notification.person)


def absolute(path):
    """A link for an email: this site's address and the path."""
    if has_request_context() and not current_app.config.get("SERVER_NAME"):
        return request.host_url.rstrip("/") + path
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return f"{scheme}://{current_app.config.get('SERVER_NAME') or 'localhost'}{path}"


def local(link):
    """A link as stored: its path, query and fragment (outside a request, url_for gives
    full addresses). The fragment points at the one item a notification is about
    (`/requests#request-5`), so that handling it marks that notification only."""
    parts = urlsplit(link)
    return (parts.path + (f"?{parts.query}" if parts.query else "")
            + (f"#{parts.fragment}" if parts.fragment else ""))


def notify(user, kind, link, *, person=None, **params):
    """Tell `user` about an event: a notification, and an email if they want it.

    `person` is the user the words name, if any. Both are written in the current
    transaction, so they exist if and only if the event does.
    """
    link = local(link)
    notification = Notification(user_id=user.id, kind=kind, link=link, params=params,
                                person=person)
    db.session.add(notification)
    if Preferences.wants(user, KINDS[kind][1]):
        with in_language_of(user):
            text = words(kind, params, person)
            title = subject(kind, params, person)
        settings_path = urlsplit(url_for("notifications.index")).path
        mail.queue(mail.render(user, "notification", title, text=text, url=absolute(link),
                               settings_url=absolute(settings_path)), user=user,
                   about=person)
    return notification


def mark_read(notification, *, actor):
    """Mark one of `actor`'s own notifications read; no one else's."""
    if notification.user_id != actor.id:
        raise NotificationError(_("Only the person a notification is for can mark it "
                                  "read."))
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_handled(user, kinds, link):
    """`user` has dealt with what notifications of `kinds` about `link` asked of them
    (answered the request, confirmed the check-in): they are marked read, so what is
    left unread is what still waits for them. Returns how many were unread."""
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.kind.in_(kinds),
               Notification.link == local(link), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount


def mark_all_read(*, actor):
    """Mark every notification of `actor`'s own read. Returns how many were unread."""
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount


def set_preferences(*, actor, **choices):
    """Which kinds of notification `actor` also wants by email (their own choice)."""
    for category, wanted in choices.items():
        setattr(actor, Preferences.COLUMNS[category], bool(wanted))
