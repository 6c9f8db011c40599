"""What base.html puts around every page: the navigation at the top, rendered once for
each kind of viewer and place in the site (most of a page's links, and the same HTML for
all of them), and the forms whose errors the summary above the content lists."""

from functools import lru_cache

from flask import current_app, get_template_attribute, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context

from ..invitations.services import may_invite


def init_app(app):
    app.extensions["main_nav"] = lru_cache(maxsize=1024)(_render)
    app.jinja_env.globals["main_nav"] = main_nav
    app.jinja_env.globals["forms_with_errors"] = forms_with_errors


def main_nav(unread):
    """The navigation's links for the current viewer and page (`unread`: the count of
    their unread notifications)."""
    signed_in = current_user.is_authenticated
    return current_app.extensions["main_nav"](
        str(get_locale()), request.script_root, request.endpoint, request.blueprint,
        signed_in, signed_in and current_user.sees_directory,
        signed_in and may_invite(current_user), signed_in and current_user.is_admin,
        signed_in and current_user.awaiting_approval, unread)


def _render(_locale, _script_root, endpoint, blueprint, signed_in, insider, inviter, admin,
            waiting, unread):
    # The locale and the script root are part of the key: the text and the links
    # depend on them.
    return get_template_attribute("macros/layout.html", "main_nav")(
        signed_in, insider, inviter, admin, waiting, endpoint, blueprint, unread)


@pass_context
def forms_with_errors(context):
    """The forms the view passed to the page that came back with errors, whatever their
    names (`form`, `check_in_form`…), in the order the view gave them: the error summary
    at the top of the page lists their problems."""
    return [value for value in context.get_all().values()
            if isinstance(value, FlaskForm) and value.errors]
