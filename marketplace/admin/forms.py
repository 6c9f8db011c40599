from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..accounts.forms import strip
from ..forms import BaseForm
from ..program.models import AREA_NAME_MAX


class AreaForm(BaseForm):
    name_en = StringField(_l("Name in English"), filters=[strip],
                          validators=[DataRequired(), Length(max=AREA_NAME_MAX)])
    name_it = StringField(_l("Name in Italian"), filters=[strip],
                          validators=[DataRequired(), Length(max=AREA_NAME_MAX)])


class SettingsForm(BaseForm):
    required_approvals = IntegerField(
        _l("Approvals a mentor profile needs"), validators=[InputRequired(),
                                                            NumberRange(min=1, max=3)],
        description=_l("From 1 to 3, each from a different admin."))
    approval_months = IntegerField(
        _l("Months an approval lasts"), validators=[InputRequired(),
                                                    NumberRange(min=1, max=36)],
        description=_l("Then the profile goes back to review."))
