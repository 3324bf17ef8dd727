"""Weighted majority vote: each judgement counts with its annotator's weight.

Weights are either given (e.g. accuracy on gold questions) or estimated Wawa-style: start
from the plain majority vote, weight every annotator by their agreement with it, vote again,
and repeat ``n_iter`` times (Wawa, "Worker Agreement With Aggregate", as described in the
crowd-kit documentation and Ustalov et al., JOSS 2024).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.aggregation._base import (
    CategoricalAggregator,
    agreement_skills,
    check_codes,
    shares,
    vote_counts,
)
from labelwise.quality.aggregation.majority_vote import TIE_BREAKS, pick_label
from labelwise.quality.errors import QualityInputError

__all__ = ["WeightedMajorityVote"]


class WeightedMajorityVote(CategoricalAggregator):
    """Vote weighted per annotator.

    ``fit(..., weights=None)``: ``weights`` is one non-negative number per worker code. Without
    it, weights are estimated as described in the module docstring (``n_iter`` rounds).
    ``probas_`` are the weighted vote shares; ``skills_`` the agreement of each worker with the
    final result; ``weights_`` the weights used. Ties as in :class:`MajorityVote` (by default the
    shared-confusion-matrix tie-break, chosen there).
    """

    def __init__(self, *, n_iter: int = 1, tie_break: str = "pooled",
                 seed: int | np.random.Generator | None = None) -> None:
        if tie_break not in TIE_BREAKS:
            raise QualityInputError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}.")
        if n_iter < 1:
            raise QualityInputError(f"n_iter must be at least 1, got {n_iter}.")
        self.n_iter = n_iter
        self.tie_break = tie_break
        self.seed = seed

    def fit(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
            weights: ArrayLike | None = None, n_tasks: int | None = None,
            n_workers: int | None = None, n_labels: int | None = None) -> WeightedMajorityVote:
        coded = check_codes(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                            n_labels=n_labels)
        rng = np.random.default_rng(self.seed)
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            if w.shape != (coded.n_workers,):
                raise QualityInputError(
                    f"weights needs one value per worker code ({coded.n_workers}), got shape {w.shape}."
                )
            if not np.isfinite(w).all() or (w < 0).any():
                raise QualityInputError("weights must be finite and non-negative.")
            rounds = 0
        else:
            w = np.ones(coded.n_workers)
            rounds = self.n_iter
        plain = vote_counts(coded)
        consensus = pick_label(_weighted(coded, w, plain), tie_break=self.tie_break, seed=rng,
                               coded=coded)
        for _ in range(rounds):
            w = agreement_skills(coded, consensus)
            consensus = pick_label(_weighted(coded, w, plain), tie_break=self.tie_break, seed=rng,
                               coded=coded)
        counts = _weighted(coded, w, plain)
        self.weights_ = w
        self.labels_ = consensus
        self.probas_ = shares(counts)
        self.skills_ = agreement_skills(coded, self.labels_)
        return self


def _weighted(coded, w: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """Weighted votes; a task whose annotators all weigh 0 falls back to its plain votes."""
    counts = vote_counts(coded, w)
    zero = (counts.sum(axis=1) == 0) & (plain.sum(axis=1) > 0)
    counts[zero] = plain[zero]
    return counts
