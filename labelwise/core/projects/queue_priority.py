"""Serve by model uncertainty: with routing "uncertainty", a task's queue priority is the uncertainty
of its latest prediction (`labelwise.assist.active.task_priority`), except for a fixed 10 % random
slice chosen by task id, which keeps accuracy measured on served tasks honest.

With routing "active_learning", `reorder_active` orders the unlabeled tasks after each retrain with
the project's sampler (see `labelwise.assist.active`); before the first model, a sampler with a cold
start (`typical`) orders them by `reorder_cold` from features that need no labels.

Only `Task.priority` changes, so overlap, leases, gold and skips work exactly as in any routing.
Callers own the transaction: nothing here commits.
"""

from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from labelwise.assist.active import MarginSampler, make_sampler, queue_order, task_priority
from labelwise.assist.models import pool_features
from labelwise.schema import LabelSchema
from labelwise.store.models import Annotation, ModelVersion, Prediction, Task

RANDOM_SHARE = 0.1
_CHUNK = 5000  # ids per IN list: well under SQLite's bound-variable limit
COLD_SAMPLE = 2000  # tasks a cold start clusters: k-means and neighbours stay about a second


def rescore(session: Session, project_id: int, *, task_ids: Iterable[int] | None = None,
            random_share: float = RANDOM_SHARE) -> int:
    """Set the priority of the given tasks (default: every task with a prediction) from their latest
    prediction. Returns how many tasks were re-scored."""
    if task_ids is None:
        return _rescore(session, project_id, None, random_share)
    ids = sorted(set(task_ids))
    return sum(_rescore(session, project_id, ids[i:i + _CHUNK], random_share) for i in range(0, len(ids), _CHUNK))


def _rescore(session: Session, project_id: int, ids: list[int] | None, random_share: float) -> int:
    latest = select(func.max(Prediction.id)).where(Prediction.project_id == project_id)
    if ids is not None:
        latest = latest.where(Prediction.task_id.in_(ids))
    latest = latest.group_by(Prediction.task_id)
    rows = session.execute(
        select(Prediction.task_id, Prediction.scores, Prediction.score).where(Prediction.id.in_(latest))
    ).all()
    if rows:
        session.execute(update(Task), [
            {"id": task_id, "priority": task_priority(task_id, scores, score, random_share=random_share)}
            for task_id, scores, score in rows
        ])
    return len(rows)


def reorder_active(session: Session, project_id: int, model: Any, *, batch_size: int, seed: int = 0,
                   strategy: str = "hybrid", random_share: float = RANDOM_SHARE) -> int:
    """Routing "active_learning": order every task without a submitted answer by the model's choice.

    The next `batch_size` tasks (what gets labeled before the next retrain) are picked by `strategy`
    (default the hybrid sampler: uncertainty pre-filter, then diversity on the model's features; a
    strategy that needs features falls back to margin when the model has none), the rest follow by
    margin; `random_share` of positions go to a seeded random draw. Returns how many tasks were ordered.
    """
    rows = session.execute(select(Task.id, Task.data).where(
        Task.project_id == project_id,
        ~exists().where(Annotation.task_id == Task.id, Annotation.status == "submitted"),
    ).order_by(Task.id)).all()
    if not rows:
        return 0
    ids = [task_id for task_id, _ in rows]
    data = [d for _, d in rows]
    proba = model.predict_proba(data)
    features = model.transform(data) if hasattr(model, "transform") else None
    rng = np.random.default_rng(seed)
    needs_features = strategy in ("hybrid", "typical", "coreset", "kmeans++")
    sampler = make_sampler(strategy) if features is not None or not needs_features else MarginSampler()
    head = sampler.select(batch_size, proba=proba, features=features, seed=rng)
    rest = MarginSampler().select(len(ids), proba=proba, seed=rng)
    picked = set(head.tolist())
    ranked = head.tolist() + [i for i in rest.tolist() if i not in picked]
    order = queue_order(ids, ranked, random_share=random_share, seed=rng)
    session.execute(update(Task), [{"id": task_id, "priority": p} for task_id, p in order.priorities().items()])
    return len(ids)


def reorder_cold(session: Session, project_id: int, schema: LabelSchema, *, batch_size: int, seed: int = 0,
                 strategy: str = "typical", random_share: float = RANDOM_SHARE) -> int:
    """Routing "active_learning" before the project has any model version, with a strategy that has a
    cold start: the next `batch_size` tasks are its picks among up to `COLD_SAMPLE` unlabeled tasks
    (TypiClust on the first text or table object's features), the rest follow in random order, and
    `random_share` of positions go to a seeded random draw. Returns how many tasks were ordered (0
    when there is a model, the strategy has no cold start, or no object gives features)."""
    sampler = make_sampler(strategy)
    obj = next((o for o in schema.objects.values() if o.type in ("text", "table")), None)
    if not getattr(sampler, "cold_start", False) or obj is None or session.scalar(
            select(exists().where(ModelVersion.project_id == project_id))):
        return 0
    ids = list(session.scalars(select(Task.id).where(
        Task.project_id == project_id,
        ~exists().where(Annotation.task_id == Task.id, Annotation.status == "submitted"),
    ).order_by(Task.id)))
    if not ids:
        return 0
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.permutation(len(ids))[:COLD_SAMPLE])
    data = dict(session.execute(select(Task.id, Task.data).where(Task.id.in_([ids[i] for i in sample]))).all())
    features = pool_features(obj.type, [data[ids[i]] for i in sample], field=obj.field)
    head = sample[sampler.select(batch_size, features=features, seed=rng)].tolist()
    picked = set(head)
    ranked = head + [i for i in rng.permutation(len(ids)).tolist() if i not in picked]
    order = queue_order(ids, ranked, random_share=random_share, seed=rng)
    session.execute(update(Task), [{"id": task_id, "priority": p} for task_id, p in order.priorities().items()])
    return len(ids)
