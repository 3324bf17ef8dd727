"""Bounding-box aggregation: match boxes across annotators by IoU, fuse each match, keep agreed ones.

Annotators are taken in order; each one's boxes are matched one-to-one to the clusters built
so far by maximum total IoU (Hungarian assignment, ``scipy.optimize.linear_sum_assignment``),
pairs under ``iou_threshold`` or with different labels are not matched, and unmatched boxes
start new clusters, so a cluster holds at most one box per annotator. This is the
consensus step of weighted boxes fusion (Solovyev, Wang & Gabruseva, "Weighted Boxes Fusion",
Image and Vision Computing 2021) with per-annotator exclusivity added.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from labelwise.quality.errors import QualityInputError

__all__ = ["FusedBox", "aggregate_boxes", "box_iou"]

FUSIONS = ("median", "mean")


class FusedBox(NamedTuple):
    """A consensus box ``(x1, y1, x2, y2)``.

    ``support`` is the share of annotators (weighted, if weights were given) with a box in the
    cluster, ``mean_iou`` the mean IoU of those boxes with the fused one, and
    ``confidence = support × mean_iou``. ``members`` lists ``(annotator, box index)``.
    """

    box: tuple[float, float, float, float]
    label: Hashable
    confidence: float
    support: float
    mean_iou: float
    members: tuple[tuple[int, int], ...]


def box_iou(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Pairwise IoU of boxes ``a`` (n × 4) and ``b`` (m × 4) in (x1, y1, x2, y2): an n × m array."""
    a = np.asarray(a, dtype=float).reshape(-1, 4)
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def aggregate_boxes(boxes: Sequence[ArrayLike], *, labels: Sequence[Sequence[Hashable]] | None = None,
                    iou_threshold: float = 0.5, min_share: float = 0.5, fusion: str = "median",
                    weights: ArrayLike | None = None) -> list[FusedBox]:
    """Consensus boxes from ``boxes[a]``, annotator a's boxes as an (m_a × 4) array-like.

    ``labels[a][i]`` is the class of box i of annotator a (boxes of different classes never
    match; without labels every box has label ``None``). ``fusion="median"`` takes the
    coordinate-wise median of a cluster, ``"mean"`` the mean weighted by ``weights`` (one
    non-negative number per annotator, e.g. their skill; equal by default). Clusters whose
    support is below ``min_share`` are dropped. An annotator who drew nothing is an empty list.
    The result depends on annotator order only through which boxes seed the clusters; it is
    sorted by confidence, highest first.
    """
    if fusion not in FUSIONS:
        raise QualityInputError(f"fusion must be one of {FUSIONS}, got {fusion!r}.")
    if not 0.0 < iou_threshold <= 1.0:
        raise QualityInputError(f"iou_threshold must be in (0, 1], got {iou_threshold}.")
    if not 0.0 <= min_share <= 1.0:
        raise QualityInputError(f"min_share must be in [0, 1], got {min_share}.")
    n_annot = len(boxes)
    if n_annot == 0:
        raise QualityInputError("There are no annotators to aggregate (boxes is empty).")
    arrays = [_check_boxes(b, a) for a, b in enumerate(boxes)]
    if labels is None:
        labs = [[None] * len(b) for b in arrays]
    else:
        if len(labels) != n_annot or any(len(l) != len(b) for l, b in zip(labels, arrays)):
            raise QualityInputError("labels must give one label per box of every annotator.")
        labs = [list(l) for l in labels]
    w = np.ones(n_annot) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n_annot,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() == 0:
        raise QualityInputError("weights must be one finite non-negative number per annotator, not all 0.")

    members: list[list[tuple[int, int]]] = []
    cluster_boxes: list[list[np.ndarray]] = []
    cluster_labels: list[Hashable] = []
    centres = np.empty((0, 4))
    for a, arr in enumerate(arrays):
        if len(arr) == 0:
            continue
        matched = set()
        if len(centres):
            iou = box_iou(arr, centres)
            same = np.array([[la == lc for lc in cluster_labels] for la in labs[a]], dtype=bool)
            iou = np.where(same & (iou >= iou_threshold), iou, 0.0)
            rows, cols = linear_sum_assignment(iou, maximize=True)
            for i, c in zip(rows, cols):
                if iou[i, c] > 0:
                    members[c].append((a, int(i)))
                    cluster_boxes[c].append(arr[i])
                    matched.add(int(i))
        new_centres = [np.median(cb, axis=0) for cb in cluster_boxes]
        for i in range(len(arr)):
            if i not in matched:
                members.append([(a, i)])
                cluster_boxes.append([arr[i]])
                cluster_labels.append(labs[a][i])
                new_centres.append(arr[i])
        centres = np.array(new_centres).reshape(-1, 4)

    out = []
    for mem, cb, lab in zip(members, cluster_boxes, cluster_labels):
        who = np.array([a for a, _ in mem])
        support = float(w[who].sum() / w.sum())
        if support < min_share or support == 0:
            continue
        stack = np.array(cb)
        if fusion == "median":
            fused = np.median(stack, axis=0)
        else:
            ww = w[who]
            fused = (stack * ww[:, None]).sum(axis=0) / ww.sum() if ww.sum() > 0 else stack.mean(axis=0)
        mean_iou = float(box_iou(stack, fused)[:, 0].mean())
        out.append(FusedBox(tuple(float(x) for x in fused), lab, support * mean_iou, support,
                            mean_iou, tuple(mem)))
    out.sort(key=lambda f: -f.confidence)
    return out


def _check_boxes(b: ArrayLike, annotator: int) -> np.ndarray:
    arr = np.asarray(b, dtype=float)
    if arr.size == 0:
        return np.empty((0, 4))
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise QualityInputError(
            f"Annotator {annotator}: boxes must be an (n × 4) array of x1, y1, x2, y2; got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise QualityInputError(f"Annotator {annotator}: box coordinates must be finite numbers.")
    bad = (arr[:, 2] <= arr[:, 0]) | (arr[:, 3] <= arr[:, 1])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise QualityInputError(
            f"Annotator {annotator}: box {i} {arr[i].tolist()} must have x2 > x1 and y2 > y1."
        )
    return arr
