"""`labelwise batch`, `labelwise link` and `labelwise forecast`: running a labeling operation."""

import json
from typing import Annotated, Optional

import typer

from labelwise.cli._shared import ActorOption, DatabaseOption, DataDirOption, acting_user, open_session, settings_for

batch_app = typer.Typer(help="Batches: sets of tasks with priority, deadline, overlap, pay and budget.")
link_app = typer.Typer(help="Worker links: a crowd without accounts labels through a shareable link.")


def _print(value) -> None:
    print(json.dumps(value, default=str))


def _batch_json(session, batch) -> dict:
    from labelwise.core.labeling import batches

    return {"id": batch.id, "project_id": batch.project_id, **batches.snapshot(batch),
            "status_reason": batch.status_reason, "progress": batches.progress(session, batch).__dict__}


def _link_json(link) -> dict:
    keys = ("id", "project_id", "batch_id", "name", "token", "max_tasks_per_worker", "max_tasks_total", "max_workers",
            "rate_per_minute", "tasks_done", "workers", "blocked", "expires_at", "revoked_at")
    return {**{k: getattr(link, k) for k in keys}, "url": f"/w/{link.token}"}


@batch_app.command("create")
def batch_create(
    project_id: int,
    name: str,
    priority: Annotated[int, typer.Option(help="Higher is served first.")] = 0,
    deadline: Annotated[Optional[str], typer.Option(help="ISO 8601; among equal priorities, earlier first.")] = None,
    overlap: Annotated[Optional[int], typer.Option(help="Annotators per task (default: the project's).")] = None,
    pay_per_task: Annotated[float, typer.Option(help="Pay per submitted answer.")] = 0.0,
    pay_per_second: Annotated[float, typer.Option(help="Pay per second of work (lead time).")] = 0.0,
    budget: Annotated[Optional[float], typer.Option(help="The batch pauses itself once this is spent.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a batch and print it as JSON."""
    from labelwise.core.labeling import batches

    with open_session(settings_for(database, data_dir)) as session:
        batch = batches.create_batch(session, acting_user(session, actor), project_id, name=name, priority=priority,
                                     deadline=deadline, overlap=overlap, pay_per_task=pay_per_task,
                                     pay_per_second=pay_per_second, budget=budget)
        _print(_batch_json(session, batch))


@batch_app.command("add")
def batch_add(
    batch_id: int,
    task_ids: Annotated[Optional[list[int]], typer.Argument(help="Task ids.")] = None,
    from_import: Annotated[Optional[str], typer.Option(help="The tasks of one import: 'latest' or its event id.")] = None,
    search: Annotated[Optional[str], typer.Option(help="Tasks whose data contains this text.")] = None,
    status: Annotated[Optional[str], typer.Option(help="Tasks in this state (unlabeled, labeled, ...).")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Put tasks into a batch: by ids, by a filter (--search, --status) or --from-import."""
    from labelwise.core.labeling import batches
    from labelwise.core.labeling.tasks import TaskFilter

    filters = TaskFilter(search=search, status=status) if search or status else None
    source = int(from_import) if from_import and from_import.isdigit() else from_import
    with open_session(settings_for(database, data_dir)) as session:
        moved = batches.add_tasks(session, acting_user(session, actor), batch_id, task_ids=task_ids or None,
                                  filters=filters, from_import=source)
    _print({"changed": moved})


@batch_app.command("list")
def batch_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
               data_dir: DataDirOption = None) -> None:
    """A project's batches with their progress, one JSON line each."""
    from labelwise.core.labeling import batches

    with open_session(settings_for(database, data_dir)) as session:
        for batch in batches.list_batches(session, acting_user(session, actor), project_id):
            _print(_batch_json(session, batch))


@batch_app.command("set")
def batch_set(
    batch_id: int,
    changes: Annotated[list[str], typer.Argument(help="field=value pairs: priority=5 budget=20 status=paused ...")],
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change a batch (values are JSON where they parse as JSON, else text)."""
    from labelwise.core.labeling import batches

    parsed = {}
    for pair in changes:
        key, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"'{pair}' is not field=value")
        try:
            parsed[key] = json.loads(value)
        except ValueError:
            parsed[key] = value
    with open_session(settings_for(database, data_dir)) as session:
        _print(_batch_json(session, batches.update_batch(session, acting_user(session, actor), batch_id, parsed)))


@link_app.command("create")
def link_create(
    project_id: int,
    name: Annotated[str, typer.Option(help="A name to tell links apart.")] = "worker link",
    batch: Annotated[Optional[int], typer.Option(help="Serve only this batch's tasks.")] = None,
    per_worker: Annotated[Optional[int], typer.Option(help="Tasks one worker may do.")] = None,
    total: Annotated[Optional[int], typer.Option(help="Tasks done through the link in all.")] = None,
    max_workers: Annotated[Optional[int], typer.Option(help="Distinct worker ids the link takes.")] = None,
    rate: Annotated[int, typer.Option(help="Requests a minute through the link.")] = 120,
    expires: Annotated[Optional[str], typer.Option(help="ISO 8601 time the link stops working.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Open a worker link; print it as JSON (share its url with ?workerId=... appended)."""
    from labelwise.core.crowd import links

    with open_session(settings_for(database, data_dir)) as session:
        link = links.create_link(session, acting_user(session, actor), project_id, batch_id=batch, name=name,
                                 max_tasks_per_worker=per_worker, max_tasks_total=total, max_workers=max_workers,
                                 rate_per_minute=rate, expires_at=expires)
        _print(_link_json(link))


@link_app.command("list")
def link_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
              data_dir: DataDirOption = None) -> None:
    """A project's worker links, one JSON line each."""
    from labelwise.core.crowd import links

    with open_session(settings_for(database, data_dir)) as session:
        for link in links.list_links(session, acting_user(session, actor), project_id):
            _print(_link_json(link))


@link_app.command("revoke")
def link_revoke(link_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                data_dir: DataDirOption = None) -> None:
    """Close a link for good; its workers' sessions end."""
    from labelwise.core.crowd import links

    with open_session(settings_for(database, data_dir)) as session:
        _print(_link_json(links.revoke_link(session, acting_user(session, actor), link_id)))


@link_app.command("block")
def link_block(
    link_id: int,
    worker_id: str,
    unblock: Annotated[bool, typer.Option("--unblock", help="Take the worker off the block list.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Block a worker id on a link (or --unblock it)."""
    from labelwise.core.crowd import links

    with open_session(settings_for(database, data_dir)) as session:
        link = links.set_blocked(session, acting_user(session, actor), link_id, worker_id, blocked=not unblock)
        _print(_link_json(link))


@link_app.command("workers")
def link_workers(link_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                 data_dir: DataDirOption = None) -> None:
    """Who worked through a link: worker id, tasks done and completion code, one JSON line each."""
    from labelwise.core.crowd import links

    with open_session(settings_for(database, data_dir)) as session:
        for worker, code in links.list_workers(session, acting_user(session, actor), link_id):
            _print({"worker_id": worker.worker_id, "tasks_done": worker.tasks_done, "completion_code": code,
                    "last_seen_at": worker.last_seen_at})


def forecast(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """ETA with its 80 % interval and cost to completion, for the project and each batch, as JSON."""
    from labelwise.core.crowd import forecast as forecasting

    with open_session(settings_for(database, data_dir)) as session:
        result = forecasting.project_forecast(session, acting_user(session, actor), project_id)
    for part in [result["project"], *result["batches"]]:
        part.pop("history", None)
        part.pop("forecast", None)
    print(json.dumps(result, indent=2, default=str))
