"""Vote-matrix checks and the estimator surface shared by the weak-supervision label models.

A vote matrix ``L`` is an integer array (n_tasks, n_functions): -1 where a function abstains,
otherwise a class index in ``range(n_classes)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from labelwise.assist.weak.errors import LabelingFunctionError

ABSTAIN = -1


def check_votes(votes: ArrayLike, n_classes: int | None = None, *, n_functions: int | None = None,
                ) -> tuple[np.ndarray, int]:
    """Validate a vote matrix; return it as int64 and the number of classes."""
    arr = np.asarray(votes)
    if arr.ndim != 2:
        raise LabelingFunctionError(f"the vote matrix must be 2-D (tasks x functions), got shape "
                                    f"{arr.shape}.")
    if arr.size and arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr) & (arr == np.round(arr))):
            raise LabelingFunctionError("the vote matrix must hold integer class codes and -1.")
    elif arr.size and arr.dtype.kind not in "iu":
        raise LabelingFunctionError(f"the vote matrix must hold integer codes, got {arr.dtype}.")
    arr = arr.astype(np.int64, copy=False)
    if n_functions is not None and arr.shape[1] != n_functions:
        raise LabelingFunctionError(f"the vote matrix has {arr.shape[1]} functions; the model was "
                                    f"fitted on {n_functions}.")
    if arr.size and arr.min() < ABSTAIN:
        raise LabelingFunctionError(f"vote codes must be >= -1 (abstain), got {int(arr.min())}.")
    top = int(arr.max()) + 1 if arr.size else 0
    if n_classes is None:
        n_classes = max(top, 2)
    if n_classes < 2:
        raise LabelingFunctionError(f"n_classes must be at least 2, got {n_classes}.")
    if top > n_classes:
        raise LabelingFunctionError(f"vote code {top - 1} is out of range for n_classes={n_classes}.")
    return arr, int(n_classes)


def one_hot(votes: np.ndarray, n_classes: int, *, with_abstain: bool) -> np.ndarray:
    """(n, m, K) indicators of each vote, or (n, m, K+1) with the abstain in the last slot."""
    codes = np.where(votes < 0, n_classes, votes)
    out = np.zeros(votes.shape + (n_classes + 1,), dtype=float)
    np.put_along_axis(out, codes[..., None], 1.0, axis=2)
    return out if with_abstain else out[..., :n_classes]


def vote_counts(votes: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_tasks, K) number of functions voting each class."""
    n = votes.shape[0]
    rows, cols = np.nonzero(votes >= 0)
    counts = np.zeros((n, n_classes), dtype=float)
    np.add.at(counts, (rows, votes[rows, cols]), 1.0)
    return counts


def answer_indicators(codes: np.ndarray, k: int) -> sp.csr_matrix:
    """(n, m·(K+1)) 0/1 matrix: column j·(K+1)+v is 1 where function j answered v (K = abstain)."""
    n, m = codes.shape
    cols = (np.arange(m) * (k + 1))[None, :] + codes
    data = np.ones(n * m)
    return sp.csr_matrix((data, (np.repeat(np.arange(n), m), cols.ravel())), shape=(n, m * (k + 1)))


def answer_log_likelihood(codes: sp.csr_matrix, tables: np.ndarray) -> np.ndarray:
    """(n, K): sum over functions of log P(answer | y)."""
    m, k, width = tables.shape
    log_t = np.log(np.maximum(tables, 1e-300)).transpose(0, 2, 1).reshape(m * width, k)  # row (j, answer)
    return np.asarray(codes @ log_t)


def class_prior(class_balance, n_classes: int) -> np.ndarray | None:
    """A fixed prior from ``class_balance`` (a sequence), uniform for "uniform", None for "learn"."""
    if isinstance(class_balance, str):
        if class_balance == "uniform":
            return np.full(n_classes, 1.0 / n_classes)
        if class_balance == "learn":
            return None
        raise LabelingFunctionError(f"class_balance must be 'learn', 'uniform' or a list of "
                                    f"{n_classes} probabilities, got {class_balance!r}.",
                                    field="class_balance")
    p = np.asarray(class_balance, dtype=float)
    if p.shape != (n_classes,) or np.any(p <= 0) or not np.isclose(p.sum(), 1.0):
        raise LabelingFunctionError(f"class_balance must hold {n_classes} positive probabilities "
                                    f"summing to 1, got {class_balance!r}.", field="class_balance")
    return p


class LabelModel:
    """Shared surface: ``fit(L)`` returns self; ``predict_proba(L)``; ``predict(L)``.

    After ``fit``: ``class_balance_`` (K,), ``probas_`` (n_tasks, K) for the fitted matrix and
    ``accuracies_`` (n_functions,), each function's estimated P(vote correct | it votes).
    """

    class_balance_: np.ndarray
    probas_: np.ndarray
    accuracies_: np.ndarray
    n_classes_: int
    n_functions_: int

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> LabelModel:
        raise NotImplementedError

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        raise NotImplementedError

    def predict(self, votes: ArrayLike) -> np.ndarray:
        """Most probable class per task (ties to the lowest code)."""
        return np.argmax(self.predict_proba(votes), axis=1).astype(np.int64)

    def fit_predict_proba(self, votes: ArrayLike, *, n_classes: int | None = None) -> np.ndarray:
        return self.fit(votes, n_classes=n_classes).probas_

    def fit_predict(self, votes: ArrayLike, *, n_classes: int | None = None) -> np.ndarray:
        return np.argmax(self.fit_predict_proba(votes, n_classes=n_classes), axis=1).astype(np.int64)

    def _check_fitted(self, votes: ArrayLike) -> np.ndarray:
        if not hasattr(self, "n_classes_"):
            raise LabelingFunctionError(f"{type(self).__name__} is not fitted; call fit first.")
        arr, _ = check_votes(votes, self.n_classes_, n_functions=self.n_functions_)
        return arr

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"
