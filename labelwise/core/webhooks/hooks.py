"""A project's webhooks (managers): add, list, change, remove, ping; their delivery log and redelivery.

The secret is shown once, when it is made (on creation or rotation); afterwards only its last four
characters. URLs are set by managers and administrators, who are trusted with the server's network
position; still, link-local addresses (where cloud metadata services answer) are refused unless the
administrator allows them (`webhook_allow_link_local`), here for literal addresses and again at send time
for names (`delivery.check_address`).
"""

import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events as audit
from labelwise.core.platform import webhook_outbox
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Conflict, Invalid
from labelwise.store.models import Project, User, Webhook, WebhookDelivery

MAX_URL = 2000
BLOCKED_HOSTS = frozenset({"metadata.google.internal", "metadata"})
DELIVERY_STATUSES = ("pending", "delivered", "failed")
MAX_DELIVERIES = 500


@dataclass(frozen=True)
class WebhookView:
    id: int
    project_id: int
    url: str
    events: list[str]
    description: str
    active: bool
    secret_hint: str
    secret: str | None  # only right after it was made
    deliveries: dict[str, int]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryView:
    id: int
    webhook_id: int
    project_id: int
    event: str
    event_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_latency_ms: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    redelivery_of: int | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any] | None  # the body as sent, in the single-delivery view only


def create_webhook(session: Session, user: User, project_id: int, *, url: str, events: list[str] | None = None,
                   secret: str | None = None, description: str = "", active: bool = True,
                   allow_link_local: bool = False) -> WebhookView:
    authorize(session, user, project_id, Role.MANAGER)
    now = utcnow()
    hook = Webhook(project_id=project_id, url=check_url(url, allow_link_local=allow_link_local),
                   events=_checked_events(events), secret=_checked_secret(secret), description=_description(description),
                   active=_flag(active, "active"), created_by=user.id, created_at=now, updated_at=now)
    session.add(hook)
    session.flush()
    _sync_flag(session, project_id)
    audit.record(session, actor=user, action="webhook.created", object_type="webhook", object_id=hook.id,
                  project_id=project_id, after=_audit(hook))
    session.commit()
    webhook_outbox.forget(session)
    return view(session, hook, show_secret=True)


def list_webhooks(session: Session, user: User, project_id: int) -> list[WebhookView]:
    authorize(session, user, project_id, Role.MANAGER)
    hooks = session.scalars(select(Webhook).where(Webhook.project_id == project_id).order_by(Webhook.id))
    return [view(session, hook) for hook in hooks]


def get_webhook(session: Session, user: User, webhook_id: int) -> WebhookView:
    return view(session, _authorized(session, user, webhook_id))


def update_webhook(session: Session, user: User, webhook_id: int, changes: dict[str, Any], *,
                   allow_link_local: bool = False) -> WebhookView:
    """Change url, events, description, active; `secret` sets one, `rotate_secret` makes a new one."""
    hook = _authorized(session, user, webhook_id)
    before = _audit(hook)
    if changes.get("url") is not None:
        hook.url = check_url(changes["url"], allow_link_local=allow_link_local)
    if changes.get("events") is not None:
        hook.events = _checked_events(changes["events"])
    if changes.get("description") is not None:
        hook.description = _description(changes["description"])
    if changes.get("active") is not None:
        hook.active = _flag(changes["active"], "active")
    new_secret = changes.get("secret") is not None or bool(changes.get("rotate_secret"))
    if new_secret:
        hook.secret = _checked_secret(changes.get("secret"))
    hook.updated_at = utcnow()
    session.flush()
    _sync_flag(session, hook.project_id)
    audit.record(session, actor=user, action="webhook.updated", object_type="webhook", object_id=hook.id,
                  project_id=hook.project_id, before=before, after={**_audit(hook), "secret_changed": new_secret})
    session.commit()
    webhook_outbox.forget(session)
    return view(session, hook, show_secret=new_secret)


