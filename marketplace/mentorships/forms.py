from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..core.clock import add_months
from ..mentors.forms import FORMAT_LABELS
from ..program.services import settings
from ..web.forms import BaseForm, choices, strip
from .models import DURATION_MONTHS, HOURS_PER_MONTH
from .services import too_many_hours

GOAL_MIN, GOAL_MAX = 40, 1000
SITUATION_MIN, SITUATION_MAX = 80, 3000
MEASURES_MIN, MEASURES_MAX = 30, 1500
MESSAGE_MAX = 1500
NOTE_MAX = 1500

CADENCE_LABELS = {"weekly": _l("Weekly"), "biweekly": _l("Every two weeks"),
                  "monthly": _l("Monthly")}
DECLINE_LABELS = {
    "no_time": _l("I do not have enough time"),
    "not_my_expertise": _l("This is not my area of expertise"),
    "better_fit": _l("Another mentor would fit better"),
    "other": _l("Other"),
}


def text(label, minimum, maximum, description=None, **options):
    return TextAreaField(label, filters=[strip], description=description, validators=[
        DataRequired(), Length(min=minimum, max=maximum)], **options)


class RequestForm(BaseForm):
    area = SelectField(_l("Focus area"), coerce=int, validators=[InputRequired()])
    goal = text(_l("Your goal"), GOAL_MIN, GOAL_MAX, _l(
        "What you want to achieve, concretely: e.g. “Close my first multi-year deal with a "
        "manufacturing customer”. At least %(num)d characters.", num=GOAL_MIN))
    target_date = DateField(_l("By when"), validators=[InputRequired()])
    current_situation = text(_l("Where you are now"), SITUATION_MIN, SITUATION_MAX, _l(
        "Where you stand today against where you need to be, what you have tried, what "
        "has worked and what has not. At least %(num)d characters.", num=SITUATION_MIN))
    success_measures = text(_l("How you will measure success"), MEASURES_MIN, MEASURES_MAX, _l(
        "Results you and your mentor can check: numbers, deals, skills shown. At least "
        "%(num)d characters.", num=MEASURES_MIN))
    hours_per_month = IntegerField(_l("Hours a month you commit"), default=2, validators=[
        InputRequired(), NumberRange(*HOURS_PER_MONTH)])  # the hint says the free hours
    duration_months = SelectField(_l("For how long"), coerce=int, default=6, choices=choices(
        (months, _l("%(num)s months", num=months))
        for months in range(DURATION_MONTHS[0], DURATION_MONTHS[1] + 1)))
    cadence = RadioField(_l("How often you will meet"), default="biweekly",
                         choices=choices(CADENCE_LABELS.items()), validators=[InputRequired()])
    meeting_format = RadioField(_l("How you would like to meet"),
                                validators=[InputRequired()])
    message = TextAreaField(_l("A message for the mentor (optional)"), filters=[strip],
                            validators=[Length(max=MESSAGE_MAX)])
    acknowledge = BooleanField(_l("I have read my responsibilities as a mentee and I commit "
                                  "to them."), validators=[DataRequired(message=_l(
                                      "Confirm that you commit to your responsibilities."))])

    def __init__(self, profile, language, *args, **kwargs):
        # The duration the program suggests, until the mentee picks another.
        kwargs.setdefault("data", {"duration_months": settings().default_duration_months})
        super().__init__(*args, **kwargs)
        self._areas = {area.id: area for area in profile.published.areas}
        self.area.choices = choices((area.id, area.name(language))
                                    for area in self._areas.values())
        self.meeting_format.choices = choices((code, FORMAT_LABELS[code])
                                              for code in profile.format_codes)
        if len(profile.format_codes) == 1 and not self.is_submitted():
            self.meeting_format.data = profile.format_codes[0]  # the only way they meet
        self._profile = profile
        self.hours_per_month.description = ngettext(
            "From 1 to 20. This mentor has %(num)d free hour a month.",
            "From 1 to 20. This mentor has %(num)d free hours a month.", profile.free_hours)

    def validate_hours_per_month(self, field):
        too_many = too_many_hours(self._profile, field.data)
        if too_many:
            raise ValidationError(too_many)

    def validate_target_date(self, field):
        if field.data is None:
            return
        if field.data <= date.today():
            raise ValidationError(_l("Choose a date in the future."))
        months = self.duration_months.data or DURATION_MONTHS[1]
        if field.data > add_months(date.today(), months):
            raise ValidationError(_l("Choose a date within the duration of the mentoring."))

    def fields(self):
        return {"area": self._areas.get(self.area.data)} | {
            name: getattr(self, name).data for name in (
                "goal", "target_date", "current_situation", "success_measures",
                "hours_per_month", "duration_months", "cadence", "meeting_format", "message")}


class AcceptForm(BaseForm):
    note = TextAreaField(_l("A note for the mentee (optional)"), filters=[strip],
                         validators=[Length(max=NOTE_MAX)])


class DeclineForm(BaseForm):
    reason = RadioField(_l("Why you decline"), choices=choices(DECLINE_LABELS.items()),
                        validators=[InputRequired()])
    note = TextAreaField(_l("A note for the mentee (optional)"), filters=[strip],
                         validators=[Length(max=NOTE_MAX)])


class CheckInForm(BaseForm):
    date = DateField(_l("Date of the meeting"), validators=[InputRequired()])
    minutes = IntegerField(_l("Minutes"), default=60, validators=[
        InputRequired(), NumberRange(min=5, max=480)])
    summary = text(_l("What you discussed"), 10, 3000,
                   _l("At least %(num)d characters.", num=10))
    next_steps = TextAreaField(_l("Next steps (optional)"), filters=[strip],
                               validators=[Length(max=2000)])


class EndForm(BaseForm):
    reason = text(_l("Why the mentorship ends early"), 10, 2000,
                  _l("At least %(num)d characters.", num=10))


class ObjectForm(BaseForm):
    # Its own id: the page shows the early end's `reason` too.
    reason = text(_l("Why the goal is not reached yet"), 10, 1000, _l(
        "At least 10 characters. The other side reads it on the mentorship page."),
        id="objection-reason")


class FeedbackForm(BaseForm):
    rating = RadioField(_l("How did it go?"), coerce=int, validators=[InputRequired()],
                        choices=choices([(5, _l("5 – excellent")), (4, _l("4 – good")),
                                         (3, _l("3 – fair")), (2, _l("2 – poor")),
                                         (1, _l("1 – very poor"))]))
    comment = TextAreaField(_l("Comment (optional)"), filters=[strip],
                            validators=[Length(max=3000)])
    gained = TextAreaField(_l("What you got out of mentoring"), filters=[strip],
                           validators=[Length(max=3000)])
