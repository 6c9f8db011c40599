from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..web.labels import PROFILE_STATUS_LABELS
from ..web.session import require_admin
from ..web.transaction import perform
from . import queries, services
from .forms import DecisionForm, SuspendForm

bp = Blueprint("vetting", __name__, url_prefix="/admin/vetting")
bp.before_request(require_admin)


PER_PAGE = 25


def get_profile_or_404(profile_id):
    return queries.profile(profile_id) or abort(404)


@bp.get("")
def queue():
    """Waiting for review (oldest first), or every profile in one state."""
    status = request.args.get("status", "waiting")
    if status == "waiting":
        return render_template("vetting/queue.html", revisions=services.queue(),
                               status=status, states=PROFILE_STATUS_LABELS)
    statement = queries.profiles_in(status)
    if statement is None:
        abort(404)
    page = db.paginate(statement, per_page=PER_PAGE, error_out=False)
    return render_template("vetting/queue.html", page=page, status=status,
                           states=PROFILE_STATUS_LABELS)


def _profile_page(profile, decision_form=None, suspend_form=None, status=200):
    revision = queries.open_revision(profile)
    can_decide = queries.may_decide(current_user, profile, revision)
    return render_template(
        "vetting/profile.html", profile=profile, revision=revision,
        history=queries.history(profile), can_decide=can_decide,
        approvals=services.approval_summary(revision) if can_decide else None,
        decision_form=decision_form or DecisionForm(),
        suspend_form=suspend_form or SuspendForm()), status


@bp.get("/<int:profile_id>")
def profile(profile_id):
    return _profile_page(get_profile_or_404(profile_id))


@bp.post("/<int:profile_id>")
def decide(profile_id):
    profile = get_profile_or_404(profile_id)
    form = DecisionForm()
    if not form.validate():
        return _profile_page(profile, decision_form=form, status=422)
    if perform(lambda: services.decide(profile, actor=current_user,
                                       decision=form.decision.data, notes=form.notes.data),
               lambda outcome: _decision_message(profile, outcome)):
        return redirect(url_for("vetting.queue"))
    return redirect(url_for("vetting.profile", profile_id=profile.id))


def _decision_message(profile, outcome):
    name = profile.user.full_name
    if outcome == services.APPROVED_NOW:
        return _("%(name)s's profile is approved and listed.", name=name)
    if outcome == services.APPROVAL_RECORDED:
        return ngettext(
            "Your approval is recorded. The profile needs %(num)d more, from another admin.",
            "Your approval is recorded. The profile needs %(num)d more, from other admins.",
            services.remaining_approvals(queries.open_revision(profile)))
    if outcome == services.CHANGES_REQUESTED:
        return _("%(name)s has been asked for changes.", name=name)
    return _("%(name)s's profile has been rejected.", name=name)


@bp.post("/<int:profile_id>/suspend")
def suspend(profile_id):
    profile = get_profile_or_404(profile_id)
    form = SuspendForm()
    if not form.validate():
        return _profile_page(profile, suspend_form=form, status=422)
    perform(lambda: services.suspend(profile, actor=current_user, reason=form.reason.data),
            _("The profile is suspended and no longer listed."))
    return redirect(url_for("vetting.profile", profile_id=profile.id))


@bp.post("/<int:profile_id>/reinstate")
def reinstate(profile_id):
    profile = get_profile_or_404(profile_id)
    perform(lambda: services.reinstate(profile, actor=current_user),
            _("The suspension is lifted."))
    return redirect(url_for("vetting.profile", profile_id=profile.id))
