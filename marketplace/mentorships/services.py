"""The commands of mentoring, and the rules they enforce: asking a mentor, answering,
withdrawing and expiring requests, check-ins, the end of a mentorship and feedback.

The mentor page shows the reason a viewer cannot send a request (`why_cannot_request`),
and the same check guards the request itself. What pages read is in queries.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import bindparam, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..accounts.services import above_statement
from ..core import audit
from ..core.clock import add_months, utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import N_
from ..invitations.models import Invitation
from ..invitations.services import invitation_behind
from ..mentors.models import MentorProfile
from ..notifications.services import mark_handled, notify
from ..program.models import ProgramSettings
from ..program.services import settings
from . import tallies
from .models import (
    ACCEPTED,
    ACTIVE,
    COMPLETED,
    COMPLETION_OBJECTION,
    COMPLETION_OBJECTION_DAYS,
    DECLINE_REASONS,
    DECLINED,
    ENDED,
    EXPIRED,
    OPEN,
    WITHDRAWN,
    CheckIn,
    Feedback,
    Mentorship,
    MentorshipRequest,
)


@dataclass(frozen=True)
class Requester:
    """What decides whether a viewer may ask a given mentor, loaded once per page."""

    user_id: int
    above_ids: frozenset        # the viewer's manager and everyone above them
    open_request_profile_ids: frozenset
    mentoring_profile_ids: frozenset  # mentors the viewer has a running mentorship with
    open_requests: int
    max_open_requests: int
    invited_user_ids: frozenset = frozenset()  # whom the viewer brought in (invitations)


def requester(viewer):
    """The viewer's `Requester`, in one query: their reporting line, open requests,
    running mentorships and the people they invited, and the most open requests the
    program allows."""
    found = defaultdict(list)
    for kind, number in db.session.execute(_requester_statement(), {"viewer": viewer.id}):
        found[kind].append(number)
    most = found["most"] or [settings().max_open_requests]  # no settings row yet
    return Requester(
        user_id=viewer.id,
        above_ids=frozenset(found["above"]) - {viewer.id},
        open_request_profile_ids=frozenset(found["open"]),
        mentoring_profile_ids=frozenset(found["mentoring"]),
        open_requests=len(found["open"]),
        max_open_requests=most[0],
        invited_user_ids=frozenset(found["invited"]),
    )


@cache
def _requester_statement():
    """Built once: it runs on every page that shows mentors."""
    viewer = bindparam("viewer")
    return union_all(
        select(literal("above"), above_statement(viewer).subquery().c.id),
        select(literal("open"), MentorshipRequest.profile_id)
        .where(MentorshipRequest.mentee_id == viewer, MentorshipRequest.status == OPEN),
        select(literal("mentoring"), Mentorship.profile_id)
        .where(Mentorship.mentee_id == viewer, Mentorship.status == ACTIVE),
        select(literal("invited"), Invitation.invitee_id)
        .where(Invitation.inviter_id == viewer, Invitation.invitee_id.is_not(None),
               Invitation.cancelled_at.is_(None)),
        select(literal("most"), ProgramSettings.max_open_requests)
        .where(ProgramSettings.id == 1))


def why_cannot_request(who, profile):
    """The reason `who` (a Requester) cannot ask `profile`'s mentor, or None.

    Each broken rule has its own words, checked from the most fundamental.
    """
    if profile.user_id == who.user_id:
        return _("This is your own profile.")
    if profile.user_id in who.above_ids:
        return _("This is your manager, or someone above them in your reporting line: "
                 "ask someone outside it.")
    if not profile.shown_in_list:
        return _("This mentor is not listed at the moment.")
    if profile.id in who.mentoring_profile_ids:
        return _("You already have a mentorship with this mentor.")
    if profile.id in who.open_request_profile_ids:
        return _("You already have an open request to this mentor.")
    if not profile.accepting:
        return _("This mentor is not taking new requests at the moment.")
    if profile.free_places == 0:
        return _("This mentor has no free places at the moment.")
    if profile.free_hours == 0:
        return _("This mentor has no free hours this month.")
    if who.open_requests >= who.max_open_requests:
        return ngettext(
            "You already have %(num)d open request, the most allowed. Wait for an answer "
            "or withdraw it first.",
            "You already have %(num)d open requests, the most allowed. Wait for an answer "
            "or withdraw one first.", who.open_requests)
    return None


class RequestError(DomainError):
    """A rule refused a request; `field` names the form field it is about, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def too_many_hours(profile, hours):
    """Why `hours` a month is more than `profile`'s mentor has free, or None: the request
    form says it beside the hours field, and `submit_request` refuses it."""
    if hours is None or hours <= profile.free_hours:
        return None
    return ngettext(
        "This mentor has %(num)d free hour a month: ask for fewer hours, or choose "
        "another mentor.",
        "This mentor has %(num)d free hours a month: ask for fewer hours, or choose "
        "another mentor.", profile.free_hours)


