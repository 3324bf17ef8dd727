"""The audit log: every service that changes state records one event in the same transaction."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.access import Role, authorize
from labelwise.core.clock import utcnow
from labelwise.store.models import Event, User


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = None,
    project_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        Event(
            project_id=project_id,
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            before=before,
            after=after,
            created_at=utcnow(),
        )
    )


def list_events(
    session: Session, user: User, project_id: int, *, after: int = 0, limit: int = 100, action: str | None = None
) -> list[Event]:
    """A project's events in order, for its managers."""
    authorize(session, user, project_id, Role.MANAGER)
    stmt = select(Event).where(Event.project_id == project_id, Event.id > after)
    if action:
        stmt = stmt.where(Event.action == action)
    return list(session.scalars(stmt.order_by(Event.id).limit(limit)))
