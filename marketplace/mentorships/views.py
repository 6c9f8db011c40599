from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..core import audit
from ..i18n import N_
from ..web.labels import REQUEST_STATE_LABELS
from ..web.transaction import form_status, perform, refuse, transaction
from . import ical, queries, services
from .forms import (
    DECLINE_LABELS,
    AcceptForm,
    CheckInForm,
    DeclineForm,
    EndForm,
    FeedbackForm,
    ObjectForm,
    RequestForm,
)

bp = Blueprint("mentorships", __name__)


def listed_profile_or_404(profile_id):
    return queries.listed_profile(current_user, profile_id) or abort(404)


@bp.route("/mentors/<int:profile_id>/request", methods=["GET", "POST"])
@login_required
def new_request(profile_id):
    """Ask a mentor for mentoring: a goal, where you stand, and your commitments."""
    profile = listed_profile_or_404(profile_id)
    blocked = services.why_cannot_request(services.requester(current_user), profile)
    form = RequestForm(profile, str(get_locale()))
    if not blocked and form.validate_on_submit() and perform(
            lambda: services.submit_request(profile, actor=current_user, **form.fields()),
            _("Your request has been sent to %(name)s. You will be told when they answer.",
              name=profile.user.full_name)):
        return redirect(url_for("mentorships.requests"))
    return render_template("mentorships/new_request.html", profile=profile, form=form,
                           blocked=blocked,
                           responsibilities=queries.mentee_duties(str(get_locale()))
                           ), form_status(form)


def _request_or_404(request_id, acting_side):
    """The request if the viewer is the side that may act on it (`acting_side(request)`
    is that side's user id); 404 for anyone else, the other side included. The service
    checks the same again: this only makes the refusal look like an unknown request."""
    request = queries.request_for(current_user, request_id)
    if request is None:
        abort(404)
    if acting_side(request) != current_user.id:
        audit.note_denied("request", request_id)
        abort(404)
    return request


def sent_request_or_404(request_id):
    return _request_or_404(request_id, lambda request: request.mentee_id)


def received_request_or_404(request_id):
    return _request_or_404(request_id, lambda request: request.profile.user_id)


@bp.get("/requests")
@login_required
def requests():
    sent, received = queries.requests_of(current_user)
    return render_template("mentorships/requests.html", sent=group(sent),
                           received=group(received), decline_reasons=DECLINE_LABELS,
                           mentorships=queries.mentorships_of_requests([*sent, *received]),
                           no_room={item.id: services.why_cannot_accept(item)
                                    for item in received if item.status == "open"},
                           suggestions=queries.suggestions_after(
                               current_user, sent, str(get_locale())))


def group(requests):
    """Requests by state, open ones first."""
    groups = {state: [] for state in REQUEST_STATE_LABELS}
    for request in requests:
        groups[request.status].append(request)
    return {state: items for state, items in groups.items() if items}


