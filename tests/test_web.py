"""The one way a view changes state (web/transaction), and the layout rules that keep
views, services and packages in their places."""

import ast

import pytest
from flask import g, get_flashed_messages
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired

from marketplace.config import PROJECT_ROOT
from marketplace.core import audit
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.program.models import FocusArea
from marketplace.web.forms import BaseForm
from marketplace.web.transaction import form_status, perform, transaction

PACKAGE = PROJECT_ROOT / "marketplace"


def area_count():
    return db.session.scalar(select(func.count(FocusArea.id)))


def add_area(name="Negotiation practice"):
    db.session.add(FocusArea(name_en=name, name_it=name))
    db.session.flush()
    return name


def refuse_it():
    add_area()
    raise DomainError("Not today.")


class NameForm(BaseForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])


class TestTransaction:
    def test_commits_what_the_block_changed(self, request_ctx):
        before = area_count()
        with transaction():
            add_area()
        db.session.rollback()  # nothing left to roll back: it is committed
        assert area_count() == before + 1

    def test_rolls_back_and_passes_the_refusal_on(self, request_ctx):
        before = area_count()
        with pytest.raises(DomainError, match="Not today."), transaction():
            refuse_it()
        assert area_count() == before


class TestPerform:
    def test_success_commits_and_says_so(self, request_ctx):
        before = area_count()
        assert perform(add_area, lambda name: f"{name} added.") is True
        db.session.rollback()
        assert area_count() == before + 1
        assert get_flashed_messages(with_categories=True) == [
            ("success", "Negotiation practice added.")]

    def test_a_change_without_a_message_flashes_nothing(self, request_ctx):
        assert perform(add_area, None) is True
        assert get_flashed_messages() == []

    def test_a_refusal_rolls_back_and_is_flashed(self, request_ctx):
        before = area_count()
        assert perform(refuse_it, "Never shown.") is False
        assert area_count() == before
        assert get_flashed_messages(with_categories=True) == [("error", "Not today.")]

    def test_a_refused_form_answers_409_and_an_invalid_one_422(self, app):
        with app.test_request_context(method="POST", data={"name": "Anna"}):
            form = NameForm()
            assert form.validate()
            assert perform(refuse_it, "Never shown.", form=form) is False
            assert form_status(form) == 409
            assert get_flashed_messages() == ["Not today."]
        with app.test_request_context(method="POST", data={"name": ""}):
            form = NameForm()
            assert not form.validate()
            assert form_status(form) == 422
        with app.test_request_context():
            assert form_status(NameForm()) == 200


# The layout -----------------------------------------------------------------------------

def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PROJECT_ROOT).as_posix(), ast.parse(path.read_text())


def imports_inside_functions(tree):
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield function.name


def test_no_import_inside_a_function_but_the_app_factorys():
    """An import inside a function hides a cycle between packages. The app factory's
    are not that: they keep `import marketplace` from loading every view."""
    found = {(name, function) for name, tree in modules()
             for function in imports_inside_functions(tree)}
    assert found == {("marketplace/__init__.py", "create_app"),
                     ("marketplace/__init__.py", "register_blueprints")}


def session_calls(tree):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
                and ast.unparse(node.func.value) == "db.session"):
            yield node.func.attr


def test_views_change_state_through_the_transaction_helper_only():
    """Only logging in commits by hand: a refused login keeps its audit record."""
    found = {name: list(session_calls(tree)) for name, tree in modules()
             if name.endswith("/views.py")}
    assert {name: calls for name, calls in found.items() if calls} == {
        "marketplace/accounts/views.py": ["commit", "commit"]}


def test_every_domain_package_init_is_a_docstring_only():
    for init in PACKAGE.glob("*/__init__.py"):
        body = ast.parse(init.read_text()).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), init
        assert isinstance(body[0].value, ast.Constant), init


class TestGetIf:
    """The loaders' one shape (core/audit.get_if)."""

    def test_the_row_when_allowed_none_when_missing(self, request_ctx):
        name = add_area()
        area = db.session.scalar(select(FocusArea).where(FocusArea.name_en == name))
        assert audit.get_if(FocusArea, area.id, "area", lambda row: True) is area
        assert audit.get_if(FocusArea, 999_999, "area", lambda row: False) is None
        assert not audit.access_was_denied()  # a missing row is no refusal

    def test_a_row_not_theirs_is_none_and_noted(self, request_ctx):
        name = add_area()
        area = db.session.scalar(select(FocusArea).where(FocusArea.name_en == name))
        assert audit.get_if(FocusArea, area.id, "area", lambda row: False) is None
        assert audit.access_was_denied()
        assert g.access_denied == {"object": "area", "object_id": area.id}
