"""Diversity sampling: pick items that cover the feature space not yet covered by labeled items.

`mode="kcenter"` is the greedy core-set of Sener & Savarese ("Active Learning for Convolutional
Neural Networks: A Core-Set Approach", ICLR 2018): repeatedly take the pool item farthest from
everything labeled or already picked. `mode="kmeans++"` draws each next item with probability
proportional to that squared distance instead (Arthur & Vassilvitskii, SODA 2007), which is less
drawn to outliers. Features may be dense or sparse (e.g. TF-IDF); distances are Euclidean.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.metrics.pairwise import euclidean_distances

from labelwise.assist.active._select import SeedLike, check_batch, generator


class DiversitySampler:
    """Pick `batch_size` pool items far from the labeled items and from each other."""

    def __init__(self, mode: str = "kcenter") -> None:
        if mode not in ("kcenter", "kmeans++"):
            raise ValueError("mode must be 'kcenter' or 'kmeans++'")
        self.mode = mode

    def select(self, batch_size: int, *, proba=None, features=None, labeled_features=None,
               seed: SeedLike = None) -> np.ndarray:
        if features is None:
            raise ValueError("diversity sampling needs pool features")
        return farthest_first(features, batch_size, labeled_features=labeled_features, mode=self.mode, seed=seed)


def farthest_first(features, batch_size: int, *, labeled_features=None, mode: str = "kcenter",
                   seed: SeedLike = None) -> np.ndarray:
    """Pool indices chosen greedily by distance to the nearest labeled-or-chosen item, in pick order.

    With nothing labeled, the first pick is uniform at random. Ties break at random.
    """
    rng = generator(seed)
    n = features.shape[0]
    b = check_batch(batch_size, n)
    if labeled_features is not None and labeled_features.shape[0]:
        _, nearest = pairwise_distances_argmin_min(features, labeled_features)
        nearest = nearest.astype(float)
    else:
        nearest = np.full(n, np.inf)
    tiebreak = rng.random(n)
    chosen: list[int] = []
    taken = np.zeros(n, dtype=bool)
    for _ in range(b):
        if np.isinf(nearest[~taken]).all():
            pick = int(rng.choice(np.flatnonzero(~taken)))
        elif mode == "kmeans++":
            weights = np.where(taken, 0.0, nearest ** 2)
            total = weights.sum()
            # every remaining item duplicates a chosen one: fall back to uniform
            pick = int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.choice(np.flatnonzero(~taken)))
        else:
            candidates = np.where(taken, -1.0, nearest)
            best = candidates.max()
            ties = np.flatnonzero(candidates == best)
            pick = int(ties[np.argmax(tiebreak[ties])])
        chosen.append(pick)
        taken[pick] = True
        d = euclidean_distances(features, features[pick:pick + 1]).ravel()
        nearest = np.minimum(nearest, d)
    return np.array(chosen, dtype=int)
