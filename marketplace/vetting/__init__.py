"""Vetting: the admins' review of mentor profiles."""

from flask import Blueprint

from ..admin import require_admin

bp = Blueprint("vetting", __name__, url_prefix="/admin/vetting")
bp.before_request(require_admin)

from . import views  # noqa: E402,F401
