"""Typicality-first sampling for small labeling budgets: label what is typical first, then what the
model is unsure of *and* typical.

With nothing labeled (no model yet) it is TypiClust (Hacohen, Dekel & Weinshall, "Active Learning on
a Budget", ICML 2022): k-means into `labeled + batch` clusters, and from each cluster holding no
labeled item, largest first, the item of highest typicality (inverse mean distance to its nearest
neighbours in the cluster). Uncertainty sampling is weak at that stage because the model knows too
little to be uncertain about the right things, and outliers are what it is most unsure of.

Once a model exists, each item scores its uncertainty times its typicality in the pool (information
density, Settles & Craven, EMNLP 2008), and a batch is made diverse as in the hybrid sampler: the
`prefilter * batch` best-scoring items, weighted k-means into `batch` clusters, the item nearest each
centre (Zhdanov, arXiv:1901.05954).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from labelwise.assist.active._select import SeedLike, check_batch, generator, rank_by_score
from labelwise.assist.active.hybrid import nearest_to_centres
from labelwise.assist.active.uncertainty import MEASURES


class TypicalSampler:
    """TypiClust cold start, then density-weighted uncertainty with batch diversity."""

    cold_start = True  # picks a first batch with no model and nothing labeled

    def __init__(self, measure: str = "margin", *, neighbours: int = 20, prefilter: int = 10,
                 density_power: float = 1.0) -> None:
        if measure not in MEASURES:
            raise ValueError(f"unknown uncertainty measure {measure!r}; use one of {sorted(MEASURES)}")
        if neighbours < 1 or prefilter < 1 or density_power < 0:
            raise ValueError("neighbours and prefilter must be at least 1, density_power at least 0")
        self.measure = measure
        self.neighbours = neighbours
        self.prefilter = prefilter
        self.density_power = density_power

    def select(self, batch_size: int, *, proba=None, features=None, labeled_features=None,
               seed: SeedLike = None) -> np.ndarray:
        if features is None:
            raise ValueError("typicality sampling needs pool features")
        rng = generator(seed)
        b = check_batch(batch_size, features.shape[0])
        if b == 0:
            return np.zeros(0, dtype=int)
        if proba is None:
            return typiclust(features, b, labeled_features=labeled_features, neighbours=self.neighbours, seed=rng)
        scores = MEASURES[self.measure](proba) * typicality(features, neighbours=self.neighbours) ** self.density_power
        candidates = rank_by_score(scores, self.prefilter * b, seed=rng)
        if len(candidates) <= b:
            return candidates[:b]
        picked = nearest_to_centres(features[candidates], b, weights=scores[candidates] + 1e-6, seed=rng)
        picked = sorted(picked, key=lambda j: -scores[candidates[j]])
        return candidates[np.array(picked, dtype=int)]


def typicality(features, *, neighbours: int = 20) -> np.ndarray:
    """Per row, 1 / mean Euclidean distance to its `neighbours` nearest other rows, scaled to max 1
    (1 everywhere when there are too few rows to tell)."""
    n = features.shape[0]
    k = min(neighbours, n - 1)
    if k < 1:
        return np.ones(n)
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(features).kneighbors(features)
    mean = distances[:, 1:].mean(axis=1)
    inverse = 1.0 / np.maximum(mean, 1e-12)
    return inverse / inverse.max()


def typiclust(features, batch_size: int, *, labeled_features=None, neighbours: int = 20,
              seed: SeedLike = None) -> np.ndarray:
    """TypiClust's picks: the most typical item of each of the `batch_size` largest clusters that hold
    no labeled item (clusters: k-means into labeled + batch_size groups)."""
    rng = generator(seed)
    n = features.shape[0]
    b = check_batch(batch_size, n)
    n_labeled = 0 if labeled_features is None else labeled_features.shape[0]
    k = min(n, n_labeled + b)
    if b == 0:
        return np.zeros(0, dtype=int)
    km = KMeans(n_clusters=k, n_init=1, random_state=int(rng.integers(2**31 - 1)))
    with threadpool_limits(limits=1, user_api="openmp"):
        clusters = km.fit_predict(features)
        covered = set(km.predict(labeled_features).tolist()) if n_labeled else set()
    sizes = np.bincount(clusters, minlength=k)
    order = [c for c in np.lexsort((rng.random(k), -sizes)) if c not in covered and sizes[c]]
    picked: list[int] = []
    for c in order[:b]:
        members = np.flatnonzero(clusters == c)
        picked.append(int(members[np.argmax(typicality(features[members], neighbours=neighbours))]))
    if len(picked) < b:  # more labeled items than clusters without one: fill by typicality in the pool
        rest = np.setdiff1d(np.arange(n), picked)
        extra = rest[rank_by_score(typicality(features, neighbours=neighbours)[rest], b - len(picked), seed=rng)]
        picked.extend(int(i) for i in extra)
    return np.array(picked, dtype=int)
