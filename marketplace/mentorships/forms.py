from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from ..accounts.forms import HOURS_A_MONTH
from ..core.clock import add_months
from ..i18n import N_plural
from ..mentors.forms import FORMAT_LABELS
from ..program.services import settings
from ..web.forms import BaseForm, TextLength, choices, strip
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


NOTE_TOO_LONG = N_plural("Shorten your note to at most %(num)d character.",
                         "Shorten your note to at most %(num)d characters.")
REASON_TOO_LONG = N_plural("Shorten the reason to at most %(num)d character.",
                           "Shorten the reason to at most %(num)d characters.")


def text(label, minimum, maximum, description=None, *, required, too_short, too_long,
         **options):
    """A text area that must say something, with a minimum and a maximum length: each
    with its own message saying what to write."""
    return TextAreaField(label, filters=[strip], description=description, validators=[
        DataRequired(message=required),
        TextLength(min=minimum, max=maximum, too_short=too_short, too_long=too_long)],
        **options)


def optional_text(label, maximum, too_long):
    return TextAreaField(label, filters=[strip],
                         validators=[TextLength(max=maximum, too_long=too_long)])


class RequestForm(BaseForm):
    area = SelectField(_l("Focus area"), coerce=int, validators=[
        InputRequired(message=_l("Choose a focus area."))])
    goal = text(_l("Your goal"), GOAL_MIN, GOAL_MAX, _l(
        "What you want to achieve, concretely: e.g. “Close my first multi-year deal with a "
        "manufacturing customer”. At least %(num)d characters.", num=GOAL_MIN),
        required=_l("Write the goal you want to reach."),
        too_short=N_plural(
            "Write at least %(num)d character so your mentor understands what you want "
            "to achieve.",
            "Write at least %(num)d characters so your mentor understands what you want "
            "to achieve."),
        too_long=N_plural(
            "Shorten your goal to at most %(num)d character: the details go under "
            "“Where you are now”.",
            "Shorten your goal to at most %(num)d characters: the details go under "
            "“Where you are now”."))
    target_date = DateField(_l("By when"), validators=[
        InputRequired(message=_l("Choose the date by which you want to reach your goal."))])
    current_situation = text(_l("Where you are now"), SITUATION_MIN, SITUATION_MAX, _l(
        "Where you stand today against where you need to be, what you have tried, what "
        "has worked and what has not. At least %(num)d characters.", num=SITUATION_MIN),
        required=_l("Describe where you stand today."),
        too_short=N_plural(
            "Write at least %(num)d character so your mentor understands where you stand.",
            "Write at least %(num)d characters so your mentor understands where you stand."),
        too_long=N_plural(
            "Shorten the description of where you stand to at most %(num)d character.",
            "Shorten the description of where you stand to at most %(num)d characters."))
    success_measures = text(_l("How you will measure success"), MEASURES_MIN, MEASURES_MAX, _l(
        "Results you and your mentor can check: numbers, deals, skills shown. At least "
        "%(num)d characters.", num=MEASURES_MIN),
        required=_l("Say how you will measure success."),
        too_short=N_plural(
            "Write at least %(num)d character so you and your mentor can check the results.",
            "Write at least %(num)d characters so you and your mentor can check the "
            "results."),
        too_long=N_plural(
            "Shorten your success measures to at most %(num)d character.",
            "Shorten your success measures to at most %(num)d characters."))
    hours_per_month = IntegerField(_l("Hours a month you commit"), default=2, validators=[
        InputRequired(message=_l("Enter how many hours a month you commit.")),
        NumberRange(*HOURS_PER_MONTH, message=HOURS_A_MONTH)])  # the hint: the free hours
    duration_months = SelectField(_l("For how long"), coerce=int, default=6, choices=choices(
        (months, _l("%(num)s months", num=months))
        for months in range(DURATION_MONTHS[0], DURATION_MONTHS[1] + 1)))
    cadence = RadioField(_l("How often you will meet"), default="biweekly",
                         choices=choices(CADENCE_LABELS.items()), validators=[
                             InputRequired(message=_l("Choose how often you will meet."))])
    meeting_format = RadioField(_l("How you would like to meet"), validators=[
        InputRequired(message=_l("Choose how you would like to meet."))])
    message = optional_text(_l("A message for the mentor (optional)"), MESSAGE_MAX, N_plural(
        "Shorten your message to at most %(num)d character.",
        "Shorten your message to at most %(num)d characters."))
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
    note = optional_text(_l("A note for the mentee (optional)"), NOTE_MAX, NOTE_TOO_LONG)


class DeclineForm(BaseForm):
    reason = RadioField(_l("Why you decline"), choices=choices(DECLINE_LABELS.items()),
                        validators=[InputRequired(message=_l("Choose why you decline."))])
    note = optional_text(_l("A note for the mentee (optional)"), NOTE_MAX, NOTE_TOO_LONG)


class CheckInForm(BaseForm):
    date = DateField(_l("Date of the meeting"), validators=[
        InputRequired(message=_l("Enter the date of the meeting."))])
    minutes = IntegerField(_l("Minutes"), default=60, validators=[
        InputRequired(message=_l("Enter how many minutes the meeting lasted.")),
        NumberRange(min=5, max=480, message=_l("Enter from %(min)s to %(max)s minutes."))])
    summary = text(_l("What you discussed"), 10, 3000,
                   _l("At least %(num)d characters.", num=10),
                   required=_l("Write what you discussed."),
                   too_short=N_plural(
                       "Write at least %(num)d character on what you discussed.",
                       "Write at least %(num)d characters on what you discussed."),
                   too_long=N_plural(
                       "Shorten the summary to at most %(num)d character.",
                       "Shorten the summary to at most %(num)d characters."))
    next_steps = optional_text(_l("Next steps (optional)"), 2000, N_plural(
        "Shorten the next steps to at most %(num)d character.",
        "Shorten the next steps to at most %(num)d characters."))


class EndForm(BaseForm):
    reason = text(_l("Why the mentorship ends early"), 10, 2000,
                  _l("At least %(num)d characters.", num=10),
                  required=_l("Say why the mentorship ends early."),
                  too_short=N_plural(
                      "Write at least %(num)d character so the other side understands why "
                      "it ends.",
                      "Write at least %(num)d characters so the other side understands why "
                      "it ends."),
                  too_long=REASON_TOO_LONG)


class ObjectForm(BaseForm):
    # Its own id: the page shows the early end's `reason` too.
    reason = text(_l("Why the goal is not reached yet"), 10, 1000, _l(
        "At least 10 characters. The other side reads it on the mentorship page."),
        id="objection-reason",
        required=_l("Say why the goal is not reached yet."),
        too_short=N_plural(
            "Write at least %(num)d character so the other side understands what is "
            "missing.",
            "Write at least %(num)d characters so the other side understands what is "
            "missing."),
        too_long=REASON_TOO_LONG)


class FeedbackForm(BaseForm):
    rating = RadioField(_l("How did it go?"), coerce=int, validators=[
        InputRequired(message=_l("Choose how it went."))],
                        choices=choices([(5, _l("5 – excellent")), (4, _l("4 – good")),
                                         (3, _l("3 – fair")), (2, _l("2 – poor")),
                                         (1, _l("1 – very poor"))]))
    comment = optional_text(_l("Comment (optional)"), 3000, N_plural(
        "Shorten your comment to at most %(num)d character.",
        "Shorten your comment to at most %(num)d characters."))
    gained = optional_text(_l("What you got out of mentoring"), 3000, N_plural(
        "Say what you got out of mentoring in at most %(num)d character.",
        "Say what you got out of mentoring in at most %(num)d characters."))
