"""Per-function analysis of a vote matrix: coverage, overlap, conflict, polarity, and accuracy on
the tasks that have human or gold labels, with a Wilson interval and a confusion matrix.

Definitions follow Snorkel's ``LFAnalysis`` (snorkel/labeling/analysis.py), all as shares of
*all* tasks: a function's coverage is where it votes; its overlap, where it votes and at least
one other function votes too; its conflict, where it votes and some other function votes a
different label. Empirical accuracy counts only tasks with a known label (-1 = unknown) and
is reported with the Wilson score interval (E. B. Wilson, JASA 22, 1927), which stays inside
[0, 1] and is sensible for the handful of labelled tasks a new rule usually has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from labelwise.assist.weak._base import check_votes, vote_counts
from labelwise.assist.weak.errors import LabelingFunctionError

__all__ = ["VoteAnalysis", "analyze_votes", "conflicting_tasks", "wilson_interval"]


@dataclass(frozen=True)
class VoteAnalysis:
    """Per-function arrays (length n_functions) and set-level shares.

    ``confusion[j, y, v]`` counts labelled tasks with true class y where function j voted v
    (abstains excluded). ``accuracy`` is NaN, and its interval (0, 1), for a function that
    never votes on a labelled task.
    """

    n_tasks: int
    n_labelled: int
    coverage: np.ndarray
    overlap: np.ndarray
    conflict: np.ndarray
    polarity: list[list[int]]
    n_votes: np.ndarray
    n_correct: np.ndarray
    n_incorrect: np.ndarray
    accuracy: np.ndarray
    accuracy_low: np.ndarray
    accuracy_high: np.ndarray
    confusion: np.ndarray
    total_coverage: float
    total_overlap: float
    total_conflict: float

    def rows(self, names: list[str] | None = None) -> list[dict]:
        """One JSON-ready dict per function (NaN accuracy becomes None)."""
        names = names or [f"lf{j}" for j in range(len(self.coverage))]
        out = []
        for j, name in enumerate(names):
            acc = self.accuracy[j]
            out.append({
                "name": name, "coverage": float(self.coverage[j]), "overlap": float(self.overlap[j]),
                "conflict": float(self.conflict[j]), "polarity": self.polarity[j],
                "n_votes": int(self.n_votes[j]), "n_correct": int(self.n_correct[j]),
                "n_incorrect": int(self.n_incorrect[j]),
                "accuracy": None if np.isnan(acc) else float(acc),
                "accuracy_interval": [float(self.accuracy_low[j]), float(self.accuracy_high[j])],
                "confusion": self.confusion[j].astype(int).tolist(),
            })
        return out


def analyze_votes(votes: ArrayLike, *, gold: ArrayLike | None = None, n_classes: int | None = None,
                  confidence: float = 0.95) -> VoteAnalysis:
    """Analyse a vote matrix (-1 = abstain); ``gold`` holds known labels per task, -1 unknown."""
    arr, k = check_votes(votes, n_classes)
    n, m = arr.shape
    if not 0 < confidence < 1:
        raise LabelingFunctionError(f"confidence must be in (0, 1), got {confidence}.")
    voted = arr >= 0
    per_task = voted.sum(axis=1)
    counts = vote_counts(arr, k)
    distinct = (counts > 0).sum(axis=1)
    denom = max(n, 1)
    coverage = voted.sum(axis=0) / denom
    overlap = (voted & (per_task >= 2)[:, None]).sum(axis=0) / denom
    # Function j conflicts on task i when some other function voted a label other than j's:
    # the task's votes for labels other than j's own vote are more than zero.
    own = np.take_along_axis(counts, np.maximum(arr, 0), axis=1)
    others_differ = voted & (per_task[:, None] - own > 0)
    conflict = others_differ.sum(axis=0) / denom
    polarity = [sorted(np.unique(arr[voted[:, j], j]).tolist()) for j in range(m)]

    y = np.full(n, -1, dtype=np.int64) if gold is None else np.asarray(gold, dtype=np.int64)
    if y.shape != (n,):
        raise LabelingFunctionError(f"gold must have one entry per task ({n}), got shape {y.shape}.")
    if y.size and (y.min() < -1 or y.max() >= k):
        raise LabelingFunctionError(f"gold labels must be -1 (unknown) or in 0..{k - 1}.")
    known = y >= 0
    confusion = np.zeros((m, k, k), dtype=np.int64)
    rows, cols = np.nonzero(voted & known[:, None])
    np.add.at(confusion, (cols, y[rows], arr[rows, cols]), 1)
    n_votes = confusion.sum(axis=(1, 2))
    n_correct = np.trace(confusion, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(n_votes > 0, n_correct / np.maximum(n_votes, 1), np.nan)
    low, high = wilson_interval(n_correct, n_votes, confidence=confidence)
    return VoteAnalysis(
        n_tasks=n, n_labelled=int(known.sum()), coverage=coverage, overlap=overlap,
        conflict=conflict, polarity=polarity, n_votes=n_votes, n_correct=n_correct,
        n_incorrect=n_votes - n_correct, accuracy=accuracy, accuracy_low=low, accuracy_high=high,
        confusion=confusion, total_coverage=float((per_task > 0).sum() / denom),
        total_overlap=float((per_task > 1).sum() / denom),
        total_conflict=float((distinct > 1).sum() / denom))


def wilson_interval(successes: ArrayLike, trials: ArrayLike, *, confidence: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion; (0, 1) where there are no trials."""
    s = np.asarray(successes, dtype=float)
    t = np.asarray(trials, dtype=float)
    z = float(norm.ppf(0.5 + confidence / 2))
    safe = np.maximum(t, 1.0)
    p = s / safe
    centre = (p + z * z / (2 * safe)) / (1 + z * z / safe)
    half = z * np.sqrt(p * (1 - p) / safe + z * z / (4 * safe * safe)) / (1 + z * z / safe)
    low = np.where(t > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(t > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high


def conflicting_tasks(votes: ArrayLike, *, n_classes: int | None = None, limit: int = 50
                      ) -> list[tuple[int, int, float]]:
    """Tasks where the functions disagree most, as (task index, minority votes, entropy).

    Ranked by the number of votes outside the most-voted label, then by the entropy of the
    vote shares (in bits), then by task index; tasks without disagreement are left out.
    """
    arr, k = check_votes(votes, n_classes)
    counts = vote_counts(arr, k)
    total = counts.sum(axis=1)
    minority = total - counts.max(axis=1, initial=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total[:, None] > 0, counts / np.maximum(total[:, None], 1.0), 0.0)
        ent = -np.where(share > 0, share * np.log2(np.where(share > 0, share, 1.0)), 0.0).sum(axis=1)
    idx = np.flatnonzero(minority > 0)
    order = np.lexsort((idx, -ent[idx], -minority[idx]))
    return [(int(idx[i]), int(minority[idx[i]]), round(float(ent[idx[i]]), 6))
            for i in order[:limit]]
