from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts.models import EMAIL_MAX, PASSWORD_MAX
from ..web.forms import BaseForm


class DeleteAccountForm(BaseForm):
    """Confirmed with the password, or, for an account without one (single sign-on),
    with its email address typed in."""

    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    email = EmailField(_l("Your email address"),
                       description=_l("You sign in with your company account: type the "
                                      "email address of your account to confirm."),
                       validators=[DataRequired(), Length(max=EMAIL_MAX)])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self[("email" if user.has_password else "password")]
