"""Notifications in the app and by email."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import models, views  # noqa: E402,F401
