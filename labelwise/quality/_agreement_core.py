"""Plumbing shared by the agreement metrics: input checks and per-item weighted kernels.

Every metric is written as a function of per-item weights, so a plain estimate (all weights 1)
and a whole batch of bootstrap resamples (multinomial weights) run through the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from labelwise.quality.errors import QualityInputError

# Bound on the size of the dense temporaries (resamples x items, pairs of values) in floats.
BLOCK = 4_000_000


@dataclass(frozen=True)
class Kernel:
    """A metric over `n_units` items: `evaluate` maps (B, n_units) weights to B estimates."""

    n_units: int
    evaluate: Callable[[np.ndarray], np.ndarray]


def estimate(kernel: Kernel) -> float:
    return float(kernel.evaluate(np.ones((1, kernel.n_units)))[0])


def long_form(items, raters, values, name: str):
    """Check long-format input; return item and rater indexes, the values and the rater ids."""
    items, raters, values = np.asarray(items), np.asarray(raters), np.asarray(values)
    if not items.ndim == raters.ndim == values.ndim == 1:
        raise QualityInputError(f"{name} takes 1-D items, raters and values arrays (long format)")
    if not len(items) == len(raters) == len(values):
        raise QualityInputError(
            f"{name}: items, raters and values must have equal lengths; got "
            f"{len(items)}, {len(raters)} and {len(values)}"
        )
    if len(values) == 0:
        raise QualityInputError(f"{name} needs ratings; got empty input")
    if values.dtype.kind not in "biuf":
        raise QualityInputError(
            f"{name} needs numeric values (category codes or numbers); got dtype {values.dtype}"
        )
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise QualityInputError(
            f"{name}: {int(np.isnan(values).sum())} values are NaN; leave missing ratings out "
            "of the long format (reliability_matrix_to_long does this)"
        )
    _, item_idx = np.unique(items, return_inverse=True)
    rater_ids, rater_idx = np.unique(raters, return_inverse=True)
    if len(rater_ids) < 2:
        raise QualityInputError(
            f"{name} needs at least two raters; got 1 ({rater_ids[0]!r})"
        )
    return item_idx.ravel(), rater_idx.ravel(), values, rater_ids



def category_codes(values, name, n_categories, *, ordered):
    """Integer codes, checked against the schema; dense 0..k-1 unless the order matters."""
    if values.dtype.kind == "f":
        bad = values[values != np.round(values)]
        if len(bad):
            raise QualityInputError(f"{name} needs integer category codes; got {bad[0]!r}")
    codes = values.astype(np.int64)
    if codes.min() < 0:
        raise QualityInputError(f"{name}: category codes start at 0; got {codes.min()}")
    if n_categories is not None:
        if n_categories < 1:
            raise QualityInputError(f"n_categories must be at least 1; got {n_categories}")
        if codes.max() >= n_categories:
            raise QualityInputError(
                f"{name}: label code {codes.max()} is outside the schema's {n_categories} "
                f"categories (codes 0..{n_categories - 1})"
            )
    if ordered:
        return codes, int(n_categories if n_categories is not None else codes.max() + 1)
    present, dense = np.unique(codes, return_inverse=True)
    return dense.ravel(), len(present)



def pairable_units(item_idx: np.ndarray, name: str):
    """Items with two or more ratings: a mask over rows, their unit index and their sizes."""
    per_item = np.bincount(item_idx)
    keep = per_item[item_idx] >= 2
    if not keep.any():
        raise QualityInputError(
            f"{name} needs at least one item rated twice or more; all "
            f"{np.count_nonzero(per_item)} rated items have a single rating"
        )
    unit = np.cumsum(per_item >= 2)[item_idx[keep]] - 1
    n_units = int(unit.max()) + 1
    return keep, unit, np.bincount(unit, minlength=n_units).astype(float)


def unit_counts(unit, value_idx, n_units, n_values):
    counts = sp.csr_matrix(
        (np.ones(len(unit)), (unit, value_idx)), shape=(n_units, n_values)
    )
    counts.sum_duplicates()
    return counts



def one_minus_ratio(observed, expected):
    """1 - observed / expected, defined as 1.0 where nothing was observed (so also for 0/0)."""
    observed, expected = np.asarray(observed, float), np.asarray(expected, float)
    safe = np.where(expected == 0, 1.0, expected)
    return np.where(observed == 0, 1.0, 1.0 - observed / safe)
