"""Agreement on 3D cuboids (LIDAR boxes): exact IoU of rotated boxes, and one-to-one matching like 2D boxes.

A cuboid is its centre, its size and its heading, in the sensor's frame (z up): `(cx, cy, cz, length,
width, height, yaw)` with optional `pitch` and `roll` after it, angles in radians; length runs along x
before rotation, width along y, height along z. Rotations apply as roll (about x), then pitch (about y),
then yaw (about z). The intersection of two cuboids is a convex polyhedron: it is found exactly as the
intersection of their twelve half-spaces (scipy's `HalfspaceIntersection`, from a point found by a
linear program deepest inside both), and its volume is that of its convex hull.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, HalfspaceIntersection, QhullError

from labelwise.quality.agreement import PairwiseAgreement
from labelwise.quality.errors import QualityInputError
from labelwise.quality.spatial_agreement import Annotations, MatchScore, _check_threshold, _pairwise, _threshold_match

__all__ = ["cuboid_agreement", "cuboid_corners", "cuboid_f1", "cuboid_iou"]

Cuboid = Sequence[float]  # (cx, cy, cz, length, width, height, yaw[, pitch[, roll]])
_UNIT_CORNERS = np.array([[sx, sy, sz] for sx in (-0.5, 0.5) for sy in (-0.5, 0.5) for sz in (-0.5, 0.5)])
_FACE_NORMALS = np.vstack([np.eye(3), -np.eye(3)])


def cuboid_corners(cuboid: Cuboid) -> np.ndarray:
    """The 8 corners of a cuboid, as an 8 x 3 array."""
    centre, size, rotation = _parts(cuboid)
    return centre + (_UNIT_CORNERS * size) @ rotation.T


def cuboid_iou(a: Cuboid, b: Cuboid) -> float:
    """Exact IoU (intersection over union of volumes) of two cuboids; 0 when one has no volume."""
    (ca, sa, ra), (cb, sb, rb) = _parts(a), _parts(b)
    va, vb = float(np.prod(sa)), float(np.prod(sb))
    if va <= 0 or vb <= 0:
        return 0.0
    if np.linalg.norm(ca - cb) >= (np.linalg.norm(sa) + np.linalg.norm(sb)) / 2:
        return 0.0  # the bounding spheres do not meet
    halfspaces = np.vstack([_halfspaces(ca, sa, ra), _halfspaces(cb, sb, rb)])
    inside = _deepest_point(halfspaces)
    if inside is None:
        return 0.0
    try:
        vertices = HalfspaceIntersection(halfspaces, inside).intersections
        common = ConvexHull(vertices).volume
    except QhullError:  # a sliver with no volume
        return 0.0
    return float(common / (va + vb - common))


def cuboid_f1(a: Sequence[tuple], b: Sequence[tuple], *, iou_threshold: float = 0.5) -> MatchScore:
    """Match two annotators' cuboids `(cuboid, label)` in one frame: same label and IoU >= `iou_threshold`
    (KITTI's benchmark asks 0.7 for cars and 0.5 for pedestrians and cyclists)."""
    _check_threshold(iou_threshold)
    ca, la = _labelled(a)
    cb, lb = _labelled(b)
    iou = np.zeros((len(ca), len(cb)))
    for i, (p, label_p) in enumerate(zip(ca, la, strict=True)):
        for j, (q, label_q) in enumerate(zip(cb, lb, strict=True)):
            if label_p == label_q:
                iou[i, j] = cuboid_iou(p, q)
    return _threshold_match(iou, la, lb, iou_threshold)


def cuboid_agreement(annotations: Annotations, *, iou_threshold: float = 0.5) -> PairwiseAgreement:
    """Cuboid F1 of every pair of annotators (frame -> annotator -> cuboids), micro-averaged."""
    return _pairwise(annotations, lambda a, b: cuboid_f1(a, b, iou_threshold=iou_threshold), "Cuboid agreement")


def _parts(cuboid: Cuboid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = [float(v) for v in cuboid] if isinstance(cuboid, Sequence) and not isinstance(cuboid, str) else None
    if values is None or not 7 <= len(values) <= 9 or not all(math.isfinite(v) for v in values):
        raise QualityInputError(f"a cuboid is (cx, cy, cz, length, width, height, yaw[, pitch, roll]); got {cuboid!r}")
    size = np.array(values[3:6])
    if (size < 0).any():
        raise QualityInputError(f"a cuboid's length, width and height cannot be negative; got {cuboid!r}")
    yaw, pitch, roll = (values[6:] + [0.0, 0.0])[:3]
    return np.array(values[:3]), size, _rotation(yaw, pitch, roll)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch), math.cos(roll), math.sin(roll)
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    return rz @ ry @ rx


def _halfspaces(centre: np.ndarray, size: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """The cuboid as six rows [n, -d] meaning n . x - d <= 0 (scipy's form)."""
    normals = _FACE_NORMALS @ rotation.T
    offsets = normals @ centre + np.concatenate([size, size]) / 2
    return np.column_stack([normals, -offsets])


def _deepest_point(halfspaces: np.ndarray) -> np.ndarray | None:
    """The point deepest inside every half-space (its Chebyshev centre), or None when they share no volume."""
    normals, offsets = halfspaces[:, :3], -halfspaces[:, 3]
    norms = np.linalg.norm(normals, axis=1, keepdims=True)
    found = linprog(c=[0, 0, 0, -1], A_ub=np.hstack([normals, norms]), b_ub=offsets,
                    bounds=[(None, None)] * 3 + [(0, None)], method="highs")
    if not found.success or found.x[3] <= 1e-9:
        return None
    return found.x[:3]


def _labelled(regions: Sequence[tuple]) -> tuple[list[Cuboid], list]:
    cuboids, labels = [], []
    for region in regions:
        if not isinstance(region, tuple | list) or len(region) != 2:
            raise QualityInputError(f"a labelled cuboid is (cuboid, label); got {region!r}")
        cuboids.append(region[0])
        labels.append(region[1])
    return cuboids, labels
