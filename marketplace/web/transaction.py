"""Running a state change from a view: one transaction, one message."""

from flask import flash

from ..errors import DomainError
from ..extensions import db


def perform(change, success):
    """Call `change()` (a service call); commit and flash `success` if it works, roll
    back and flash the rule it broke if not. `success` may be a callable taking the
    service's result. Returns True when the change was made."""
    try:
        result = change()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return True


def show_error(form, error):
    """Put a service's error next to its field, or at the top of the page."""
    if error.field in form:
        form[error.field].errors.append(error.message)
    else:
        flash(error.message, "error")
