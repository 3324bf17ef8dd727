"""The order in which the queue serves tasks: by batch (`queue_rank`), then a `priority` per task, highest
first, then by id.

`queue_rank` places a task's batch: batches of higher priority first, among equal priorities the earlier
deadline first, a batch without a deadline after those with one; tasks outside any batch rank as a batch
of priority 0 without a deadline. A paused batch's tasks get `PAUSED_RANK`, below the queue's lower bound,
so the queue's index range never reaches them.

Within a batch, sequential routing leaves every priority at 0, so tasks come in import order. Random routing
uses a fixed pseudo-random permutation of ids (the same in SQLite and PostgreSQL, and stable across restarts).
Uncertainty routing starts at 0 and is re-scored from each task's latest prediction as predictions
arrive (`core/projects/queue_priority.py`); active-learning routing starts random and is reordered by
the model after each retrain (`core/assist/training.reorder_queue`).
"""

from datetime import datetime

from sqlalchemy import ColumnElement, literal

_MULTIPLIER = 2654435761  # Knuth's multiplicative hash constant
_MODULUS = 1000003

MAX_BATCH_PRIORITY = 1_000_000
PAUSED_RANK = -(2**62)
_DEADLINE_SLOTS = 10**9  # minutes since 1970: enough until the year 3870
_EPOCH = datetime(1970, 1, 1)


def priority_sql(routing: str, id_column: ColumnElement[int]) -> ColumnElement[float]:
    if routing == "sequential" or routing == "uncertainty":
        return literal(0.0)
    return ((id_column * _MULTIPLIER) % _MODULUS) / float(_MODULUS)


def batch_rank(priority: int, deadline: datetime | None, *, paused: bool = False) -> int:
    """The `queue_rank` of a batch's tasks: exact in a 64-bit integer, larger is served first."""
    if paused:
        return PAUSED_RANK
    if not -MAX_BATCH_PRIORITY <= priority <= MAX_BATCH_PRIORITY:
        raise ValueError(f"batch priority must be within ±{MAX_BATCH_PRIORITY}")
    urgency = 0
    if deadline is not None:
        minutes = int((deadline - _EPOCH).total_seconds() // 60)
        urgency = _DEADLINE_SLOTS - 1 - min(max(minutes, 0), _DEADLINE_SLOTS - 2)
    return priority * _DEADLINE_SLOTS + urgency
