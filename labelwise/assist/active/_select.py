"""Shared selection helpers: seeded tie-breaking and the pool index conventions."""

from __future__ import annotations

import numpy as np

SeedLike = int | np.random.Generator | None


def generator(seed: SeedLike) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def check_batch(batch_size: int, n: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 0:
        raise ValueError("batch_size must be a non-negative integer")
    return min(int(batch_size), n)


def rank_by_score(scores: np.ndarray, batch_size: int, *, seed: SeedLike) -> np.ndarray:
    """Indices of the `batch_size` highest scores, best first; equal scores in a seeded random order."""
    scores = np.asarray(scores, dtype=float)
    b = check_batch(batch_size, len(scores))
    tiebreak = generator(seed).random(len(scores))
    order = np.lexsort((tiebreak, -scores))
    return order[:b]