def delete_webhook(session: Session, user: User, webhook_id: int) -> None:
    """Remove the webhook and its delivery log; deliveries still pending are dropped with it."""
    hook = _authorized(session, user, webhook_id)
    audit.record(session, actor=user, action="webhook.deleted", object_type="webhook", object_id=hook.id,
                  project_id=hook.project_id, before=_audit(hook))
    session.delete(hook)
    session.flush()
    _sync_flag(session, hook.project_id)
    session.commit()
    webhook_outbox.forget(session)


def ping(session: Session, user: User, webhook_id: int) -> DeliveryView:
    """Queue a `ping` event to the webhook, whatever it subscribes to: a test of URL and secret."""
    hook = _authorized(session, user, webhook_id)
    now = utcnow()
    event_id = f"evt_{secrets.token_hex(16)}"
    body = json.dumps({"id": event_id, "event": "ping", "created_at": now.isoformat() + "Z",
                       "project_id": hook.project_id, "data": {"webhook_id": hook.id, "actor": user.username}},
                      separators=(",", ":"))
    row = WebhookDelivery(webhook_id=hook.id, project_id=hook.project_id, event="ping", event_id=event_id, body=body,
                          status="pending", attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    session.commit()
    return delivery_view(row)


def list_deliveries(session: Session, user: User, webhook_id: int, *, status: str | None = None,
                    event: str | None = None, before: int | None = None, limit: int = 50) -> list[DeliveryView]:
    """The webhook's delivery log, newest first; `before` (a delivery id) pages back."""
    hook = _authorized(session, user, webhook_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise Invalid(f"status must be one of {', '.join(DELIVERY_STATUSES)}, not '{status}'", field="status")
    if not 1 <= limit <= MAX_DELIVERIES:
        raise Invalid(f"limit must be between 1 and {MAX_DELIVERIES}", field="limit")
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event:
        stmt = stmt.where(WebhookDelivery.event == event)
    if before is not None:
        stmt = stmt.where(WebhookDelivery.id < before)
    rows = session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit))
    return [delivery_view(row, with_payload=False) for row in rows]


def get_delivery(session: Session, user: User, delivery_id: int) -> DeliveryView:
    return delivery_view(_authorized_delivery(session, user, delivery_id))


def redeliver(session: Session, user: User, delivery_id: int) -> DeliveryView:
    """Send a finished delivery again: a new delivery with the same event id and body, due now."""
    original = _authorized_delivery(session, user, delivery_id)
    if original.status == "pending":
        raise Conflict(f"delivery {delivery_id} is still pending (attempt {original.attempts + 1} is due at "
                       f"{original.next_attempt_at.isoformat()}Z); redeliver it once it has been delivered or failed")
    now = utcnow()
    row = WebhookDelivery(webhook_id=original.webhook_id, project_id=original.project_id, event=original.event,
                          event_id=original.event_id, body=original.body, status="pending", attempts=0,
                          next_attempt_at=now, redelivery_of=original.id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=user, action="webhook.redelivered", object_type="webhook_delivery",
                  object_id=original.id, project_id=original.project_id, after={"delivery_id": row.id})
    session.commit()
    return delivery_view(row)


def check_url(url: Any, *, allow_link_local: bool = False) -> str:
    """An absolute http(s) URL without credentials, and not on a link-local address unless allowed."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid("'url' must be an http:// or https:// URL", field="url")
    url = url.strip()
    if len(url) > MAX_URL:
        raise Invalid(f"'url' is longer than {MAX_URL} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"'url' is not a valid URL: {exc}", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"'url' must be an http:// or https:// URL with a host, not '{url}'", field="url")
    if parts.username or parts.password:
        raise Invalid("'url' must not carry a user name or password; webhooks are authenticated by their "
                      "signature", field="url")
    if port == 0:
        raise Invalid("'url' has port 0", field="url")
    if not allow_link_local and is_blocked_host(parts.hostname):
        raise Invalid(f"'url' points at a link-local address ({parts.hostname}), where cloud metadata services "
                      "answer; the administrator can allow it with LABELWISE_WEBHOOK_ALLOW_LINK_LOCAL", field="url")
    return url


def is_blocked_host(host: str) -> bool:
    """A metadata service's name, or a link-local address literal."""
    if host.lower().rstrip(".") in BLOCKED_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return is_blocked_address(address)


