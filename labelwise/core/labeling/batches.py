"""Batches: sets of a project's tasks worked as one job, with priority, deadline, overlap, pay and budget.

A task belongs to at most one batch. The batch's place in the queue is copied onto its tasks
(`Task.queue_rank`, see `queue_order.batch_rank`), so serving stays one index range scan with no
per-task lookup. Each submitted answer on a batch task adds its pay to `spent` (one UPDATE); once the
budget cannot pay for another task the batch pauses itself, which moves its tasks below the queue's
bound. Leases held at that moment may still be answered and paid: the overrun is at most one task per
open lease.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from labelwise.core.labeling.tasks import TaskFilter, matching_ids
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import parse_when, utcnow
from labelwise.core.projects.projects import ProjectSettings
from labelwise.core.projects.queue_order import MAX_BATCH_PRIORITY, batch_rank
from labelwise.errors import Conflict, Invalid
from labelwise.store.models import Annotation, Assignment, Batch, Event, GoldAnswer, Project, Task, User

EDITABLE = ("name", "priority", "deadline", "overlap", "pay_per_task", "pay_per_second", "budget", "status")
MAX_IDS = 100_000


@dataclass(frozen=True)
class BatchProgress:
    tasks: int
    complete: int  # tasks with as many submitted answers as the batch's overlap asks
    submitted: int  # submitted answers on the batch's tasks
    open_slots: int  # answers still wanted (leased ones included)
    leased: int


def create_batch(session: Session, user: User, project_id: int, **fields: Any) -> Batch:
    authorize(session, user, project_id, Role.MANAGER)
    values = _checked(fields)
    if not values.get("name"):
        raise Invalid("a batch needs a name", field="name")
    if values.get("status", "active") != "active":
        raise Invalid("a new batch starts active", field="status")
    _unique_name(session, project_id, values["name"])
    now = utcnow()
    batch = Batch(project_id=project_id, name=values["name"], priority=values.get("priority", 0),
                  deadline=values.get("deadline"), overlap=values.get("overlap"),
                  pay_per_task=values.get("pay_per_task", 0.0), pay_per_second=values.get("pay_per_second", 0.0),
                  budget=values.get("budget"), spent=0.0, status="active", created_by=user.id,
                  created_at=now, updated_at=now)
    session.add(batch)
    session.flush()
    events.record(session, actor=user, action="batch.created", object_type="batch", object_id=batch.id,
                  project_id=project_id, after=snapshot(batch))
    session.commit()
    return batch


def list_batches(session: Session, user: User, project_id: int) -> list[Batch]:
    authorize(session, user, project_id, Role.REVIEWER)
    return list(session.scalars(select(Batch).where(Batch.project_id == project_id).order_by(Batch.id)))


def get_batch(session: Session, user: User, batch_id: int, minimum: Role = Role.REVIEWER) -> Batch:
    batch = session.get(Batch, batch_id)
    authorize_row(session, user, batch, f"batch {batch_id}", minimum)
    return batch


def update_batch(session: Session, user: User, batch_id: int, changes: dict[str, Any]) -> Batch:
    """Change a batch. Raising the budget of a batch that paused itself resumes it; resuming by hand a
    batch whose budget is spent is refused."""
    batch = get_batch(session, user, batch_id, Role.MANAGER)
    values = _checked(changes)
    before = snapshot(batch)
    if "name" in values and values["name"] != batch.name:
        _unique_name(session, batch.project_id, values["name"])
    old_overlap = _overlap(session, batch)
    for key, value in values.items():
        setattr(batch, key, value)
    if "status" in values and values["status"] == "active":
        batch.status_reason = None
    if batch.status == "active" and not _affordable(batch):
        if values.get("status") == "active":
            raise Conflict(f"batch {batch.id} has spent {batch.spent:g} of its budget {batch.budget:g}; "
                           "raise the budget to resume it", field="budget")
        _pause(batch, _budget_reason(batch))
    elif batch.status == "paused" and (batch.status_reason or "").startswith("budget") and _affordable(batch) \
            and "budget" in values:
        batch.status, batch.status_reason = "active", None
    elif values.get("status") == "paused":
        batch.status_reason = "paused by a manager"
    new_overlap = _overlap(session, batch)
    if new_overlap != old_overlap:
        _shift_slots(session, select(Task.id).where(Task.batch_id == batch.id).scalar_subquery(),
                     new_overlap - old_overlap)
    _rerank(session, batch)
    batch.updated_at = utcnow()
    events.record(session, actor=user, action="batch.updated", object_type="batch", object_id=batch.id,
                  project_id=batch.project_id, before=before, after=snapshot(batch))
    session.commit()
    return batch


def delete_batch(session: Session, user: User, batch_id: int) -> None:
    """Delete the batch; its tasks stay in the project, back under the project's overlap and order."""
    batch = get_batch(session, user, batch_id, Role.MANAGER)
    _release(session, batch, select(Task.id).where(Task.batch_id == batch.id).scalar_subquery())
    events.record(session, actor=user, action="batch.deleted", object_type="batch", object_id=batch.id,
                  project_id=batch.project_id, before=snapshot(batch))
    session.delete(batch)
    session.commit()


