"""Dawid–Skene: a full confusion matrix per annotator and class priors, fitted by EM.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using
the EM Algorithm", Journal of the Royal Statistical Society C 28(1), 1979. Initialised from
the majority-vote shares; both EM steps are two sparse matrix products over the
(task × worker·label) count matrix, so the cost per iteration is linear in the judgements.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.aggregation._base import (
    CategoricalAggregator,
    check_codes,
    expected_counts,
    hard_labels,
    posterior,
    shares,
    task_log_likelihood,
    vote_counts,
    worker_label_matrix,
)
from labelwise.quality.errors import QualityInputError

__all__ = ["DawidSkene"]


class DawidSkene(CategoricalAggregator):
    """Dawid–Skene EM.

    ``smoothing`` is a Dirichlet pseudo-count added to every confusion-matrix cell and class
    prior in the M-step (a MAP estimate); it keeps rarely seen (worker, class) rows away from
    0/0 and log(0). ``errors_[w, j, l]`` = P(worker w answers l | true label j); ``priors_[j]``
    the class prior; ``skills_[w] = Σ_j priors_[j] errors_[w, j, j]``, the worker's expected
    accuracy (chance, 1/K, for a worker without judgements). EM stops when the mean
    log-likelihood per judgement improves by less than ``tol`` or after ``n_iter`` rounds
    (``n_iter_`` says how many ran). Repeated (worker, task) judgements each count. A task
    without judgements gets ``labels_`` -1 and the class prior as ``probas_``.
    """

    def __init__(self, *, n_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.01) -> None:
        if n_iter < 0:
            raise QualityInputError(f"n_iter must be >= 0, got {n_iter}.")
        if smoothing < 0 or tol < 0:
            raise QualityInputError("smoothing and tol must be >= 0.")
        self.n_iter = n_iter
        self.tol = tol
        self.smoothing = smoothing

    def fit(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
            n_tasks: int | None = None, n_workers: int | None = None,
            n_labels: int | None = None) -> DawidSkene:
        coded = check_codes(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                            n_labels=n_labels, min_workers=2, method="Dawid–Skene")
        m, mt = worker_label_matrix(coded)
        has = np.bincount(coded.tasks, minlength=coded.n_tasks) > 0
        n_obs = len(coded.tasks)
        probas = shares(vote_counts(coded))
        ll_prev = -np.inf
        self.n_iter_ = 0
        self.log_likelihood_ = -np.inf
        priors, errors = self._m_step(mt, probas, has, coded.n_workers)
        for it in range(self.n_iter):
            logits = _log(priors) + task_log_likelihood(m, _log(errors))
            probas, norm = posterior(logits)
            probas[~has] = priors
            ll = float(norm[has].sum()) / n_obs
            priors, errors = self._m_step(mt, probas, has, coded.n_workers)
            self.n_iter_ = it + 1
            self.log_likelihood_ = ll
            if ll - ll_prev < self.tol:
                break
            ll_prev = ll
        probas[~has] = priors  # the final priors, not the previous round's
        self.priors_ = priors
        self.errors_ = errors
        self.probas_ = probas
        self.labels_ = hard_labels(probas, has)
        self.skills_ = np.einsum("j,wjj->w", priors, errors)
        return self

    def _m_step(self, mt, probas: np.ndarray, has: np.ndarray, n_workers: int):
        priors = probas[has].sum(axis=0) + self.smoothing
        priors = _normalise(priors, axis=0)
        counts = expected_counts(mt, probas, n_workers) + self.smoothing
        errors = _normalise(counts, axis=2)
        return priors, errors


def _normalise(x: np.ndarray, axis: int) -> np.ndarray:
    """Divide by the sum along ``axis``; an all-zero slice becomes uniform (never 0/0)."""
    total = x.sum(axis=axis, keepdims=True)
    k = x.shape[axis]
    return np.where(total > 0, x / np.where(total > 0, total, 1.0), 1.0 / k)


def _log(x: np.ndarray) -> np.ndarray:
    # With smoothing=0 a probability can be exactly 0; a finite floor avoids -inf * 0 = NaN.
    return np.log(np.maximum(x, 1e-300))
