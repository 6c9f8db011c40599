"""Mentors: a mentor's own profile, and mentor pages as others see them."""

from flask import Blueprint

bp = Blueprint("mentors", __name__)

from . import views  # noqa: E402,F401
