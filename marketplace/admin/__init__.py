"""Program administration. Every view here is for admins only."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    """Deny by default: no admin view can forget the check."""
    if not current_user.is_admin:
        abort(403)


from . import views  # noqa: E402,F401
