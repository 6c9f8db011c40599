"""Running a state change from a view: one transaction, one message."""

from flask import flash

from ..errors import DomainError
from ..extensions import db


def perform(change, success, *, form=None, after=None):
    """Call `change()` (a service call); commit and flash `success` if it works, roll
    back and show the rule it broke if not. Returns True when the change was made.

    `success` may be a callable taking the service's result. With `form`, the error goes
    next to the field it names (`show_error`), so the view shows the form again with the
    user's input. `after(result)` runs once the change is committed and before the
    message: starting a new session, say, which must not wipe the message out.
    """
    try:
        result = change()
    except DomainError as error:
        db.session.rollback()
        if form is None:
            flash(error.message, "error")
        else:
            show_error(form, error)
        return False
    db.session.commit()
    if after is not None:
        after(result)
    flash(success(result) if callable(success) else success, "success")
    return True


def show_error(form, error):
    """Put a service's error next to its field, or at the top of the page."""
    if getattr(error, "field", None) in form:
        form[error.field].errors.append(error.message)
    else:
        flash(error.message, "error")


def form_status(form):
    """The status of a page that shows a form: 422 when what was sent is shown again
    with its errors, so that every view answers an invalid form the same way."""
    return 422 if form.errors else 200
