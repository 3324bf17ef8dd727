"""Forecasts of time and cost to completion, per project and per batch, from the answers observed so far.

Computed on request from the current rows, so every new answer moves the next forecast. A batch is
forecast from its own answers once it has `MIN_OWN_ANSWERS`, before that from the project's pace
(`basis` says which). Cost to go is the remaining answers times the batch's pay per task plus its pay
per second times the mean lead time of its answers; its interval is the sampling error of that mean.
"""

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.crowd.forecast_model import WINDOW, Forecast, forecast
from labelwise.core.labeling import batches as batch_service
from labelwise.core.projects.queue_order import PAUSED_RANK
from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Annotation, Assignment, Batch, GoldAnswer, Task, User

MIN_OWN_ANSWERS = 20
MAX_ANSWERS = 200_000  # the most recent answers a forecast reads
_EPOCH = datetime(1970, 1, 1)


def project_forecast(session: Session, user: User, project_id: int) -> dict[str, Any]:
    """The project's forecast and one per batch."""
    authorize(session, user, project_id, Role.REVIEWER)
    now = utcnow()
    answers = _answers(session, project_id, now)
    open_slots = _open_slots(session, project_id)
    rows = list(session.scalars(select(Batch).where(Batch.project_id == project_id).order_by(Batch.id)))
    per_batch = [_batch(session, batch, answers, now) for batch in rows]
    out = _summary(answers, answers, open_slots, now, basis="project")
    status = "active" if open_slots else "complete"
    if not open_slots and any(b["status"] == "paused" for b in per_batch):
        status = "paused"  # what is left waits in paused batches: no date until they resume
        out.update(eta=None, eta_low=None, eta_high=None, eta_hours=None, forecast=[])
    out.update(scope="project", id=project_id, status=status,
               cost_spent=round(sum(b["cost_spent"] for b in per_batch), 4),
               cost_remaining=_sum(per_batch, "cost_remaining"), cost_remaining_low=_sum(per_batch, "cost_remaining_low"),
               cost_remaining_high=_sum(per_batch, "cost_remaining_high"))
    return {"project": out, "batches": per_batch}


def batch_forecast(session: Session, user: User, batch_id: int) -> dict[str, Any]:
    batch = batch_service.get_batch(session, user, batch_id)
    now = utcnow()
    return _batch(session, batch, _answers(session, batch.project_id, now), now)


def _batch(session: Session, batch: Batch, answers: dict[str, np.ndarray], now: datetime) -> dict[str, Any]:
    mine = {key: value[answers["batch"] == batch.id] for key, value in answers.items()}
    remaining = batch_service.progress(session, batch).open_slots
    own = len(mine["times"]) >= MIN_OWN_ANSWERS
    out = _summary(mine, mine if own else answers, remaining, now, basis="batch" if own else "project")
    lead = _known(mine["lead"]) if len(_known(mine["lead"])) else _known(answers["lead"])
    per_answer = batch.pay_per_task + batch.pay_per_second * (float(lead.mean()) if len(lead) else 0.0)
    low, high = _cost_interval(batch, lead, remaining)
    status = "complete" if remaining == 0 else batch.status
    if batch.status == "paused":
        out.update(eta=None, eta_low=None, eta_high=None, eta_hours=None, forecast=[])
    deadline = batch.deadline
    out.update(
        scope="batch", id=batch.id, name=batch.name, status=status, status_reason=batch.status_reason,
        deadline=_iso(deadline), priority=batch.priority,
        on_time=None if deadline is None or out["eta"] is None else out["eta"] <= _iso(deadline),
        cost_spent=round(batch.spent, 4), cost_remaining=round(per_answer * remaining, 4),
        cost_remaining_low=low, cost_remaining_high=high, budget=batch.budget,
        over_budget=None if batch.budget is None else batch.spent + per_answer * remaining > batch.budget + 1e-9,
    )
    return out


