from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from ..accounts.forms import COMPANY_TOO_LONG, NAME_TOO_LONG
from ..i18n import N_plural
from ..program.models import AREA_NAME_MAX, ORGANISATION_NAME_MAX
from ..program.services import ProgramError, check_timeline, parse_domains
from ..web.forms import BaseForm, TextLength, strip

MONTHS = _l("Enter from %(min)s to %(max)s months.")
PART_TOO_LONG = N_plural("Shorten this text to at most %(num)d character.",
                         "Shorten this text to at most %(num)d characters.")


def setting(label, minimum, maximum, required, out_of_range, description=None):
    """A number the program settings need, within its bounds."""
    return IntegerField(label, description=description, validators=[
        InputRequired(message=required),
        NumberRange(min=minimum, max=maximum, message=out_of_range)])


class AreaForm(BaseForm):
    name_en = StringField(_l("Name in English"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the area in English.")),
        TextLength(max=AREA_NAME_MAX, too_long=NAME_TOO_LONG)])
    name_it = StringField(_l("Name in Italian"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name of the area in Italian.")),
        TextLength(max=AREA_NAME_MAX, too_long=NAME_TOO_LONG)])


class SettingsForm(BaseForm):
    internal_domains = TextAreaField(
        _l("The company's email domains"), filters=[strip],
        validators=[TextLength(max=4000, too_long=N_plural(
            "Shorten the list of domains to at most %(num)d character.",
            "Shorten the list of domains to at most %(num)d characters."))],
        description=_l("One per line or separated by commas, like acme.com. An address in "
                       "one of them signs up as internal; a subdomain counts only when it "
                       "is listed too. Until one is set, everyone signs up as internal."))
    outside_signups = BooleanField(
        _l("People outside these domains may sign up on their own"),
        description=_l("As external accounts, which wait for an admin's approval. "
                       "Otherwise they join only through an invitation from a colleague."))
    organisation_name_en = StringField(
        _l("The company's name in English"), filters=[strip],
        validators=[TextLength(max=ORGANISATION_NAME_MAX, too_long=COMPANY_TOO_LONG)],
        description=_l("Invitation emails name it."))
    organisation_name_it = StringField(
        _l("The company's name in Italian"), filters=[strip],
        validators=[TextLength(max=ORGANISATION_NAME_MAX, too_long=COMPANY_TOO_LONG)])
    required_approvals = setting(
        _l("Approvals a mentor profile needs"), 1, 3,
        _l("Enter how many approvals a mentor profile needs."),
        _l("Enter from %(min)s to %(max)s approvals."),
        description=_l("From 1 to 3, each from a different admin."))
    approval_months = setting(
        _l("Months an approval lasts"), 1, 36,
        _l("Enter how many months an approval lasts."), MONTHS,
        description=_l("Then the profile goes back to review."))
    max_open_requests = setting(
        _l("Open requests a mentee may have at once"), 1, 10,
        _l("Enter how many open requests a mentee may have at once."),
        _l("Enter from %(min)s to %(max)s requests."))
    max_open_invitations = setting(
        _l("Open invitations a user may have at once"), 1, 10,
        _l("Enter how many open invitations a user may have at once."),
        _l("Enter from %(min)s to %(max)s invitations."),
        description=_l("Invitations to mentors from outside the company that are "
                       "not yet accepted."))
    request_expiry_days = setting(
        _l("Days before an unanswered request expires"), 1, 90,
        _l("Enter after how many days an unanswered request expires."),
        _l("Enter from %(min)s to %(max)s days."))
    default_duration_months = setting(
        _l("Default duration of a mentorship, in months"), 3, 12,
        _l("Enter the default duration of a mentorship."), MONTHS)

    def validate_internal_domains(self, field):
        try:
            parse_domains(field.data)
        except ProgramError as error:
            raise ValidationError(error.message) from None

    def values(self):
        """The settings as the service takes them."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token"}


class PeriodForm(BaseForm):
    """The dashboard's period, from the query string."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class ProgramTextsForm(BaseForm):
    """One pair of text areas per part of the program page, added in `__init__`."""

    pilot_starts_on = DateField(_l("The pilot starts on"), validators=[Optional()])
    rollout_starts_on = DateField(_l("The program opens to the whole sales organisation on"),
                                  validators=[Optional()])

    def validate_pilot_starts_on(self, field):
        try:
            check_timeline(field.data, self.rollout_starts_on.data)
        except ProgramError as error:
            raise ValidationError(error.message) from None


def program_texts_form(parts, *args, **kwargs):
    """A ProgramTextsForm with `<key>_en` and `<key>_it` fields for every part."""
    fields = {}
    for key, (heading, _default) in parts.items():
        fields[f"{key}_en"] = TextAreaField(
            _l("%(part)s – English", part=heading), filters=[strip], validators=[
                DataRequired(message=_l("Write this part in English.")),
                TextLength(max=4000, too_long=PART_TOO_LONG)])
        fields[f"{key}_it"] = TextAreaField(
            _l("%(part)s – Italian", part=heading), filters=[strip], validators=[
                DataRequired(message=_l("Write this part in Italian.")),
                TextLength(max=4000, too_long=PART_TOO_LONG)])
    form_class = type("ProgramTextsForm", (ProgramTextsForm,), fields)
    return form_class(*args, **kwargs)


class ReturnForm(BaseForm):
    note = TextAreaField(_l("What the author should change"), filters=[strip], validators=[
        DataRequired(message=_l("Tell the author what to change.")),
        TextLength(max=2000, too_long=N_plural(
            "Shorten your note to at most %(num)d character.",
            "Shorten your note to at most %(num)d characters."))])
