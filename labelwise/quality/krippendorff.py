"""Krippendorff's alpha with missing data at the nominal, ordinal, interval and ratio levels.

Follows K. Krippendorff (2011), "Computing Krippendorff's alpha-reliability" (coincidences of
pairable values, the four difference functions), vectorised so that a million ratings take well
under a second: nominal, ordinal and interval reduce to per-item sums; ratio sums over the
distinct values in each item, and switches to a quadrature beyond 4,000 distinct values overall.
`reliability_matrix_to_long` accepts the raters x items matrix the `krippendorff` package takes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
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

__all__ = ["krippendorff_alpha", "krippendorff_alpha_from_matrix", "reliability_matrix_to_long"]

Level = Literal["nominal", "ordinal", "interval", "ratio"]

_LEVELS = ("nominal", "ordinal", "interval", "ratio")
# Above this many distinct values, ratio alpha's expected disagreement switches from the exact
# O(V^2) double sum to a quadrature that is exact to rounding in practice (see below).
_RATIO_EXACT_MAX_VALUES = 4000


def krippendorff_alpha(
    items: ArrayLike,
    raters: ArrayLike,
    values: ArrayLike,
    *,
    level: Level = "nominal",
    n_categories: int | None = None,
) -> float:
    """Krippendorff's alpha with missing data, at the nominal, ordinal, interval or ratio level.

    Items with fewer than two ratings are not pairable and are left out, as the coefficient
    prescribes. Ordinal uses the ranks of the observed values, ratio needs values >= 0.
    `n_categories`, when given, checks nominal/ordinal codes against the schema. Returns 1.0 when
    no pairable item shows any disagreement. Cost: O(N log N) for N ratings at every level, plus
    O(V^2) over V distinct values and O(sum of squared distinct values per item) for ratio.
    """
    return estimate(
        _alpha_kernel(items, raters, values, level=level, n_categories=n_categories)
    )


def krippendorff_alpha_from_matrix(
    reliability_data: ArrayLike, *, level: Level = "nominal"
) -> float:
    """Krippendorff's alpha of a raters x items matrix with `nan` (or None) for missing ratings."""
    return krippendorff_alpha(*reliability_matrix_to_long(reliability_data), level=level)


