from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from ..accounts.forms import AFFILIATION_CHOICES, COMPANY_TOO_LONG, HOURS_A_MONTH
from ..accounts.models import COMPANY_MAX, EXTERNAL, INTERNAL
from ..geography import REGIONS
from ..i18n import N_plural, language_name
from ..web.forms import BaseForm, MultiCheckboxField, TextLength, choices, strip
from .models import (
    BIO_MAX,
    BIO_MIN,
    CAPACITY_MAX,
    CAPACITY_MIN,
    CONFLICTS_MAX,
    HEADLINE_MAX,
    HOURS_MAX,
    HOURS_MIN,
    MOTIVATION_MAX,
    SPOKEN_LANGUAGES,
    WORKING_STYLE_MAX,
    YEARS_MAX,
)
from .search import Q_MAX, SORTS, Filters

FORMAT_LABELS = {"in_person": _l("In person"), "video": _l("Video call"),
                 "phone": _l("Phone")}
OTHER_LANGUAGE = {"en": "it", "it": "en"}


def at_least_one(message):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)
    return check


YEARS = _l("Enter from %(min)s to %(max)s years.")
HEADLINE_LENGTH = TextLength(max=HEADLINE_MAX, too_long=N_plural(
    "Keep your headline to one line: at most %(num)d character.",
    "Keep your headline to one line: at most %(num)d characters."))
BIO_TOO_LONG = N_plural("Shorten your bio to at most %(num)d character.",
                        "Shorten your bio to at most %(num)d characters.")


class LengthIfGiven(TextLength):
    """TextLength, but an empty field passes: the bio may be written in the other
    language only (see validate_bio). A class rather than a lambda, so the minimum can
    be read (the hints test checks each minimum is stated in its field's hint)."""

    def __call__(self, form, field):
        if field.data:
            super().__call__(form, field)


