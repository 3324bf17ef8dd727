"""A pilot round's report for one control: where annotators who labeled the same items agree and where not.

Input is long format, one `(item, rater, label)` per answer, labels being strings (a choice, or the
canonical form of any other answer). Out come percent agreement and Krippendorff's alpha (nominal;
Krippendorff 2011), the label-by-label confusion matrix counted over every pair of annotators of an item
(symmetric; the diagonal counts agreeing pairs), the most confused label pairs with the items behind
them, and per annotator how often they differ from the majority of the others on the same item
(leave-one-out), with their label counts against the group's. `compare_reports` puts two rounds side
by side (before and after a guideline change).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from labelwise.quality.agreement import percent_agreement
from labelwise.quality.errors import QualityInputError
from labelwise.quality.krippendorff import krippendorff_alpha

__all__ = ["compare_reports", "control_report"]


def control_report(answers: Iterable[tuple[Hashable, Hashable, str]], *, labels: Sequence[str] = (),
                   top: int = 5, max_items: int = 20) -> dict[str, Any]:
    """The pilot report of one control. `labels` fixes the order of the matrix (others are appended)."""
    rows = list(answers)
    by_item: dict[Hashable, dict[Hashable, str]] = defaultdict(dict)
    for item, rater, label in rows:
        by_item[item][rater] = label
    seen = list(dict.fromkeys([*labels, *(label for _, _, label in rows)]))
    index = {label: i for i, label in enumerate(seen)}
    matrix = np.zeros((len(seen), len(seen)), dtype=int)
    pair_items: dict[tuple[str, str], list[Hashable]] = defaultdict(list)
    for item, given in by_item.items():
        for (_, x), (_, y) in combinations(sorted(given.items(), key=lambda kv: str(kv[0])), 2):
            matrix[index[x], index[y]] += 1
            if x != y:
                matrix[index[y], index[x]] += 1
                key = tuple(sorted((x, y)))
                if item not in pair_items[key]:
                    pair_items[key].append(item)
    pairs = sorted(pair_items.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return {
        "answers": len(rows),
        "items": len(by_item),
        "percent_agreement": _metric(percent_agreement, rows, index),
        "alpha": _metric(krippendorff_alpha, rows, index),
        "labels": seen,
        "confusion": matrix.tolist(),
        "confused_pairs": [
            {"labels": list(pair), "count": int(matrix[index[pair[0]], index[pair[1]]]),
             "items": sorted(items, key=str)[:max_items]}
            for pair, items in pairs
        ],
        "label_counts": dict(Counter(label for _, _, label in rows)),
        "annotators": _deviations(by_item),
    }


def compare_reports(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Two reports of the same control side by side, with the change in agreement and in each confused pair."""
    def delta(key: str) -> float | None:
        a, b = before.get(key), after.get(key)
        return None if a is None or b is None else round(b - a, 6)

    counts_before = {tuple(p["labels"]): p["count"] for p in before["confused_pairs"]}
    counts_after = {tuple(p["labels"]): p["count"] for p in after["confused_pairs"]}
    pairs = list(dict.fromkeys([*counts_before, *counts_after]))
    annotators_before = {a["annotator"]: a for a in before["annotators"]}
    annotators_after = {a["annotator"]: a for a in after["annotators"]}
    return {
        "percent_agreement": {"before": before["percent_agreement"], "after": after["percent_agreement"],
                              "change": delta("percent_agreement")},
        "alpha": {"before": before["alpha"], "after": after["alpha"], "change": delta("alpha")},
        "confused_pairs": [{"labels": list(p), "before": counts_before.get(p, 0), "after": counts_after.get(p, 0)}
                           for p in pairs],
        "annotators": [{"annotator": name,
                        "before": annotators_before.get(name, {}).get("deviation"),
                        "after": annotators_after.get(name, {}).get("deviation")}
                       for name in dict.fromkeys([*annotators_before, *annotators_after])],
    }


def _metric(metric, rows, index) -> float | None:
    if not rows:
        return None
    items, raters, values = zip(*[(str(i), str(r), index[label]) for i, r, label in rows])
    try:
        value = float(metric(np.array(items), np.array(raters), np.array(values)))
    except QualityInputError:
        return None  # no item with two answers: nothing to measure yet
    return None if np.isnan(value) else round(value, 6)


def _deviations(by_item: dict) -> list[dict[str, Any]]:
    """Per annotator: items compared, how often they differ from the others' majority, their label counts."""
    out = []
    for rater in sorted({r for given in by_item.values() for r in given}, key=str):
        compared = differs = 0
        own: Counter = Counter()
        for given in by_item.values():
            if rater not in given:
                continue
            own[given[rater]] += 1
            others = Counter(label for r, label in given.items() if r != rater)
            if not others:
                continue
            top = max(others.values())
            majority = {label for label, n in others.items() if n == top}
            compared += 1
            differs += given[rater] not in majority
        out.append({"annotator": rater, "items": sum(own.values()), "compared": compared,
                    "deviation": round(differs / compared, 6) if compared else None, "labels": dict(own)})
    return out
