from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from ..accounts.forms import (
    CHOOSE_LANGUAGE,
    COMPANY_TOO_LONG,
    LANGUAGE_CHOICES,
    NAME_TOO_LONG,
    PasswordPolicyMixin,
    confirm_field,
    email_field,
    full_name_field,
    new_password_field,
)
from ..accounts.models import COMPANY_MAX, NAME_MAX
from ..i18n import N_plural
from ..web.forms import BaseForm, TextLength, strip
from .models import MESSAGE_MAX


class InvitationForm(BaseForm):
    name = StringField(_l("Their name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the person you invite.")),
        TextLength(max=NAME_MAX, too_long=NAME_TOO_LONG)])
    email = email_field(_l("Their email"),
                        required=_l("Enter the email address of the person you invite."))
    message = TextAreaField(
        _l("Your message"), filters=[strip],
        description=_l("Why them, and what you hope to work on together. They read it "
                       "in the email and on the sign-up page."),
        validators=[
            DataRequired(message=_l("Write them a message: why them, and what you hope to "
                                    "work on together.")),
            TextLength(max=MESSAGE_MAX, too_long=N_plural(
                "Shorten your message to at most %(num)d character.",
                "Shorten your message to at most %(num)d characters."))])
    language = RadioField(_l("Language of the email"), choices=LANGUAGE_CHOICES, validators=[
        InputRequired(message=_l("Choose the language of the email."))])


class InviteeSignupForm(PasswordPolicyMixin, BaseForm):
    """The invitee's account: the address is the invitation's, the affiliation external."""

    full_name = full_name_field()
    company = StringField(_l("Company"), filters=[strip],
                          description=_l("Where you work now, or leave it empty if you "
                                         "work on your own."),
                          validators=[TextLength(max=COMPANY_MAX, too_long=COMPANY_TOO_LONG)])
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES,
                          validators=[CHOOSE_LANGUAGE])

    def __init__(self, invitation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def owner_email(self):
        return self.invitation.email