def add_tasks(
    session: Session,
    user: User,
    batch_id: int,
    *,
    task_ids: list[int] | None = None,
    filters: TaskFilter | None = None,
    from_import: int | str | None = None,
) -> int:
    """Put tasks into the batch, chosen by ids, by a task filter (as the data browser's) or as the tasks of
    one import (the id of its `tasks.imported` event, or "latest"). A task in another batch moves here.
    Returns how many tasks changed batch."""
    batch = get_batch(session, user, batch_id, Role.MANAGER)
    chosen = [x for x in (task_ids, filters, from_import) if x is not None]
    if len(chosen) != 1:
        raise Invalid("give exactly one of task_ids, filter or from_import", field="task_ids")
    stmt = select(Task.id).where(Task.project_id == batch.project_id)
    if task_ids is not None:
        if len(task_ids) > MAX_IDS:
            raise Invalid(f"at most {MAX_IDS} task ids at once; use a filter for more", field="task_ids")
        wanted = set(task_ids)
        found = set(session.scalars(stmt.where(Task.id.in_(wanted))))
        if wanted - found:
            raise Invalid(f"task {min(wanted - found)} is not in project {batch.project_id}", field="task_ids")
        stmt = stmt.where(Task.id.in_(wanted))
    elif filters is not None:
        stmt = matching_ids(session, user, batch.project_id, filters)
    else:
        first, last = _import_range(session, batch.project_id, from_import)
        stmt = stmt.where(Task.id.between(first, last))
    stmt = stmt.where((Task.batch_id != batch.id) | Task.batch_id.is_(None))
    moved = 0
    new_overlap = _overlap(session, batch)
    for old_batch_id in list(session.scalars(select(Task.batch_id).where(Task.id.in_(stmt.scalar_subquery()))
                                             .distinct())):
        group = select(Task.id).where(Task.id.in_(stmt.scalar_subquery()))
        group = group.where(Task.batch_id == old_batch_id if old_batch_id is not None else Task.batch_id.is_(None))
        old = session.get(Batch, old_batch_id) if old_batch_id is not None else None
        old_overlap = _overlap(session, old) if old is not None else _project_overlap(session, batch.project_id)
        ids = list(session.scalars(group))
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            _shift_slots(session, chunk, new_overlap - old_overlap)
            session.execute(update(Task).where(Task.id.in_(chunk))
                            .values(batch_id=batch.id, queue_rank=_rank(batch)))
        moved += len(ids)
    batch.updated_at = utcnow()
    events.record(session, actor=user, action="batch.tasks_added", object_type="batch", object_id=batch.id,
                  project_id=batch.project_id, after={"added": moved})
    session.commit()
    return moved


def remove_tasks(session: Session, user: User, batch_id: int, task_ids: list[int]) -> int:
    """Take tasks out of the batch, back under the project's overlap and order."""
    batch = get_batch(session, user, batch_id, Role.MANAGER)
    ids = select(Task.id).where(Task.batch_id == batch.id, Task.id.in_(task_ids)).scalar_subquery()
    removed = _release(session, batch, ids)
    events.record(session, actor=user, action="batch.tasks_removed", object_type="batch", object_id=batch.id,
                  project_id=batch.project_id, after={"removed": removed})
    session.commit()
    return removed


def progress(session: Session, batch: Batch) -> BatchProgress:
    overlap = _overlap(session, batch)
    not_gold = ~select(GoldAnswer.task_id).where(GoldAnswer.task_id == Task.id).exists()
    tasks, complete, open_slots = session.execute(
        select(func.count(Task.id), func.coalesce(func.sum(case((Task.annotation_count >= overlap, 1), else_=0)), 0),
               func.coalesce(func.sum(Task.remaining), 0))
        .where(Task.batch_id == batch.id, not_gold)
    ).one()
    submitted = session.scalar(select(func.count(Annotation.id)).join(Task, Task.id == Annotation.task_id)
                               .where(Task.batch_id == batch.id, Annotation.status == "submitted")) or 0
    leased = session.scalar(select(func.count(Assignment.id)).join(Task, Task.id == Assignment.task_id)
                            .where(Task.batch_id == batch.id, Assignment.status == "leased")) or 0
    return BatchProgress(tasks=tasks, complete=int(complete), submitted=submitted,
                         open_slots=int(open_slots) + leased, leased=leased)


def charge(session: Session, batch_id: int, lead_time_ms: int | None) -> None:
    """Add one submitted answer's pay to the batch and pause it once its budget cannot pay another task.
    One UPDATE ... RETURNING on the hot path; the caller commits."""
    seconds = (lead_time_ms or 0) / 1000.0
    row = session.execute(
        update(Batch).where(Batch.id == batch_id)
        .values(spent=Batch.spent + Batch.pay_per_task + Batch.pay_per_second * seconds)
        .returning(Batch.spent, Batch.budget, Batch.pay_per_task, Batch.status)
    ).first()
    if row is None or row.budget is None or row.status != "active":
        return
    if row.spent >= row.budget - 1e-9 or row.spent + row.pay_per_task > row.budget + 1e-9:
        batch = session.get(Batch, batch_id)
        session.refresh(batch)
        _pause(batch, _budget_reason(batch))
        _rerank(session, batch)
        events.record(session, actor=None, action="batch.paused", object_type="batch", object_id=batch_id,
                      project_id=batch.project_id, after={"reason": batch.status_reason, "spent": batch.spent})


