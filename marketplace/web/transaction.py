"""Running a state change from a view: one transaction, one message."""

from contextlib import contextmanager

from flask import flash

from ..errors import DomainError
from ..extensions import db


@contextmanager
def transaction():
    """Commit what the block changes, or roll it all back when a rule refuses it: the
    DomainError goes on to the view, for the pages that show a refusal their own way.
    Most views use `perform`, which shows it the usual way."""
    try:
        yield
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()


def perform(change, success, *, form=None, after=None):
    """Call `change()` (a service call); commit and flash `success` if it works, roll
    back and show the rule it broke if not. Returns True when the change was made.

    `success` may be a callable taking the service's result, or None for a change that
    needs no message. With `form`, the error goes
    next to the field it names (`show_error`), so the view shows the form again with the
    user's input. `after(result)` runs once the change is committed and before the
    message: starting a new session, say, which must not wipe the message out.
    """
    try:
        with transaction():
            result = change()
    except DomainError as error:
        if form is None:
            flash(error.message, "error")
        else:
            refuse(form, error)
        return False
    if after is not None:
        after(result)
    message = success(result) if callable(success) else success
    if message is not None:
        flash(message, "success")
    return True


def refuse(form, error):
    """A rule of the product refused what `form` asked for: put the service's error next
    to its field, or at the top of the page, and mark the form as refused."""
    form.refusal = error
    if getattr(error, "field", None) in form:
        form[error.field].errors.append(error.message)
    else:
        flash(error.message, "error")


def form_status(form):
    """The status of a page that shows a form, the same in every view: 409 when the form
    was valid but a rule refused it (`refuse`), 422 when the form itself is invalid,
    200 otherwise. Either way the form is shown again as it was written."""
    if getattr(form, "refusal", None) is not None:
        return 409
    return 422 if form.errors else 200
