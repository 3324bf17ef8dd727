"""Numeric answers: a robust centre per task (median, trimmed mean or mean) and how many agree with it.

For counts, measurements, ratings on a continuous scale. Vectorised over tasks with one sort
of the (task, value) pairs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.aggregation._base import as_codes, check_range
from labelwise.quality.errors import QualityInputError

__all__ = ["NumericResult", "aggregate_numbers"]

METHODS = ("median", "trimmed_mean", "mean")


class NumericResult(NamedTuple):
    """Per task: ``values`` (the aggregate), ``confidences`` (share of answers within tolerance
    of it), ``spreads`` (median absolute deviation from it) and ``counts`` (answers)."""

    values: np.ndarray
    confidences: np.ndarray
    spreads: np.ndarray
    counts: np.ndarray


def aggregate_numbers(tasks: ArrayLike, values: ArrayLike, *, n_tasks: int | None = None,
                      method: str = "median", trim: float = 0.2, rel_tol: float = 0.05,
                      abs_tol: float = 0.0) -> NumericResult:
    """Aggregate numeric answers per task code.

    ``method``: "median" (default; the mean of the two middle values for an even count),
    "trimmed_mean" (drop ``floor(trim · n)`` answers at each end, then average) or "mean".
    An answer agrees when it lies within ``max(abs_tol, rel_tol · |value|)`` of the aggregate;
    the confidence is the share of answers that agree (1 for a single answer). A task code
    below ``n_tasks`` without answers gets value NaN, confidence 0, spread NaN and count 0:
    the only NaNs returned, always paired with ``counts == 0``.
    """
    if method not in METHODS:
        raise QualityInputError(f"method must be one of {METHODS}, got {method!r}.")
    if not 0.0 <= trim < 0.5:
        raise QualityInputError(f"trim must be in [0, 0.5), got {trim}.")
    if rel_tol < 0 or abs_tol < 0:
        raise QualityInputError("rel_tol and abs_tol must be >= 0.")
    t = as_codes(tasks, "tasks")
    x = np.asarray(values, dtype=float) if np.asarray(values).dtype.kind in "iufb" else None
    if x is None or x.ndim != 1:
        raise QualityInputError("values must be a one-dimensional array of numbers.")
    if len(t) != len(x):
        raise QualityInputError(f"tasks and values must have the same length, got {len(t)} and {len(x)}.")
    if len(t) == 0:
        raise QualityInputError("There are no answers to aggregate (the input is empty).")
    if not np.isfinite(x).all():
        row = int(np.flatnonzero(~np.isfinite(x))[0])
        raise QualityInputError(f"values must be finite; row {row} holds {x[row]}. Drop missing answers first.")
    nt = check_range(t, n_tasks, "task", "n_tasks")

    counts = np.bincount(t, minlength=nt)
    has = counts > 0
    if method == "median":
        centre = _group_median(t, x, counts)
    elif method == "mean":
        centre = np.bincount(t, weights=x, minlength=nt) / np.maximum(counts, 1)
    else:
        order = np.lexsort((x, t))
        st, sx = t[order], x[order]
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(st)) - first[st]
        cut = np.floor(trim * counts).astype(np.intp)[st]
        keep = (rank >= cut) & (rank < counts[st] - cut)
        kept = np.bincount(st[keep], minlength=nt)
        centre = np.bincount(st[keep], weights=sx[keep], minlength=nt) / np.maximum(kept, 1)
    dev = np.abs(x - centre[t])
    spread = _group_median(t, dev, counts)
    tol = np.maximum(abs_tol, rel_tol * np.abs(centre))
    agree = np.bincount(t, weights=(dev <= tol[t] + 1e-12 * np.abs(centre[t])).astype(float), minlength=nt)
    conf = np.where(has, agree / np.maximum(counts, 1), 0.0)
    centre = np.where(has, centre, np.nan)
    spread = np.where(has, spread, np.nan)
    return NumericResult(centre, conf, spread, counts)


def _group_median(t: np.ndarray, x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of x within each task code (0 where a task has no values; callers mask it)."""
    order = np.lexsort((x, t))
    sx = x[order]
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lo = first + (counts - 1) // 2
    hi = first + counts // 2
    ok = counts > 0
    out = np.zeros(len(counts))
    out[ok] = 0.5 * (sx[lo[ok]] + sx[hi[ok]])
    return out
