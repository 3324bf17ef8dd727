"""Notifications: messages for one user, or alerts for a project's managers (`user_id` null).

Services add them inside their own transaction; reading and marking read is per caller. An alert
for managers is shared: once one manager marks it read, it is read for all of them.
"""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from labelwise.core.platform.clock import utcnow
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Member, Notification, User

MAX_LIMIT = 500


def notify(session: Session, *, project_id: int | None, user_id: int | None, kind: str, message: str) -> None:
    """Add a notification for `user_id`, or for the managers of `project_id` when `user_id` is None."""
    session.add(Notification(project_id=project_id, user_id=user_id, kind=kind, message=message,
                             created_at=utcnow()))


def list_notifications(session: Session, user: User, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
    """The caller's notifications and the alerts of projects they manage, newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = select(Notification).where(_visible(user))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    row = session.scalar(select(Notification).where(Notification.id == notification_id, _visible(user)))
    if row is None:
        raise NotFound(f"notification {notification_id} not found")
    if row.read_at is None:
        row.read_at = utcnow()
        session.commit()
    return row


def _visible(user: User):
    managed = select(Member.project_id).where(Member.user_id == user.id, Member.role == "manager")
    alerts = Notification.user_id.is_(None)
    if not user.is_admin:
        alerts = alerts & Notification.project_id.in_(managed)
    return or_(Notification.user_id == user.id, alerts)
