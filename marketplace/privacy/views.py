import json

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..extensions import limiter
from ..web.session import current_user_key, failed, login_limit
from ..web.transaction import form_status, perform
from . import services
from .forms import DeleteAccountForm

bp = Blueprint("privacy", __name__)


@bp.get("/account/export")
@login_required
def export():
    """The user's own data, as a JSON file."""
    data = json.dumps(services.export_data(current_user), ensure_ascii=False, indent=2)
    return current_app.response_class(data, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=my-mentor-marketplace-data.json"})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, key_func=current_user_key, methods=["POST"], deduct_when=failed)
def delete_account():
    form = DeleteAccountForm(services.confirms_with_password(current_user))
    if form.validate_on_submit() and perform(
            lambda: services.delete_account(
                actor=current_user, password=form.password.data if form.password else None,
                email=form.email.data if form.email else None),
            lambda _result: _("Your account has been deleted. Thank you for taking part."),
            form=form, after=lambda _result: logout_user()):
        return redirect(url_for("program.index"))
    return render_template("privacy/delete.html", form=form), form_status(form)
