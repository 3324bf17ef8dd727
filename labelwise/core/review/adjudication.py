"""Adjudication: tasks whose annotators disagree, most disputed first, and the reviewer's final decision.

The queue holds tasks with two or more submitted answers that are neither gold nor adjudicated,
ordered by disagreement (1 - consensus confidence) then id, keyset-paginated. A decision is
validated against the schema and becomes the task's consensus with confidence 1; the task takes
no more annotators and leaves the queue.

Each decision records its provenance in the task.adjudicated event: per control, which annotations
hold the same answer, and per region (list items with an `id`) which annotation it was taken from
(matched by region id, else by equal content) and whether it was edited after being taken.
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
from labelwise.errors import Conflict, Invalid, NotFound
from labelwise.store.models import Annotation, Event, GoldAnswer, Task, User

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
    sources = _answers(session, [task_id]).get(task_id, [])
    provenance = decision_provenance(values, sources)
    now = utcnow()
    task.consensus, task.confidence = values, 1.0
    task.adjudicated_by, task.adjudicated_at = user.id, now
    task.remaining = 0  # decided: more annotators would be wasted work
    events.record(session, actor=user, action="task.adjudicated", object_type="task", object_id=task_id,
                  project_id=task.project_id, before=before, after={"consensus": values, "provenance": provenance})
    session.commit()
    return task


def last_decision(session: Session, user: User, task_id: int) -> dict[str, Any]:
    """The task's latest adjudication: who decided, when, the result and its provenance."""
    task = session.get(Task, task_id)
    authorize_row(session, user, task, f"task {task_id}", Role.REVIEWER)
    event = session.scalars(select(Event).where(
        Event.project_id == task.project_id, Event.action == "task.adjudicated", Event.object_type == "task",
        Event.object_id == str(task_id)).order_by(Event.id.desc()).limit(1)).first()
    if event is None or task.adjudicated_at is None:
        raise NotFound(f"task {task_id} has not been adjudicated")
    after = event.after or {}
    decider = session.get(User, event.actor_id) if event.actor_id else None
    return {"task_id": task_id, "decided_by": decider.username if decider else None,
            "decided_at": iso_utc(event.created_at), "result": after.get("consensus"),
            "provenance": after.get("provenance")}


def decision_provenance(values: dict[str, Any], answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Where each part of a decision came from: {controls: {name: {...}}, edited}.

    A control whose value is a list of regions (dicts with an `id`) gets one entry per region: the
    annotation holding a region with that id (else an equal region), and `edited` when the decided
    region differs from it or came from no answer. Other controls list the annotations whose answer
    equals the decision, `edited` when none does."""
    controls: dict[str, Any] = {}
    for name, value in values.items():
        given = [(a, (a.get("result") or {}).get(name)) for a in answers]
        if isinstance(value, list) and value and all(isinstance(r, dict) and "id" in r for r in value):
            regions = [_region_source(region, name, given) for region in value]
            controls[name] = {"regions": regions, "edited": any(r["edited"] for r in regions)}
        else:
            same = [_who(a) for a, v in given if v == value]
            controls[name] = {"from": same, "edited": not same}
    return {"controls": controls, "edited": any(c["edited"] for c in controls.values())}


def _region_source(region: dict[str, Any], name: str, given: list[tuple[dict[str, Any], Any]]) -> dict[str, Any]:
    def strip(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if k != "id"}

    candidates = [(a, r) for a, v in given if isinstance(v, list) for r in v if isinstance(r, dict)]
    same_id = [(a, r) for a, r in candidates if r.get("id") == region["id"]]
    # Two annotators may share a region id (imports number them): the one whose region is unchanged wins.
    by_id = next(((a, r) for a, r in same_id if strip(r) == strip(region)), same_id[0] if same_id else None)
    if by_id is not None:
        return {"id": region["id"], **_who(by_id[0]), "edited": strip(by_id[1]) != strip(region)}
    by_content = next((a for a, r in candidates if strip(r) == strip(region)), None)
    if by_content is not None:
        return {"id": region["id"], **_who(by_content), "edited": False}
    return {"id": region["id"], "annotation_id": None, "user_id": None, "username": None, "edited": True}


def _who(answer: dict[str, Any]) -> dict[str, Any]:
    return {"annotation_id": answer["annotation_id"], "user_id": answer["user_id"], "username": answer["username"]}


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
