"""Issue 22, "English too": a form's messages say what to do about the field, in English
and in Italian, instead of WTForms' generic "Field must be between 40 and 1000
characters long." or "This field is required.".

Two parts: a walk over every form class of every `forms` module under marketplace/
(nothing listed by hand), which finds no validator left to WTForms' generic message on
a field a person fills; and submissions of representative forms (a request to a mentor,
the mentor profile, registration, a check-in, an invitation) in both languages, where
too little, too much or nothing gives the field's own message, a 422 and no new row.
"""

import importlib
import inspect
import pkgutil
from datetime import timedelta

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select
from wtforms import Form, HiddenField
from wtforms.fields.core import UnboundField
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NoneOf,
    NumberRange,
    Regexp,
)

import marketplace
from marketplace.accounts.models import User
from marketplace.admin.forms import program_texts_form
from marketplace.config import PROJECT_ROOT
from marketplace.extensions import db
from marketplace.invitations.models import Invitation
from marketplace.mentors.models import MentorProfile
from marketplace.mentorships.models import CheckIn, MentorshipRequest
from marketplace.program.texts import PARTS
from marketplace.web.forms import BaseForm, TextLength

from .builders import (
    GOAL,
    MEASURES,
    SITUATION,
    field_errors,
    shows,
    start_mentorship,
    today,
)
from .factories import make_area, make_profile, make_user
from .helpers import login_client

LANGUAGES = ["en", "it"]
ACCEPT_LANGUAGE = {"en": "en-GB,en;q=0.9", "it": "it-IT,it;q=0.9"}
PASSWORD = "a brand new passphrase"

# Validators whose message WTForms writes when none is given (Length: see TextLength).
WITH_A_MESSAGE = (DataRequired, InputRequired, NumberRange, Email, EqualTo, URL, Regexp,
                  AnyOf, NoneOf)


def chars(singular):
    """The N_plural pair of a "… %(num)d character …" message."""
    return singular, singular.replace("%(num)d character", "%(num)d characters")


def said(app, language, message, num=None, **values):
    """`message` as the app shows it in `language`: a pair goes through ngettext with
    `num`; `values` fill a range's %(min)s and %(max)s."""
    with app.test_request_context(), force_locale(language):
        if isinstance(message, tuple):
            return ngettext(*message, num)
        text = gettext(message)
    return text % values if values else text


@pytest.fixture(scope="module")
def generic():
    """WTForms' own messages in English and in our Italian catalog: none may show."""
    with open(f"{wtforms.i18n.messages_path()}/wtforms.pot", "rb") as pot:
        ids = [msgid for message in read_po(pot) if message.id
               for msgid in (message.id if isinstance(message.id, tuple) else (message.id,))]
    with (PROJECT_ROOT / "translations" / "it" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    italian = []
    for msgid in ids:
        message = catalog.get(msgid)
        if message is not None:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            italian += [form for form in forms if form]
    # Up to the first placeholder: "Field must be between", "Il campo deve…"
    prefixes = {text.split("%")[0].strip() for text in ids + italian}
    return {prefix for prefix in prefixes if len(prefix) > 12}


def assert_no_generic_message(page, generic):
    shown = [text for text in generic if text in page]
    assert shown == [], f"WTForms' generic messages on the page: {shown}"


# 1. Every validator of every form has its own message --------------------------------

def form_classes():
    modules = [importlib.import_module(info.name)
               for info in pkgutil.walk_packages(marketplace.__path__, "marketplace.")
               if info.name.rsplit(".", 1)[-1] == "forms"]
    return {(cls.__module__, cls.__name__): cls for module in modules
            for _name, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Form) and cls.__module__ == module.__name__}


def unbound_validators(cls):
    """{field name: validators} of the fields a person fills in a form class (hidden
    fields carry what the page itself sent back, never what someone typed)."""
    found = {}
    for name, unbound in inspect.getmembers(cls, lambda v: isinstance(v, UnboundField)):
        if issubclass(unbound.field_class, HiddenField):
            continue
        found[name] = (unbound.kwargs.get("validators")
                       or (unbound.args[1] if len(unbound.args) > 1 else []))
    return found


