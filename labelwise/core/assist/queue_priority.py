"""Serve by model uncertainty: with routing "uncertainty", a task's queue priority is the uncertainty
of its latest prediction (`labelwise.assist.active.task_priority`), except for a fixed 10 % random
slice chosen by task id, which keeps accuracy measured on served tasks honest.

Only `Task.priority` changes, so overlap, leases, gold and skips work exactly as in any routing.
Callers own the transaction: nothing here commits.
"""

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.assist.active import task_priority
from labelwise.store.models import Prediction, Task

RANDOM_SHARE = 0.1
_CHUNK = 5000  # ids per IN list: well under SQLite's bound-variable limit


def rescore(session: Session, project_id: int, *, task_ids: Iterable[int] | None = None) -> int:
    """Set the priority of the given tasks (default: every task with a prediction) from their latest
    prediction. Returns how many tasks were re-scored."""
    if task_ids is None:
        return _rescore(session, project_id, None)
    ids = sorted(set(task_ids))
    return sum(_rescore(session, project_id, ids[i:i + _CHUNK]) for i in range(0, len(ids), _CHUNK))


def _rescore(session: Session, project_id: int, ids: list[int] | None) -> int:
    latest = select(func.max(Prediction.id)).where(Prediction.project_id == project_id)
    if ids is not None:
        latest = latest.where(Prediction.task_id.in_(ids))
    latest = latest.group_by(Prediction.task_id)
    rows = session.execute(
        select(Prediction.task_id, Prediction.scores, Prediction.score).where(Prediction.id.in_(latest))
    ).all()
    if rows:
        session.execute(update(Task), [
            {"id": task_id, "priority": task_priority(task_id, scores, score, random_share=RANDOM_SHARE)}
            for task_id, scores, score in rows
        ])
    return len(rows)
