"""Webhooks of a project (add, list, change, remove, ping) and their delivery log with redelivery (managers)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import Timestamp
from labelwise.core.platform.webhook_outbox import EVENTS
from labelwise.core.webhooks import hooks

router = APIRouter(tags=["webhooks"])


class WebhookIn(BaseModel):
    url: Any = Field(description="Where to POST events: an http(s) URL.")
    events: Any = Field(None, description=f"Event names to send (default: all): {', '.join(EVENTS)}; '*' for all.")
    secret: Any = Field(None, description="The signing secret (16-200 characters); default: a new random one. "
                                          "Shown in this response only.")
    description: Any = ""
    active: Any = True


class WebhookPatch(BaseModel):
    model_config = {"extra": "forbid"}
    url: Any = None
    events: Any = None
    description: Any = None
    active: Any = None
    secret: Any = Field(None, description="Set this signing secret.")
    rotate_secret: bool = Field(False, description="Make a new random signing secret (shown in this response only).")


class WebhookOut(BaseModel):
    id: int
    project_id: int
    url: str
    events: list[str]
    description: str
    active: bool
    secret_hint: str = Field(description="The secret's last four characters.")
    secret: str | None = Field(description="The signing secret, only in the answer that made it.")
    deliveries: dict[str, int] = Field(description="How many deliveries are pending, delivered and failed.")
    created_at: Timestamp
    updated_at: Timestamp


class DeliveryOut(BaseModel):
    id: int
    webhook_id: int
    project_id: int
    event: str
    event_id: str = Field(description="The event's id, the same in every delivery (and redelivery) of it.")
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    next_attempt_at: Timestamp | None = Field(description="When a pending delivery is tried next (UTC).")
    last_status_code: int | None = Field(description="The receiver's HTTP status on the last attempt.")
    last_latency_ms: int | None
    last_error: str | None = Field(description="Why the last attempt failed, in words.")
    last_attempt_at: Timestamp | None
    redelivery_of: int | None = Field(description="The delivery this one sends again.")
    created_at: Timestamp
    delivered_at: Timestamp | None
    payload: dict[str, Any] | None = Field(description="The body as sent (single-delivery view only).")


def wake_dispatcher(request: Request) -> None:
    """Let this process's webhook dispatcher (if any) send a new delivery now instead of at its next poll."""
    dispatcher = getattr(request.app.state, "webhook_dispatcher", None)
    if dispatcher is not None:
        dispatcher.wake()


@router.get("/webhooks/events", response_model=list[str])
def list_events():
    """Every event name a webhook can subscribe to."""
    return list(EVENTS)


@router.get("/projects/{project_id}/webhooks", response_model=list[WebhookOut])
def list_webhooks(project_id: int, user: UserDep, session: SessionDep):
    """The project's webhooks, with delivery counts."""
    return [v.__dict__ for v in hooks.list_webhooks(session, user, project_id)]


@router.post("/projects/{project_id}/webhooks", response_model=WebhookOut, status_code=201)
def create_webhook(project_id: int, body: WebhookIn, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Add a webhook; the answer carries its signing secret, which is not shown again."""
    return hooks.create_webhook(session, user, project_id, **body.model_dump(),
                                allow_link_local=settings.webhook_allow_link_local).__dict__


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: int, user: UserDep, session: SessionDep):
    return hooks.get_webhook(session, user, webhook_id).__dict__


@router.patch("/webhooks/{webhook_id}", response_model=WebhookOut)
def update_webhook(webhook_id: int, body: WebhookPatch, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Change a webhook; with `rotate_secret` the answer carries the new secret."""
    return hooks.update_webhook(session, user, webhook_id, body.model_dump(),
                                allow_link_local=settings.webhook_allow_link_local).__dict__


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, user: UserDep, session: SessionDep):
    """Remove a webhook with its delivery log."""
    hooks.delete_webhook(session, user, webhook_id)
    return Response(status_code=204)


@router.post("/webhooks/{webhook_id}/ping", response_model=DeliveryOut, status_code=201)
def ping(webhook_id: int, request: Request, user: UserDep, session: SessionDep):
    """Queue a `ping` event to the webhook: a test of its URL and secret."""
    delivery = hooks.ping(session, user, webhook_id)
    wake_dispatcher(request)
    return delivery.__dict__


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(webhook_id: int, user: UserDep, session: SessionDep,
                    status: Annotated[str | None, Query(description="pending, delivered or failed")] = None,
                    event: Annotated[str | None, Query(description="Only this event.")] = None,
                    before: Annotated[int | None, Query(description="Only deliveries older than this id.")] = None,
                    limit: Annotated[int, Query(ge=1, le=hooks.MAX_DELIVERIES)] = 50):
    """The webhook's delivery log, newest first."""
    return [v.__dict__ for v in hooks.list_deliveries(session, user, webhook_id, status=status, event=event,
                                                     before=before, limit=limit)]


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: int, user: UserDep, session: SessionDep):
    """One delivery with the body it sends."""
    return hooks.get_delivery(session, user, delivery_id).__dict__


@router.post("/webhook-deliveries/{delivery_id}/redeliver", response_model=DeliveryOut, status_code=201,
             responses=errors(409))
def redeliver(delivery_id: int, request: Request, user: UserDep, session: SessionDep):
    """Send a delivered or failed delivery again, as a new delivery of the same event (409 while pending)."""
    delivery = hooks.redeliver(session, user, delivery_id)
    wake_dispatcher(request)
    return delivery.__dict__
