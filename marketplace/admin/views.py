from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ..accounts import services as accounts
from ..accounts.models import User
from ..extensions import db
from ..forms import CONTROL_CHARACTERS
from . import bp

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
    try:
        change(user, actor=current_user)
    except accounts.AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(confirmation(user), "success")
    return redirect(url_for("admin.users", q=request.args.get("q") or None))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id):
    return _change_state(user_id, accounts.deactivate_user, lambda user: _(
        "%(name)s has been deactivated and logged out.", name=user.full_name))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id):
    return _change_state(user_id, accounts.reactivate_user, lambda user: _(
        "%(name)s can log in again.", name=user.full_name))
