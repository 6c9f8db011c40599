from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import current_user

from . import queries, texts
from .services import settings

bp = Blueprint("program", __name__)


@bp.get("/")
def index():
    """The program page. The company's own people (and admins) also see the stories
    and the honor roll, which name them."""
    insider = current_user.sees_directory
    return render_template(
        "program/index.html", parts=texts.texts(str(get_locale())), program=settings(),
        stories=queries.published() if insider else [],
        honor_roll=queries.honor_roll() if insider else [])
