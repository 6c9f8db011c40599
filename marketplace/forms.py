"""Form base classes shared by every domain."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from .i18n import form_translations


class BaseForm(FlaskForm):
    """A form whose built-in messages come from our own catalog (see i18n.py)."""

    class Meta:
        def get_translations(self, form):
            return form_translations


class EmptyForm(BaseForm):
    """Only the CSRF token: the body of POST-only actions such as log out."""


def choices(pairs):
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
