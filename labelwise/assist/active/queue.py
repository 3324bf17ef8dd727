"""Turn a sampler's ranking into a queue order that keeps a random slice for honest evaluation.

Items picked by a model are the ones it finds hard, so accuracy measured on them is biased. Mixing
in a uniformly random share (e.g. 10 %) at evenly spread positions, and remembering which items came
from it, lets the platform estimate accuracy on those alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from labelwise.assist.active._select import SeedLike, generator


@dataclass(frozen=True)
class QueueOrder:
    """Task ids, first to serve first; `random` holds the ids placed by the random slice."""

    task_ids: list[Any]
    random: frozenset[Any]

    def priorities(self) -> dict[Any, float]:
        """A priority per task in (0, 1], highest first, for a queue that serves by priority."""
        n = len(self.task_ids)
        return {task_id: (n - i) / n for i, task_id in enumerate(self.task_ids)}


def queue_order(task_ids: Sequence[Any], ranked: Sequence[int], *, random_share: float = 0.1,
                seed: SeedLike = None) -> QueueOrder:
    """Order every task: the sampler's `ranked` pool indices (best first; may rank only a prefix),
    with a `random_share` of positions given to a uniformly random draw, spread evenly (after any
    prefix of n positions about `random_share * n` are random). Tasks that `ranked` leaves out follow
    in random order. Deterministic given `seed`.
    """
    if not 0.0 <= random_share <= 1.0:
        raise ValueError("random_share must be between 0 and 1")
    n = len(task_ids)
    ranked = [int(i) for i in ranked]
    if len(set(ranked)) != len(ranked) or any(i < 0 or i >= n for i in ranked):
        raise ValueError("ranked must hold distinct indices into task_ids")
    shuffled = generator(seed).permutation(n)
    placed = np.zeros(n, dtype=bool)
    order: list[int] = []
    from_random: set[int] = set()
    model_pos = random_pos = 0
    for position in range(n):
        want_random = len(from_random) < int(random_share * (position + 1) + 0.5)
        while model_pos < len(ranked) and placed[ranked[model_pos]]:
            model_pos += 1
        if not want_random and model_pos < len(ranked):
            pick = ranked[model_pos]
        else:
            while placed[shuffled[random_pos]]:
                random_pos += 1
            pick = int(shuffled[random_pos])
            if want_random:
                from_random.add(pick)
        placed[pick] = True
        order.append(pick)
    return QueueOrder([task_ids[i] for i in order], frozenset(task_ids[i] for i in from_random))
