"""Agreement on any kind of answer, overall, per annotator and per period, with the measure that fits it.

Every pair of annotators who answered the same item is scored: categories by whether they match
(with Krippendorff's alpha, nominal, as the headline), option sets by Jaccard, spans/boxes/polygons/
cuboids by the F1 of one-to-one matches, free text by edit similarity, numbers and ratings by their
absolute difference (a distance: lower is closer; alpha at the interval level as the headline), anything
else by exact equality. An annotator's figure is the mean over their pairs; a period's is the mean over
pairs whose later answer fell in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np

from labelwise.quality.cuboids import cuboid_f1
from labelwise.quality.errors import QualityInputError
from labelwise.quality.krippendorff import krippendorff_alpha
from labelwise.quality.spatial_agreement import box_f1, edit_similarity, polygon_f1, span_f1

__all__ = ["KINDS", "Answer", "ControlAgreement", "control_agreement"]

Kind = Literal["nominal", "set", "spans", "boxes", "polygons", "cuboids", "interval", "text", "exact"]

KINDS: dict[str, str] = {
    "nominal": "share of pairs choosing alike (Krippendorff's α, nominal, overall)",
    "set": "Jaccard similarity of the chosen options",
    "spans": "span F1 (exact boundaries and label)",
    "boxes": "box F1 (same label, IoU ≥ 0.5)",
    "polygons": "polygon F1 (same label, IoU ≥ 0.5)",
    "cuboids": "cuboid F1 (same label, 3D IoU ≥ 0.5)",
    "interval": "mean absolute difference, lower is closer (Krippendorff's α, interval, overall)",
    "text": "edit similarity (1 − Levenshtein / length)",
    "exact": "share of pairs giving the same answer",
}


@dataclass(frozen=True)
class Answer:
    """One annotator's answer to one item (a task, or a task's region/message/page/frame)."""

    item: Hashable
    rater: Hashable
    value: Any
    period: str


@dataclass
class ControlAgreement:
    kind: str
    measure: str
    value: float | None
    """Mean over all pairs: an agreement in [0, 1], or for `interval` a distance."""
    alpha: float | None
    n_items: int
    n_pairs: int
    per_rater: dict[Hashable, tuple[float, int]] = field(default_factory=dict)
    per_period: dict[str, tuple[float, int]] = field(default_factory=dict)


def control_agreement(kind: Kind, answers: Iterable[Answer]) -> ControlAgreement:
    """Score every pair of annotators on every item they share, with the measure of `kind`."""
    if kind not in KINDS:
        raise QualityInputError(f"unknown kind {kind!r}; choose from {list(KINDS)}")
    score = _SCORES[kind]
    by_item: dict[Hashable, dict[Hashable, Answer]] = defaultdict(dict)
    for answer in answers:
        by_item[answer.item][answer.rater] = answer
    pairs: list[float] = []
    raters: dict[Hashable, list[float]] = defaultdict(list)
    periods: dict[str, list[float]] = defaultdict(list)
    for given in by_item.values():
        for a, b in combinations(given.values(), 2):
            try:
                value = float(score(a.value, b.value))
            except (KeyError, TypeError, ValueError, QualityInputError):
                value = float(a.value == b.value) if kind != "interval" else None
            if value is None:
                continue
            pairs.append(value)
            raters[a.rater].append(value)
            raters[b.rater].append(value)
            periods[max(a.period, b.period)].append(value)
    paired_items = sum(1 for given in by_item.values() if len(given) > 1)
    return ControlAgreement(
        kind, KINDS[kind], _mean(pairs), _alpha(kind, by_item), paired_items, len(pairs),
        {r: (_mean(v), len(v)) for r, v in raters.items()},
        {p: (_mean(v), len(v)) for p, v in sorted(periods.items())})


def _alpha(kind: str, by_item: dict[Hashable, dict[Hashable, Answer]]) -> float | None:
    if kind not in ("nominal", "interval"):
        return None
    items, raters, values = [], [], []
    codes: dict[Any, int] = {}
    for i, given in enumerate(by_item.values()):
        if len(given) < 2:
            continue
        for rater, answer in given.items():
            if kind == "nominal":
                value = codes.setdefault(_key(answer.value), len(codes))
            elif isinstance(answer.value, (int, float)) and not isinstance(answer.value, bool):
                value = float(answer.value)
            else:
                continue
            items.append(i)
            raters.append(str(rater))
            values.append(value)
    if len(values) < 2:
        return None
    try:
        alpha = krippendorff_alpha(np.array(items), np.array(raters, dtype=object), np.array(values, dtype=float),
                                   level="nominal" if kind == "nominal" else "interval")
    except QualityInputError:
        return None
    return float(alpha) if np.isfinite(alpha) else None


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _key(value: Any) -> Any:
    return repr(value) if isinstance(value, (list, dict)) else value


def _jaccard(a, b) -> float:
    x, y = {_key(v) for v in a}, {_key(v) for v in b}
    return 1.0 if not x and not y else len(x & y) / len(x | y)


def _spans(v):
    return [(s["start"], s["end"], s["label"]) for s in v]


def _boxes(v):
    return [(b["x"], b["y"], b["width"], b["height"], b.get("rotation", 0), b["label"]) for b in v]


def _polygons(v):
    return [(p["points"], p["label"]) for p in v]


_CUBOID_KEYS = ("x", "y", "z", "length", "width", "height", "yaw", "pitch", "roll")


def _cuboids(v):
    return [(tuple(c.get(k, 0.0) for k in _CUBOID_KEYS), c["label"]) for c in v]


def _text(a, b) -> float:
    if isinstance(a, list) and isinstance(b, list):
        a, b = "\n".join(map(str, a)), "\n".join(map(str, b))
    if not isinstance(a, str) or not isinstance(b, str):
        raise TypeError("not text")
    return edit_similarity(a, b, ignore_case=True, normalize_whitespace=True)


def _distance(a, b) -> float:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        raise TypeError("not a number")
    return abs(float(a) - float(b))


_SCORES: dict[str, Callable[[Any, Any], float]] = {
    "nominal": lambda a, b: float(_key(a) == _key(b)),
    "set": _jaccard,
    "spans": lambda a, b: span_f1(_spans(a), _spans(b)).f1,
    "boxes": lambda a, b: box_f1(_boxes(a), _boxes(b)).f1,
    "polygons": lambda a, b: polygon_f1(_polygons(a), _polygons(b)).f1,
    "cuboids": lambda a, b: cuboid_f1(_cuboids(a), _cuboids(b)).f1,
    "interval": _distance,
    "text": _text,
    "exact": lambda a, b: float(_key(a) == _key(b)),
}
