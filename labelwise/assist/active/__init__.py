"""Active learning: which unlabeled tasks to label next.

Every sampler has `select(batch_size, *, proba=None, features=None, labeled_features=None, seed=None)`
returning indices into the unlabeled pool, best first, distinct, `min(batch_size, pool)` of them.
`proba` is the current model's (n_pool, k) class probabilities, `features` the pool's feature rows
(dense or sparse) and `labeled_features` those of the labeled tasks. `queue_order` turns a ranking
into a queue order with a random slice kept for honest evaluation. A sampler with `cold_start = True`
also picks with `proba=None` (nothing labeled, no model yet).
"""

from __future__ import annotations

from labelwise.assist.active.diversity import DiversitySampler, farthest_first
from labelwise.assist.active.hybrid import HybridSampler
from labelwise.assist.active.priority import in_random_slice, prediction_uncertainty, task_priority
from labelwise.assist.active.queue import QueueOrder, queue_order
from labelwise.assist.active.random_baseline import RandomSampler
from labelwise.assist.active.typical import TypicalSampler, typicality, typiclust
from labelwise.assist.active.uncertainty import (
    EntropySampler, LeastConfidenceSampler, MarginSampler, UncertaintySampler, entropy, least_confidence,
    margin, per_option,
)

STRATEGIES = {
    "random": RandomSampler,
    "least_confidence": LeastConfidenceSampler,
    "margin": MarginSampler,
    "entropy": EntropySampler,
    "coreset": DiversitySampler,
    "kmeans++": lambda: DiversitySampler("kmeans++"),
    "hybrid": HybridSampler,
    "typical": TypicalSampler,
}


def make_sampler(name: str):
    """A sampler by strategy name (a key of `STRATEGIES`) with its default settings."""
    try:
        return STRATEGIES[name]()
    except KeyError:
        raise ValueError(f"unknown active-learning strategy {name!r}; use one of {sorted(STRATEGIES)}") from None


__all__ = [
    "STRATEGIES", "DiversitySampler", "EntropySampler", "HybridSampler", "LeastConfidenceSampler",
    "MarginSampler", "QueueOrder", "RandomSampler", "TypicalSampler", "UncertaintySampler", "entropy",
    "farthest_first", "in_random_slice", "least_confidence", "make_sampler", "margin", "per_option",
    "prediction_uncertainty", "queue_order", "task_priority", "typicality", "typiclust",
]