class MentorProfileForm(BaseForm):
    """The mentor profile. `headline` and `bio` are in the language the mentor uses
    the site in; `headline_other` and `bio_other`, optional, in the other one."""

    # A headline and a bio in at least one of the two languages (see validate_*).
    headline = StringField(_l("Headline"), filters=[strip], validators=[HEADLINE_LENGTH],
        description=_l("One line on what you can help with, e.g. “Twenty years of "
                       "enterprise deals in manufacturing”."))
    headline_other = StringField(filters=[strip], validators=[Optional(), HEADLINE_LENGTH])
    bio = TextAreaField(_l("About you"), filters=[strip], validators=[
        LengthIfGiven(min=BIO_MIN, max=BIO_MAX, too_short=N_plural(
            "Write at least %(num)d character about yourself, so mentees can tell whether "
            "you are the mentor for them.",
            "Write at least %(num)d characters about yourself, so mentees can tell whether "
            "you are the mentor for them."), too_long=BIO_TOO_LONG)],
        description=_l("Your experience, what you have learned and how you like to "
                       "mentor. At least %(num)d characters.", num=BIO_MIN))
    bio_other = TextAreaField(filters=[strip], validators=[
        Optional(), TextLength(min=BIO_MIN, max=BIO_MAX, too_short=N_plural(
            "Write at least %(num)d character in the other language too, or leave it empty.",
            "Write at least %(num)d characters in the other language too, or leave it "
            "empty."), too_long=BIO_TOO_LONG)],
        description=_l("At least %(num)d characters, if you write it.", num=BIO_MIN))
    areas = MultiCheckboxField(_l("Focus areas"), coerce=int, validators=[
        at_least_one(_l("Choose at least one focus area."))])
    years_experience = IntegerField(_l("Years of experience in sales"), validators=[
        InputRequired(message=_l("Enter your years of experience in sales.")),
        NumberRange(min=0, max=YEARS_MAX, message=YEARS)])
    region = SelectField(_l("Region"), validators=[
        DataRequired(message=_l("Choose your region."))])
    languages = MultiCheckboxField(_l("Languages you can mentor in"), validators=[
        at_least_one(_l("Choose at least one language."))])
    formats = MultiCheckboxField(_l("Meeting formats"), validators=[
        at_least_one(_l("Choose at least one way of meeting."))])
    capacity = IntegerField(_l("Mentees at the same time"), validators=[
        InputRequired(message=_l("Enter how many mentees you can take on at the same time.")),
        NumberRange(min=CAPACITY_MIN, max=CAPACITY_MAX,
                    message=_l("Choose from %(min)s to %(max)s mentees."))],
        description=_l("From 1 to 10. You will never be given more."))
    monthly_hours = IntegerField(_l("Hours a month you can give"), validators=[
        InputRequired(message=_l("Enter how many hours a month you can give.")),
        NumberRange(min=HOURS_MIN, max=HOURS_MAX, message=HOURS_A_MONTH)],
        description=_l("In total, for all your mentees."))
    working_style = TextAreaField(_l("Working style"), filters=[strip], validators=[
        DataRequired(message=_l("Describe how you like to work with a mentee.")),
        TextLength(max=WORKING_STYLE_MAX, too_long=N_plural(
            "Describe your working style in at most %(num)d character.",
            "Describe your working style in at most %(num)d characters."))],
        description=_l("How you like to work with a mentee: frequency, preparation, "
                       "follow-up."))
    motivation = TextAreaField(_l("What you get out of mentoring"), filters=[strip], validators=[
        DataRequired(message=_l("Tell mentees what you get out of mentoring.")),
        TextLength(max=MOTIVATION_MAX, too_long=N_plural(
            "Say what you get out of mentoring in at most %(num)d character.",
            "Say what you get out of mentoring in at most %(num)d characters."))])
    accepting = BooleanField(_l("I accept new requests now"), default=True)
    affiliation = RadioField(_l("Where you work"), choices=AFFILIATION_CHOICES,
                             validators=[InputRequired(message=_l("Choose where you work."))])
    company = StringField(_l("Company"), filters=[strip],
                          description=_l("Only if you are external."),
                          validators=[TextLength(max=COMPANY_MAX, too_long=COMPANY_TOO_LONG)])
    confidentiality = BooleanField(_l(
        "I will keep confidential everything I learn about the company, its customers "
        "and its people through mentoring."))
    conflicts = TextAreaField(_l("Conflicts of interest"), filters=[strip], validators=[
        TextLength(max=CONFLICTS_MAX, too_long=N_plural(
            "Describe your conflicts of interest in at most %(num)d character.",
            "Describe your conflicts of interest in at most %(num)d characters."))],
        description=_l("For example, working for a competitor, a customer or a supplier. "
                       "Write “none” if there are none."))

    def __init__(self, language, areas, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        other = language_name(OTHER_LANGUAGE[language], language, capitalize=False)
        self.headline_other.label.text = _l("Headline in %(language)s (optional)",
                                            language=other)
        self.bio_other.label.text = _l("About you in %(language)s (optional)",
                                       language=other)
        self.area_objects = {area.id: area for area in areas}
        self.areas.choices = choices((area.id, area.name(language)) for area in areas)
        self.region.choices = choices([("", _l("Choose a region")), *REGIONS])
        self.languages.choices = choices((code, language_name(code))
                                         for code in SPOKEN_LANGUAGES)
        self.formats.choices = choices(FORMAT_LABELS.items())

    def validate_headline(self, field):
        if not (field.data or self.headline_other.data):
            raise ValidationError(_l("Write a headline."))

    def validate_bio(self, field):
        if not (field.data or self.bio_other.data):
            raise ValidationError(_l("Write a short bio."))

    def validate_company(self, field):
        if self.affiliation.data == EXTERNAL and not field.data:
            raise ValidationError(_l("Tell us which company you work for."))

    def validate_confidentiality(self, field):
        if self.affiliation.data == EXTERNAL and not field.data:
            raise ValidationError(_l("External mentors must agree to keep what they learn "
                                "confidential."))

    def validate_conflicts(self, field):
        if self.affiliation.data == EXTERNAL and not field.data:
            raise ValidationError(_l("Declare any conflict of interest, or write “none”."))

    # Between the form and the services -------------------------------------------------

    def load(self, content, profile):
        """Fill the form from a revision (vetted content) and the profile (details)."""
        own, other = self.language, OTHER_LANGUAGE[self.language]
        self.headline.data = getattr(content, f"headline_{own}") or ""
        self.headline_other.data = getattr(content, f"headline_{other}") or ""
        self.bio.data = getattr(content, f"bio_{own}") or ""
        self.bio_other.data = getattr(content, f"bio_{other}") or ""
        self.areas.data = [area.id for area in content.areas]
        for name in ("affiliation", "company", "confidentiality", "conflicts"):
            getattr(self, name).data = getattr(content, name)
        for name in ("years_experience", "region", "working_style", "motivation",
                     "capacity", "monthly_hours", "accepting"):
            getattr(self, name).data = getattr(profile, name)
        self.languages.data = profile.language_codes
        self.formats.data = profile.format_codes

    def content(self):
        own, other = self.language, OTHER_LANGUAGE[self.language]
        return {
            f"headline_{own}": self.headline.data or None,
            f"headline_{other}": self.headline_other.data or None,
            f"bio_{own}": self.bio.data or None,
            f"bio_{other}": self.bio_other.data or None,
            "areas": [self.area_objects[area_id] for area_id in self.areas.data],
            "affiliation": self.affiliation.data,
            "company": self.company.data or None,
            "confidentiality": bool(self.confidentiality.data),
            "conflicts": self.conflicts.data or None,
        }

    def details(self):
        return {name: getattr(self, name).data for name in (
            "years_experience", "region", "working_style", "motivation", "capacity",
            "monthly_hours", "accepting", "languages", "formats")}


class BrowseForm(BaseForm):
    """The filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), filters=[lambda value: (value or "").strip()[:Q_MAX]],
                    description=_l("Name, headline or bio"))
    area = SelectField(_l("Focus area"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    affiliation = SelectField(_l("Internal or external"), validators=[Optional()], choices=choices([
        ("", _l("All")), (INTERNAL, _l("Internal")), (EXTERNAL, _l("External"))]))
    format = SelectField(_l("Meeting format"), validators=[Optional()])
    available = BooleanField(_l("Only mentors with a free place"))
    min_years = IntegerField(_l("Minimum years of experience"),
                             validators=[Optional(), NumberRange(min=0, max=YEARS_MAX,
                                                                 message=YEARS)])
    sort = SelectField(_l("Sort by"), choices=choices(SORTS.items()), default="match",
                       validators=[Optional()])

    def __init__(self, areas, language, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = choices([("", _l("Any area")),
                                     *((str(a.id), a.name(language)) for a in areas)])
        self.region.choices = choices([("", _l("Any region")), *REGIONS])
        self.language.choices = choices([("", _l("Any language")),
                                         *((code, language_name(code))
                                           for code in SPOKEN_LANGUAGES)])
        self.format.choices = choices([("", _l("Any format")), *FORMAT_LABELS.items()])

    def filters(self):
        """The valid filters only: a bad value in the address is ignored, not an error."""
        self.validate()
        value = {name: field.data for name, field in self._fields.items()
                 if not field.errors}
        return Filters(
            q=value.get("q") or "",
            area=int(value["area"]) if value.get("area") else None,
            region=value.get("region") or None,
            language=value.get("language") or None,
            affiliation=value.get("affiliation") or None,
            format=value.get("format") or None,
            available=bool(value.get("available")),
            min_years=value.get("min_years"),
            sort=value.get("sort") if value.get("sort") in SORTS else "match",
        )
