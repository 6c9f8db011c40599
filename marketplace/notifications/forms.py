from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from ..web.forms import BaseForm


class PreferencesForm(BaseForm):
    requests = BooleanField(_l("Requests: sent to you, answered, withdrawn, expired, "
                               "and reminders"))
    vetting = BooleanField(_l("My mentor profile: reviews and the end of its approval"))
    mentorships = BooleanField(_l("My mentorships: completion, early end, overdue "
                                  "check-ins"))
