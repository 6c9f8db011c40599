from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from ..i18n import N_plural
from ..web.forms import BaseForm, TextLength, strip
from .models import BODY_MAX, BODY_MIN, TITLE_MAX


class StoryForm(BaseForm):
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(message=_l("Give your story a title.")),
        TextLength(max=TITLE_MAX, too_long=N_plural(
            "Shorten the title to at most %(num)d character.",
            "Shorten the title to at most %(num)d characters."))])
    body = TextAreaField(_l("The story"), filters=[strip], validators=[
        DataRequired(message=_l("Write your story.")),
        TextLength(min=BODY_MIN, max=BODY_MAX, too_short=N_plural(
            "Write at least %(num)d character so readers understand what changed.",
            "Write at least %(num)d characters so readers understand what changed."),
            too_long=N_plural("Shorten your story to at most %(num)d character.",
                              "Shorten your story to at most %(num)d characters."))],
        description=_l(
        "Where it started, what you worked on together, what changed. Write it in the "
        "language of your choice; the other side will be asked to agree. At least %(num)d "
        "characters.", num=BODY_MIN))
