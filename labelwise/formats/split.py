"""A deterministic, stratified train/validation/test split that needs no pass over the data.

Each item is placed by hashing within its label: `u = sha256(seed, label, content_hash)` read as a
number in [0, 1), then `train` if `u < r_train`, `validation` if `u < r_train + r_validation`, else
`test`. The hash is independent of everything else, so within every label the split follows the
ratios (stratified in expectation: for n items of a label, each share is off by about
sqrt(r(1 - r) / n)), an item's split never depends on which other items exist or their order
(stream-friendly, and adding tasks never moves old ones), and the same content, label and seed
always give the same split, so re-exported snapshots agree. A different `seed` gives an independent
split. Because the label is part of the key, relabeling an item can move it; pass `label=None` to
split by content alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

__all__ = ["SPLITS", "assign_split"]

SPLITS = ("train", "validation", "test")


def assign_split(
    content_hash: str, label: Any, *, ratios: Sequence[float] = (0.8, 0.1, 0.1), seed: str = ""
) -> str:
    """"train", "validation" or "test" for one item. `ratios` are relative weights (e.g. 8:1:1)."""
    weights = _weights(ratios)
    key = f"{seed}\x00{_label_key(label)}\x00{content_hash}".encode()
    u = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64
    edge = 0.0
    for name, weight in zip(SPLITS, weights):
        edge += weight
        if u < edge:
            return name
    return next(name for name, weight in reversed(list(zip(SPLITS, weights))) if weight > 0)


def _weights(ratios: Sequence[float]) -> list[float]:
    values = list(ratios)
    if len(values) != 3 or any(isinstance(r, bool) or not isinstance(r, (int, float)) or r < 0 for r in values):
        raise ValueError("ratios must be three non-negative numbers: train, validation, test")
    total = float(sum(values))
    if total <= 0:
        raise ValueError("ratios must not all be zero")
    return [r / total for r in values]


def _label_key(label: Any) -> str:
    if label is None:
        return ""
    if isinstance(label, (list, tuple, set, frozenset)):
        return "\x1f".join(sorted(_label_key(item) for item in label))  # multi-label: order does not matter
    return str(label)
