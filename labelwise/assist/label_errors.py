"""Label-error detection by confident learning on out-of-sample predicted probabilities.

Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70 (2021):
per-class thresholds (the mean self-confidence of each given class), the confident joint of given and
latent true labels, its calibration to the label counts, and the pruning rules that turn it into flagged
items (§3.2: prune by class, prune by noise rate, both, C_confusion and C_{ỹ,y*}). The counting and tie
rules follow cleanlab 2.x's ``filter.find_label_issues`` so that, given the same labels and
probabilities, both flag the same items (tests/assist/test_label_errors.py checks this against cleanlab).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from labelwise.assist.crossval import cross_val_mean_proba

__all__ = [
    "FILTERS",
    "RANKINGS",
    "ConfidentLearning",
    "LabelErrors",
    "calibrate_confident_joint",
    "confident_joint",
    "confident_thresholds",
    "estimate_joint",
    "find_label_errors",
    "label_quality_scores",
]

FILTERS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given")
RANKINGS = ("self_confidence", "normalized_margin")

# Probabilities equal up to this are treated as equal (cleanlab's FLOATING_POINT_COMPARISON), so a
# threshold met to float precision still counts and a tie with the given label keeps the given label.
_EPS = 1e-6


def confident_thresholds(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """t_j: the mean predicted probability of class j over the items labeled j (2 for absent classes,
    which no item can reach), floored at 2e-6 so a zero threshold never makes every item confident."""
    labels, pred_probs = _check(labels, pred_probs)
    k = pred_probs.shape[1]
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros(k)
    np.add.at(sums, labels, pred_probs[np.arange(len(labels)), labels])
    with np.errstate(invalid="ignore", divide="ignore"):
        thresholds = np.where(counts > 0, sums / np.maximum(counts, 1), 2.0)
    return np.maximum(thresholds, 2 * _EPS)


def confident_joint(labels: np.ndarray, pred_probs: np.ndarray, *, calibrate: bool = True,
                    thresholds: np.ndarray | None = None) -> np.ndarray:
    """C[i, j]: how many items labeled i are confidently of true class j (an integer ``(K, K)`` matrix).

    An item is confidently in class j when ``p_j >= t_j``; when several classes pass, the overall
    argmax decides (as cleanlab does). Items with no confident class are not counted. The diagonal is
    at least 1 so no class looks entirely mislabeled. With `calibrate`, rows are rescaled to the given
    label counts (``calibrate_confident_joint``).
    """
    cj, _ = _confident_counts(labels, pred_probs, thresholds)
    return calibrate_confident_joint(cj, labels) if calibrate else cj


def calibrate_confident_joint(confident: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rescale each row to the number of items with that given label and the total to N (eq. 2 of the
    paper), rounded to integers that keep each row's total."""
    confident = np.asarray(confident, dtype=np.float64)
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(confident))
    rows = confident.sum(axis=1)
    scaled = confident / np.maximum(rows, 1e-100)[:, None] * counts[:, None]
    scaled = scaled / max(scaled.sum(), 1e-100) * counts.sum()
    return np.vstack([_round_preserving_sum(row) for row in scaled]).astype(np.int64)


