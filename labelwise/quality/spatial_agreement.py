# Over 400 lines: span, box, polygon and text agreement share one matcher; exact polygon clipping is a third of it.
"""Agreement between annotators on spans, boxes, polygons and free text.

Two annotators' spans or regions are matched one to one (the most matches possible, ties broken
by overlap; scipy's `linear_sum_assignment`) and scored by precision, recall and F1. Boxes and
polygons match when they share a label and their IoU reaches a threshold; polygon intersection
is exact: each polygon is split into signed fan triangles whose pairs are clipped with
Sutherland & Hodgman (1974). Free text is scored by the normalised edit similarity
1 - Levenshtein / max length, with the bit-parallel algorithm of Myers (1999) in the form
given by Hyyrö (2001).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from labelwise.quality.agreement import PairwiseAgreement
from labelwise.quality.errors import QualityInputError

__all__ = [
    "MatchScore",
    "box_agreement",
    "box_corners",
    "box_f1",
    "box_iou",
    "edit_similarity",
    "polygon_agreement",
    "polygon_f1",
    "polygon_iou",
    "span_agreement",
    "span_f1",
    "text_agreement",
]

Span = tuple[int, int, Hashable]  # (start, end exclusive, label)
Box = tuple  # (x, y, width, height, label) or (x, y, width, height, rotation, label)
Polygon = tuple  # (points [[x, y], ...], label)
Annotations = Mapping[Hashable, Mapping[Hashable, object]]  # item -> annotator -> answer


@dataclass(frozen=True)
class MatchScore:
    """One-to-one matches between annotator A's `n_a` and annotator B's `n_b` regions.

    Taking A as the reference: recall = matched / n_a, precision = matched / n_b and
    f1 = 2 matched / (n_a + n_b), which is symmetric. A ratio over nothing is 1.0 when both
    annotators marked nothing (they agree) and 0.0 otherwise. Scores add up across items.
    """

    matched: int
    n_a: int
    n_b: int

    @property
    def precision(self) -> float:
        return _rate(self.matched, self.n_b, self.n_a + self.n_b)

    @property
    def recall(self) -> float:
        return _rate(self.matched, self.n_a, self.n_a + self.n_b)

    @property
    def f1(self) -> float:
        return _rate(2 * self.matched, self.n_a + self.n_b, self.n_a + self.n_b)

    def __add__(self, other: MatchScore) -> MatchScore:
        return MatchScore(
            self.matched + other.matched, self.n_a + other.n_a, self.n_b + other.n_b
        )


def span_f1(
    a: Sequence[Span], b: Sequence[Span], *, match: Literal["exact", "overlap"] = "exact"
) -> MatchScore:
    """Match two annotators' spans `(start, end, label)`, end exclusive, on one text.

    `"exact"`: same start, end and label. `"overlap"`: same label and at least one shared
    character; each span matches at most one span of the other annotator.
    """
    a, b = _spans(a), _spans(b)
    if match == "exact":
        return MatchScore(sum((Counter(a) & Counter(b)).values()), len(a), len(b))
    if match != "overlap":
        raise QualityInputError(f"span match must be 'exact' or 'overlap'; got {match!r}")
    if not a or not b:
        return MatchScore(0, len(a), len(b))
    sa, ea = np.array([s[0] for s in a]), np.array([s[1] for s in a])
    sb, eb = np.array([s[0] for s in b]), np.array([s[1] for s in b])
    overlap = np.minimum(ea[:, None], eb[None, :]) - np.maximum(sa[:, None], sb[None, :])
    union = np.maximum(ea[:, None], eb[None, :]) - np.minimum(sa[:, None], sb[None, :])
    same_label = np.array([[x[2] == y[2] for y in b] for x in a])
    eligible = same_label & (overlap > 0)
    return MatchScore(_max_matching(eligible, overlap / np.maximum(union, 1)), len(a), len(b))


def box_corners(
    x: float, y: float, width: float, height: float, rotation: float = 0.0
) -> np.ndarray:
    """The 4 corners of a box, rotated by `rotation` degrees about its top-left corner (x, y).

    Image coordinates (y down), so a positive angle turns clockwise on screen, as in Label
    Studio's rectangles.
    """
    theta = math.radians(rotation)
    c, s = math.cos(theta), math.sin(theta)
    local = np.array([[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]])
    return np.column_stack(
        [x + local[:, 0] * c - local[:, 1] * s, y + local[:, 0] * s + local[:, 1] * c]
    )


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two boxes `(x, y, width, height)` or `(x, y, width, height, rotation)`.

    A box of zero area has IoU 0 with everything.
    """
    return float(_box_iou_matrix([_box_geometry(a)], [_box_geometry(b)])[0, 0])


