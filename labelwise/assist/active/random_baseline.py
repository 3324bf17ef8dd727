"""The random baseline: a uniform sample without replacement (what active learning must beat)."""

from __future__ import annotations

import numpy as np

from labelwise.assist.active._select import SeedLike, check_batch, generator


class RandomSampler:
    """Pick `batch_size` pool items uniformly at random."""

    def select(self, batch_size: int, *, proba=None, features=None, labeled_features=None,
               seed: SeedLike = None) -> np.ndarray:
        n = _pool_size(proba, features)
        return generator(seed).permutation(n)[:check_batch(batch_size, n)]


def _pool_size(proba, features) -> int:
    if proba is not None:
        return len(proba)
    if features is not None:
        return features.shape[0]
    raise ValueError("random sampling needs the pool (proba or features) to know its size")
