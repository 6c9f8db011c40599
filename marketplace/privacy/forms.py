from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from ..accounts.forms import EMAIL_TOO_LONG, TYPED_PASSWORD_LENGTH
from ..accounts.models import EMAIL_MAX
from ..web.forms import BaseForm, TextLength


class DeleteAccountForm(BaseForm):
    """Confirmed with the password, or, for an account without one (single sign-on),
    with its email address typed in."""

    password = PasswordField(_l("Your password"), validators=[
        DataRequired(message=_l("Enter your password to confirm.")), TYPED_PASSWORD_LENGTH])
    email = EmailField(_l("Your email address"),
                       description=_l("You sign in with your company account: type the "
                                      "email address of your account to confirm."),
                       validators=[
                           DataRequired(message=_l("Type the email address of your account "
                                                   "to confirm.")),
                           TextLength(max=EMAIL_MAX, too_long=EMAIL_TOO_LONG)])

    def __init__(self, uses_password, *args, **kwargs):
        """`uses_password`: the account signs in with a password here; otherwise (single
        sign-on) typing its address confirms."""
        super().__init__(*args, **kwargs)
        del self[("email" if uses_password else "password")]
