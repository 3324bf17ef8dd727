"""The split is stable per item, follows the ratios inside every label, and reacts to the seed."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

import pytest

from labelwise.formats.split import SPLITS, assign_split


def _items(n: int):
    labels = ["common"] * 70 + ["rare"] * 25 + ["tiny"] * 5
    return [(hashlib.sha256(str(i).encode()).hexdigest(), labels[i % 100]) for i in range(n)]


def test_each_label_follows_the_ratios():
    items = _items(40_000)
    by_label: dict[str, Counter] = {}
    for content_hash, label in items:
        by_label.setdefault(label, Counter())[assign_split(content_hash, label)] += 1
    for label, counts in by_label.items():
        n = sum(counts.values())
        for split, ratio in zip(SPLITS, (0.8, 0.1, 0.1)):
            sigma = math.sqrt(ratio * (1 - ratio) / n)
            assert abs(counts[split] / n - ratio) < 4 * sigma, (label, split, counts)


def test_split_is_stable_and_independent_of_other_items():
    items = _items(2_000)
    first = {h: assign_split(h, label, seed="v1") for h, label in items}
    again = {h: assign_split(h, label, seed="v1") for h, label in reversed(items[:500])}
    assert all(first[h] == split for h, split in again.items())
    other_seed = [assign_split(h, label, seed="v2") for h, label in items]
    changed = sum(a != b for a, b in zip(first.values(), other_seed))
    assert 0.2 * len(items) < changed < 0.5 * len(items)  # about 1 - (0.8² + 0.1² + 0.1²) = 34% move


def test_ratios_are_weights_and_empty_splits_get_nothing():
    items = _items(3_000)
    assert {assign_split(h, l, ratios=(1, 0, 0)) for h, l in items} == {"train"}
    assert {assign_split(h, l, ratios=(0, 0, 5)) for h, l in items} == {"test"}
    assert [assign_split(h, l, ratios=(8, 1, 1)) for h, l in items] == [assign_split(h, l) for h, l in items]
    assert "validation" not in {assign_split(h, l, ratios=(0.7, 0, 0.3)) for h, l in items}


def test_multi_label_order_does_not_matter():
    assert assign_split("abc", ["b", "a"]) == assign_split("abc", ("a", "b"))


@pytest.mark.parametrize("ratios", [(0.8, 0.2), (1, -1, 1), (0, 0, 0), (True, 0, 0)])
def test_bad_ratios_are_refused(ratios):
    with pytest.raises(ValueError):
        assign_split("abc", "x", ratios=ratios)
