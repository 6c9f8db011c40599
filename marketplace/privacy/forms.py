from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts.models import PASSWORD_MAX
from ..web.forms import BaseForm


class DeleteAccountForm(BaseForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=PASSWORD_MAX)])
