"""Mentorships: requests for mentoring, mentors' decisions, the mentorship itself."""

from flask import Blueprint

bp = Blueprint("mentorships", __name__)

from . import models, views  # noqa: E402,F401