def reliability_matrix_to_long(
    reliability_data: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a raters x items matrix (`nan`/None = missing) into long `(items, raters, values)`.

    Item and rater ids are the column and row indexes.
    """
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise QualityInputError(
            f"a reliability matrix is 2-D (raters x items); got {data.ndim} dimension(s)"
        )
    raters, items = np.nonzero(~np.isnan(data))
    return items, raters, data[raters, items]


def _alpha_kernel(items, raters, values, *, level="nominal", n_categories=None) -> Kernel:
    name = "Krippendorff's alpha"
    if level not in _LEVELS:
        raise QualityInputError(f"{name} level must be one of {', '.join(_LEVELS)}; got {level!r}")
    item_idx, _, values, _ = long_form(items, raters, values, name)
    if level in ("nominal", "ordinal") and n_categories is not None:
        category_codes(values, name, n_categories, ordered=True)
    if level == "ratio" and values.min() < 0:
        raise QualityInputError(f"{name} at the ratio level needs values >= 0; got {values.min()}")
    keep, unit, m = pairable_units(item_idx, name)
    n_units = len(m)
    domain, value_idx = np.unique(values[keep], return_inverse=True)
    value_idx = value_idx.ravel()
    if len(domain) == 1:
        return Kernel(n_units, lambda w: np.ones(len(w)))
    if level == "interval":
        return Kernel(n_units, _alpha_interval(unit, m, domain[value_idx]))
    counts = unit_counts(unit, value_idx, n_units, len(domain))
    if level == "nominal":
        return Kernel(n_units, _alpha_nominal(m, counts))
    if level == "ordinal":
        return Kernel(n_units, _alpha_ordinal(m, counts))
    return Kernel(n_units, _alpha_ratio(m, counts, domain))


def _alpha(w, m, unit_pair_sums, total_pair_sum) -> np.ndarray:
    """alpha = 1 - (n - 1) * sum_u P_u / (m_u - 1) / P, with P_u, P sums of squared differences
    over ordered pairs of values within item u and over all pairable values."""
    n = w @ m
    observed = (n - 1) * unit_pair_sums
    return one_minus_ratio(observed, total_pair_sum)


def _alpha_nominal(m, counts):
    within = (m**2 - np.asarray(counts.multiply(counts).sum(axis=1)).ravel()) / (m - 1)

    def evaluate(w):
        totals = np.asarray((counts.T @ w.T).T)
        n = w @ m
        return _alpha(w, m, w @ within, n**2 - (totals**2).sum(axis=1))

    return evaluate


def _alpha_interval(unit, m, x):
    # sum over ordered pairs of (x_i - x_j)^2 = 2 m SS; shifting by a reference value keeps
    # identical values at exactly zero and avoids cancellation for large offsets.
    first = np.zeros(len(m))
    first[unit[::-1]] = x[::-1]
    d = x - first[unit]
    ss = np.bincount(unit, d * d, len(m)) - np.bincount(unit, d, len(m)) ** 2 / m
    within = 2 * m * np.maximum(ss, 0) / (m - 1)
    g = x - np.median(x)
    s1 = np.bincount(unit, g, len(m))
    s2 = np.bincount(unit, g * g, len(m))

    def evaluate(w):
        n = w @ m
        total = 2 * n * np.maximum(w @ s2 - (w @ s1) ** 2 / n, 0)
        return _alpha(w, m, w @ within, total)

    return evaluate


def _alpha_ordinal(m, counts):
    # The ordinal metric (sum of n_g from c to k minus half the ends) is the interval metric on
    # mid-ranks z_c = cumsum(n)_c - n_c / 2, which depend on the (resampled) marginals.
    def evaluate(w):
        totals = np.asarray((counts.T @ w.T).T)  # (B, V)
        z = np.cumsum(totals, axis=1) - totals / 2
        a1 = np.asarray(counts @ z.T)  # (U, B)
        a2 = np.asarray(counts @ (z * z).T)
        within = 2 * (m[:, None] * a2 - a1**2) / (m - 1)[:, None]
        n = totals.sum(axis=1)
        total = 2 * (n * (totals * z * z).sum(axis=1) - (totals * z).sum(axis=1) ** 2)
        return _alpha(w, m, np.einsum("bu,ub->b", w, within), total)

    return evaluate


def _alpha_ratio(m, counts, domain):
    coo = counts.tocoo()  # rows sorted by unit
    within = np.zeros(len(m))
    for left, right in _pairs_within_groups(coo.row):
        a, b = domain[coo.col[left]], domain[coo.col[right]]
        delta = _ratio_delta2(a, b) * coo.data[left] * coo.data[right]
        within += 2 * np.bincount(coo.row[left], delta, len(m))
    within /= m - 1

    def evaluate(w):
        totals = np.asarray((counts.T @ w.T).T)
        if len(domain) > _RATIO_EXACT_MAX_VALUES:
            total = _ratio_total_by_quadrature(totals, domain)
        else:
            total = np.zeros(len(w))
            step = max(1, BLOCK // len(domain))
            for lo in range(0, len(domain), step):
                block = _ratio_delta2(domain[lo : lo + step, None], domain[None, :])
                total += np.einsum("bc,bc->b", totals[:, lo : lo + step], totals @ block.T)
        return _alpha(w, m, w @ within, total)

    return evaluate


def _ratio_total_by_quadrature(totals, domain):
    """sum_{c,k} n_c n_k ((c - k) / (c + k))^2 in O(V) per node instead of O(V^2).

    With 1 / (c + k)^2 = int_0^inf s exp(-s (c + k)) ds the double sum becomes the integral of
    s * 2 (G2 G0 - G1^2), G_j(s) = sum_c n_c (c - a)^j exp(-s c) for any centre a.
    In u = log s the integrand is a sum of smooth bumps, analytic in a strip of half-width pi/2,
    so the trapezoid rule with step 0.2 is accurate to about exp(-pi^2 / 0.2) relative."""
    zero = domain == 0
    n = totals.sum(axis=1)
    n_zero = totals[:, zero].sum(axis=1)
    t = totals[:, ~zero]
    x = domain[~zero] / np.median(domain[~zero])
    u = np.arange(-np.log(2 * x.max()) - 18, -np.log(2 * x.min()) + 4, 0.2)
    s = np.exp(u)
    # G2 G0 - G1^2 does not depend on the centre; centring each node on the values it weighs
    # most (about 1 / s) keeps the differences of tiny values exact.
    centre = np.clip(1 / s, x.min(), x.max())
    g = np.zeros((3, len(t), len(s)))
    step = max(1, BLOCK // len(s))
    for lo in range(0, len(x), step):
        xc = x[lo : lo + step]
        decay = np.exp(-np.outer(xc, s))
        e = xc[:, None] - centre
        tc = t[:, lo : lo + step]
        g[0] += tc @ decay
        g[1] += tc @ (e * decay)
        g[2] += tc @ (e * e * decay)
    integrand = s * s * 2 * (g[2] * g[0] - g[1] ** 2)
    return 0.2 * integrand.sum(axis=1) + 2 * n_zero * (n - n_zero)


def _ratio_delta2(a, b):
    s = a + b
    return np.where(s > 0, (a - b) / np.where(s > 0, s, 1), 0.0) ** 2


def _pairs_within_groups(group: np.ndarray):
    """Yield (left, right) index arrays of all i < j with group[i] == group[j], in blocks.

    `group` must be sorted."""
    n = len(group)
    sizes = np.bincount(group)
    ends = np.cumsum(sizes)[group]
    reps = ends - np.arange(n) - 1  # partners of i to its right
    cum = np.cumsum(reps)
    start = 0
    while start < n:
        base = cum[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(cum, base + BLOCK, side="right")))
        stop = min(stop, n)
        r = reps[start:stop]
        left = np.repeat(np.arange(start, stop), r)
        offsets = np.arange(len(left)) - np.repeat(np.cumsum(r) - r, r)
        yield left, left + 1 + offsets
        start = stop
