"""An ensemble of label models: the average of their posteriors.

Dawid–Skene (abstains as evidence for one-class rules) and majority vote fail in different ways:
DS over-trusts rules whose firing is correlated within a class (several spam styles that rarely
co-occur make each other's silence look like evidence), majority vote ignores how good each rule
is. Averaging their probabilities lets a confident DS posterior decide where majority vote is
split and lets a clear majority overrule a DS posterior built on dependent silences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from labelwise.assist.weak._base import LabelModel, check_votes
from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = ["EnsembleLabelModel"]


class EnsembleLabelModel(LabelModel):
    """Fit every member on the same votes; ``predict_proba`` is the (weighted) mean of theirs.

    ``members``: label models or zero-argument factories of them (default: Dawid–Skene and
    majority vote, equal weights). ``class_balance_`` and ``accuracies_`` are the weighted means
    of the members'. ``members_`` holds the fitted members.
    """

    def __init__(self, members: Sequence[LabelModel | Callable[[], LabelModel]] | None = None,
                 weights: Sequence[float] | None = None) -> None:
        self.members = members
        self.weights = weights

    def fit(self, votes: ArrayLike, *, n_classes: int | None = None) -> EnsembleLabelModel:
        from labelwise.assist.weak.dawid_skene import DawidSkeneLabelModel
        from labelwise.assist.weak.majority import MajorityVoteLabelModel

        arr, k = check_votes(votes, n_classes)
        members = self.members if self.members is not None else (DawidSkeneLabelModel, MajorityVoteLabelModel)
        if not members:
            raise LabelingFunctionError("an ensemble needs at least one member.", field="members")
        w = np.ones(len(members)) if self.weights is None else np.asarray(self.weights, dtype=float)
        if w.shape != (len(members),) or np.any(w < 0) or w.sum() <= 0:
            raise LabelingFunctionError("weights must be one non-negative number per member, not all 0.",
                                        field="weights")
        self.weights_ = w / w.sum()
        self.members_ = [(m() if callable(m) and not isinstance(m, LabelModel) else m).fit(arr, n_classes=k)
                         for m in members]
        self.n_classes_, self.n_functions_ = k, arr.shape[1]
        self.class_balance_ = self._mean([m.class_balance_ for m in self.members_])
        self.accuracies_ = self._mean([m.accuracies_ for m in self.members_])
        self.probas_ = self._mean([m.probas_ for m in self.members_])
        return self

    def predict_proba(self, votes: ArrayLike) -> np.ndarray:
        arr = self._check_fitted(votes)
        return self._mean([m.predict_proba(arr) for m in self.members_])

    def _mean(self, values: list[np.ndarray]) -> np.ndarray:
        return np.tensordot(self.weights_, np.stack(values), axes=1)
