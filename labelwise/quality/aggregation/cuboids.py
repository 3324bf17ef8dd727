"""Cuboid aggregation: match 3D boxes across annotators by exact 3D IoU, fuse each match, keep agreed ones.

The same consensus step as `aggregation.boxes` (weighted boxes fusion with one box per annotator per
cluster; Solovyev, Wang & Gabruseva, Image and Vision Computing 2021) on cuboids `(cx, cy, cz, length,
width, height, yaw[, pitch, roll])`: annotators in order, each one's cuboids assigned to the clusters so
far by maximum total IoU (Hungarian), pairs under `iou_threshold` or of different labels left apart.
A cluster's cuboid is the coordinate-wise median of centre and size (or the weighted mean) and the
circular mean of each angle, so headings of -179° and 179° fuse to 180°, not 0°.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from labelwise.quality.cuboids import cuboid_iou
from labelwise.quality.errors import QualityInputError

__all__ = ["FusedCuboid", "aggregate_cuboids"]


class FusedCuboid(NamedTuple):
    """A consensus cuboid `(cx, cy, cz, length, width, height, yaw[, pitch, roll])` with the same `support`,
    `mean_iou`, `confidence = support x mean_iou` and `members` `(annotator, index)` as `FusedBox`."""

    cuboid: tuple[float, ...]
    label: Hashable
    confidence: float
    support: float
    mean_iou: float
    members: tuple[tuple[int, int], ...]


def aggregate_cuboids(cuboids: Sequence[Sequence[ArrayLike]], *, labels: Sequence[Sequence[Hashable]] | None = None,
                      iou_threshold: float = 0.5, min_share: float = 0.5, fusion: str = "median",
                      weights: ArrayLike | None = None) -> list[FusedCuboid]:
    """Consensus cuboids from `cuboids[a]`, annotator a's cuboids (each 7 or 9 numbers); see `aggregate_boxes`
    for `labels`, `min_share`, `fusion` and `weights`. Sorted by confidence, highest first."""
    if fusion not in ("median", "mean"):
        raise QualityInputError(f"fusion must be median or mean, got {fusion!r}.")
    if not 0.0 < iou_threshold <= 1.0:
        raise QualityInputError(f"iou_threshold must be in (0, 1], got {iou_threshold}.")
    if not 0.0 <= min_share <= 1.0:
        raise QualityInputError(f"min_share must be in [0, 1], got {min_share}.")
    if not cuboids:
        raise QualityInputError("There are no annotators to aggregate (cuboids is empty).")
    arrays = [_check(c, a) for a, c in enumerate(cuboids)]
    labs = [[None] * len(c) for c in arrays] if labels is None else [list(l) for l in labels]
    if len(labs) != len(arrays) or any(len(l) != len(c) for l, c in zip(labs, arrays)):
        raise QualityInputError("labels must give one label per cuboid of every annotator.")
    w = np.ones(len(arrays)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(arrays),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() == 0:
        raise QualityInputError("weights must be one finite non-negative number per annotator, not all 0.")

    members: list[list[tuple[int, int]]] = []
    clusters: list[list[np.ndarray]] = []
    cluster_labels: list[Hashable] = []
    centres: list[np.ndarray] = []
    for a, arr in enumerate(arrays):
        matched = set()
        if centres and len(arr):
            iou = np.array([[cuboid_iou(c.tolist(), k.tolist()) if la == lk and len(c) == len(k) else 0.0
                             for k, lk in zip(centres, cluster_labels)] for c, la in zip(arr, labs[a])])
            iou = np.where(iou >= iou_threshold, iou, 0.0)
            for i, k in zip(*linear_sum_assignment(iou, maximize=True)):
                if iou[i, k] > 0:
                    members[k].append((a, int(i)))
                    clusters[k].append(arr[i])
                    matched.add(int(i))
            centres = [_fuse(np.array(c), None) for c in clusters]
        for i in range(len(arr)):
            if i not in matched:
                members.append([(a, i)])
                clusters.append([arr[i]])
                cluster_labels.append(labs[a][i])
                centres.append(arr[i])

    out = []
    for mem, stack, label in zip(members, clusters, cluster_labels):
        who = np.array([a for a, _ in mem])
        support = float(w[who].sum() / w.sum())
        if support < min_share or support == 0:
            continue
        fused = _fuse(np.array(stack), w[who] if fusion == "mean" else None)
        mean_iou = float(np.mean([cuboid_iou(c.tolist(), fused.tolist()) for c in stack]))
        out.append(FusedCuboid(tuple(float(v) for v in fused), label, support * mean_iou, support, mean_iou,
                               tuple(mem)))
    out.sort(key=lambda f: -f.confidence)
    return out


def _fuse(stack: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    if weights is None:
        linear = np.median(stack[:, :6], axis=0)
        weights = np.ones(len(stack))
    else:
        linear = (stack[:, :6] * weights[:, None]).sum(axis=0) / weights.sum()
    angles = [math.atan2(float((weights * np.sin(stack[:, k])).sum()), float((weights * np.cos(stack[:, k])).sum()))
              for k in range(6, stack.shape[1])]
    return np.concatenate([linear, angles])


def _check(cuboids: Sequence[ArrayLike], annotator: int) -> np.ndarray:
    arr = np.asarray(cuboids, dtype=float)
    if arr.size == 0:
        return np.empty((0, 7))
    if arr.ndim != 2 or arr.shape[1] not in (7, 9) or not np.isfinite(arr).all():
        raise QualityInputError(f"Annotator {annotator}: cuboids must be (n x 7) or (n x 9) finite numbers: "
                                f"cx, cy, cz, length, width, height, yaw[, pitch, roll]; got shape {arr.shape}.")
    if (arr[:, 3:6] <= 0).any():
        raise QualityInputError(f"Annotator {annotator}: a cuboid's length, width and height must be positive.")
    return arr
