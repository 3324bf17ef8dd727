"""Agreement between annotators on categorical, ordinal and numeric labels, with bootstrap CIs.

Percent agreement; Cohen's kappa (Cohen 1960; weighted as in Cohen 1968) and the matrix of
pairwise kappas, whose mean is Light's kappa (Light 1971); Fleiss' kappa (Fleiss 1971);
Krippendorff's alpha at the nominal, ordinal, interval and ratio levels with missing data
(Krippendorff 2011, "Computing Krippendorff's alpha-reliability"; implemented in
`labelwise.quality.krippendorff`, re-exported here); and `bootstrap_ci`, a
percentile interval from resampling items, after Hayes & Krippendorff (2007).

Input is long format: three equal-length arrays `items`, `raters`, `values`, one row per rating
(ids may be any sortable values; categorical `values` are integer codes, numeric ones may be
floats). A missing rating is simply an absent row. `reliability_matrix_to_long` turns the
raters x items matrix with `nan` for missing (the form the `krippendorff` package takes) into
that form. Bad input raises `QualityInputError` saying why. Degenerate but valid data get a
defined value instead of NaN: when nobody ever disagrees, every coefficient is 1.0, including the
case where all ratings are one class and chance agreement is 0/0 (scikit-learn returns nan and
`krippendorff` raises there). Each metric is a weighted sum over items, so the public functions
and the bootstrap share one vectorised code path: the estimate is the weight-1 case.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from labelwise.quality._agreement_core import (
    BLOCK,
    Kernel,
    category_codes,
    estimate,
    long_form,
    one_minus_ratio,
    pairable_units,
    unit_counts,
)
from labelwise.quality.errors import QualityInputError
from labelwise.quality.krippendorff import (
    _alpha_kernel,
    krippendorff_alpha,
    krippendorff_alpha_from_matrix,
    reliability_matrix_to_long,
)

__all__ = [
    "ConfidenceInterval",
    "PairwiseAgreement",
    "bootstrap_ci",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_from_matrix",
    "pairwise_cohen_kappa",
    "percent_agreement",
    "reliability_matrix_to_long",
]

KappaWeights = Literal["linear", "quadratic"] | None


@dataclass(frozen=True)
class ConfidenceInterval:
    """A point estimate with its bootstrap percentile interval [low, high]."""

    estimate: float
    low: float
    high: float
    confidence: float
    n_resamples: int


@dataclass(frozen=True, eq=False)
class PairwiseAgreement:
    """Agreement of every pair of raters.

    `matrix[i, j]` is the agreement of `raters[i]` and `raters[j]`, `n_shared[i, j]` the number of
    items both scored. The diagonal is 1.0 (and `n_shared[i, i]` the items rater i scored); a
    pair that shares no item is NaN in `matrix` and 0 in `n_shared`, on purpose: there is nothing
    to measure. `mean` averages the pairs that share at least one item.
    """

    raters: np.ndarray
    matrix: np.ndarray
    n_shared: np.ndarray
    mean: float


def percent_agreement(
    items: ArrayLike, raters: ArrayLike, values: ArrayLike, *, n_categories: int | None = None
) -> float:
    """Share of agreeing rating pairs within an item, averaged over items with two or more ratings.

    With two raters this is the share of shared items they label alike. Items with a single
    rating carry no pair and are left out.
    """
    return estimate(_percent_kernel(items, raters, values, n_categories=n_categories))


def cohen_kappa(
    items: ArrayLike,
    raters: ArrayLike,
    values: ArrayLike,
    *,
    weights: KappaWeights = None,
    n_categories: int | None = None,
) -> float:
    """Cohen's kappa of exactly two raters over the items both rated.

    `weights="linear"` or `"quadratic"` gives weighted kappa, with the category codes
    0..n_categories-1 as the order (default `n_categories`: largest code + 1). Each rater may rate
    an item once. Returns 1.0 when the raters never disagree (also when both used one class).
    """
    return estimate(
        _cohen_kernel(items, raters, values, weights=weights, n_categories=n_categories)
    )


def pairwise_cohen_kappa(
    items: ArrayLike,
    raters: ArrayLike,
    values: ArrayLike,
    *,
    weights: KappaWeights = None,
    n_categories: int | None = None,
) -> PairwiseAgreement:
    """Cohen's kappa of every pair of raters over the items they share; `mean` is Light's kappa."""
    name = "Pairwise Cohen's kappa"
    item_idx, rater_idx, values, rater_ids = long_form(items, raters, values, name)
    codes, k = category_codes(values, name, n_categories, ordered=weights is not None)
    n_raters = len(rater_ids)
    _reject_repeats(item_idx, rater_idx, rater_ids, name)
    x = sp.csr_matrix(
        (np.ones(len(codes)), (item_idx, rater_idx * k + codes)),
        shape=(int(item_idx.max()) + 1, n_raters * k),
    )
    # Block (r, s) of X^T X is the confusion table of raters r and s on the items they share.
    gram = (x.T @ x).tocoo()
    r, c_r = np.divmod(gram.row, k)
    s, c_s = np.divmod(gram.col, k)
    upper = r < s
    pair_key = r[upper] * n_raters + s[upper]
    pairs, pair_idx = np.unique(pair_key, return_inverse=True)
    if len(pairs) == 0:
        raise QualityInputError(
            f"{name} needs two raters who share at least one item; no pair does"
        )
    flat = (pair_idx * k + c_r[upper]) * k + c_s[upper]
    tables = np.bincount(flat, weights=gram.data[upper], minlength=len(pairs) * k * k)
    kappas = _kappa(tables.reshape(len(pairs), k, k), _disagreement_weights(k, weights))
    pr, ps = np.divmod(pairs, n_raters)
    matrix = np.full((n_raters, n_raters), np.nan)
    n_shared = np.zeros((n_raters, n_raters), dtype=np.int64)
    matrix[pr, ps] = matrix[ps, pr] = kappas
    n_shared[pr, ps] = n_shared[ps, pr] = tables.reshape(len(pairs), -1).sum(axis=1)
    np.fill_diagonal(matrix, 1.0)
    np.fill_diagonal(n_shared, np.bincount(rater_idx, minlength=n_raters))
    return PairwiseAgreement(rater_ids, matrix, n_shared, float(kappas.mean()))


def fleiss_kappa(
    items: ArrayLike, raters: ArrayLike, values: ArrayLike, *, n_categories: int | None = None
) -> float:
    """Fleiss' kappa; every item must have the same number (two or more) of ratings.

    Raters need not be the same people across items. Returns 1.0 when every item is unanimous.
    """
    return estimate(_fleiss_kernel(items, raters, values, n_categories=n_categories))


def bootstrap_ci(
    metric: Callable[..., float],
    items: ArrayLike,
    raters: ArrayLike,
    values: ArrayLike,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator | None = None,
    **metric_options,
) -> ConfidenceInterval:
    """Percentile bootstrap interval of `metric(items, raters, values, **metric_options)`.

    Items are resampled with replacement; an item drawn twice counts as two items. For the metrics
    of this module (also wrapped in `functools.partial`), the resampled units are the items that
    enter the metric (shared items for Cohen, pairable items for alpha) and all resamples are
    computed at once; any other callable is called once per resample. Unlike Hayes & Krippendorff
    (2007), who resample pairs of values, this resamples whole items, which keeps the dependence
    between the ratings of an item. Randomness comes only from `seed`.
    """
    if not (isinstance(n_resamples, int | np.integer) and n_resamples >= 1):
        raise QualityInputError(f"n_resamples must be a positive integer; got {n_resamples!r}")
    if not 0 < confidence < 1:
        raise QualityInputError(f"confidence must be between 0 and 1; got {confidence!r}")
    rng = np.random.default_rng(seed)
    func, options = metric, dict(metric_options)
    while isinstance(func, functools.partial) and not func.args:
        options = {**func.keywords, **options}
        func = func.func
    factory = _KERNELS.get(func)
    if factory is not None:
        kernel = factory(items, raters, values, **options)
        point = estimate(kernel)
        samples = _resample_kernel(kernel, n_resamples, rng)
    else:
        point = float(metric(items, raters, values, **metric_options))
        samples = _resample_calls(metric, items, raters, values, metric_options, n_resamples, rng)
    bad = int(np.count_nonzero(~np.isfinite(samples)))
    if bad or not np.isfinite(point):
        raise QualityInputError(
            f"the metric returned a non-finite value on the data or on {bad} of {n_resamples} "
            "resamples; it cannot be bootstrapped"
        )
    tail = (1 - confidence) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return ConfidenceInterval(point, float(low), float(high), confidence, n_resamples)


# --- kernels: each metric as a function of per-item weights -------------------------------------


def _percent_kernel(items, raters, values, *, n_categories=None) -> Kernel:
    name = "Percent agreement"
    item_idx, _, values, _ = long_form(items, raters, values, name)
    codes, k = category_codes(values, name, n_categories, ordered=False)
    unit, m, counts = _pairable(item_idx, codes, k, name)
    agree = _agreeing_pair_share(m, counts)
    return Kernel(len(m), lambda w: (w @ agree) / w.sum(axis=1))


def _fleiss_kernel(items, raters, values, *, n_categories=None) -> Kernel:
    name = "Fleiss' kappa"
    item_idx, _, values, _ = long_form(items, raters, values, name)
    codes, k = category_codes(values, name, n_categories, ordered=False)
    per_item = np.bincount(item_idx)
    per_item = per_item[per_item > 0]
    if per_item.min() != per_item.max():
        raise QualityInputError(
            f"{name} needs the same number of ratings on every item; got between "
            f"{per_item.min()} and {per_item.max()} (use krippendorff_alpha for missing ratings)"
        )
    unit, m, counts = _pairable(item_idx, codes, k, name)
    agree = _agreeing_pair_share(m, counts)

    def evaluate(w: np.ndarray) -> np.ndarray:
        totals = np.asarray((counts.T @ w.T).T)  # (B, k) ratings per category
        grand = totals.sum(axis=1)
        # 1 - P_e = (T^2 - sum t_j^2) / T^2, kept in integers so one class gives exactly 0.
        chance_disagreement = (grand**2 - (totals**2).sum(axis=1)) / grand**2
        observed_disagreement = 1 - (w @ agree) / w.sum(axis=1)
        return one_minus_ratio(observed_disagreement, chance_disagreement)

    return Kernel(len(m), evaluate)


def _cohen_kernel(items, raters, values, *, weights=None, n_categories=None) -> Kernel:
    name = "Cohen's kappa"
    item_idx, rater_idx, values, rater_ids = long_form(items, raters, values, name)
    if len(rater_ids) != 2:
        raise QualityInputError(
            f"{name} compares exactly two raters; got {len(rater_ids)} "
            "(use pairwise_cohen_kappa or fleiss_kappa/krippendorff_alpha for more)"
        )
    codes, k = category_codes(values, name, n_categories, ordered=weights is not None)
    _reject_repeats(item_idx, rater_idx, rater_ids, name)
    n_items = int(item_idx.max()) + 1
    by_rater = np.full((2, n_items), -1, dtype=np.int64)
    by_rater[rater_idx, item_idx] = codes
    shared = (by_rater >= 0).all(axis=0)
    if not shared.any():
        raise QualityInputError(
            f"{name} needs two raters who share at least one item; got 0 shared items"
        )
    cell = by_rater[0, shared] * k + by_rater[1, shared]
    n_units = len(cell)
    onehot = sp.csr_matrix((np.ones(n_units), (np.arange(n_units), cell)), shape=(n_units, k * k))
    disagreement = _disagreement_weights(k, weights)

    def evaluate(w: np.ndarray) -> np.ndarray:
        tables = np.asarray((onehot.T @ w.T).T).reshape(-1, k, k)
        return _kappa(tables, disagreement)

    return Kernel(n_units, evaluate)


def _reject_repeats(item_idx, rater_idx, rater_ids, name):
    key = item_idx.astype(np.int64) * len(rater_ids) + rater_idx
    unique, counts = np.unique(key, return_counts=True)
    if len(unique) < len(key):
        rater = rater_ids[unique[counts > 1][0] % len(rater_ids)]
        raise QualityInputError(
            f"{name} takes one rating per rater and item; rater {rater!r} rated an item "
            f"{counts.max()} times ({len(key) - len(unique)} repeated ratings in all)"
        )


def _pairable(item_idx, codes, k, name):
    """Units (items with >= 2 ratings), their sizes and their sparse unit x category counts."""
    keep, unit, m = pairable_units(item_idx, name)
    return unit, m, unit_counts(unit, codes[keep], len(m), k)


def _agreeing_pair_share(m, counts):
    same = np.asarray((counts.multiply(counts) - counts).sum(axis=1)).ravel()
    return same / (m * (m - 1))


def _disagreement_weights(k, weights):
    if weights is None:
        return 1.0 - np.eye(k)
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(float)
    if weights == "linear":
        return distance
    if weights == "quadratic":
        return distance**2
    raise QualityInputError(f"kappa weights must be None, 'linear' or 'quadratic'; got {weights!r}")


def _kappa(tables, disagreement):
    """Kappa of (B, k, k) confusion tables: 1 - N sum w O / sum w r c."""
    n = tables.sum(axis=(1, 2))
    observed = n * np.einsum("bij,ij->b", tables, disagreement)
    expected = np.einsum("bi,ij,bj->b", tables.sum(axis=2), disagreement, tables.sum(axis=1))
    return one_minus_ratio(observed, expected)


def _resample_kernel(kernel: Kernel, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    u = kernel.n_units
    step = max(1, min(n_resamples, BLOCK // u))
    out = np.empty(n_resamples)
    for lo in range(0, n_resamples, step):
        b = min(step, n_resamples - lo)
        drawn = rng.integers(0, u, size=(b, u))
        flat = (np.arange(b)[:, None] * u + drawn).ravel()
        w = np.bincount(flat, minlength=b * u).reshape(b, u).astype(float)
        out[lo : lo + b] = kernel.evaluate(w)
    return out


def _resample_calls(metric, items, raters, values, options, n_resamples, rng) -> np.ndarray:
    items, raters, values = np.asarray(items), np.asarray(raters), np.asarray(values)
    _, item_idx = np.unique(items, return_inverse=True)
    item_idx = item_idx.ravel()
    order = np.argsort(item_idx, kind="stable")
    sizes = np.bincount(item_idx)
    starts = np.cumsum(sizes) - sizes
    n_items = len(sizes)
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        drawn = rng.integers(0, n_items, size=n_items)
        lengths = sizes[drawn]
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        rows = order[np.repeat(starts[drawn], lengths) + offsets]
        new_items = np.repeat(np.arange(n_items), lengths)
        out[b] = metric(new_items, raters[rows], values[rows], **options)
    return out


_KERNELS: dict[Callable, Callable[..., Kernel]] = {
    percent_agreement: _percent_kernel,
    cohen_kappa: _cohen_kernel,
    fleiss_kappa: _fleiss_kernel,
    krippendorff_alpha: _alpha_kernel,
}
