"""A queue priority per task from its latest prediction, for a queue that serves highest priority first.

Each task is scored alone (its uncertainty), so priorities can be updated for just the tasks whose
predictions changed. A fixed pseudo-random share of tasks, chosen by hashing the task id, gets a
uniformly spread priority instead: the random slice that keeps evaluation honest, recognisable later
by the same hash (`in_random_slice`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from labelwise.assist.active.uncertainty import MEASURES, per_option

_GOLDEN = 0x9E3779B1  # 2^32 / golden ratio: consecutive ids land far apart


def in_random_slice(task_id: int, share: float) -> bool:
    """Whether the task belongs to the random slice of the given share (stable for a task id)."""
    return _unit(task_id) < share


def prediction_uncertainty(scores: Mapping[str, float] | None, score: float | None = None, *,
                           measure: str = "margin") -> float | None:
    """Uncertainty in [0, 1] of one prediction, or None when it carries no usable score.

    `scores` (option -> probability) that sum to 1 are one class distribution; otherwise they are
    per-option probabilities of a multi-label answer, scored by the least sure option. Without
    `scores`, the overall confidence `score` gives `1 - score`.
    """
    values = [float(v) for v in scores.values() if _number(v)] if isinstance(scores, Mapping) else []
    if values and all(0.0 <= v <= 1.0 for v in values):
        p = np.array([values])
        if abs(p.sum() - 1.0) <= 0.01:
            return float(MEASURES[measure](p / p.sum())[0])
        return float(MEASURES[measure](per_option(p))[0])
    if _number(score) and 0.0 <= float(score) <= 1.0:
        return 1.0 - float(score)
    return None


def task_priority(task_id: int, scores: Mapping[str, float] | None, score: float | None = None, *,
                  random_share: float = 0.1, measure: str = "margin") -> float:
    """The task's priority in [0, 1]: its uncertainty, or a hash-spread value in the random slice
    (and when the prediction has no usable score)."""
    unit = _unit(task_id)
    if unit < random_share:
        return unit / random_share
    uncertainty = prediction_uncertainty(scores, score, measure=measure)
    return unit if uncertainty is None else uncertainty


def _unit(task_id: int) -> float:
    return ((int(task_id) * _GOLDEN) % 2**32) / 2**32


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
