"""`labelwise webhook`: add, list, change, remove and ping a project's webhooks; read the delivery log,
redeliver, and send what is due now."""

import json
from typing import Annotated, Optional

import typer

from labelwise.cli._app import err, out
from labelwise.cli._shared import (
    ActorOption,
    DatabaseOption,
    DataDirOption,
    acting_user,
    job_json,
    open_session,
    settings_for,
)

webhook_app = typer.Typer(help="Webhooks of a project: add, list, change, remove, ping; deliveries and redelivery.")

EventsOption = Annotated[Optional[list[str]], typer.Option(
    "--event", "-e", help="An event to send (repeat the option); default: all. `labelwise webhook events` lists them.")]


@webhook_app.command("events")
def webhook_events() -> None:
    """List the event names a webhook can subscribe to."""
    from labelwise.core.platform.webhook_outbox import EVENTS

    for name in EVENTS:
        print(name)


@webhook_app.command("add")
def webhook_add(
    project_id: int,
    url: str,
    event: EventsOption = None,
    secret: Annotated[Optional[str], typer.Option(help="Signing secret (16-200 characters); default: a random one.")] = None,
    description: Annotated[str, typer.Option(help="What the webhook is for.")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a webhook; prints it as JSON with its signing secret, which is not shown again."""
    from labelwise.core.webhooks import hooks

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        view = hooks.create_webhook(session, acting_user(session, actor), project_id, url=url, events=event or None,
                                    secret=secret, description=description,
                                    allow_link_local=settings.webhook_allow_link_local)
    print(json.dumps(job_json(view), indent=2))


@webhook_app.command("list")
def webhook_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                 data_dir: DataDirOption = None) -> None:
    """List a project's webhooks as JSON lines, with their delivery counts."""
    from labelwise.core.webhooks import hooks

    with open_session(settings_for(database, data_dir)) as session:
        views = hooks.list_webhooks(session, acting_user(session, actor), project_id)
    for view in views:
        print(json.dumps(job_json(view)))


@webhook_app.command("update")
def webhook_update(
    webhook_id: int,
    url: Annotated[Optional[str], typer.Option(help="A new URL.")] = None,
    event: EventsOption = None,
    active: Annotated[Optional[bool], typer.Option("--active/--inactive", help="Send or hold deliveries.")] = None,
    rotate_secret: Annotated[bool, typer.Option("--rotate-secret", help="Make a new signing secret (printed once).")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change a webhook's URL, events or state, or rotate its secret; prints it as JSON."""
    from labelwise.core.webhooks import hooks

    settings = settings_for(database, data_dir)
    changes = {"url": url, "events": event or None, "active": active, "rotate_secret": rotate_secret}
    with open_session(settings) as session:
        view = hooks.update_webhook(session, acting_user(session, actor), webhook_id, changes,
                                    allow_link_local=settings.webhook_allow_link_local)
    print(json.dumps(job_json(view), indent=2))


@webhook_app.command("remove")
def webhook_remove(webhook_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                   data_dir: DataDirOption = None) -> None:
    """Remove a webhook and its delivery log."""
    from labelwise.core.webhooks import hooks

    with open_session(settings_for(database, data_dir)) as session:
        hooks.delete_webhook(session, acting_user(session, actor), webhook_id)
    out.print(f"webhook {webhook_id} removed")


@webhook_app.command("ping")
def webhook_ping(webhook_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                 data_dir: DataDirOption = None) -> None:
    """Queue a `ping` event to the webhook (sent by the server, a worker, or `webhook send`)."""
    from labelwise.core.webhooks import hooks

    with open_session(settings_for(database, data_dir)) as session:
        view = hooks.ping(session, acting_user(session, actor), webhook_id)
    out.print(f"delivery {view.id} queued ({view.event_id})")


@webhook_app.command("deliveries")
def webhook_deliveries(
    webhook_id: int,
    status: Annotated[Optional[str], typer.Option(help="pending, delivered or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 50,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The webhook's delivery log as JSON lines, newest first: status, attempts, response code, latency, error."""
    from labelwise.core.webhooks import hooks

    with open_session(settings_for(database, data_dir)) as session:
        views = hooks.list_deliveries(session, acting_user(session, actor), webhook_id, status=status, limit=limit)
    for view in views:
        row = job_json(view)
        row.pop("payload", None)
        print(json.dumps(row))


@webhook_app.command("redeliver")
def webhook_redeliver(delivery_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                      data_dir: DataDirOption = None) -> None:
    """Send a delivered or failed delivery again (a new delivery of the same event)."""
    from labelwise.core.webhooks import hooks

    with open_session(settings_for(database, data_dir)) as session:
        view = hooks.redeliver(session, acting_user(session, actor), delivery_id)
    out.print(f"delivery {view.id} queued, redelivering {delivery_id} ({view.event_id})")


@webhook_app.command("send")
def webhook_send(database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Attempt every webhook delivery that is due now, once, and exit (for cron, or without a server running)."""
    from labelwise.core.webhooks.delivery import WebhookDispatcher
    from labelwise.store.session import make_engine, make_session_factory

    settings = settings_for(database, data_dir)
    with open_session(settings):  # migrates, and says so when the database is missing
        pass
    engine = make_engine(settings.resolved_database_url)
    try:
        dispatcher = WebhookDispatcher(make_session_factory(engine), settings=settings)
        sent = dispatcher.deliver_due()
        dispatcher.stop()
    finally:
        engine.dispose()
    err.print(f"attempted {sent} webhook delivery(ies)")
