"""Hybrid sampling: uncertainty first, then diversity within the uncertain items, so a batch is not
b near-copies of the same hard case. Follows Zhdanov, "Diverse mini-batch Active Learning"
(arXiv:1901.05954, 2019): keep the `prefilter * b` most uncertain pool items, cluster them into `b`
groups with k-means weighted by uncertainty, and take the item nearest each centre.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics.pairwise import euclidean_distances
from threadpoolctl import threadpool_limits

from labelwise.assist.active._select import SeedLike, check_batch, generator, rank_by_score
from labelwise.assist.active.uncertainty import MEASURES


class HybridSampler:
    """Uncertainty pre-filter (top `prefilter` x batch) then weighted k-means for diversity."""

    def __init__(self, measure: str = "margin", prefilter: int = 10) -> None:
        if measure not in MEASURES:
            raise ValueError(f"unknown uncertainty measure {measure!r}; use one of {sorted(MEASURES)}")
        if prefilter < 1:
            raise ValueError("prefilter must be at least 1")
        self.measure = measure
        self.prefilter = prefilter

    def select(self, batch_size: int, *, proba=None, features=None, labeled_features=None,
               seed: SeedLike = None) -> np.ndarray:
        if proba is None or features is None:
            raise ValueError("hybrid sampling needs both the model's probabilities and pool features")
        rng = generator(seed)
        scores = MEASURES[self.measure](proba)
        b = check_batch(batch_size, len(scores))
        candidates = rank_by_score(scores, self.prefilter * b, seed=rng)
        if b == 0 or len(candidates) <= b:
            return candidates[:b]
        weights = scores[candidates] + 1e-6  # items the model is sure of still count a little
        picked = nearest_to_centres(features[candidates], b, weights=weights, seed=rng)
        # most uncertain first within the batch, so a partial batch keeps the best
        picked.sort(key=lambda j: -scores[candidates[j]])
        return candidates[np.array(picked, dtype=int)]


def nearest_to_centres(x, b: int, *, weights: np.ndarray, seed: SeedLike = None) -> list[int]:
    """Rows of `x` nearest each of the `b` centres of a k-means weighted by `weights`, distinct."""
    km = KMeans(n_clusters=b, n_init=1, random_state=int(generator(seed).integers(2**31 - 1)))
    with threadpool_limits(limits=1, user_api="openmp"):  # a few hundred points: threads only cost
        km.fit(x, sample_weight=weights)
    picked: list[int] = []
    taken = np.zeros(x.shape[0], dtype=bool)
    for centre in km.cluster_centers_:
        # the nearest not-yet-picked candidate (two centres can share a nearest point)
        order = np.argsort(euclidean_distances(x, centre.reshape(1, -1)).ravel(), kind="stable")
        j = int(next(i for i in order if not taken[i]))
        taken[j] = True
        picked.append(j)
    return picked
