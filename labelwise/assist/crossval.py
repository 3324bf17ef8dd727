"""Out-of-sample predicted probabilities by stratified K-fold cross-validation.

Every item is predicted by a clone of the classifier fitted on the folds that do not hold it, which is
what confident learning needs (Northcutt, Jiang & Chuang, "Confident Learning", JAIR 2021, §2): in-sample
probabilities memorise the noisy labels and hide their errors. Works with any sklearn-style estimator
(`fit`, `predict_proba`, `classes_`), dense or sparse features, and classes with fewer items than folds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import clone

__all__ = ["cross_val_mean_proba", "cross_val_pred_proba", "stratified_folds"]


def stratified_folds(labels: np.ndarray, *, n_folds: int = 5, seed: int | np.random.Generator = 0) -> np.ndarray:
    """A fold number in ``[0, n_folds)`` for every item, stratified by label.

    Each class is shuffled and dealt round-robin from a random starting fold, so a class with ``c``
    items lands in ``min(c, n_folds)`` different folds and every class with two or more items is
    present in the training part of every fold. The deal continues across classes, so fold sizes
    differ by at most one.
    """
    labels = np.asarray(labels)
    if n_folds < 2:
        raise ValueError("n_folds must be at least 2")
    rng = np.random.default_rng(seed)
    folds = np.empty(len(labels), dtype=np.int64)
    start = 0
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        rng.shuffle(members)
        # Continue the deal where the previous class stopped, which keeps fold sizes within one.
        folds[members] = (start + np.arange(len(members))) % n_folds
        start = (start + len(members)) % n_folds
    # Randomise which fold is which so the class order does not bias fold sizes.
    return rng.permutation(n_folds)[folds]


def cross_val_pred_proba(estimator: Any, X: Any, labels: np.ndarray, *, n_folds: int = 5,
                         n_classes: int | None = None, seed: int | np.random.Generator = 0,
                         on_fold: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``(N, K)`` probabilities where row ``i`` comes from a model that never saw item ``i``.

    `labels` are integers in ``[0, K)``; `X` is a numpy array, a scipy sparse matrix or a sequence
    (a list of texts or task dicts, subset item by item). Columns follow the label codes, whatever subset of classes a training fold
    happens to contain; a class absent from a training fold (a class with a single item) gets
    probability 0 in that fold's predictions, and a training fold with one class predicts it with
    probability 1. The estimator is cloned per fold, never fitted in place. `on_fold(done, folds)` is
    called after each fold (a caller's progress report; it may raise to stop).
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    if n < 2:
        raise ValueError("cross-validation needs at least two items")
    if labels.min(initial=0) < 0:
        raise ValueError("labels must be non-negative integer codes")
    k = int(n_classes if n_classes is not None else labels.max() + 1)
    if labels.max() >= k:
        raise ValueError(f"label {labels.max()} is outside n_classes={k}")
    folds = stratified_folds(labels, n_folds=min(n_folds, n), seed=seed)
    out = np.zeros((n, k), dtype=np.float64)
    every = np.unique(folds)
    for done, fold in enumerate(every, start=1):
        test = np.flatnonzero(folds == fold)
        train = np.flatnonzero(folds != fold)
        present = np.unique(labels[train])
        if len(present) == 1:
            out[test, present[0]] = 1.0
        else:
            model = clone(estimator).fit(_take(X, train), labels[train])
            proba = np.asarray(model.predict_proba(_take(X, test)), dtype=np.float64)
            out[np.ix_(test, np.asarray(model.classes_, dtype=np.int64))] = proba
        if on_fold is not None:
            on_fold(done, len(every))
    return out


def cross_val_mean_proba(estimators: list[Any], X: Any, labels: np.ndarray, *, n_folds: int = 5,
                         n_classes: int | None = None, seed: int | np.random.Generator = 0,
                         on_fold: Callable[[int, int], None] | None = None) -> np.ndarray:
    """The mean of `cross_val_pred_proba` over `estimators`, all on the same folds; `on_fold(done, total)`
    counts the folds of every estimator."""
    if not estimators:
        raise ValueError("need at least one estimator")
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**32))
    per = min(n_folds, len(labels))
    total = len(estimators) * per
    out = None
    for m, estimator in enumerate(estimators):
        report = None if on_fold is None else (lambda done, _, m=m: on_fold(m * per + done, total))
        proba = cross_val_pred_proba(estimator, X, labels, n_folds=n_folds, n_classes=n_classes, seed=seed,
                                     on_fold=report)
        out = proba if out is None else out + proba
    return out / len(estimators)


def _take(X: Any, rows: np.ndarray) -> Any:
    if hasattr(X, "shape"):
        return X[rows]
    return [X[i] for i in rows]