def every_validator(app):
    """[(where, validator)] for every form class, and the program page's form, whose
    fields are made from the page's parts when it is built."""
    found = []
    for (module, cls_name), cls in sorted(form_classes().items()):
        for field, validators in unbound_validators(cls).items():
            found += [(f"{module}.{cls_name}.{field}", v) for v in validators]
    with app.test_request_context():
        form = program_texts_form(PARTS, meta={"csrf": False})
        for field in form:
            if not isinstance(field, HiddenField):
                found += [(f"program_texts_form.{field.name}", v) for v in field.validators]
    return found


def rendered(validator):
    """Each message the validator can give, as shown (English, Italian)."""
    if isinstance(validator, TextLength):
        pairs = [(validator.too_short, validator.min), (validator.too_long, validator.max)]
        return [(ngettext(*message, bound)) for message, bound in pairs if message]
    return [str(validator.message) % {"min": getattr(validator, "min", None),
                                      "max": getattr(validator, "max", None)}]


def test_the_walk_finds_the_known_fields(app):
    where = {name for name, _validator in every_validator(app)}
    assert {"marketplace.mentorships.forms.RequestForm.goal",
            "marketplace.mentors.forms.MentorProfileForm.bio",
            "marketplace.accounts.forms.RegistrationForm.email",
            "marketplace.mentorships.forms.CheckInForm.summary",
            "marketplace.invitations.forms.InvitationForm.message",
            "program_texts_form.purpose_en"} <= where


def test_no_validator_falls_back_to_a_generic_message(app, generic):
    """Every length check is a TextLength (a message for each bound), every other
    validator WTForms would word itself has a `message`, and each message reads in
    both languages, none of them a generic one."""
    problems = []
    for where, validator in every_validator(app):
        if isinstance(validator, Length) and not isinstance(validator, TextLength):
            problems.append(f"{where}: {type(validator).__name__} instead of TextLength")
            continue
        if isinstance(validator, WITH_A_MESSAGE) and validator.message is None:
            problems.append(f"{where}: {type(validator).__name__} without a message")
            continue
        if not isinstance(validator, (TextLength, *WITH_A_MESSAGE)):
            continue  # the project's own checks, which always say what to do
        texts = {}
        for language in LANGUAGES:
            with app.test_request_context(), force_locale(language):
                texts[language] = rendered(validator)
        for text in texts["en"] + texts["it"]:
            if any(text.startswith(message) for message in generic):
                problems.append(f"{where}: generic {text!r}")
        if texts["en"] == texts["it"]:
            problems.append(f"{where}: no Italian for {texts['en']}")
    assert problems == []


def test_text_length_wants_a_message_for_each_bound():
    message = chars("Write at least %(num)d character.")
    with pytest.raises(TypeError):
        TextLength(min=10, max=100, too_short=message)
    with pytest.raises(TypeError):
        TextLength(max=100)
    with pytest.raises(TypeError):
        TextLength(max=100, too_short=message, too_long=message)
    assert TextLength(max=100, too_long=message).max == 100


@pytest.mark.parametrize("language, data, expected", [
    ("en", "", "Write at least 1 character so readers understand what changed."),
    ("it", "", "Scrivi almeno 1 carattere, così chi legge capisce cosa è cambiato."),
    ("en", "abcd", "Shorten your story to at most 3 characters."),
    ("it", "abcd", "Accorcia la storia: al massimo 3 caratteri."),
])
def test_text_length_says_the_bound_in_the_right_plural(app, language, data, expected):
    """The catalog's own pairs, with a bound of 1 and of 3: "1 carattere", "3 caratteri"."""
    class Story(BaseForm):
        class Meta:
            csrf = False
        body = wtforms.StringField(validators=[TextLength(
            min=1, max=3,
            too_short=chars("Write at least %(num)d character so readers understand what "
                            "changed."),
            too_long=chars("Shorten your story to at most %(num)d character."))])

    with app.test_request_context(method="POST", data={"body": data}), \
            force_locale(language):
        form = Story()
        assert not form.validate()
        assert form.body.errors == [expected]


