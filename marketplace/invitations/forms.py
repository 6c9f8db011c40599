from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..accounts.forms import (
    LANGUAGE_CHOICES,
    PasswordPolicyMixin,
    confirm_field,
    email_field,
    new_password_field,
)
from ..accounts.models import COMPANY_MAX, NAME_MAX
from ..web.forms import BaseForm, strip
from .models import MESSAGE_MAX


class InvitationForm(BaseForm):
    name = StringField(_l("Their name"), filters=[strip],
                       validators=[DataRequired(), Length(max=NAME_MAX)])
    email = email_field(_l("Their email"))
    message = TextAreaField(
        _l("Your message"), filters=[strip],
        description=_l("Why them, and what you hope to work on together. They read it "
                       "in the email and on the sign-up page."),
        validators=[DataRequired(), Length(max=MESSAGE_MAX)])
    language = RadioField(_l("Language of the email"), choices=LANGUAGE_CHOICES,
                          validators=[InputRequired()])


class InviteeSignupForm(PasswordPolicyMixin, BaseForm):
    """The invitee's account: the address is the invitation's, the affiliation external."""

    full_name = StringField(_l("Full name"), filters=[strip],
                            validators=[DataRequired(), Length(max=NAME_MAX)])
    company = StringField(_l("Company"), filters=[strip],
                          description=_l("Where you work now, or leave it empty if you "
                                         "work on your own."),
                          validators=[Length(max=COMPANY_MAX)])
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES,
                          validators=[InputRequired()])

    def __init__(self, invitation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def owner_email(self):
        return self.invitation.email