def is_blocked_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_link_local or bool(mapped and mapped.is_link_local)


def view(session: Session, hook: Webhook, *, show_secret: bool = False) -> WebhookView:
    counts = dict(session.execute(select(WebhookDelivery.status, func.count()).where(WebhookDelivery.webhook_id == hook.id)
                                  .group_by(WebhookDelivery.status)).all())
    return WebhookView(hook.id, hook.project_id, hook.url, list(hook.events or []), hook.description, hook.active,
                       "…" + hook.secret[-4:], hook.secret if show_secret else None,
                       {status: counts.get(status, 0) for status in DELIVERY_STATUSES}, hook.created_at, hook.updated_at)


def delivery_view(row: WebhookDelivery, *, with_payload: bool = True) -> DeliveryView:
    return DeliveryView(row.id, row.webhook_id, row.project_id, row.event, row.event_id, row.status, row.attempts,
                        row.next_attempt_at if row.status == "pending" else None, row.last_status_code,
                        row.last_latency_ms, row.last_error, row.last_attempt_at, row.redelivery_of, row.created_at,
                        row.delivered_at, json.loads(row.body) if with_payload else None)


def _checked_events(names: Any) -> list[str]:
    if names is None:
        return list(webhook_outbox.EVENTS)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise Invalid("'events' must be a list of event names", field="events")
    if "*" in names:
        return list(webhook_outbox.EVENTS)
    unknown = [n for n in names if n not in webhook_outbox.EVENTS]
    if unknown:
        raise Invalid(f"unknown event(s) {', '.join(repr(n) for n in unknown)}; choose from "
                      f"{', '.join(webhook_outbox.EVENTS)}", field="events")
    if not names:
        raise Invalid("'events' needs at least one event name (or '*' for all)", field="events")
    return [n for n in webhook_outbox.EVENTS if n in names]


def _checked_secret(secret: Any) -> str:
    if secret is None:
        return "whsec_" + secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 200 or secret != secret.strip():
        raise Invalid("'secret' must be 16-200 characters without surrounding spaces", field="secret")
    return secret


def _description(text: Any) -> str:
    if not isinstance(text, str) or len(text) > 500:
        raise Invalid("'description' must be text of at most 500 characters", field="description")
    return text.strip()


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"'{name}' must be true or false", field=name)
    return value


def _sync_flag(session: Session, project_id: int) -> None:
    """Keep `Project.has_webhooks` true exactly while the project has an active webhook. The project row is
    locked first, so of two managers changing webhooks at once the later one counts the other's change."""
    session.execute(select(Project.id).where(Project.id == project_id).with_for_update())
    active = session.scalar(select(Webhook.id).where(Webhook.project_id == project_id, Webhook.active.is_(True))
                            .limit(1))
    session.execute(update(Project).where(Project.id == project_id).values(has_webhooks=active is not None))


def _audit(hook: Webhook) -> dict[str, Any]:
    return {"url": hook.url, "events": list(hook.events or []), "active": hook.active, "description": hook.description}


def _authorized(session: Session, user: User, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    authorize_row(session, user, hook, f"webhook {webhook_id}", Role.MANAGER)
    return hook


def _authorized_delivery(session: Session, user: User, delivery_id: int) -> WebhookDelivery:
    row = session.get(WebhookDelivery, delivery_id)
    authorize_row(session, user, row, f"webhook delivery {delivery_id}", Role.MANAGER)
    return row