def submit_request(profile, *, actor, area, **fields):
    """Send the actor's request to `profile`'s mentor, if every rule allows it: the actor
    becomes its mentee, so the rules are checked for them.

    The rules are those of `why_cannot_request`, plus the hours the mentor still has.
    A request submitted twice at once is caught by the database (one open request per
    mentee and mentor) and answered like the check itself.

    One mentee's requests take turns, so that requests sent at once to different
    mentors, through any instance, cannot all pass the cap on open requests: the
    mentee's row is locked before their open requests are counted, and PostgreSQL reads
    each statement afresh, so the one that waited counts what the other committed.
    (SQLite ignores the lock; its writing transactions already take turns, as they
    begin IMMEDIATE: see `ops._begin_sqlite`.)
    """
    if not actor.sees_directory:
        # The mentors are the company's people: only its own people ask them.
        raise RequestError(_("Only the company's own people can ask for mentoring here."))
    db.session.execute(select(User.id).where(User.id == actor.id)
                       .with_for_update(key_share=True))
    reason = why_cannot_request(requester(actor), profile)
    if reason:
        raise RequestError(reason)
    too_many = too_many_hours(profile, fields["hours_per_month"])
    if too_many:
        raise RequestError(too_many, field="hours_per_month")
    if area not in profile.published.areas:
        raise RequestError(_("Choose one of the mentor's focus areas."))
    if fields["meeting_format"] not in profile.format_codes:
        raise RequestError(_("Choose one of the ways this mentor meets."))
    invitation = invitation_behind(actor, profile)
    request = MentorshipRequest(mentee_id=actor.id, mentee_region=actor.region,
                                profile_id=profile.id, area_id=area.id,
                                invitation=invitation, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise RequestError(_("You already have an open request to this mentor.")) from None
    audit.record("request.sent", actor=actor, subject=profile.user, request_id=request.id,
                 profile_id=profile.id)
    notify(profile.user, "request_received", request_link(request), person=actor)
    return request


def request_link(request):
    """Where a request's notifications lead: the requests page, at that request. The
    fragment also tells one request's notifications from another's (`mark_handled`)."""
    return url_for("mentorships.requests", _anchor=f"request-{request.id}")


# What a mentor's notifications about a request asked them to do: answer it.
TO_ANSWER = ("request_received", "request_reminder")


NO_LONGER_OPEN = _l("This request is no longer open: it has already been answered, "
                    "withdrawn or has expired.")


def _close_request(request, status, now=None, **values):
    """Move an open request on, once: of two clicks at the same time only one wins."""
    now = now or utcnow()
    closed = db.session.execute(
        update(MentorshipRequest)
        .where(MentorshipRequest.id == request.id, MentorshipRequest.status == OPEN)
        .values(status=status, closed_at=now, **values)
        .execution_options(synchronize_session=False, listing_numbers=[request.profile_id]))
    if closed.rowcount != 1:
        raise RequestError(str(NO_LONGER_OPEN))
    db.session.refresh(request)
    return now


def withdraw_request(request, *, actor):
    if actor.id != request.mentee_id:
        raise RequestError(_("Only the person who sent this request can withdraw it."))
    _close_request(request, WITHDRAWN)
    audit.record("request.withdrawn", actor=actor, request_id=request.id)
    notify(request.profile.user, "request_withdrawn", url_for("mentorships.requests"),
           person=request.mentee)


def _require_mentor_of(actor, request):
    if actor.id != request.profile.user_id:
        raise RequestError(_("Only the mentor this request was sent to can answer it."))


def decline_request(request, *, actor, reason, note=None):
    _require_mentor_of(actor, request)
    if reason not in DECLINE_REASONS:
        raise RequestError(_("Choose a reason."))
    now = utcnow()
    _close_request(request, DECLINED, answered_at=now, decline_reason=reason,
                   note=note or None)
    audit.record("request.declined", actor=actor, subject=request.mentee,
                 request_id=request.id, reason=reason)
    mark_handled(actor, TO_ANSWER, request_link(request))
    notify(request.mentee, "request_declined", url_for("mentorships.requests"),
           person=request.profile.user)


NO_ROOM = _l("You have no free place or not enough free hours for this request. End a "
             "mentorship, or offer more places or hours, first.")


def why_cannot_accept(request):
    """Why the mentor has no room for `request` now, or None: a free place, and at
    least the request's hours a month still free. The requests page says it instead
    of offering "Accept", and `accept_request` refuses with it; the conditional update
    there holds the same rule against concurrent accepts."""
    profile = request.profile
    if profile.free_places == 0:
        return _("You have no free place: end a mentorship, or offer more places, to "
                 "accept this request.")
    if request.hours_per_month > profile.free_hours:
        return ngettext(
            "This request asks for %(asked)d hours a month and you have %(num)d free: "
            "offer more hours to accept it.",
            "This request asks for %(asked)d hours a month and you have %(num)d free: "
            "offer more hours to accept it.",
            profile.free_hours, asked=request.hours_per_month)
    return None


def accept_request(request, *, actor, note=None):
    """Accept a request: the mentorship starts and takes a place and the hours.

    A mentor without room is told why (`why_cannot_accept`). Then the request is
    claimed, and the mentor's counters are raised by a conditional update that only
    succeeds while there is room; the database checks the counters too. Concurrent
    accepts therefore never exceed the mentor's capacity or hours, on PostgreSQL and
    on SQLite alike.
    """
    _require_mentor_of(actor, request)
    if request.status == OPEN:  # an answered request gets NO_LONGER_OPEN below
        full = why_cannot_accept(request)
        if full:
            raise RequestError(full)
    now = _close_request(request, ACCEPTED, answered_at=utcnow(), note=note or None)
    taken = db.session.execute(
        update(MentorProfile)
        .where(MentorProfile.id == request.profile_id,
               MentorProfile.active_mentees < MentorProfile.capacity,
               MentorProfile.committed_hours + request.hours_per_month
               <= MentorProfile.monthly_hours)
        .values(active_mentees=MentorProfile.active_mentees + 1,
                committed_hours=MentorProfile.committed_hours + request.hours_per_month)
        .execution_options(synchronize_session=False, listing_numbers=[request.profile_id]))
    if taken.rowcount != 1:  # taken meanwhile by a concurrent accept
        raise RequestError(str(NO_ROOM))
    today = now.date()
    mentorship = Mentorship(
        request_id=request.id, mentee_id=request.mentee_id,
        mentee_region=request.mentee_region, profile_id=request.profile_id,
        area_id=request.area_id, goal=request.goal, success_measures=request.success_measures,
        target_date=request.target_date, hours_per_month=request.hours_per_month,
        cadence=request.cadence, meeting_format=request.meeting_format, started_on=today,
        planned_end_on=add_months(today, request.duration_months))
    try:
        with db.session.begin_nested():
            db.session.add(mentorship)
    except IntegrityError:
        raise RequestError(_("You already have a mentorship with this mentee.")) from None
    db.session.expire(request.profile)
    audit.record("request.accepted", actor=actor, subject=request.mentee,
                 request_id=request.id, mentorship_id=mentorship.id)
    mark_handled(actor, TO_ANSWER, request_link(request))
    notify(request.mentee, "request_accepted",
           url_for("mentorships.mentorship", mentorship_id=mentorship.id),
           person=request.profile.user)
    return mentorship


def expire_requests(now=None):
    """Expire the requests left unanswered longer than the program allows, telling
    each mentee. Safe to run again and again. Returns how many expired."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings().request_expiry_days)
    return _expire(MentorshipRequest.created_at <= cutoff, now)


def expire_requests_to(profile):
    """Close the open requests to a mentor who can no longer take them (suspended)."""
    return _expire(MentorshipRequest.profile_id == profile.id, utcnow())


def _expire(condition, now):
    due = db.session.scalars(select(MentorshipRequest).where(
        MentorshipRequest.status == OPEN, condition)).all()
    expired = 0
    for request in due:
        try:
            _close_request(request, EXPIRED, now)
        except RequestError:  # answered or withdrawn meanwhile
            continue
        notify(request.mentee, "request_expired", url_for("mentorships.requests"),
               person=request.profile.user)
        expired += 1
    if expired:
        audit.record("requests.expired", count=expired)
    return expired


# The mentorship itself ----------------------------------------------------------------

# Refusals the mentorship page also gives before a form is read (views use these).
OVER = N_("This mentorship is over.")
FEEDBACK_LATER = N_("Feedback comes once the mentorship is over.")
FEEDBACK_GIVEN = N_("You have already left your feedback.")


class MentorshipError(DomainError):
    pass


def _require_party(user, mentorship):
    if not mentorship.has_party(user):
        raise MentorshipError(_("Only the mentor and the mentee can do this."))


def _require_active(mentorship):
    if mentorship.status != ACTIVE:
        raise MentorshipError(_(OVER))


class CheckInAlreadyRecorded(MentorshipError):
    """The same check-in sent again (a double click, a form sent twice): it is there."""


def _check_in_fingerprint(held_on, minutes, summary, next_steps):
    """A digest of what the author wrote: two check-ins with the same one are the same
    check-in sent twice."""
    written = json.dumps([held_on.isoformat(), minutes, summary, next_steps])
    return hashlib.sha256(written.encode()).hexdigest()


def log_check_in(mentorship, *, actor, held_on, minutes, summary, next_steps=""):
    """Record a meeting one side had; the other side confirms it.

    A double click or a resent form records one check-in: the database refuses a second
    with the same author and fingerprint (date, minutes and texts, stripped as the form
    stores them), even when both arrive at once, and that is answered as a rule
    (`CheckInAlreadyRecorded`), not a 500. Another meeting the same day still records.
    """
    _require_party(actor, mentorship)
    _require_active(mentorship)
    today = datetime.now(ZoneInfo(actor.timezone)).date()  # the author's today
    if held_on > today:
        raise MentorshipError(_("A check-in is logged once it has taken place."))
    if held_on < mentorship.started_on:
        raise MentorshipError(_("This date is before the mentorship started."))
    summary, next_steps = summary.strip(), (next_steps or "").strip()
    check_in = CheckIn(mentorship_id=mentorship.id, author_id=actor.id, held_on=held_on,
                       minutes=minutes, summary=summary, next_steps=next_steps,
                       fingerprint=_check_in_fingerprint(held_on, minutes, summary,
                                                         next_steps))
    try:
        with db.session.begin_nested():
            db.session.add(check_in)
    except IntegrityError:
        raise CheckInAlreadyRecorded(_("This check-in is already recorded.")) from None
    tallies.count_check_in(mentorship, check_in)
    notify(mentorship.other_side(actor), "check_in_to_confirm",
           check_in_link(mentorship, check_in), person=actor)
    for user in mentorship.parties:  # the overdue meeting took place: nothing to chase
        mark_handled(user, "check_in_overdue", _link(mentorship))
    return check_in


def check_in_link(mentorship, check_in):
    """The mentorship page, at the check-in (one check-in's notification from
    another's)."""
    return url_for("mentorships.mentorship", mentorship_id=mentorship.id,
                   _anchor=f"check-in-{check_in.id}")


def confirm_check_in(check_in, mentorship, *, actor):
    """The other side confirms a check-in: only confirmed time counts as given."""
    _require_party(actor, mentorship)
    if check_in.author_id == actor.id:
        raise MentorshipError(_("You logged this check-in: the other side confirms it."))
    if check_in.is_confirmed:
        raise MentorshipError(_("This check-in is already confirmed."))
    check_in.confirmed_at = utcnow()
    mark_handled(actor, "check_in_to_confirm", check_in_link(mentorship, check_in))


def _finish(mentorship, status, *, actor, reason=None, notice=None, ended_at=None,
            quiet=False, **condition):
    """Close an active mentorship once, and give the mentor back the place and hours.
    The other side is told who closed it, or only `notice` (a notification kind) when
    given, or no one when `quiet`. `condition` (column=value) must hold too."""
    closed = db.session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id, Mentorship.status == ACTIVE,
               *(getattr(Mentorship, name) == value for name, value in condition.items()))
        .values(status=status, ended_at=ended_at or utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise MentorshipError(_(OVER))
    db.session.execute(
        update(MentorProfile).where(MentorProfile.id == mentorship.profile_id)
        .values(active_mentees=MentorProfile.active_mentees - 1,
                committed_hours=MentorProfile.committed_hours - mentorship.hours_per_month)
        .execution_options(synchronize_session=False,
                           listing_numbers=[mentorship.profile_id]))
    db.session.refresh(mentorship)
    db.session.expire(mentorship.profile)
    audit.record(f"mentorship.{status}", actor=actor, mentorship_id=mentorship.id)
    if quiet:
        return
    other = mentorship.other_side(actor)
    link = url_for("mentorships.mentorship", mentorship_id=mentorship.id)
    if notice:
        notify(other, notice, link)
    else:
        notify(other, f"mentorship_{status}", link, person=actor)


def close_everything_of(user):
    """`user` is leaving: their open requests, sent and received, are closed and their
    active mentorships end, so mentors get their places back. The other side is told,
    without the leaver's name. Returns (requests closed, mentorships ended)."""
    requests = db.session.scalars(
        select(MentorshipRequest).join(MentorProfile)
        .where(MentorshipRequest.status == OPEN,
               or_(MentorshipRequest.mentee_id == user.id, MentorProfile.user_id == user.id))
        .order_by(MentorshipRequest.id)).all()
    closed = 0
    for request in requests:
        sent = request.mentee_id == user.id
        try:
            _close_request(request, WITHDRAWN if sent else EXPIRED)
        except RequestError:  # answered at this very moment
            continue
        notify(request.profile.user if sent else request.mentee, "request_closed_by_leaver",
               url_for("mentorships.requests"))
        closed += 1
    mentorships = db.session.scalars(
        select(Mentorship).join(MentorProfile)
        .where(Mentorship.status == ACTIVE,
               or_(Mentorship.mentee_id == user.id, MentorProfile.user_id == user.id))
        .order_by(Mentorship.id)).all()
    ended = 0
    for mentorship in mentorships:
        try:
            _finish(mentorship, ENDED, actor=user, notice="mentorship_ended_by_leaver")
        except MentorshipError:  # finished at this very moment
            continue
        ended += 1
    return closed, ended


# Completing: one side proposes, the other confirms or objects ----------------------------

def _link(mentorship):
    return url_for("mentorships.mentorship", mentorship_id=mentorship.id)


def propose_completion(mentorship, *, actor, now=None):
    """`actor` says the goal is reached. It counts once the other side confirms, or
    when they have not objected within COMPLETION_OBJECTION_DAYS; until then the
    mentorship goes on. When the other side had proposed it already, this is their
    agreement: it is completed at once. Returns whether it is completed now."""
    _require_party(actor, mentorship)
    _require_active(mentorship)
    if mentorship.completion_pending:
        if mentorship.completion_proposed_by_id != actor.id:
            confirm_completion(mentorship, actor=actor, now=now)
            return True
        raise MentorshipError(_("You have already proposed to complete this mentorship: "
                                "the other side is asked to confirm it."))
    now = now or utcnow()
    proposed = db.session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id, Mentorship.status == ACTIVE,
               Mentorship.completion_proposed_at.is_(None))
        .values(completion_proposed_by_id=actor.id, completion_proposed_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(mentorship)
    if proposed.rowcount != 1:  # the other side proposed, or ended it, meanwhile
        _require_active(mentorship)
        if mentorship.completion_pending and \
                mentorship.completion_proposed_by_id != actor.id:
            confirm_completion(mentorship, actor=actor, now=now)  # both clicked at once
            return True
        raise MentorshipError(_("This mentorship has just changed: look at it again."))
    audit.record("mentorship.completion_proposed", actor=actor, mentorship_id=mentorship.id)
    notify(mentorship.other_side(actor), "completion_proposed", _link(mentorship),
           person=actor, days=COMPLETION_OBJECTION_DAYS)
    return False


def _require_answerable(mentorship, actor, now):
    """`actor` may answer the pending completion: the other side, before it lapsed."""
    _require_party(actor, mentorship)
    _require_active(mentorship)
    if not mentorship.completion_pending:
        raise MentorshipError(_("No completion is waiting for an answer."))
    if mentorship.completion_proposed_by_id == actor.id:
        raise MentorshipError(_("You proposed to complete it: the other side confirms "
                                "it."))
    if mentorship.completion_lapsed(now):
        raise MentorshipError(_("The time to object has passed: the mentorship counts "
                                "as completed."))


def confirm_completion(mentorship, *, actor, now=None):
    """The other side agrees the goal is reached: the mentorship is completed, counts
    for the mentor, and frees the place and hours. The proposer is told."""
    now = now or utcnow()
    _require_answerable(mentorship, actor, now)
    _finish(mentorship, COMPLETED, actor=actor, ended_at=now,
            completion_proposed_at=mentorship.completion_proposed_at)
    mark_handled(actor, "completion_proposed", _link(mentorship))


def object_to_completion(mentorship, *, actor, reason, now=None):
    """The other side does not agree the goal is reached, saying why: the proposal is
    withdrawn, the mentorship goes on, and the proposer is told."""
    now = now or utcnow()
    _require_answerable(mentorship, actor, now)
    reason = (reason or "").strip()
    if not reason:
        raise MentorshipError(_("Say why the goal is not reached yet."))
    objected = db.session.execute(
        update(Mentorship)
        .where(Mentorship.id == mentorship.id, Mentorship.status == ACTIVE,
               Mentorship.completion_proposed_at == mentorship.completion_proposed_at)
        .values(completion_proposed_at=None, completion_objected_at=now,
                completion_objection=reason)
        .execution_options(synchronize_session=False))
    if objected.rowcount != 1:
        raise MentorshipError(_("This mentorship has just changed: look at it again."))
    proposer = mentorship.other_side(actor)
    db.session.refresh(mentorship)
    audit.record("mentorship.completion_objected", actor=actor, mentorship_id=mentorship.id)
    mark_handled(actor, "completion_proposed", _link(mentorship))
    notify(proposer, "completion_objected", _link(mentorship), person=actor)


def settle_completion(mentorship, now=None):
    """Record as completed a mentorship whose completion nobody objected to in time
    (it counts already: this frees the mentor's place and hours, and opens feedback).
    Settled lazily, when the mentorship is looked at; safe to call again and at once.
    Its end is the day it began to count. Returns whether it settled it."""
    now = now or utcnow()
    if not mentorship.completion_lapsed(now):
        return False
    proposer = (mentorship.profile.user
                if mentorship.completion_proposed_by_id == mentorship.profile.user_id
                else mentorship.mentee)
    try:
        _finish(mentorship, COMPLETED, actor=proposer, quiet=True,
                ended_at=mentorship.completion_proposed_at + COMPLETION_OBJECTION,
                completion_proposed_at=mentorship.completion_proposed_at)
    except MentorshipError:  # settled or ended at this very moment
        return False
    for user in mentorship.parties:
        mark_handled(user, "completion_proposed", _link(mentorship))
        notify(user, "completion_settled", _link(mentorship),
               person=mentorship.other_side(user), days=COMPLETION_OBJECTION_DAYS)
    return True


def settle_completions_of(user, now=None):
    """Settle the lapsed completions of `user`'s mentorships (their pages list them).
    Returns how many it settled."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Mentorship).join(MentorProfile)
        .where(Mentorship.lapsed_completion(now),
               or_(Mentorship.mentee_id == user.id, MentorProfile.user_id == user.id))
        .order_by(Mentorship.id)).all()
    return sum(settle_completion(mentorship, now) for mentorship in due)


def settle_lapsed_completions(now=None):
    """Settle every lapsed completion, so that mentors' places and hours come free even
    when nobody opens the mentorship (the hourly `send-reminders` runs it). Returns how
    many it settled."""
    now = now or utcnow()
    due = db.session.scalars(select(Mentorship).where(Mentorship.lapsed_completion(now))
                             .order_by(Mentorship.id)).all()
    return sum(settle_completion(mentorship, now) for mentorship in due)


def complete_mentorship(mentorship, *, actor):
    """Both sides agree at once that the goal is reached: `actor` proposes and the
    other side confirms. For the demo data and for tests that need a completed
    mentorship; the pages go through propose, confirm and object."""
    if not propose_completion(mentorship, actor=actor):
        confirm_completion(mentorship, actor=mentorship.other_side(actor))


def end_mentorship(mentorship, *, actor, reason):
    """Stop before the goal is reached, saying why."""
    _require_party(actor, mentorship)
    if not (reason or "").strip():
        raise MentorshipError(_("Say why the mentorship ends early."))
    _finish(mentorship, ENDED, actor=actor, reason=reason.strip())


def leave_feedback(mentorship, *, actor, rating, comment="", gained=None):
    _require_party(actor, mentorship)
    if mentorship.status == ACTIVE:
        raise MentorshipError(_(FEEDBACK_LATER))
    if not 1 <= rating <= 5:
        raise MentorshipError(_("Choose a rating from 1 to 5."))
    is_mentor = actor.id == mentorship.profile.user_id
    feedback = Feedback(mentorship_id=mentorship.id, author_id=actor.id, rating=rating,
                        comment=comment or "", gained=(gained or None) if is_mentor else None)
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError:
        raise MentorshipError(_(FEEDBACK_GIVEN)) from None
    return feedback