def snapshot(batch: Batch) -> dict[str, Any]:
    return {"name": batch.name, "priority": batch.priority,
            "deadline": batch.deadline.isoformat() if batch.deadline else None, "overlap": batch.overlap,
            "pay_per_task": batch.pay_per_task, "pay_per_second": batch.pay_per_second, "budget": batch.budget,
            "spent": batch.spent, "status": batch.status}


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(f"unknown batch field '{min(unknown)}'; expected {', '.join(EDITABLE)}",
                      field=min(unknown))
    values = dict(fields)
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise Invalid("batch name must be 1-200 characters", field="name")
        values["name"] = name.strip()
    if "priority" in values:
        priority = values["priority"]
        if not isinstance(priority, int) or isinstance(priority, bool) or abs(priority) > MAX_BATCH_PRIORITY:
            raise Invalid(f"priority must be a whole number within ±{MAX_BATCH_PRIORITY}", field="priority")
    if "deadline" in values:
        values["deadline"] = parse_when(values["deadline"], "deadline")
    if values.get("overlap") is not None and not (isinstance(values["overlap"], int) and 1 <= values["overlap"] <= 50):
        raise Invalid("overlap must be between 1 and 50 (null: the project's)", field="overlap")
    for key in ("pay_per_task", "pay_per_second", "budget"):
        if values.get(key) is not None:
            value = values[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e12:
                raise Invalid(f"{key} must be a number, 0 or more", field=key)
            values[key] = float(value)
        elif key in values and key != "budget":
            raise Invalid(f"{key} must be a number, 0 or more", field=key)
    if "status" in values and values["status"] not in ("active", "paused"):
        raise Invalid("status must be active or paused", field="status")
    return values


def _unique_name(session: Session, project_id: int, name: str) -> None:
    if session.scalar(select(Batch.id).where(Batch.project_id == project_id, Batch.name == name)) is not None:
        raise Conflict(f"project {project_id} already has a batch named '{name}'", field="name")


def _affordable(batch: Batch) -> bool:
    if batch.budget is None:
        return True
    return batch.spent < batch.budget - 1e-9 and batch.spent + batch.pay_per_task <= batch.budget + 1e-9


def _budget_reason(batch: Batch) -> str:
    return f"budget spent: {batch.spent:.2f} of {batch.budget:.2f}"


def _pause(batch: Batch, reason: str) -> None:
    batch.status, batch.status_reason = "paused", reason


def _rank(batch: Batch) -> int:
    return batch_rank(batch.priority, batch.deadline, paused=batch.status != "active")


def _rerank(session: Session, batch: Batch) -> None:
    session.execute(update(Task).where(Task.batch_id == batch.id).values(queue_rank=_rank(batch)))


def _project_overlap(session: Session, project_id: int) -> int:
    return ProjectSettings.model_validate(session.get(Project, project_id).settings).overlap


def _overlap(session: Session, batch: Batch) -> int:
    return batch.overlap if batch.overlap is not None else _project_overlap(session, batch.project_id)


def _shift_slots(session: Session, ids, delta: int) -> None:
    """Give tasks `delta` more (or fewer) wanted answers, never below zero; gold tasks have no slots."""
    if delta == 0:
        return
    greatest = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest
    session.execute(
        update(Task)
        .where(Task.id.in_(ids), ~select(GoldAnswer.task_id).where(GoldAnswer.task_id == Task.id).exists())
        .values(remaining=greatest(Task.remaining + delta, 0))
    )


def _release(session: Session, batch: Batch, ids) -> int:
    chosen = list(session.scalars(select(Task.id).where(Task.id.in_(ids))))
    delta = _project_overlap(session, batch.project_id) - _overlap(session, batch)
    for start in range(0, len(chosen), 5000):
        chunk = chosen[start:start + 5000]
        _shift_slots(session, chunk, delta)
        session.execute(update(Task).where(Task.id.in_(chunk)).values(batch_id=None, queue_rank=0))
    return len(chosen)


def _import_range(session: Session, project_id: int, from_import: int | str) -> tuple[int, int]:
    stmt = select(Event).where(Event.project_id == project_id, Event.action == "tasks.imported")
    if from_import == "latest":
        event = session.scalars(stmt.order_by(Event.id.desc()).limit(1)).first()
    elif isinstance(from_import, int) and not isinstance(from_import, bool):
        event = session.scalars(stmt.where(Event.id == from_import)).first()
    else:
        raise Invalid("from_import is the id of an import's event, or \"latest\"", field="from_import")
    if event is None or not (event.after or {}).get("task_ids"):
        raise Invalid(f"no import {from_import!s} with tasks in project {project_id}", field="from_import")
    first, last = event.after["task_ids"]
    return int(first), int(last)

