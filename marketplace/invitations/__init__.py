"""Invitations: a rep recruits a mentor from outside the company (SPEC 3.4a)."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from . import views  # noqa: E402,F401
