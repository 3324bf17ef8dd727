"""Model predictions: uploaded in bulk, validated against the schema like any annotation."""

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import queue_priority
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.schema.predictions import prediction_values
from labelwise.store.models import Prediction, Task, User

MAX_PREDICTIONS_PER_CALL = 10_000


def upload(session: Session, user: User, project_id: int, items: list[Any]) -> int:
    """Store predictions for tasks named by `task_id` or `external_id`. All or nothing."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if not isinstance(items, list) or not items:
        raise Invalid("send a non-empty JSON array of predictions", field="predictions")
    if len(items) > MAX_PREDICTIONS_PER_CALL:
        raise Invalid(f"at most {MAX_PREDICTIONS_PER_CALL} predictions per call; send them in batches",
                      field="predictions")
    schema = project_schema(project)
    tasks = _tasks_for(session, project_id, items)
    now = utcnow()
    rows = []
    for index, item in enumerate(items):
        where = f"predictions[{index}]"
        task = tasks[index]
        if not isinstance(item.get("result"), dict):
            raise Invalid(f"{where}: 'result' must be an object", field=f"{where}.result")
        values = prediction_values(schema, task.data, item, where=where, line=None)
        rows.append({"task_id": task.id, "project_id": project_id, "created_at": now, **values})
    session.execute(insert(Prediction), rows)
    if project.settings.get("routing") == "uncertainty":
        queue_priority.rescore(session, project_id, task_ids=[row["task_id"] for row in rows],
                               random_share=float(project.settings.get("random_share", queue_priority.RANDOM_SHARE)))
    events.record(session, actor=user, action="predictions.uploaded", object_type="project", object_id=project_id,
                  project_id=project_id, after={"count": len(rows)})
    session.commit()
    return len(rows)


def _tasks_for(session: Session, project_id: int, items: list[Any]) -> list[Task]:
    by_id: dict[int, Task] = {}
    by_external: dict[str, Task] = {}
    ids = [i.get("task_id") for i in items if isinstance(i, dict) and isinstance(i.get("task_id"), int)]
    externals = [str(i["external_id"]) for i in items if isinstance(i, dict) and i.get("external_id") is not None]
    if ids:
        for task in session.scalars(select(Task).where(Task.project_id == project_id, Task.id.in_(ids))):
            by_id[task.id] = task
    if externals:
        stmt = select(Task).where(Task.project_id == project_id, Task.external_id.in_(externals))
        for task in session.scalars(stmt):
            by_external[task.external_id] = task
    out = []
    for index, item in enumerate(items):
        where = f"predictions[{index}]"
        if not isinstance(item, dict):
            raise Invalid(f"{where} must be an object", field=where)
        if isinstance(item.get("task_id"), int) and not isinstance(item.get("task_id"), bool):
            task = by_id.get(item["task_id"])
            missing = f"task {item['task_id']}"
        elif item.get("external_id") is not None:
            task = by_external.get(str(item["external_id"]))
            missing = f"external_id '{item['external_id']}'"
        else:
            raise Invalid(f"{where} needs a 'task_id' (integer) or an 'external_id'", field=f"{where}.task_id")
        if task is None:
            raise Invalid(f"{where}: {missing} is not in project {project_id}", field=f"{where}.task_id")
        out.append(task)
    return out
