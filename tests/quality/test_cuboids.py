"""3D cuboid IoU against independent oracles: closed forms, the exact 2D polygon IoU times the height
overlap for heading-only boxes, and Monte Carlo volume for boxes tilted every way."""

import math

import numpy as np
import pytest

from labelwise.quality.cuboids import cuboid_agreement, cuboid_corners, cuboid_f1, cuboid_iou
from labelwise.quality.errors import QualityInputError
from labelwise.quality.spatial_agreement import polygon_iou


def _bev_oracle(a, b):
    """Heading-only boxes: intersection = footprint intersection x height overlap. The footprint
    intersection comes from the exact polygon IoU: I = iou (A1 + A2) / (1 + iou)."""
    foot = [cuboid_corners(c)[::2, :2][[0, 1, 3, 2]] for c in (a, b)]
    areas = [a[3] * a[4], b[3] * b[4]]
    iou2 = polygon_iou(foot[0].tolist(), foot[1].tolist())
    area = iou2 * sum(areas) / (1 + iou2)
    dz = max(0.0, min(a[2] + a[5] / 2, b[2] + b[5] / 2) - max(a[2] - a[5] / 2, b[2] - b[5] / 2))
    common = area * dz
    return common / (areas[0] * a[5] + areas[1] * b[5] - common)


def _monte_carlo(a, b, n=400_000, seed=0):
    rng = np.random.default_rng(seed)
    corners = np.vstack([cuboid_corners(a), cuboid_corners(b)])
    low, high = corners.min(axis=0), corners.max(axis=0)
    points = rng.uniform(low, high, (n, 3))

    def inside(c):
        centre = np.array(c[:3])
        from labelwise.quality.cuboids import _parts
        _, size, rotation = _parts(c)
        local = (points - centre) @ rotation
        return (np.abs(local) <= size / 2).all(axis=1)

    ia, ib = inside(a), inside(b)
    return (ia & ib).sum() / (ia | ib).sum()


def test_closed_forms():
    car = (10.0, -2.0, 0.8, 4.0, 1.8, 1.5, 0.3)
    assert cuboid_iou(car, car) == pytest.approx(1.0)
    shifted = (car[0] + 2.0 * math.cos(0.3), car[1] + 2.0 * math.sin(0.3), *car[2:])  # half a length forward
    assert cuboid_iou(car, shifted) == pytest.approx(1 / 3)
    assert cuboid_iou(car, (car[0] + 10, *car[1:])) == 0.0
    cube = (0, 0, 0, 2, 2, 2, 0.0)
    assert cuboid_iou(cube, (0, 0, 0, 2, 2, 2, math.pi / 2, math.pi, -math.pi / 2)) == pytest.approx(1.0)
    assert cuboid_iou(cube, (0, 0, 0, 1, 1, 1, 0.0)) == pytest.approx(1 / 8)
    assert cuboid_iou(cube, (2, 0, 0, 2, 2, 2, 0.0)) == 0.0  # touching faces share no volume
    assert cuboid_iou(cube, (0, 0, 0, 2, 0, 2, 0.0)) == 0.0  # no volume


def test_heading_only_boxes_match_the_exact_polygon_oracle():
    rng = np.random.default_rng(7)
    for _ in range(60):
        a = (*rng.normal(0, 1, 3), *rng.uniform(0.5, 4, 3), rng.uniform(-math.pi, math.pi))
        b = (*(np.array(a[:3]) + rng.normal(0, 1, 3)), *rng.uniform(0.5, 4, 3), rng.uniform(-math.pi, math.pi))
        assert cuboid_iou(a, b) == pytest.approx(_bev_oracle(a, b), abs=1e-9)


def test_tilted_boxes_match_monte_carlo():
    rng = np.random.default_rng(11)
    for _ in range(6):
        a = (*rng.normal(0, 0.3, 3), *rng.uniform(1, 3, 3), *rng.uniform(-math.pi, math.pi, 3))
        b = (*(np.array(a[:3]) + rng.normal(0, 0.5, 3)), *rng.uniform(1, 3, 3), *rng.uniform(-math.pi, math.pi, 3))
        assert cuboid_iou(a, b) == pytest.approx(_monte_carlo(a, b), abs=0.01)


def test_matching_and_agreement():
    car = (10.0, -2.0, 0.8, 4.0, 1.8, 1.5, 0.3)
    near = (10.2, -2.0, 0.8, 4.0, 1.8, 1.5, 0.32)
    walker = (3.0, 4.0, 0.9, 0.6, 0.6, 1.8, 0.0)
    assert cuboid_f1([(car, "car"), (walker, "pedestrian")], [(near, "car")]).f1 == pytest.approx(2 / 3)
    assert cuboid_f1([(car, "car")], [(near, "truck")]).matched == 0
    assert cuboid_f1([(car, "car")], [(near, "car")], iou_threshold=0.95).matched == 0
    frames = {0: {"ann": [(car, "car")], "bob": [(near, "car")]}, 1: {"ann": [(walker, "pedestrian")], "bob": []}}
    agreement = cuboid_agreement(frames)
    assert agreement.mean == pytest.approx(2 / 3)  # 1 match of 2 + 1 cuboids over both frames


def test_bad_cuboids_are_named():
    with pytest.raises(QualityInputError, match="cuboid is"):
        cuboid_iou((0, 0, 0, 1, 1, 1), (0, 0, 0, 1, 1, 1, 0))
    with pytest.raises(QualityInputError, match="negative"):
        cuboid_iou((0, 0, 0, -1, 1, 1, 0), (0, 0, 0, 1, 1, 1, 0))
    with pytest.raises(QualityInputError, match="cuboid is"):
        cuboid_iou((0, 0, 0, 1, 1, float("nan"), 0), (0, 0, 0, 1, 1, 1, 0))
    with pytest.raises(QualityInputError):
        cuboid_f1([(0, 0, 0, 1, 1, 1, 0)], [], iou_threshold=0.5)
