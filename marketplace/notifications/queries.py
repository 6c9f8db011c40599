"""What the notification pages read: a page of a user's notifications, one of them,
and how many are unread."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..core import audit
from ..extensions import db
from .models import Notification

PER_PAGE = 30


def unread_count(user):
    return db.session.scalar(_unread(user.id))


def unread_count_of(user_id_column):
    """The count of each user's unread notifications, as a column to load users with."""
    return _unread(user_id_column).scalar_subquery()


def _unread(user_id):
    return select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))


def page_of(user, page):
    """A page of the user's notifications, with the people they name (one statement
    for the page, whoever they name)."""
    return db.paginate(select(Notification).where(Notification.user_id == user.id)
                       .options(joinedload(Notification.person))
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=page, per_page=PER_PAGE, error_out=False)


def notification_for(user, notification_id):
    return audit.get_if(Notification, notification_id, "notification",
                        lambda notification: notification.user_id == user.id)
