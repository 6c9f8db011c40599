from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..i18n import N_plural
from ..mentors.models import NOTES_MAX, REJECT, REQUEST_CHANGES
from ..web.forms import BaseForm, TextLength, choices, strip

DECISION_LABELS = {"approve": _l("Approve"), "request_changes": _l("Request changes"),
                   "reject": _l("Reject")}


class DecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=choices(DECISION_LABELS.items()),
                          validators=[InputRequired(message=_l("Choose a decision."))])
    notes = TextAreaField(_l("Notes for the mentor"), filters=[strip], validators=[
        TextLength(max=NOTES_MAX, too_long=N_plural(
            "Shorten your notes to at most %(num)d character.",
            "Shorten your notes to at most %(num)d characters."))], description=_l(
        "Required when you request changes or reject. The mentor will read them."))

    def validate_notes(self, field):
        if self.decision.data in (REQUEST_CHANGES, REJECT) and not field.data:
            raise ValidationError(_l("Tell the mentor what to change or why the profile is "
                                "not approved."))


class SuspendForm(BaseForm):
    reason = TextAreaField(_l("Reason for the suspension"), filters=[strip], validators=[
        DataRequired(message=_l("Write why you suspend the profile.")),
        TextLength(max=NOTES_MAX, too_long=N_plural(
            "Shorten the reason to at most %(num)d character.",
            "Shorten the reason to at most %(num)d characters."))])
