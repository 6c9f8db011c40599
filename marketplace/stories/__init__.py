"""Success stories of completed mentorships."""

from flask import Blueprint

bp = Blueprint("stories", __name__)

from . import models, views  # noqa: E402,F401
