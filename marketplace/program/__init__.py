"""The program: the public home page (made editable in a later issue)."""

from flask import Blueprint

bp = Blueprint("program", __name__)

from . import views  # noqa: E402,F401
