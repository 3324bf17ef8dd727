"""Input checks, count matrices and the estimator surface shared by the categorical aggregators.

Every categorical aggregator takes three equal-length integer arrays ``tasks``, ``workers``,
``labels`` (one row per judgement) and shares the checks and helpers below, so bad input
fails the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from labelwise.quality.errors import QualityInputError


@dataclass(frozen=True)
class Coded:
    """Checked integer codes plus the sizes of the three vocabularies."""

    tasks: np.ndarray
    workers: np.ndarray
    labels: np.ndarray
    n_tasks: int
    n_workers: int
    n_labels: int


def as_codes(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise QualityInputError(f"{name} must be a one-dimensional array, got shape {arr.shape}.")
    if arr.dtype.kind in "iub":
        return arr.astype(np.intp, copy=False)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise QualityInputError(
                f"{name} must be integer codes; row {row} holds {arr[row]!r}. "
                "Drop missing labels first, or map values with encode()."
            )
        return arr.astype(np.intp)
    raise QualityInputError(
        f"{name} must be integer codes, got values of type {arr.dtype}; "
        "map strings or other ids to codes with encode() first."
    )


def check_range(codes: np.ndarray, size: int | None, name: str, size_name: str) -> int:
    if codes.min() < 0:
        row = int(np.argmin(codes))
        raise QualityInputError(
            f"{name} codes must be >= 0; row {row} holds {codes[row]}. "
            "Drop missing labels before aggregating."
        )
    top = int(codes.max())
    if size is None:
        return top + 1
    if size < 1:
        raise QualityInputError(f"{size_name} must be at least 1, got {size}.")
    if top >= size:
        row = int(np.argmax(codes))
        raise QualityInputError(
            f"{name} code {top} at row {row} is out of range for {size_name}={size} "
            f"(codes run from 0 to {size - 1})."
        )
    return int(size)


def check_codes(
    tasks: ArrayLike,
    workers: ArrayLike,
    labels: ArrayLike,
    *,
    n_tasks: int | None = None,
    n_workers: int | None = None,
    n_labels: int | None = None,
    min_workers: int = 1,
    method: str = "this method",
) -> Coded:
    """Validate the three code arrays and infer the sizes not given; raise QualityInputError."""
    t = as_codes(tasks, "tasks")
    w = as_codes(workers, "workers")
    y = as_codes(labels, "labels")
    if not (len(t) == len(w) == len(y)):
        raise QualityInputError(
            f"tasks, workers and labels must have the same length, got {len(t)}, {len(w)}, {len(y)}."
        )
    if len(t) == 0:
        raise QualityInputError("There are no labels to aggregate (the input is empty).")
    nt = check_range(t, n_tasks, "task", "n_tasks")
    nw = check_range(w, n_workers, "worker", "n_workers")
    nl = check_range(y, n_labels, "label", "n_labels")
    if min_workers > 1:
        present = int(np.count_nonzero(np.bincount(w, minlength=nw)))
        if present < min_workers:
            raise QualityInputError(
                f"{method} estimates annotator skill by comparing annotators, so it needs labels "
                f"from at least {min_workers} annotators; got {present}. Use MajorityVote instead."
            )
    return Coded(t, w, y, nt, nw, nl)


def vote_counts(coded: Coded, weights: np.ndarray | None = None) -> np.ndarray:
    """(n_tasks, n_labels) matrix of (weighted) votes; duplicate judgements each count."""
    flat = coded.tasks * coded.n_labels + coded.labels
    w = None if weights is None else weights[coded.workers]
    counts = np.bincount(flat, weights=w, minlength=coded.n_tasks * coded.n_labels)
    return counts.reshape(coded.n_tasks, coded.n_labels).astype(float, copy=False)


def shares(counts: np.ndarray) -> np.ndarray:
    """Row-normalise vote counts; a row with no votes becomes uniform."""
    total = counts.sum(axis=1, keepdims=True)
    k = counts.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, counts / np.where(total > 0, total, 1.0), 1.0 / k)
    return out


def worker_label_matrix(coded: Coded) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Sparse counts M[task, worker * n_labels + label] and its transpose, both CSR.

    Every model whose likelihood depends only on (worker, given label, true label) does its
    E-step as ``M @ log_lik`` and its M-step as ``M.T @ posteriors``; repeated (worker, task)
    judgements are summed, i.e. each one counts.
    """
    k = coded.n_labels
    cols = coded.workers * k + coded.labels
    data = np.ones(len(cols), dtype=float)
    m = sp.csr_matrix((data, (coded.tasks, cols)), shape=(coded.n_tasks, coded.n_workers * k))
    m.sum_duplicates()
    return m, m.T.tocsr()


def expected_counts(mt: sp.csr_matrix, probas: np.ndarray, n_workers: int) -> np.ndarray:
    """C[w, j, l]: expected number of times worker w answered l when the truth was j."""
    k = probas.shape[1]
    c = np.asarray(mt @ probas).reshape(n_workers, k, k)  # [w, l, j]
    return c.transpose(0, 2, 1)


def task_log_likelihood(m: sp.csr_matrix, log_lik: np.ndarray) -> np.ndarray:
    """Sum over each task's judgements of log P(given label | true j, worker): (n_tasks, K).

    ``log_lik[w, j, l]`` is log P(worker w answers l | truth j).
    """
    n_workers, k, _ = log_lik.shape
    table = log_lik.transpose(0, 2, 1).reshape(n_workers * k, k)  # row (w, l), column j
    return np.asarray(m @ table)


def posterior(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalise log-scores per task; return (probas, per-task log normaliser)."""
    norm = logsumexp(logits, axis=1, keepdims=True)
    return np.exp(logits - norm), norm[:, 0]


def hard_labels(probas: np.ndarray, has_labels: np.ndarray) -> np.ndarray:
    """Arg-max label per task (ties go to the lowest code); -1 where a task has no labels."""
    out = np.argmax(probas, axis=1).astype(np.intp)
    out[~has_labels] = -1
    return out


def agreement_skills(coded: Coded, consensus: np.ndarray) -> np.ndarray:
    """Share of each worker's judgements equal to the consensus; chance (1/K) with none."""
    hit = (consensus[coded.tasks] == coded.labels).astype(float)
    n = np.bincount(coded.workers, minlength=coded.n_workers).astype(float)
    agree = np.bincount(coded.workers, weights=hit, minlength=coded.n_workers)
    return np.where(n > 0, agree / np.maximum(n, 1.0), 1.0 / coded.n_labels)


class CategoricalAggregator:
    """Shared ``fit_predict`` / ``fit_predict_proba``; subclasses implement ``fit``.

    After ``fit``: ``labels_`` (n_tasks,) label codes, -1 for a task without judgements;
    ``probas_`` (n_tasks, n_labels), rows sum to 1; ``skills_`` (n_workers,) in [0, 1].
    """

    labels_: np.ndarray
    probas_: np.ndarray
    skills_: np.ndarray

    def fit(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
            n_tasks: int | None = None, n_workers: int | None = None,
            n_labels: int | None = None) -> CategoricalAggregator:
        raise NotImplementedError

    def fit_predict(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
                    n_tasks: int | None = None, n_workers: int | None = None,
                    n_labels: int | None = None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                        n_labels=n_labels).labels_

    def fit_predict_proba(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
                          n_tasks: int | None = None, n_workers: int | None = None,
                          n_labels: int | None = None) -> np.ndarray:
        """Fit and return ``probas_``."""
        return self.fit(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                        n_labels=n_labels).probas_

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({params})"
