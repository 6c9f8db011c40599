"""Form base classes shared by every domain."""

import re

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..i18n import form_translations

# C0 control characters other than tab and line breaks, and DEL. PostgreSQL refuses
# NUL outright, and none of them belongs in text people type.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value):
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def strip(value):
    """The filter for text fields: surrounding spaces are not part of what was meant."""
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """A form whose built-in messages come from our own catalog (see i18n.py), and
    which refuses invisible control characters in every text field."""

    class Meta:
        def get_translations(self, form):
            return form_translations

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if has_control_characters(field.data):
                field.errors = [*field.errors, _l("Remove the invisible control characters "
                                                  "from this text.")]
                valid = False
        return valid


class TextLength(Length):
    """Length, with a message for each end that says what to do about this field.

    WTForms' Length has one message for both ends ("Field must be between 40 and 1000
    characters long."), though who wrote too little needs other advice than who pasted
    too much. `too_short` and `too_long` are `N_plural` pairs with `%(num)d`, the bound,
    put through ngettext when shown ("1 carattere", "80 caratteri"). Each bound needs its
    message, so no field falls back to the generic text. A Length still, so the checks
    that read `min` and `max` (hints, column sizes) and the HTML attributes keep working.
    """

    def __init__(self, min=-1, max=-1, *, too_short=None, too_long=None):
        if (min > 0) != (too_short is not None) or (max != -1) != (too_long is not None):
            raise TypeError("TextLength needs a message for each of its bounds, and only those")
        super().__init__(min, max)
        self.too_short, self.too_long = too_short, too_long

    def __call__(self, form, field):
        length = len(field.data) if field.data else 0
        if length < self.min:
            raise ValidationError(ngettext(*self.too_short, self.min))
        if self.max != -1 and length > self.max:
            raise ValidationError(ngettext(*self.too_long, self.max))


class EmptyForm(BaseForm):
    """Only the CSRF token: the body of POST-only actions such as log out."""


def choices(pairs):
    """WTForms choices from (value, label) pairs (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a group of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