@bp.post("/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id):
    request = sent_request_or_404(request_id)
    perform(lambda: services.withdraw_request(request, actor=current_user),
            _("Your request has been withdrawn."))
    return redirect(url_for("mentorships.requests"))


@bp.post("/requests/<int:request_id>/accept")
@login_required
def accept(request_id):
    request = received_request_or_404(request_id)
    form = AcceptForm()
    if not form.validate():
        flash(_("The note is too long."), "error")
    else:
        perform(lambda: services.accept_request(request, actor=current_user,
                                                note=form.note.data),
                lambda mentorship: with_link(
                    _("You are now mentoring %(name)s.", name=request.mentee.full_name),
                    url_for("mentorships.mentorship", mentorship_id=mentorship.id),
                    _("Open the mentorship")))
    return redirect(url_for("mentorships.requests"))


def with_link(message, url, label):
    """A flash message followed by a link: everything but the markup is escaped."""
    return Markup('{} <a href="{}">{}</a>').format(message, url, label)


@bp.post("/requests/<int:request_id>/decline")
@login_required
def decline(request_id):
    request = received_request_or_404(request_id)
    form = DeclineForm()
    if not form.validate():
        flash(_("Choose why you decline the request."), "error")
    else:
        perform(lambda: services.decline_request(request, actor=current_user,
                                                 reason=form.reason.data,
                                                 note=form.note.data),
                _("The request has been declined. %(name)s will be told.",
                  name=request.mentee.full_name))
    return redirect(url_for("mentorships.requests"))


# The mentorship -----------------------------------------------------------------------

def mentorship_or_404(mentorship_id):
    mentorship = queries.mentorship_for(current_user, mentorship_id)
    if mentorship is None:
        abort(404)
    return mentorship


def _mentorship_page(mentorship, check_in_form=None, end_form=None, feedback_form=None,
                     object_form=None, status=200):
    check_ins = mentorship.check_ins
    given = {feedback.author_id for feedback in mentorship.feedback}
    feedback, hidden_feedback = queries.visible_feedback(mentorship, current_user)
    return render_template(
        "mentorships/mentorship.html", mentorship=mentorship, check_ins=check_ins,
        story=mentorship.story,
        progress=queries.progress(mentorship, check_ins),
        is_party=mentorship.has_party(current_user),
        is_mentor=current_user.id == mentorship.profile.user_id,
        may_give_feedback=(not mentorship.is_active and current_user.id not in given
                           and mentorship.has_party(current_user)),
        feedback=feedback, hidden_feedback=hidden_feedback,
        feedback_revealed_on=queries.feedback_revealed_on(mentorship),
        check_in_form=check_in_form or CheckInForm(), end_form=end_form or EndForm(),
        object_form=object_form or ObjectForm(),
        objection_days=services.COMPLETION_OBJECTION_DAYS,
        feedback_form=feedback_form or FeedbackForm()), status


@bp.get("/mentorships/<int:mentorship_id>")
@login_required
def mentorship(mentorship_id):
    mentorship = mentorship_or_404(mentorship_id)
    # A completion nobody objected to in time is recorded when it is next looked at.
    with transaction():
        services.settle_completion(mentorship)
    return _mentorship_page(mentorship)


@bp.get("/mentorships/<int:mentorship_id>/calendar.ics")
@login_required
def calendar(mentorship_id):
    """The check-ins as a calendar file, for the two sides only (anyone else: 404)."""
    mentorship = queries.mentorship_of_party(current_user, mentorship_id) or abort(404)
    page = url_for("mentorships.mentorship", mentorship_id=mentorship.id, _external=True)
    body = ical.check_ins_calendar(mentorship, current_user, page, urlsplit(page).netloc)
    return body, 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{ical.filename(mentorship)}"'}


def _back(mentorship):
    return redirect(url_for("mentorships.mentorship", mentorship_id=mentorship.id))


def _over(mentorship):
    flash(_(services.OVER), "error")
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/checkins")
@login_required
def log_check_in(mentorship_id):
    mentorship = mentorship_or_404(mentorship_id)
    if not mentorship.is_active:
        return _over(mentorship)
    form = CheckInForm()
    if not form.validate():
        return _mentorship_page(mentorship, check_in_form=form, status=422)
    try:
        with transaction():
            services.log_check_in(mentorship, actor=current_user, held_on=form.date.data,
                                  minutes=form.minutes.data, summary=form.summary.data,
                                  next_steps=form.next_steps.data)
    except services.CheckInAlreadyRecorded as error:
        # Sent twice (a double click, a resent form): the first is recorded, so go back
        # to the mentorship, which shows it, as after the other actions.
        flash(error.message, "info")
        return _back(mentorship)
    except services.MentorshipError as error:
        # Any other rule (the date, who may log): the form again, as it was written.
        refuse(form, error)
        return _mentorship_page(mentorship, check_in_form=form, status=form_status(form))
    flash(_("The check-in is logged. The other side can now confirm it."), "success")
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/checkins/<int:check_in_id>/confirm")
@login_required
def confirm_check_in(mentorship_id, check_in_id):
    mentorship = mentorship_or_404(mentorship_id)
    check_in = queries.check_in_of(mentorship, check_in_id) or abort(404)
    perform(lambda: services.confirm_check_in(check_in, mentorship, actor=current_user),
            _("The check-in is confirmed."))
    return _back(mentorship)


COMPLETED_MESSAGE = N_("Congratulations: the mentorship is complete. Please leave your "
                       "feedback.")


@bp.post("/mentorships/<int:mentorship_id>/complete")
@login_required
def complete(mentorship_id):
    """Propose completing (or agree, when the other side proposed it already)."""
    mentorship = mentorship_or_404(mentorship_id)
    other = mentorship.other_side(current_user).full_name
    perform(lambda: services.propose_completion(mentorship, actor=current_user),
            lambda completed: _(COMPLETED_MESSAGE) if completed else ngettext(
                "%(name)s is asked to confirm that the goal is reached. Without an "
                "objection within %(num)d day, the mentorship counts as completed.",
                "%(name)s is asked to confirm that the goal is reached. Without an "
                "objection within %(num)d days, the mentorship counts as completed.",
                services.COMPLETION_OBJECTION_DAYS, name=other))
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/complete/confirm")
@login_required
def confirm_completion(mentorship_id):
    mentorship = mentorship_or_404(mentorship_id)
    perform(lambda: services.confirm_completion(mentorship, actor=current_user),
            _(COMPLETED_MESSAGE))
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/complete/object")
@login_required
def object_to_completion(mentorship_id):
    return _with_reason(mentorship_id, ObjectForm, "object_form",
                        services.object_to_completion, lambda mentorship: _(
                            "You objected: the mentorship goes on, and %(name)s is told "
                            "why.", name=mentorship.other_side(current_user).full_name))


@bp.post("/mentorships/<int:mentorship_id>/end")
@login_required
def end(mentorship_id):
    return _with_reason(mentorship_id, EndForm, "end_form", services.end_mentorship,
                        lambda _mentorship: _("The mentorship has ended. Please leave "
                                              "your feedback."))


def _with_reason(mentorship_id, form_class, form_name, change, message):
    """A step on an active mentorship that needs a reason (`form_class`'s `reason`):
    the page again with the form's errors, or `change` made and `message` shown."""
    mentorship = mentorship_or_404(mentorship_id)
    if not mentorship.is_active:
        return _over(mentorship)
    form = form_class()
    if not form.validate():
        return _mentorship_page(mentorship, **{form_name: form}, status=422)
    perform(lambda: change(mentorship, actor=current_user, reason=form.reason.data),
            message(mentorship))
    return _back(mentorship)


@bp.post("/mentorships/<int:mentorship_id>/feedback")
@login_required
def feedback(mentorship_id):
    mentorship = mentorship_or_404(mentorship_id)
    # When the form is not on the page (any more), say why instead of showing it.
    if mentorship.is_active:
        flash(_(services.FEEDBACK_LATER), "error")
        return _back(mentorship)
    if any(item.author_id == current_user.id for item in mentorship.feedback):
        flash(_(services.FEEDBACK_GIVEN), "error")
        return _back(mentorship)
    form = FeedbackForm()
    if not form.validate():
        return _mentorship_page(mentorship, feedback_form=form, status=422)
    perform(lambda: services.leave_feedback(mentorship, actor=current_user,
                                            rating=form.rating.data,
                                            comment=form.comment.data,
                                            gained=form.gained.data),
            _("Thank you for your feedback."))
    return _back(mentorship)


@bp.get("/mentoring")
@login_required
def my_mentoring():
    with transaction():  # completions nobody objected to in time, recorded (see above)
        services.settle_completions_of(current_user)
    as_mentee, as_mentor, open_requests, waiting = queries.my_mentoring(current_user)
    return render_template(
        "mentorships/my_mentoring.html", as_mentee=as_mentee, as_mentor=as_mentor,
        open_requests=open_requests, waiting=waiting, progress=queries.progress)
