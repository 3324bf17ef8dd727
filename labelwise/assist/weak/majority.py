"""Majority vote over labeling functions: the baseline every label model is compared with.

It reuses ``labelwise.quality.aggregation.MajorityVote`` (functions play the annotators and an
abstain is a missing judgement), so weak supervision and crowd aggregation break ties alike.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from labelwise.assist.weak._base import LabelModel, check_votes
from labelwise.quality.aggregation import MajorityVote
from labelwise.quality.aggregation.majority_vote import pick_label

__all__ = ["MajorityVoteLabelModel"]


class MajorityVoteLabelModel(LabelModel):
    """Vote shares per task; a task no function votes on gets uniform probabilities.

    ``predict`` breaks ties by ``tie_break`` (``"lowest"`` or ``"random"`` with ``seed``) and
    returns -1 for a task without votes. ``accuracies_`` is each function's agreement with the
    majority label on the fitted matrix (chance, 1/K, for a function that never votes).
    """

    def __init__(self, *, tie_break: str = "random", seed: int | np.random.Generator | None = 0) -> None:
        self.tie_break = tie_break
        self.seed = seed

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> MajorityVoteLabelModel:
        arr, k = check_votes(votes, n_classes)
        self.n_classes_, self.n_functions_ = k, arr.shape[1]
        rows, cols = np.nonzero(arr >= 0)
        if len(rows):
            mv = MajorityVote(tie_break=self.tie_break, seed=self.seed).fit(
                rows, cols, arr[rows, cols], n_tasks=arr.shape[0], n_workers=arr.shape[1],
                n_labels=k)
            self.probas_ = mv.probas_
            self.accuracies_ = mv.skills_
        else:
            self.probas_ = np.full((arr.shape[0], k), 1.0 / k)
            self.accuracies_ = np.full(arr.shape[1], 1.0 / k)
        covered = (arr >= 0).any(axis=1)
        prior = self.probas_[covered].mean(axis=0) if covered.any() else np.full(k, 1.0 / k)
        self.class_balance_ = prior / prior.sum()
        return self

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        arr = self._check_fitted(votes)
        k = self.n_classes_
        counts = np.zeros((arr.shape[0], k))
        rows, cols = np.nonzero(arr >= 0)
        np.add.at(counts, (rows, arr[rows, cols]), 1.0)
        total = counts.sum(axis=1, keepdims=True)
        return np.where(total > 0, counts / np.maximum(total, 1.0), 1.0 / k)

    def predict(self, votes: ArrayLike) -> np.ndarray:
        arr = self._check_fitted(votes)
        probas = self.predict_proba(arr)
        probas[~(arr >= 0).any(axis=1)] = 0.0  # no votes -> -1 from pick_label
        return pick_label(probas, tie_break=self.tie_break, seed=self.seed).astype(np.int64)
