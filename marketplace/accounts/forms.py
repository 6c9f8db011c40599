from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from ..geography import REGIONS, timezone_choices
from ..i18n import LANGUAGES, N_plural
from ..program.services import areas as program_areas
from ..web.forms import BaseForm, MultiCheckboxField, TextLength, choices, strip
from .models import (
    EMAIL_MAX,
    EXTERNAL,
    INTERNAL,
    JOB_TITLE_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
)
from .services import password_problem

# Each language named in itself, and marked as such for screen readers.
LANGUAGE_CHOICES = [SelectChoice(code, name, {"lang": code}) for code, name in LANGUAGES.items()]
# The mentor profile's: the account's own affiliation is the organisation's to say.
AFFILIATION_CHOICES = choices([
    (INTERNAL, _l("Internal – I work for the company")),
    (EXTERNAL, _l("External – I work for another company or on my own")),
])
PASSWORD_HELP = _l("At least %(min)d characters. A few unrelated words are easy to remember "
                   "and hard to guess.", min=PASSWORD_MIN)

# What to do when a validator fails, for the fields several forms share.
VALID_EMAIL = Email(message=_l("Enter a valid email address, like name@example.com."))
EMAIL_TOO_LONG = N_plural("Enter a shorter email address: at most %(num)d character.",
                          "Enter a shorter email address: at most %(num)d characters.")
NAME_TOO_LONG = N_plural("Shorten the name to at most %(num)d character.",
                         "Shorten the name to at most %(num)d characters.")
COMPANY_TOO_LONG = N_plural("Shorten the company name to at most %(num)d character.",
                            "Shorten the company name to at most %(num)d characters.")
# A password typed to prove who you are, rather than chosen.
TYPED_PASSWORD_LENGTH = TextLength(max=PASSWORD_MAX, too_long=N_plural(
    "A password has at most %(num)d character: check what you typed.",
    "A password has at most %(num)d characters: check what you typed."))
CHOOSE_LANGUAGE = InputRequired(message=_l("Choose a language."))


def email_field(label=None, required=None):
    return EmailField(label or _l("Email"), filters=[strip], validators=[
        DataRequired(message=required or _l("Enter your email address.")), VALID_EMAIL,
        TextLength(max=EMAIL_MAX, too_long=EMAIL_TOO_LONG)])


def full_name_field():
    return StringField(_l("Full name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter your first name and surname.")),
        TextLength(max=NAME_MAX, too_long=NAME_TOO_LONG)])


def new_password_field(label):
    return PasswordField(label, description=PASSWORD_HELP, validators=[
        DataRequired(message=_l("Choose a password.")),
        TextLength(max=PASSWORD_MAX, too_long=N_plural(
            "Choose a shorter password: at most %(num)d character.",
            "Choose a shorter password: at most %(num)d characters."))])


def confirm_field():
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords are different."))])


class PasswordPolicyMixin:
    """Show what is wrong with a new password next to the field."""

    def owner_email(self):
        return self.email.data

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.owner_email())
        if problem:
            raise ValidationError(problem)


class RegistrationForm(PasswordPolicyMixin, BaseForm):
    email = email_field()
    full_name = full_name_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="en",
                          validators=[CHOOSE_LANGUAGE])


class LoginForm(BaseForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), TYPED_PASSWORD_LENGTH])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(BaseForm):
    email = email_field()


class ResetPasswordForm(PasswordPolicyMixin, BaseForm):
    """A new password for `user`, whose email the password must not contain."""

    password = new_password_field(_l("New password"))
    confirm = confirm_field()

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def owner_email(self):
        return self.user.email


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), TYPED_PASSWORD_LENGTH])


HOURS_A_MONTH = _l("Enter from %(min)s to %(max)s hours a month.")


class LookingForForm(BaseForm):
    """What the user is looking for in a mentor, for matching."""

    interests = MultiCheckboxField(_l("Areas you want to work on"), coerce=int)
    desired_hours = IntegerField(
        _l("Hours a month you can give to mentoring"),
        validators=[Optional(), NumberRange(min=1, max=20, message=HOURS_A_MONTH)],
        description=_l("From 1 to 20. Leave empty if you do not know yet."))

    def __init__(self, language, *args, **kwargs):
        super().__init__(*args, **kwargs)
        areas = program_areas()
        self.area_objects = {area.id: area for area in areas}
        self.interests.choices = choices((area.id, area.name(language)) for area in areas)

    def areas(self):
        return [self.area_objects[area_id] for area_id in self.interests.data]


class AccountForm(BaseForm):
    # The fields the company directory owns for this person (see directory_owned).
    directory_fields = ()
    full_name = full_name_field()
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"))
    region = SelectField(_l("Region"), validators=[Optional()])
    job_title = StringField(_l("Job title"), filters=[strip],
                            validators=[TextLength(max=JOB_TITLE_MAX, too_long=N_plural(
                               "Shorten the job title to at most %(num)d character.",
                               "Shorten the job title to at most %(num)d characters."))])
    manager_email = EmailField(
        _l("Your manager's email"), filters=[strip],
        description=_l("The person you report to now. Leave empty if you have none."),
        validators=[Optional(), VALID_EMAIL, TextLength(max=EMAIL_MAX, too_long=EMAIL_TOO_LONG)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The common zones in the reader's language, and the one saved if not among them.
        self.timezone.choices = choices(timezone_choices(keep=self.timezone.object_data))
        self.region.choices = choices([("", _l("Not set")), *REGIONS])

    def directory_owned(self, user):
        """The company directory owns these fields: keep the account's values, whatever
        was sent (the page shows them as text)."""
        self.full_name.data = user.full_name
        self.job_title.data = user.job_title or ""
        self.manager_email.data = user.manager.email if user.manager else ""
        self.region.data = user.region or ""
        self.directory_fields = ("full_name", "job_title", "manager_email", "region")