# 2. What a person sees --------------------------------------------------------------

REQUEST_CASES = [
    ("goal", "Sell more.",
     chars("Write at least %(num)d character so your mentor understands what you want "
           "to achieve."), {"num": 40}),
    ("goal", "x" * 1001,
     chars("Shorten your goal to at most %(num)d character: the details go under “Where "
           "you are now”."), {"num": 1000}),
    ("goal", "   ", "Write the goal you want to reach.", {}),
    ("current_situation", "Things could be better.",
     chars("Write at least %(num)d character so your mentor understands where you stand."),
     {"num": 80}),
    ("current_situation", "x" * 3001,
     chars("Shorten the description of where you stand to at most %(num)d character."),
     {"num": 3000}),
    ("success_measures", "", "Say how you will measure success.", {}),
    ("hours_per_month", "21", "Enter from %(min)s to %(max)s hours a month.",
     {"min": 1, "max": 20}),
]

PROFILE_CASES = [
    ("bio", "Too short.",
     chars("Write at least %(num)d character about yourself, so mentees can tell whether "
           "you are the mentor for them."), {"num": 80}),
    ("bio", "x" * 4001, chars("Shorten your bio to at most %(num)d character."),
     {"num": 4000}),
    ("headline", "x" * 161,
     chars("Keep your headline to one line: at most %(num)d character."), {"num": 160}),
    ("working_style", "", "Describe how you like to work with a mentee.", {}),
    ("capacity", "11", "Choose from %(min)s to %(max)s mentees.", {"min": 1, "max": 10}),
    ("capacity", "", "Enter how many mentees you can take on at the same time.", {}),
]

REGISTRATION_CASES = [
    ("email", "", "Enter your email address.", {}),
    ("email", "not-an-email", "Enter a valid email address, like name@example.com.", {}),
    ("full_name", "", "Enter your first name and surname.", {}),
    ("full_name", "N" * 121, chars("Shorten the name to at most %(num)d character."),
     {"num": 120}),
    ("password", "", "Choose a password.", {}),
    ("confirm", "", "Type the password again.", {}),
]

CHECK_IN_CASES = [
    ("summary", "Talked.",
     chars("Write at least %(num)d character on what you discussed."), {"num": 10}),
    ("summary", "x" * 3001, chars("Shorten the summary to at most %(num)d character."),
     {"num": 3000}),
    ("summary", "", "Write what you discussed.", {}),
    ("minutes", "481", "Enter from %(min)s to %(max)s minutes.", {"min": 5, "max": 480}),
    ("date", "", "Enter the date of the meeting.", {}),
]

INVITATION_CASES = [
    ("name", "", "Enter the name of the person you invite.", {}),
    ("email", "", "Enter the email address of the person you invite.", {}),
    ("message", "", "Write them a message: why them, and what you hope to work on "
                    "together.", {}),
    ("message", "x" * 2001, chars("Shorten your message to at most %(num)d character."),
     {"num": 2000}),
]


def case_ids(cases):
    return [f"{field}-{'empty' if not value.strip() else len(value)}"
            for field, value, _message, _values in cases]


def expected(app, language, message, values):
    text = said(app, language, message, **values)
    if language == "it":
        assert text != said(app, "en", message, **values), f"no Italian for {message!r}"
    return text


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def check_the_answer(app, response, language, field, message, values, generic):
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = field_errors(page, field)
    assert shows(errors, expected(app, language, message, values)), errors
    assert_no_generic_message(page, generic)


@pytest.fixture
def mentor(app):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        profile = make_profile(make_user(email="marco@example.com", full_name="Marco Mentor"),
                               areas=[area], capacity=2, monthly_hours=6)
        return profile, area


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field, value, message, values", REQUEST_CASES,
                         ids=case_ids(REQUEST_CASES))
