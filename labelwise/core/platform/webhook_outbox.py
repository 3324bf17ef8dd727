"""The webhook outbox: an event becomes one `pending` delivery row per subscribed webhook, written in the
transaction that caused it, so it is sent exactly when that change commits and never lost to a restart.

Services call `emit`; every audit event (`events.record`) also passes `from_audit`, which turns the
actions in `AUDIT_EVENTS` into webhook events. Sending is elsewhere (`labelwise.core.webhooks.delivery`).

A project without active webhooks says so on its row (`Project.has_webhooks`), which the service has
usually loaded already, so its events cost no query. A session remembers a project's webhooks after the
first look (`session.info`), so a request that records several events asks once; webhook changes made
through a session clear that memory.
"""

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Project, User, Webhook, WebhookDelivery

EVENTS = (
    "annotation.created",
    "annotation.updated",
    "review.created",
    "consensus.changed",
    "task.completed",
    "batch.completed",
    "snapshot.created",
    "job.finished",
)
"""Every event a webhook can subscribe to (`ping` is sent on request only, whatever the subscription)."""

_CACHE_KEY = "labelwise.webhooks"


def emit(session: Session, project_id: int, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for every active webhook of the project subscribed to it; returns how many.
    Never commits: the rows belong to the caller's transaction."""
    hooks = [hook_id for hook_id, events in _hooks(session, project_id) if event in events]
    if not hooks:
        return 0
    now = utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    body = json.dumps({"id": event_id, "event": event, "created_at": now.isoformat() + "Z", "project_id": project_id,
                       "data": data}, default=str, separators=(",", ":"))
    for hook_id in hooks:
        session.add(WebhookDelivery(webhook_id=hook_id, project_id=project_id, event=event, event_id=event_id,
                                    body=body, status="pending", attempts=0, next_attempt_at=now, created_at=now))
    return len(hooks)


def wants(session: Session, project_id: int, event: str) -> bool:
    """Whether any active webhook of the project takes `event` (to skip work done only for webhooks)."""
    return any(event in events for _, events in _hooks(session, project_id))


def forget(session: Session) -> None:
    """Drop the session's memory of webhooks (after creating, changing or removing one)."""
    session.info.pop(_CACHE_KEY, None)


def from_audit(session: Session, *, actor: User | None, action: str, object_type: str, object_id: object,
               project_id: int | None, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """The webhook event, if any, of an audit event."""
    if project_id is None:
        return
    event = _audit_event(action, before)
    if event is None or not wants(session, project_id, event):
        return
    data: dict[str, Any] = {f"{object_type}_id": _maybe_int(object_id), "actor": actor.username if actor else None}
    if event == "review.created":
        data["verdict"] = action.removeprefix("review.")
    if event == "consensus.changed":
        data.update(reason="adjudicated", confidence=1.0, previous=(before or {}).get("consensus"))
    data.update(after or {})
    emit(session, project_id, event, data)


# audit action -> webhook event; "annotation.submitted" with a `before` is an answer submitted again
AUDIT_EVENTS = {
    "annotation.submitted": "annotation.created",
    "annotation.edited": "annotation.updated",
    "review.accept": "review.created",
    "review.reject": "review.created",
    "review.fix": "review.created",
    "snapshot.created": "snapshot.created",
    "task.adjudicated": "consensus.changed",
}


def _audit_event(action: str, before: dict[str, Any] | None) -> str | None:
    if action == "annotation.submitted" and before is not None:
        return "annotation.updated"
    return AUDIT_EVENTS.get(action)


def _hooks(session: Session, project_id: int) -> list[tuple[int, frozenset[str]]]:
    cache = session.info.setdefault(_CACHE_KEY, {})
    if project_id not in cache:
        with session.no_autoflush:  # a look-up from inside a service's transaction must not flush its rows early
            project = session.get(Project, project_id)  # usually loaded already by the service's authorization
            if project is None or not project.has_webhooks:
                cache[project_id] = []
            else:
                rows = session.execute(select(Webhook.id, Webhook.events)
                                       .where(Webhook.project_id == project_id, Webhook.active.is_(True)))
                cache[project_id] = [(hook_id, frozenset(events or ())) for hook_id, events in rows]
    return cache[project_id]


def _maybe_int(value: object) -> object:
    return int(value) if isinstance(value, str) and value.isdigit() else value
