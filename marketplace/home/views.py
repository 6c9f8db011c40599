from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from . import queries

bp = Blueprint("home", __name__)


@bp.get("/home")
@login_required
def index():
    """The signed-in person's own page: what waits for them, each with its next step."""
    language = str(get_locale())
    return render_template("home/index.html", language=language,
                           home=queries.home_of(current_user, language))
