"""Form base classes shared by every domain."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField
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


class EmptyForm(BaseForm):
    """Only the CSRF token: the body of POST-only actions such as log out."""


def choices(pairs):
    """WTForms choices from (value, label) pairs (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a group of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