def test_request_to_a_mentor(app, mentor, generic, language, field, value, message, values):
    profile, area = mentor
    with app.app_context():
        mentee = make_user(email="sara@example.com", language=language)
    client = login_client(app, mentee.email)
    data = {"area": str(area.id), "goal": GOAL,
            "target_date": (today() + timedelta(days=90)).isoformat(),
            "current_situation": SITUATION, "success_measures": MEASURES,
            "hours_per_month": "2", "duration_months": "6", "cadence": "biweekly",
            "meeting_format": "video", "message": "", "acknowledge": "y", field: value}
    response = client.submit(f"/mentors/{profile.id}/request", data=data)
    check_the_answer(app, response, language, field, message, values, generic)
    with app.app_context():
        assert count(MentorshipRequest) == 0


PROFILE_TEXT = {
    "headline": "Twenty years of enterprise deals in manufacturing",
    "bio": ("I have sold enterprise software to manufacturers for twenty years, and I like "
            "to help people plan their accounts and prepare their negotiations."),
    "working_style": "A call every two weeks, with a short written plan before each one.",
    "motivation": "I learn how the new generation sells, and I keep my own habits honest.",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field, value, message, values", PROFILE_CASES,
                         ids=case_ids(PROFILE_CASES))
def test_mentor_profile(app, generic, language, field, value, message, values):
    with app.app_context():
        area = make_area("Negotiation", "Negoziazione")
        user = make_user(email="giulia@example.com", language=language)
    client = login_client(app, user.email)
    data = {**PROFILE_TEXT, "headline_other": "", "bio_other": "", "areas": [str(area.id)],
            "years_experience": "15", "region": "it-north", "languages": ["en", "it"],
            "formats": ["video"], "capacity": "3", "monthly_hours": "6", "accepting": "y",
            "affiliation": "internal", "company": "", "conflicts": "", field: value}
    response = client.submit("/profile/mentor", data=data)
    check_the_answer(app, response, language, field, message, values, generic)
    with app.app_context():
        assert count(MentorProfile) == 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field, value, message, values", REGISTRATION_CASES,
                         ids=case_ids(REGISTRATION_CASES))
def test_registration(app, client, generic, language, field, value, message, values):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ACCEPT_LANGUAGE[language]
    with app.app_context():
        before = count(User)
    data = {"email": "nina@example.com", "full_name": "Nina New", "password": PASSWORD,
            "confirm": PASSWORD, "language": language, field: value}
    response = client.submit("/auth/register", data=data)
    check_the_answer(app, response, language, field, message, values, generic)
    with app.app_context():
        assert count(User) == before


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field, value, message, values", CHECK_IN_CASES,
                         ids=case_ids(CHECK_IN_CASES))
def test_check_in(app, mentor, generic, language, field, value, message, values):
    profile, area = mentor
    with app.app_context():
        mentee = make_user(email="sara@example.com", language=language)
        mentorship_id = start_mentorship(mentee.id, profile.id, area.id)
    client = login_client(app, mentee.email)
    data = {"date": today().isoformat(), "minutes": "45",
            "summary": "We prepared the renewal call with the CFO.", "next_steps": "",
            field: value}
    response = client.submit(f"/mentorships/{mentorship_id}/checkins", data=data)
    check_the_answer(app, response, language, field, message, values, generic)
    with app.app_context():
        assert count(CheckIn) == 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("field, value, message, values", INVITATION_CASES,
                         ids=case_ids(INVITATION_CASES))
def test_invitation(app, generic, language, field, value, message, values):
    with app.app_context():
        rep = make_user(email="rita@example.com", language=language)
    client = login_client(app, rep.email)
    data = {"name": "Marco Bianchi", "email": "marco@outside.example.com",
            "message": "You taught me negotiation at Acme; I want to get better at closing.",
            "language": "en", field: value}
    response = client.submit("/invitations", data=data)
    check_the_answer(app, response, language, field, message, values, generic)
    with app.app_context():
        assert count(Invitation) == 0
