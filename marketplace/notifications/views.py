from flask import (
    Blueprint,
    abort,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..core.security import safe_next
from ..web.transaction import perform
from . import queries, services
from .forms import PreferencesForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications():
    """The count on the bell in the navigation: loaded with the user, or counted again
    if a commit has expired what was loaded."""
    if has_request_context() and current_user.is_authenticated:
        count = current_user.unread_notifications
        return {"unread_notifications": queries.unread_count(current_user)
                if count is None else count}
    return {"unread_notifications": 0}


@bp.get("")
@login_required
def index():
    page = queries.page_of(current_user, request.args.get("page", 1, type=int))
    form = PreferencesForm(data={
        category: services.Preferences.wants(current_user, category)
        for category in services.CATEGORIES})
    return render_template("notifications/index.html", page=page, form=form,
                           text_of=services.text_of)


@bp.post("/<int:notification_id>/open")
@login_required
def open_notification(notification_id):
    """Mark a notification read and go to what it is about."""
    notification = queries.notification_for(current_user, notification_id)
    if notification is None:
        abort(404)
    perform(lambda: services.mark_read(notification, actor=current_user), None)
    return redirect(safe_next(notification.link) or url_for("notifications.index"))


@bp.post("/read")
@login_required
def read_all():
    perform(lambda: services.mark_all_read(actor=current_user),
            lambda count: ngettext("%(num)d notification marked as read.",
                                   "%(num)d notifications marked as read.", count))
    return redirect(url_for("notifications.index"))


@bp.post("/preferences")
@login_required
def preferences():
    form = PreferencesForm()
    if form.validate():
        perform(lambda: services.set_preferences(actor=current_user, **{
                    category: getattr(form, category).data
                    for category in services.CATEGORIES}),
                _("Your email choices have been saved."))
    return redirect(url_for("notifications.index"))