def polygon_iou(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> float:
    """Exact IoU of two simple polygons given as `[[x, y], ...]` (convex or not, any winding).

    A polygon that crosses itself raises `QualityInputError`; one of zero area has IoU 0.
    """
    pa, pb = _polygon(a), _polygon(b)
    return _polygon_pair_iou(pa, pb, _area(pa), _area(pb))


def box_f1(
    a: Sequence[Box], b: Sequence[Box], *, iou_threshold: float = 0.5
) -> MatchScore:
    """Match two annotators' boxes on one image: same label and IoU >= `iou_threshold`."""
    _check_threshold(iou_threshold)
    ga, la = zip(*[_box(r) for r in a]) if a else ((), ())
    gb, lb = zip(*[_box(r) for r in b]) if b else ((), ())
    iou = _box_iou_matrix(list(ga), list(gb)) if a and b else np.zeros((len(a), len(b)))
    return _threshold_match(iou, la, lb, iou_threshold)


def polygon_f1(
    a: Sequence[Polygon], b: Sequence[Polygon], *, iou_threshold: float = 0.5
) -> MatchScore:
    """Match two annotators' polygons `(points, label)` on one image, like `box_f1`."""
    _check_threshold(iou_threshold)
    pa, pb = [_labelled_polygon(r) for r in a], [_labelled_polygon(r) for r in b]
    areas_a, areas_b = [_area(p) for p, _ in pa], [_area(p) for p, _ in pb]
    iou = np.zeros((len(pa), len(pb)))
    for i, (p, label_p) in enumerate(pa):
        for j, (q, label_q) in enumerate(pb):
            if label_p == label_q:
                iou[i, j] = _polygon_pair_iou(p, q, areas_a[i], areas_b[j])
    return _threshold_match(iou, [lab for _, lab in pa], [lab for _, lab in pb], iou_threshold)


def edit_similarity(
    a: str, b: str, *, ignore_case: bool = False, normalize_whitespace: bool = False
) -> float:
    """1 - Levenshtein(a, b) / max(len(a), len(b)) over code points; 1.0 for two empty strings.

    `ignore_case` compares case-folded text; `normalize_whitespace` strips the ends and turns
    every run of whitespace into one space.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        raise QualityInputError(
            f"edit similarity compares strings; got {type(a).__name__} and {type(b).__name__}"
        )
    if normalize_whitespace:
        a, b = " ".join(a.split()), " ".join(b.split())
    if ignore_case:
        a, b = a.casefold(), b.casefold()
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - _levenshtein(a, b) / longest


def span_agreement(
    annotations: Annotations, *, match: Literal["exact", "overlap"] = "exact"
) -> PairwiseAgreement:
    """Span F1 of every pair of annotators, micro-averaged over the items both annotated.

    `annotations` maps item -> annotator -> list of spans; an annotator present with an empty
    list annotated the item and found nothing.
    """
    return _pairwise(annotations, lambda a, b: span_f1(a, b, match=match), "Span agreement")


def box_agreement(annotations: Annotations, *, iou_threshold: float = 0.5) -> PairwiseAgreement:
    """Box F1 of every pair of annotators (item -> annotator -> boxes), micro-averaged."""
    return _pairwise(
        annotations, lambda a, b: box_f1(a, b, iou_threshold=iou_threshold), "Box agreement"
    )


def polygon_agreement(
    annotations: Annotations, *, iou_threshold: float = 0.5
) -> PairwiseAgreement:
    """Polygon F1 of every pair of annotators (item -> annotator -> polygons), micro-averaged."""
    return _pairwise(
        annotations,
        lambda a, b: polygon_f1(a, b, iou_threshold=iou_threshold),
        "Polygon agreement",
    )


def text_agreement(
    annotations: Annotations, *, ignore_case: bool = False, normalize_whitespace: bool = False
) -> PairwiseAgreement:
    """Mean edit similarity of every pair of annotators over the items both answered."""

    def score(a, b):
        return edit_similarity(
            a, b, ignore_case=ignore_case, normalize_whitespace=normalize_whitespace
        )

    return _pairwise(annotations, score, "Text agreement")


# --- pairing over items -------------------------------------------------------------------------


def _pairwise(annotations: Annotations, score: Callable, name: str) -> PairwiseAgreement:
    if not isinstance(annotations, Mapping) or not annotations:
        raise QualityInputError(f"{name} needs a non-empty mapping item -> annotator -> answer")
    seen: dict[Hashable, int] = {}
    for by_rater in annotations.values():
        for rater in by_rater:
            seen.setdefault(rater, len(seen))
    if len(seen) < 2:
        raise QualityInputError(f"{name} needs at least two annotators; got {len(seen)}")
    try:
        raters = sorted(seen)
    except TypeError:  # mixed id types: keep the order of first appearance
        raters = list(seen)
    index = {r: i for i, r in enumerate(raters)}
    sums: dict[tuple[int, int], list] = {}
    n_shared = np.zeros((len(raters), len(raters)), dtype=np.int64)
    for by_rater in annotations.values():
        present = sorted(by_rater, key=index.__getitem__)
        for r in present:
            n_shared[index[r], index[r]] += 1
        for i, r in enumerate(present):
            for s in present[i + 1 :]:
                sums.setdefault((index[r], index[s]), []).append(score(by_rater[r], by_rater[s]))
    if not sums:
        raise QualityInputError(f"{name} needs two annotators on at least one item; no item has")
    matrix = np.full((len(raters), len(raters)), np.nan)
    for (i, j), scores in sums.items():
        if isinstance(scores[0], MatchScore):
            value = sum(scores, MatchScore(0, 0, 0)).f1
        else:
            value = float(np.mean(scores))
        matrix[i, j] = matrix[j, i] = value
        n_shared[i, j] = n_shared[j, i] = len(scores)
    np.fill_diagonal(matrix, 1.0)
    mean = float(np.mean([matrix[i, j] for i, j in sums]))
    return PairwiseAgreement(np.array(raters, dtype=object), matrix, n_shared, mean)


# --- matching ----------------------------------------------------------------------------------


def _max_matching(eligible: np.ndarray, tiebreak: np.ndarray) -> int:
    """Size of a maximum one-to-one matching over `eligible` pairs, preferring high `tiebreak`
    (in [0, 1]) among maximum ones: each match is worth 1 + tiebreak / (k + 1) < 1 + 1 / k."""
    if not eligible.any():
        return 0
    k = min(eligible.shape)
    gain = np.where(eligible, 1.0 + tiebreak / (k + 1), 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return int(eligible[rows, cols].sum())


def _threshold_match(iou, labels_a, labels_b, threshold) -> MatchScore:
    same = np.array([[x == y for y in labels_b] for x in labels_a], dtype=bool).reshape(iou.shape)
    return MatchScore(
        _max_matching(same & (iou >= threshold), iou), len(labels_a), len(labels_b)
    )


def _check_threshold(threshold):
    if not 0 < threshold <= 1:
        raise QualityInputError(f"iou_threshold must be in (0, 1]; got {threshold!r}")


def _rate(numerator, denominator, total):
    if denominator:
        return numerator / denominator
    return 1.0 if total == 0 else 0.0


# --- validation --------------------------------------------------------------------------------


def _spans(spans) -> list[tuple[int, int, Hashable]]:
    out = []
    for span in spans:
        if len(span) != 3:
            raise QualityInputError(f"a span is (start, end, label); got {span!r}")
        start, end, label = span
        if not (_is_int(start) and _is_int(end)) or not 0 <= start <= end:
            raise QualityInputError(
                f"a span needs integer offsets with 0 <= start <= end; got {span!r}"
            )
        out.append((int(start), int(end), label))
    return out


def _is_int(x) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _box(box) -> tuple[tuple[float, ...], Hashable]:
    if len(box) not in (5, 6):
        raise QualityInputError(
            f"a box is (x, y, width, height[, rotation], label); got {box!r}"
        )
    return _box_geometry(box[:-1]), box[-1]


def _box_geometry(box) -> tuple[float, float, float, float, float]:
    if len(box) not in (4, 5):
        raise QualityInputError(f"box geometry is (x, y, width, height[, rotation]); got {box!r}")
    values = tuple(float(v) for v in box) + ((0.0,) if len(box) == 4 else ())
    if not all(math.isfinite(v) for v in values) or values[2] < 0 or values[3] < 0:
        raise QualityInputError(f"a box needs finite numbers and width, height >= 0; got {box!r}")
    return values


def _labelled_polygon(polygon) -> tuple[np.ndarray, Hashable]:
    if len(polygon) != 2:
        raise QualityInputError(f"a polygon is (points, label); got {polygon!r}")
    return _polygon(polygon[0]), polygon[1]


def _polygon(points) -> np.ndarray:
    try:
        p = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise QualityInputError(f"polygon points are [[x, y], ...]; got {points!r}") from None
    if p.ndim != 2 or p.shape[1] != 2 or len(p) < 3 or not np.isfinite(p).all():
        raise QualityInputError(
            f"a polygon needs at least 3 finite [x, y] points; got shape {p.shape}"
        )
    crossing = _self_crossing(p)
    if crossing:
        raise QualityInputError(f"polygon crosses itself (edges {crossing[0]} and {crossing[1]})")
    return p


def _self_crossing(p: np.ndarray) -> tuple[int, int] | None:
    """First pair of non-adjacent edges that properly cross, if any (vectorised, O(n^2))."""
    a, b = p, np.roll(p, -1, axis=0)
    n = len(p)
    i, j = np.triu_indices(n, k=2)
    keep = ~((i == 0) & (j == n - 1))
    i, j = i[keep], j[keep]

    def side(o, d, q):
        return (d[:, 0] - o[:, 0]) * (q[:, 1] - o[:, 1]) - (d[:, 1] - o[:, 1]) * (q[:, 0] - o[:, 0])

    cross = (side(a[i], b[i], a[j]) * side(a[i], b[i], b[j]) < 0) & (
        side(a[j], b[j], a[i]) * side(a[j], b[j], b[i]) < 0
    )
    hit = np.flatnonzero(cross)
    return (int(i[hit[0]]), int(j[hit[0]])) if len(hit) else None


# --- geometry ----------------------------------------------------------------------------------


def _box_iou_matrix(ga, gb) -> np.ndarray:
    a, b = np.array(ga, dtype=float).reshape(-1, 5), np.array(gb, dtype=float).reshape(-1, 5)
    area_a, area_b = a[:, 2] * a[:, 3], b[:, 2] * b[:, 3]
    # Axis-aligned pairs in closed form; pairs with a rotated box by polygon clipping.
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2])
    y2 = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    rotated = (a[:, None, 4] % 360 != 0) | (b[None, :, 4] % 360 != 0)
    for i, j in zip(*np.nonzero(rotated)):
        pa, pb = box_corners(*a[i]), box_corners(*b[j])
        inter[i, j] = _convex_intersection_area(pa, pb)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _polygon_pair_iou(p, q, area_p, area_q) -> float:
    if area_p == 0 or area_q == 0 or not _bboxes_overlap(p, q):
        return 0.0
    inter = _intersection_area(p, q)
    union = area_p + area_q - inter
    return float(min(max(inter / union, 0.0), 1.0)) if union > 0 else 0.0


def _area(p: np.ndarray) -> float:
    return abs(_signed_area(p))


def _signed_area(p: np.ndarray) -> float:
    x, y = p[:, 0], p[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _bboxes_overlap(p, q) -> bool:
    return bool(
        (p.min(axis=0) < q.max(axis=0)).all() and (q.min(axis=0) < p.max(axis=0)).all()
    )


def _intersection_area(p: np.ndarray, q: np.ndarray) -> float:
    """Area of p & q for simple polygons: 1_P = sum_i s_i 1_{T_i} over the signed fan triangles
    T_i = (p_0, p_i, p_i+1) of a counter-clockwise P, so the area is a signed sum of convex
    clips (a convex polygon is kept whole)."""
    total = 0.0
    for tp, sp in _convex_pieces(p):
        for tq, sq in _convex_pieces(q):
            if _bboxes_overlap(tp, tq):
                total += sp * sq * _convex_intersection_area(tp, tq)
    return total


def _convex_pieces(p: np.ndarray) -> list[tuple[np.ndarray, float]]:
    if _signed_area(p) < 0:
        p = p[::-1]
    if _is_convex(p):
        return [(p, 1.0)]
    pieces = []
    for i in range(1, len(p) - 1):
        tri = p[[0, i, i + 1]]
        signed = _signed_area(tri)
        if signed > 0:
            pieces.append((tri, 1.0))
        elif signed < 0:
            pieces.append((tri[::-1], -1.0))
    return pieces


def _is_convex(p: np.ndarray) -> bool:
    d = np.roll(p, -1, axis=0) - p
    turn = d[:, 0] * np.roll(d[:, 1], -1) - d[:, 1] * np.roll(d[:, 0], -1)
    return bool((turn >= 0).all() or (turn <= 0).all())


def _convex_intersection_area(subject: np.ndarray, clip: np.ndarray) -> float:
    """Sutherland-Hodgman: clip a convex polygon by each edge of another convex one."""
    if _signed_area(subject) < 0:
        subject = subject[::-1]
    if _signed_area(clip) < 0:
        clip = clip[::-1]
    out = [tuple(v) for v in subject.tolist()]
    cl = clip.tolist()
    for k in range(len(cl)):
        if not out:
            return 0.0
        (ax, ay), (bx, by) = cl[k], cl[(k + 1) % len(cl)]
        ex, ey = bx - ax, by - ay
        points, out = out, []
        px, py = points[-1]
        ps = ex * (py - ay) - ey * (px - ax)
        for cx, cy in points:
            cs = ex * (cy - ay) - ey * (cx - ax)
            if (cs >= 0) != (ps >= 0):
                t = ps / (ps - cs)
                out.append((px + t * (cx - px), py + t * (cy - py)))
            if cs >= 0:
                out.append((cx, cy))
            px, py, ps = cx, cy, cs
    if len(out) < 3:
        return 0.0
    return _area(np.array(out))


# --- text ---------------------------------------------------------------------------------------


def _levenshtein(a: str, b: str) -> int:
    """Bit-parallel edit distance: one pass over the longer string, the shorter one as bits."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, high = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score