def estimate_joint(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Q[i, j] = P(given label i, true label j), the calibrated confident joint divided by N."""
    cj = confident_joint(labels, pred_probs, calibrate=True).astype(np.float64)
    return cj / max(cj.sum(), 1e-100)


def label_quality_scores(labels: np.ndarray, pred_probs: np.ndarray, *,
                         method: str = "self_confidence") -> np.ndarray:
    """A score in [0, 1] per item, lower meaning the given label is more likely wrong.

    ``self_confidence`` is p(given label); ``normalized_margin`` is
    ``(p(given) - max p(other) + 1) / 2``, which ranks swaps between two plausible classes better.
    """
    labels, pred_probs = _check(labels, pred_probs)
    rows = np.arange(len(labels))
    self_conf = pred_probs[rows, labels]
    if method == "self_confidence":
        return self_conf
    if method == "normalized_margin":
        others = pred_probs.copy()
        others[rows, labels] = -np.inf
        return (self_conf - others.max(axis=1) + 1) / 2
    raise ValueError(f"unknown ranking {method!r}; choose one of {RANKINGS}")


class ConfidentLearning:
    """Flag items whose given label is likely wrong, from labels and out-of-sample probabilities.

    `filter_by` chooses the pruning rule: ``prune_by_noise_rate`` (for every off-diagonal cell (i, j)
    of the calibrated confident joint, the C[i, j] items labeled i with the largest margin p_j - p_i),
    ``prune_by_class`` (for every class i, the items labeled i with the lowest p_i, as many as the
    estimated errors in i), ``both`` (flagged by both), ``confident_learning`` (the off-diagonal items
    of the confident joint) or ``predicted_neq_given`` (argmax differs from the label, the baseline).
    Items whose argmax is the given label are never flagged. The default, ``prune_by_class``, is the one
    a rule fixed before the runs picked on the validation sets (breast_cancer, wine, iris) of
    benchmarks/label_errors.py, fed the mean probabilities of several model families: the most noise
    settings at least as precise and complete as cleanlab's default pipeline, then mean F1. On binary
    data the pruning rules flag the same items. Classes with at most
    `min_examples_per_class` items are not pruned; `frac_noise` < 1 keeps only that share of the
    estimated errors (pruning rules only).

    After ``fit``: ``thresholds_`` (K,), ``confident_joint_`` (K, K, calibrated), ``joint_`` (K, K),
    ``issues_`` (N,) bool mask, ``scores_`` (N,) label-quality scores (lower = worse),
    ``suspected_labels_`` (N,) the most likely label other than the given one, and ``ranked_`` the
    flagged indices, worst first.
    """

    def __init__(self, *, filter_by: str = "prune_by_class", rank_by: str = "self_confidence",
                 min_examples_per_class: int = 1, frac_noise: float = 1.0) -> None:
        if filter_by not in FILTERS:
            raise ValueError(f"unknown filter {filter_by!r}; choose one of {FILTERS}")
        if rank_by not in RANKINGS:
            raise ValueError(f"unknown ranking {rank_by!r}; choose one of {RANKINGS}")
        if not 0.0 <= frac_noise <= 1.0:
            raise ValueError("frac_noise must be in [0, 1]")
        self.filter_by = filter_by
        self.rank_by = rank_by
        self.min_examples_per_class = min_examples_per_class
        self.frac_noise = frac_noise

    def fit(self, labels: np.ndarray, pred_probs: np.ndarray) -> ConfidentLearning:
        labels, pred_probs = _check(labels, pred_probs)
        n, k = pred_probs.shape
        self.thresholds_ = confident_thresholds(labels, pred_probs)
        raw, off_diagonal = _confident_counts(labels, pred_probs, self.thresholds_)
        self.confident_joint_ = calibrate_confident_joint(raw, labels)
        self.joint_ = self.confident_joint_ / max(self.confident_joint_.sum(), 1)
        if self.filter_by == "confident_learning":
            issues = off_diagonal
        elif self.filter_by == "predicted_neq_given":
            issues = pred_probs.argmax(axis=1) != labels
        else:
            # prune[j, i]: how many items labeled i to flag as true class j (the transposed joint).
            prune = _keep_at_least_n_per_class(self.confident_joint_.T, self.min_examples_per_class,
                                               self.frac_noise)
            by_class = by_noise = None
            if self.filter_by in ("prune_by_class", "both"):
                by_class = self._prune(labels, pred_probs, prune, _prune_by_class)
            if self.filter_by in ("prune_by_noise_rate", "both"):
                by_noise = self._prune(labels, pred_probs, prune, _prune_by_noise_rate)
            issues = by_noise if by_class is None else by_class if by_noise is None else by_class & by_noise
        if self.filter_by != "predicted_neq_given":
            issues = issues & ~_argmax_is_given(labels, pred_probs)
        self.issues_ = issues
        self.scores_ = label_quality_scores(labels, pred_probs, method=self.rank_by)
        others = pred_probs.copy()
        others[np.arange(n), labels] = -np.inf
        self.suspected_labels_ = others.argmax(axis=1)
        flagged = np.flatnonzero(issues)
        self.ranked_ = flagged[np.argsort(self.scores_[flagged], kind="stable")]
        return self

    def fit_predict(self, labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
        """The boolean mask of flagged items."""
        return self.fit(labels, pred_probs).issues_

    def _prune(self, labels, pred_probs, prune, rule) -> np.ndarray:
        mask = np.zeros(len(labels), dtype=bool)
        for i in range(pred_probs.shape[1]):
            members = np.flatnonzero(labels == i)
            if len(members) > max(self.min_examples_per_class, 1):
                mask[members] = rule(i, pred_probs[members], prune[:, i])
        return mask


@dataclass(frozen=True)
class LabelErrors:
    """Flagged items, worst first: their index, given label, suspected label and quality score."""

    indices: np.ndarray
    given: np.ndarray
    suspected: np.ndarray
    scores: np.ndarray
    pred_probs: np.ndarray
    confident_joint: np.ndarray

    def __len__(self) -> int:
        return len(self.indices)


def find_label_errors(estimators: Any, X: Any, labels: np.ndarray, *, n_folds: int = 5,
                      n_classes: int | None = None, filter_by: str = "prune_by_class",
                      rank_by: str = "self_confidence", seed: int | np.random.Generator = 0) -> LabelErrors:
    """Cross-validate `estimators` (one, or a list whose probabilities are averaged, as the platform does
    with `labelwise.assist.models.families`) on (X, labels), run confident learning, return the flagged
    items."""
    many = list(estimators) if isinstance(estimators, (list, tuple)) else [estimators]
    pred_probs = cross_val_mean_proba(many, X, labels, n_folds=n_folds, n_classes=n_classes, seed=seed)
    cl = ConfidentLearning(filter_by=filter_by, rank_by=rank_by).fit(labels, pred_probs)
    idx = cl.ranked_
    return LabelErrors(indices=idx, given=np.asarray(labels)[idx], suspected=cl.suspected_labels_[idx],
                       scores=cl.scores_[idx], pred_probs=pred_probs, confident_joint=cl.confident_joint_)


def _check(labels, pred_probs) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels, dtype=np.int64)
    pred_probs = np.asarray(pred_probs, dtype=np.float64)
    if pred_probs.ndim != 2 or pred_probs.shape[0] != len(labels):
        raise ValueError("pred_probs must be (N, K) with one row per label")
    if pred_probs.shape[1] < 2:
        raise ValueError("need at least two classes")
    if len(labels) and (labels.min() < 0 or labels.max() >= pred_probs.shape[1]):
        raise ValueError("labels must be integer codes in [0, K)")
    return labels, pred_probs


def _confident_counts(labels, pred_probs, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """The uncalibrated confident joint and the mask of items counted off its diagonal."""
    labels, pred_probs = _check(labels, pred_probs)
    if thresholds is None:
        thresholds = confident_thresholds(labels, pred_probs)
    k = pred_probs.shape[1]
    confident = pred_probs >= np.asarray(thresholds) - _EPS
    n_confident = confident.sum(axis=1)
    guess = np.where(n_confident > 1, pred_probs.argmax(axis=1), confident.argmax(axis=1))
    counted = n_confident > 0
    # Counted as (true, given) and transposed, so the matrix is column-major like cleanlab's: the
    # calibration's pairwise float sums then round exact halves the same way and the flags agree.
    cj = np.zeros((k, k), dtype=np.int64)
    np.add.at(cj, (guess[counted], labels[counted]), 1)
    cj = cj.T
    np.fill_diagonal(cj, np.maximum(cj.diagonal(), 1))
    return cj, counted & (guess != labels)


def _argmax_is_given(labels, pred_probs) -> np.ndarray:
    nudged = pred_probs.copy()
    nudged[np.arange(len(labels)), labels] += _EPS
    return nudged.argmax(axis=1) == labels


def _prune_by_class(i: int, probs: np.ndarray, prune_col: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(probs), dtype=bool)
    n_issues = len(probs) - prune_col[i]
    if n_issues >= 1:
        mask[np.argsort(probs[:, i])[:n_issues]] = True
    return mask


def _prune_by_noise_rate(i: int, probs: np.ndarray, prune_col: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(probs), dtype=bool)
    for j, count in enumerate(prune_col):
        if j != i and count > 0:
            mask[np.argsort(-(probs[:, j] - probs[:, i]))[:count]] = True
    return mask


def _keep_at_least_n_per_class(prune: np.ndarray, n: int, frac_noise: float) -> np.ndarray:
    """Raise each column's diagonal (items kept in that given class) to at least n, taking the
    difference evenly from the column's other nonzero cells, then keep `frac_noise` of the
    off-diagonal counts, rounding so each row keeps its total."""
    diagonal = prune.diagonal()
    raised = np.maximum(diagonal, n)
    nonzero_off = np.maximum(np.count_nonzero(prune, axis=0) - 1.0, 1.0)
    out = prune - (raised - diagonal) / nonzero_off
    out[out < 0] = 0
    np.fill_diagonal(out, raised)
    reduced = out * frac_noise
    np.fill_diagonal(reduced, out.diagonal() + np.sum(out - np.where(np.eye(len(out), dtype=bool), out, reduced),
                                                      axis=0))
    reduced = reduced.astype(int)
    return np.vstack([_round_preserving_sum(row) for row in reduced]).astype(np.int64)


def _round_preserving_sum(values: np.ndarray) -> np.ndarray:
    """Round to integers whose sum is the rounded sum of `values`, moving the entries closest to
    the next integer first."""
    floats = np.asarray(values, dtype=np.float64)
    ints = floats.round()
    target = np.sum(floats).round()
    total = np.sum(ints).round()
    while abs(total - target) > _EPS:
        diff = np.round(target - total)
        step = -1 if diff < 0 else 1
        changes = min(int(abs(diff)), len(floats))
        for idx in np.argsort(floats - ints)[::-step][:changes]:
            ints[idx] += step
        total = np.sum(ints).round()
    return ints.astype(np.int64)
