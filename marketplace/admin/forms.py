from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..program.models import AREA_NAME_MAX, ORGANISATION_NAME_MAX
from ..program.services import ProgramError, check_timeline, parse_domains
from ..web.forms import BaseForm, strip


class AreaForm(BaseForm):
    name_en = StringField(_l("Name in English"), filters=[strip],
                          validators=[DataRequired(), Length(max=AREA_NAME_MAX)])
    name_it = StringField(_l("Name in Italian"), filters=[strip],
                          validators=[DataRequired(), Length(max=AREA_NAME_MAX)])


class SettingsForm(BaseForm):
    internal_domains = TextAreaField(
        _l("The company's email domains"), filters=[strip],
        validators=[Length(max=4000)],
        description=_l("One per line or separated by commas, like acme.com. An address in "
                       "one of them signs up as internal; a subdomain counts only when it "
                       "is listed too. Until one is set, everyone signs up as internal."))
    outside_signups = BooleanField(
        _l("People outside these domains may sign up on their own"),
        description=_l("As external accounts, which wait for an admin's approval. "
                       "Otherwise they join only through an invitation from a colleague."))
    organisation_name_en = StringField(
        _l("The company's name in English"), filters=[strip],
        validators=[Length(max=ORGANISATION_NAME_MAX)],
        description=_l("Invitation emails name it."))
    organisation_name_it = StringField(
        _l("The company's name in Italian"), filters=[strip],
        validators=[Length(max=ORGANISATION_NAME_MAX)])
    required_approvals = IntegerField(
        _l("Approvals a mentor profile needs"), validators=[InputRequired(),
                                                            NumberRange(min=1, max=3)],
        description=_l("From 1 to 3, each from a different admin."))
    approval_months = IntegerField(
        _l("Months an approval lasts"), validators=[InputRequired(),
                                                    NumberRange(min=1, max=36)],
        description=_l("Then the profile goes back to review."))
    max_open_requests = IntegerField(
        _l("Open requests a mentee may have at once"),
        validators=[InputRequired(), NumberRange(min=1, max=10)])
    max_open_invitations = IntegerField(
        _l("Open invitations a user may have at once"),
        validators=[InputRequired(), NumberRange(min=1, max=10)],
        description=_l("Invitations to mentors from outside the company that are "
                       "not yet accepted."))
    request_expiry_days = IntegerField(
        _l("Days before an unanswered request expires"),
        validators=[InputRequired(), NumberRange(min=1, max=90)])
    default_duration_months = IntegerField(
        _l("Default duration of a mentorship, in months"),
        validators=[InputRequired(), NumberRange(min=3, max=12)])

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
            _l("%(part)s – English", part=heading), filters=[strip],
            validators=[DataRequired(), Length(max=4000)])
        fields[f"{key}_it"] = TextAreaField(
            _l("%(part)s – Italian", part=heading), filters=[strip],
            validators=[DataRequired(), Length(max=4000)])
    form_class = type("ProgramTextsForm", (ProgramTextsForm,), fields)
    return form_class(*args, **kwargs)


class ReturnForm(BaseForm):
    note = TextAreaField(_l("What the author should change"), filters=[strip],
                         validators=[DataRequired(), Length(max=2000)])
