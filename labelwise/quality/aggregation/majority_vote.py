"""Majority vote: each task gets the label most of its judgements chose.

The baseline every other aggregator is compared with. Each judgement counts once, including
repeated (worker, task) pairs; ``skills_`` is the share of a worker's judgements that agree
with the result.
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
from labelwise.quality.errors import QualityInputError

__all__ = ["MajorityVote"]

TIE_BREAKS = ("lowest", "random")


class MajorityVote(CategoricalAggregator):
    """Plurality vote per task.

    ``tie_break="lowest"`` (default) gives a tie to the lowest label code, deterministically;
    ``"random"`` picks uniformly among the tied labels using ``seed``. ``probas_`` are the vote
    shares (uniform for a task without judgements, whose ``labels_`` entry is -1). Works with a
    single annotator: the result is that annotator's labels.
    """

    def __init__(self, *, tie_break: str = "lowest", seed: int | np.random.Generator | None = None) -> None:
        if tie_break not in TIE_BREAKS:
            raise QualityInputError(f"tie_break must be one of {TIE_BREAKS}, got {tie_break!r}.")
        self.tie_break = tie_break
        self.seed = seed

    def fit(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
            n_tasks: int | None = None, n_workers: int | None = None,
            n_labels: int | None = None) -> MajorityVote:
        coded = check_codes(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                            n_labels=n_labels)
        counts = vote_counts(coded)
        self.labels_ = pick_label(counts, tie_break=self.tie_break, seed=self.seed)
        self.probas_ = shares(counts)
        self.skills_ = agreement_skills(coded, self.labels_)
        return self


def pick_label(scores: np.ndarray, *, tie_break: str = "lowest",
               seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Arg-max per row with the given tie-break; -1 for rows whose scores are all zero."""
    empty = ~(scores > 0).any(axis=1)
    if tie_break == "random":
        rng = np.random.default_rng(seed)
        top = scores.max(axis=1, keepdims=True)
        # Random keys only among the maximal entries: a uniform choice among the tied labels.
        keys = np.where(np.isclose(scores, top, rtol=1e-12, atol=0.0),
                        rng.random(scores.shape) + 1.0, 0.0)
        out = np.argmax(keys, axis=1).astype(np.intp)
    else:
        out = np.argmax(scores, axis=1).astype(np.intp)
    out[empty] = -1
    return out
