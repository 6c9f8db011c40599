from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..web.forms import BaseForm, strip
from .models import BODY_MAX, BODY_MIN, TITLE_MAX


class StoryForm(BaseForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("The story"), filters=[strip], validators=[
        DataRequired(), Length(min=BODY_MIN, max=BODY_MAX)], description=_l(
        "Where it started, what you worked on together, what changed. Write it in the "
        "language of your choice; the other side will be asked to agree. At least %(num)d "
        "characters.", num=BODY_MIN))
