"""Issue 21, "Words and small things": minimum lengths are stated in the field's hint
before the user types. The test walks every form class of every `forms` module under
marketplace/ (nothing is listed by hand): each field with a Length minimum has a hint
(its description) that says the number, in English and in Italian, and the page shows it.
"""

import importlib
import inspect
import pkgutil

import pytest
from flask_babel import force_locale
from wtforms import Form, HiddenField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import marketplace

from .builders import field_html
from .factories import make_area, make_profile, make_user


def form_modules():
    return [importlib.import_module(info.name)
            for info in pkgutil.walk_packages(marketplace.__path__, "marketplace.")
            if info.name.rsplit(".", 1)[-1] == "forms"]


def min_length_fields():
    """[(form class, field name, minimum, description)] for every visible field with a
    Length minimum, in the form classes the forms modules define."""
    found = {}
    for module in form_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Form) or cls.__module__ != module.__name__:
                continue
            for name, unbound in inspect.getmembers(cls, lambda v: isinstance(v, UnboundField)):
                if issubclass(unbound.field_class, HiddenField):
                    continue  # never typed by a person (the directory's file digests)
                validators = (unbound.kwargs.get("validators")
                              or (unbound.args[1] if len(unbound.args) > 1 else []))
                minimums = [v.min for v in validators if isinstance(v, Length) and v.min > 0]
                if minimums:
                    found[(cls.__module__, cls.__name__, name)] = (
                        max(minimums), unbound.kwargs.get("description"))
    return found


FIELDS = min_length_fields()


def test_the_walk_finds_the_known_fields():
    """A check of the walk itself: the request's texts, the bio and the story."""
    names = {(module.rsplit(".", 2)[-2], field) for module, _cls, field in FIELDS}
    assert {("mentorships", "goal"), ("mentorships", "current_situation"),
            ("mentorships", "success_measures"), ("mentors", "bio"), ("mentors", "bio_other"),
            ("stories", "body")} <= names


@pytest.mark.parametrize("key", sorted(FIELDS), ids=lambda key: ".".join(key[1:]))
@pytest.mark.parametrize("language", ["en", "it"])
def test_hint_states_the_minimum(app, key, language):
    minimum, description = FIELDS[key]
    assert description, f"{key} has a minimum length but no hint"
    with app.test_request_context(), force_locale(language):
        hint = str(description)
    assert str(minimum) in hint
    assert ("At least" if language == "en" else "Almeno") in hint


def test_request_form_shows_the_hints(app, client, auth):
    """The field macro shows the hint, linked to the field, before anything is typed."""
    with app.app_context():
        area = make_area()
        profile = make_profile(make_user(email="marco@example.com"), areas=[area])
        make_user(email="sara@example.com")
    auth.login("sara@example.com")
    page = client.get(f"/mentors/{profile.id}/request").get_data(as_text=True)
    goal = field_html(page, "goal")
    assert "At least 40 characters." in goal and 'aria-describedby="goal-hint"' in goal
    assert "At least 80 characters." in field_html(page, "current_situation")
    assert "At least 30 characters." in field_html(page, "success_measures")