def _summary(done: dict[str, np.ndarray], basis_answers: dict[str, np.ndarray], remaining: int, now: datetime,
             *, basis: str) -> dict[str, Any]:
    now_s = (now - _EPOCH).total_seconds()
    result: Forecast = forecast(basis_answers["times"], basis_answers["workers"], now=now_s, remaining=remaining)
    eta = _at(now, result.eta_seconds)
    return {
        "remaining": remaining, "done": int(len(done["times"])), "basis": basis,
        "rate_per_hour": round(result.rate_per_hour, 3), "sessions": result.sessions,
        "eta": eta, "eta_low": _at(now, result.eta_low_seconds), "eta_high": _at(now, result.eta_high_seconds),
        "eta_hours": None if result.eta_seconds is None else round(result.eta_seconds / 3600.0, 3),
        "annotators": result.annotators,
        "history": _history(done["times"], remaining, now_s),
        "forecast": [[_at(now, h * 3600.0), round(e, 2), round(lo, 2), round(hi, 2)]
                     for h, e, lo, hi in zip(result.curve_hours, result.curve_expected, result.curve_low,
                                             result.curve_high, strict=True)],
    }


def _answers(session: Session, project_id: int, now: datetime) -> dict[str, np.ndarray]:
    """The project's submitted answers of the forecast window, newest `MAX_ANSWERS` at most."""
    since = now - timedelta(seconds=WINDOW)
    rows = session.execute(
        select(Annotation.created_at, User.username, Task.batch_id, Annotation.lead_time_ms)
        .join(Task, Task.id == Annotation.task_id)
        .join(User, User.id == Annotation.user_id)
        .where(Annotation.project_id == project_id, Annotation.status == "submitted", Annotation.created_at > since)
        .order_by(Annotation.created_at.desc())
        .limit(MAX_ANSWERS)
    ).all()
    return {
        "times": np.array([(r[0] - _EPOCH).total_seconds() for r in rows], dtype=float),
        "workers": np.array([r[1] for r in rows], dtype=object),
        "batch": np.array([-1 if r[2] is None else r[2] for r in rows], dtype=np.int64),
        "lead": np.array([np.nan if r[3] is None else r[3] / 1000.0 for r in rows], dtype=float),
    }


def _open_slots(session: Session, project_id: int) -> int:
    """Answers the project still wants from tasks the queue serves (paused batches left out), leases included."""
    not_gold = ~select(GoldAnswer.task_id).where(GoldAnswer.task_id == Task.id).exists()
    slots = session.scalar(select(func.coalesce(func.sum(Task.remaining), 0))
                           .where(Task.project_id == project_id, Task.queue_rank > PAUSED_RANK, not_gold)) or 0
    leased = session.scalar(select(func.count(Assignment.id))
                            .where(Assignment.project_id == project_id, Assignment.status == "leased")) or 0
    return int(slots) + int(leased)


def _known(lead: np.ndarray) -> np.ndarray:
    return lead[~np.isnan(lead)]


def _cost_interval(batch: Batch, lead: np.ndarray, remaining: int) -> tuple[float, float]:
    """10th-90th percentile of the cost to go: the mean lead time's sampling error (normal approximation)."""
    mean = float(lead.mean()) if len(lead) else 0.0
    spread = 1.2816 * float(lead.std(ddof=1)) / np.sqrt(len(lead)) if len(lead) > 1 else 0.0
    low, high = (remaining * (batch.pay_per_task + batch.pay_per_second * max(m, 0.0))
                 for m in (mean - spread, mean + spread))
    return round(low, 4), round(high, 4)


def _history(times: np.ndarray, remaining: int, now_s: float) -> list[list[Any]]:
    """Remaining answers over the window: now's remainder plus the answers given after each point."""
    if len(times) == 0:
        return [[_iso_s(now_s), remaining]]
    ordered = np.sort(times)
    points = np.linspace(ordered[0], now_s, num=min(100, len(ordered) + 1))
    after = len(ordered) - np.searchsorted(ordered, points, side="left")
    return [[_iso_s(p), int(remaining + a)] for p, a in zip(points, after, strict=True)]


def _sum(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(r[key] for r in rows if r[key] is not None), 4)


def _at(now: datetime, seconds: float | None) -> str | None:
    return None if seconds is None else _iso(now + timedelta(seconds=seconds))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def _iso_s(seconds: float) -> str:
    return _iso(_EPOCH + timedelta(seconds=float(seconds)))
