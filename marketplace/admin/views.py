from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ..accounts import services as accounts
from ..accounts.models import User
from ..actions import perform
from ..extensions import db
from ..forms import CONTROL_CHARACTERS
from ..program import services as program
from ..program.models import FocusArea
from ..vetting import services as vetting
from . import bp
from .forms import AreaForm, SettingsForm

USERS_PER_PAGE = 25


def get_user_or_404(user_id):
    return db.get_or_404(User, user_id)


@bp.get("/users")
def users():
    query = CONTROL_CHARACTERS.sub("", request.args.get("q") or "").strip()[:100]
    statement = select(User).order_by(User.full_name, User.id)
    if query:
        statement = statement.where(or_(User.email.contains(query.lower(), autoescape=True),
                                        User.full_name.icontains(query, autoescape=True)))
    page = db.paginate(statement, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, query=query)


def _change_state(user_id, change, confirmation):
    user = get_user_or_404(user_id)
    perform(lambda: change(user, actor=current_user), lambda _result: confirmation(user))
    return redirect(url_for("admin.users", q=request.args.get("q") or None))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id):
    return _change_state(user_id, accounts.deactivate_user, lambda user: _(
        "%(name)s has been deactivated and logged out.", name=user.full_name))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id):
    return _change_state(user_id, accounts.reactivate_user, lambda user: _(
        "%(name)s can log in again.", name=user.full_name))


@bp.post("/users/<int:user_id>/grant-admin")
def grant_admin(user_id):
    return _change_state(user_id, accounts.grant_admin, lambda user: _(
        "%(name)s is now an admin.", name=user.full_name))


@bp.post("/users/<int:user_id>/revoke-admin")
def revoke_admin(user_id):
    return _change_state(user_id, accounts.revoke_admin, lambda user: _(
        "%(name)s is no longer an admin.", name=user.full_name))


# Focus areas -----------------------------------------------------------------------------

def get_area_or_404(area_id):
    return db.get_or_404(FocusArea, area_id)


@bp.route("/areas", methods=["GET", "POST"])
def areas():
    form = AreaForm()
    if form.validate_on_submit() and perform(
            lambda: program.add_area(actor=current_user, name_en=form.name_en.data,
                                     name_it=form.name_it.data),
            _("The area has been added.")):
        return redirect(url_for("admin.areas"))
    status = 422 if form.errors else 200
    return render_template("admin/areas.html", form=form,
                           areas=program.areas(include_retired=True)), status


@bp.post("/areas/<int:area_id>")
def rename_area(area_id):
    area = get_area_or_404(area_id)
    form = AreaForm()
    if not form.validate():
        flash(_("Give the area a name in both languages."), "error")
        return redirect(url_for("admin.areas"))
    perform(lambda: program.rename_area(area, actor=current_user, name_en=form.name_en.data,
                                        name_it=form.name_it.data),
            _("The area has been renamed."))
    return redirect(url_for("admin.areas"))


def _area_change(area_id, change, confirmation):
    area = get_area_or_404(area_id)
    perform(lambda: change(area, actor=current_user), confirmation)
    return redirect(url_for("admin.areas"))


@bp.post("/areas/<int:area_id>/retire")
def retire_area(area_id):
    return _area_change(area_id, program.retire_area, _(
        "The area is retired: it is no longer offered, and stays on the profiles that "
        "have it."))


@bp.post("/areas/<int:area_id>/restore")
def restore_area(area_id):
    return _area_change(area_id, program.restore_area, _("The area is offered again."))


# Settings --------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
def settings():
    current = program.settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit() and perform(
            lambda: _update_settings(form), lambda changes: _(
                "The settings have been saved.") if changes else _("Nothing has changed.")):
        return redirect(url_for("admin.settings"))
    status = 422 if form.errors else 200
    return render_template("admin/settings.html", form=form), status


def _update_settings(form):
    changes = program.update_settings(
        actor=current_user, required_approvals=form.required_approvals.data,
        approval_months=form.approval_months.data)
    if "required_approvals" in changes:
        # Versions that already have the approvals now asked for are published.
        vetting.publish_fully_approved(actor=current_user)
    return changes
