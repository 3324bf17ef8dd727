"""Multi-label aggregation: decide per label whether it applies, by vote or binary Dawid–Skene.

Each (task, label) pair is treated as its own yes/no question answered by every annotator of
the task; "vote" takes the share of annotators who chose the label, "dawid_skene" fits one
binary Dawid–Skene model per label (Dawid & Skene 1979; the binary-relevance reduction of
multi-label learning).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from labelwise.quality.aggregation._base import check_codes
from labelwise.quality.aggregation.dawid_skene import DawidSkene
from labelwise.quality.errors import QualityInputError

__all__ = ["MultiLabelVote"]

METHODS = ("vote", "dawid_skene")


class MultiLabelVote:
    """Per-label vote (or per-label binary Dawid–Skene) for multi-label tasks.

    Input rows are (task, worker, label) for every label a worker selected; a worker who
    annotated a task but selected nothing contributes one row with label ``-1``. The annotators
    of a task are the distinct workers with a row for it; each counts once per label however
    often they repeat it.

    After ``fit``: ``probas_`` (n_tasks × n_labels), the probability that each label applies
    (with "vote", the share of the task's annotators who chose it; rows do *not* sum to 1);
    ``labels_`` (bool, same shape) = ``probas_ > threshold`` (a label exactly at the threshold is
    left out, so a 1–1 split between two annotators does not apply); ``skills_`` (n_workers,),
    the share of a worker's yes/no decisions that agree with ``labels_`` (1/2, chance, without
    judgements; with "dawid_skene" the mean over labels of the per-label skills). A task with
    no annotators gets probabilities 0 and no labels.
    """

    def __init__(self, *, method: str = "vote", threshold: float = 0.5, n_iter: int = 100,
                 tol: float = 1e-5) -> None:
        if method not in METHODS:
            raise QualityInputError(f"method must be one of {METHODS}, got {method!r}.")
        if not 0.0 <= threshold < 1.0:
            raise QualityInputError(f"threshold must be in [0, 1), got {threshold}.")
        self.method = method
        self.threshold = threshold
        self.n_iter = n_iter
        self.tol = tol

    def fit(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
            n_tasks: int | None = None, n_workers: int | None = None,
            n_labels: int | None = None) -> MultiLabelVote:
        y = np.asarray(labels)
        if y.ndim == 1 and y.dtype.kind in "iuf" and len(y) and (y == -1).any():
            chose = y != -1
            y_checked = np.where(chose, y, 0)  # -1 is allowed here: "selected nothing"
        else:
            chose = np.ones(len(y), dtype=bool)
            y_checked = y
        coded = check_codes(tasks, workers, y_checked, n_tasks=n_tasks, n_workers=n_workers,
                            n_labels=n_labels)
        nt, nw, k = coded.n_tasks, coded.n_workers, coded.n_labels
        pair_key, pair = np.unique(coded.tasks * nw + coded.workers, return_inverse=True)
        pair = pair.reshape(-1)
        pair_task, pair_worker = pair_key // nw, pair_key % nw
        chosen = np.zeros((len(pair_key), k), dtype=bool)
        chosen[pair[chose], coded.labels[chose]] = True
        n_annot = np.bincount(pair_task, minlength=nt).astype(float)

        if self.method == "vote":
            yes = np.zeros((nt, k))
            np.add.at(yes, pair_task, chosen.astype(float))
            probas = yes / np.maximum(n_annot, 1.0)[:, None]
            decided = probas > self.threshold
            agree = (chosen == decided[pair_task]).sum(axis=1).astype(float)
            n_dec = np.bincount(pair_worker, minlength=nw) * float(k)
            hits = np.bincount(pair_worker, weights=agree, minlength=nw)
            skills = np.where(n_dec > 0, hits / np.maximum(n_dec, 1.0), 0.5)
        else:
            if np.count_nonzero(np.bincount(pair_worker, minlength=nw)) < 2:
                raise QualityInputError(
                    "method='dawid_skene' estimates annotator skill by comparing annotators, so it "
                    "needs at least 2 annotators; use method='vote'."
                )
            probas = np.zeros((nt, k))
            skills = np.zeros(nw)
            for j in range(k):  # one binary model per label; loops over labels, not rows
                ds = DawidSkene(n_iter=self.n_iter, tol=self.tol).fit(
                    pair_task, pair_worker, chosen[:, j].astype(np.intp),
                    n_tasks=nt, n_workers=nw, n_labels=2)
                probas[:, j] = ds.probas_[:, 1]
                skills += ds.skills_ / k
            probas[n_annot == 0] = 0.0
            decided = probas > self.threshold
            skills = np.where(np.bincount(pair_worker, minlength=nw) > 0, skills, 0.5)
        self.probas_ = probas
        self.labels_ = decided
        self.skills_ = skills
        return self

    def fit_predict(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
                    n_tasks: int | None = None, n_workers: int | None = None,
                    n_labels: int | None = None) -> np.ndarray:
        """Fit and return ``labels_`` (bool, n_tasks × n_labels)."""
        return self.fit(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                        n_labels=n_labels).labels_

    def fit_predict_proba(self, tasks: ArrayLike, workers: ArrayLike, labels: ArrayLike, *,
                          n_tasks: int | None = None, n_workers: int | None = None,
                          n_labels: int | None = None) -> np.ndarray:
        """Fit and return ``probas_``."""
        return self.fit(tasks, workers, labels, n_tasks=n_tasks, n_workers=n_workers,
                        n_labels=n_labels).probas_
