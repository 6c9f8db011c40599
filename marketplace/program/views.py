from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import current_user

from . import queries, texts
from .services import settings

bp = Blueprint("program", __name__)


@bp.get("/")
def index():
    """The program page. People who log in also see the stories and the honor roll."""
    signed_in = current_user.is_authenticated
    return render_template(
        "program/index.html", parts=texts.texts(str(get_locale())), program=settings(),
        stories=queries.published() if signed_in else [],
        honor_roll=queries.honor_roll() if signed_in else [])
