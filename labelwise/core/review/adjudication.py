"""Adjudication: tasks whose annotators disagree, most disputed first, and the reviewer's final decision.

The queue holds tasks with two or more submitted answers that are neither gold nor adjudicated,
ordered by disagreement (1 - consensus confidence) then id, keyset-paginated. A decision is
validated against the schema and becomes the task's consensus with confidence 1; the task takes
no more annotators and leaves the queue.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from labelwise.core.labeling.annotations import checked_result
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import iso_utc, utcnow
from labelwise.errors import Conflict, Invalid
from labelwise.store.models import Annotation, GoldAnswer, Task, User

MAX_PAGE = 200


@dataclass(frozen=True)
class DisputedTask:
    task: Task
    disagreement: float
    answers: list[dict[str, Any]]


@dataclass(frozen=True)
class DisputedPage:
    items: list[DisputedTask]
    next_cursor: str | None


def adjudication_queue(session: Session, user: User, project_id: int, *, limit: int = 20,
                       after: str | None = None) -> DisputedPage:
    authorize(session, user, project_id, Role.REVIEWER)
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    confidence = func.coalesce(Task.confidence, 1.0)
    stmt = select(Task).where(
        Task.project_id == project_id,
        Task.annotation_count >= 2,
        Task.adjudicated_at.is_(None),
        ~exists().where(GoldAnswer.task_id == Task.id),
    )
    if after:
        last_confidence, last_id = _decode(after)
        stmt = stmt.where((confidence > last_confidence) | ((confidence == last_confidence) & (Task.id > last_id)))
    tasks = list(session.scalars(stmt.order_by(confidence, Task.id).limit(limit + 1)))
    next_cursor = None
    if len(tasks) > limit:
        tasks = tasks[:limit]
        last = tasks[-1]
        next_cursor = _encode(1.0 if last.confidence is None else last.confidence, last.id)
    answers = _answers(session, [t.id for t in tasks])
    items = [
        DisputedTask(t, round(1.0 - (1.0 if t.confidence is None else t.confidence), 6), answers.get(t.id, []))
        for t in tasks
    ]
    return DisputedPage(items, next_cursor)


def adjudicate(session: Session, user: User, task_id: int, *, result: Any) -> Task:
    """Make `result` the task's final label (reviewers and managers). Commits."""
    task = session.get(Task, task_id)
    authorize_row(session, user, task, f"task {task_id}", Role.REVIEWER)
    if session.get(GoldAnswer, task_id) is not None:
        raise Conflict(f"task {task_id} is gold: its final label is its gold answer; change that instead")
    values = checked_result(session, task, result)
    if not values:
        raise Invalid("a decision needs at least one answered control", field="result")
    before = {"consensus": task.consensus, "confidence": task.confidence,
              "adjudicated_by": task.adjudicated_by}
    now = utcnow()
    task.consensus, task.confidence = values, 1.0
    task.adjudicated_by, task.adjudicated_at = user.id, now
    task.remaining = 0  # decided: more annotators would be wasted work
    events.record(session, actor=user, action="task.adjudicated", object_type="task", object_id=task_id,
                  project_id=task.project_id, before=before, after={"consensus": values})
    session.commit()
    return task


def _answers(session: Session, task_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not task_ids:
        return {}
    rows = session.execute(
        select(Annotation.id, Annotation.task_id, Annotation.user_id, User.username, Annotation.result,
               Annotation.lead_time_ms, Annotation.updated_at)
        .join(User, User.id == Annotation.user_id)
        .where(Annotation.task_id.in_(task_ids), Annotation.status == "submitted")
        .order_by(Annotation.id)
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for annotation_id, task_id, user_id, username, result, lead_time_ms, updated_at in rows:
        out.setdefault(task_id, []).append({
            "annotation_id": annotation_id, "user_id": user_id, "username": username, "result": result,
            "lead_time_ms": lead_time_ms, "updated_at": iso_utc(updated_at),
        })
    return out


def _encode(confidence: float, task_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([confidence, task_id]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[float, int]:
    try:
        value, task_id = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not isinstance(task_id, int) or not isinstance(value, (int, float)):
            raise ValueError
        return float(value), task_id
    except (ValueError, TypeError):
        raise Invalid("the 'after' cursor is not one this server gave out", field="after") from None
