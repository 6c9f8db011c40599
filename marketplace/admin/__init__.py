"""Program administration. Every view here is for admins only."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@login_required
def require_admin():
    """Deny by default: every blueprint under /admin runs this before its views."""
    if not current_user.is_admin:
        abort(403)


bp.before_request(require_admin)


from . import views  # noqa: E402,F401
