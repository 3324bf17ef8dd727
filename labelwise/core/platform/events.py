"""The audit log: every service that changes state records one event in the same transaction.

Recording one also queues the webhook deliveries it stands for (`webhook_outbox.from_audit`)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform import webhook_outbox
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import parse_when, utcnow
from labelwise.errors import Invalid
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
    webhook_outbox.from_audit(session, actor=actor, action=action, object_type=object_type, object_id=object_id,
                              project_id=project_id, before=before, after=after)


@dataclass(frozen=True)
class EventFilter:
    """Which events to list: every field narrows the result; None means any."""

    action: str | None = None  # exact, or a prefix ending in '.' or '*' ("annotation." / "review*")
    actor: str | None = None  # username or user id
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(
    session: Session, user: User, project_id: int, *, after: int = 0, limit: int = 100, action: str | None = None,
    filters: EventFilter | None = None,
) -> list[Event]:
    """A project's events in id order after `after` (keyset paging), for its managers."""
    authorize(session, user, project_id, Role.MANAGER)
    filters = filters or EventFilter(action=action)
    stmt = _filtered(session, project_id, filters).where(Event.id > after)
    return list(session.scalars(stmt.order_by(Event.id).limit(limit)))


def iter_events(session: Session, project_id: int, filters: EventFilter, *, batch: int = 1000) -> Iterator[Event]:
    """Every matching event in id order, a batch at a time (the caller has authorised it)."""
    last = 0
    while True:
        rows = list(session.scalars(_filtered(session, project_id, filters).where(Event.id > last)
                                    .order_by(Event.id).limit(batch)))
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def event_filter(*, action=None, actor=None, object_type=None, object_id=None, since=None, until=None) -> EventFilter:
    """Filters from query strings; a bad date is an `Invalid` naming its field."""
    start, end = parse_when(since, "since"), parse_when(until, "until")
    if start and end and start > end:
        raise Invalid("'since' is after 'until'", field="since")
    return EventFilter(action=action or None, actor=actor or None, object_type=object_type or None,
                       object_id=object_id or None, since=start, until=end)


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _filtered(session: Session, project_id: int, filters: EventFilter):
    stmt = select(Event).where(Event.project_id == project_id)
    if filters.action:
        if filters.action.endswith(("*", ".")):
            stmt = stmt.where(Event.action.startswith(filters.action.rstrip("*"), autoescape=True))
        else:
            stmt = stmt.where(Event.action == filters.action)
    if filters.actor:
        stmt = stmt.where(Event.actor_id == _actor_id(session, filters.actor))
    if filters.object_type:
        stmt = stmt.where(Event.object_type == filters.object_type)
    if filters.object_id:
        stmt = stmt.where(Event.object_id == str(filters.object_id))
    if filters.since:
        stmt = stmt.where(Event.created_at >= filters.since)
    if filters.until:
        stmt = stmt.where(Event.created_at < filters.until)
    return stmt


def _actor_id(session: Session, actor: str) -> int:
    found = session.scalar(select(User.id).where(User.username == actor))
    if found is None and actor.isdigit():
        found = session.scalar(select(User.id).where(User.id == int(actor)))
    if found is None:
        raise Invalid(f"no user named '{actor}'", field="actor")
    return found
