"""The order in which the queue serves tasks: a `priority` per task, highest first, then by id.

Sequential routing leaves every priority at 0, so tasks come in import order. Random routing uses a
fixed pseudo-random permutation of ids (the same in SQLite and PostgreSQL, and stable across restarts).
Uncertainty routing starts at 0 and is re-scored from each task's latest prediction as predictions
arrive (`core/assist/queue_priority.py`); active-learning routing starts random and is reordered by
the model after each retrain (`core/assist/training.reorder_queue`).
"""

from sqlalchemy import ColumnElement, literal

_MULTIPLIER = 2654435761  # Knuth's multiplicative hash constant
_MODULUS = 1000003


def priority_sql(routing: str, id_column: ColumnElement[int]) -> ColumnElement[float]:
    if routing == "sequential" or routing == "uncertainty":
        return literal(0.0)
    return ((id_column * _MULTIPLIER) % _MODULUS) / float(_MODULUS)
