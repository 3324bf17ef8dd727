"""Cuboid consensus: annotators' cuboids matched by exact 3D IoU, fused (median size and centre, circular mean
heading), minority cuboids dropped; and the task consensus of a cuboids control, frame by frame."""

import math

import pytest

from labelwise.core.dataio.lidar_demo import truth
from labelwise.core.review.consensus import Answer, aggregate
from labelwise.quality import QualityInputError, aggregate_cuboids
from labelwise.schema import parse_schema

CAR = (10.0, -2.0, -0.9, 4.0, 1.8, 1.5, 3.1)


def test_three_annotators_fuse_to_the_median_with_the_heading_across_pi():
    a = [CAR]
    b = [(10.2, -2.0, -0.9, 4.2, 1.8, 1.5, -3.1)]  # the same heading, written the other side of pi
    c = [(9.9, -2.1, -0.9, 3.9, 1.7, 1.5, 3.05), (30.0, 5.0, -1.0, 1.0, 1.0, 1.0, 0.0)]
    [fused] = aggregate_cuboids([a, b, c], labels=[["car"], ["car"], ["car", "car"]])
    assert fused.cuboid[:6] == pytest.approx((10.0, -2.0, -0.9, 4.0, 1.8, 1.5))
    assert abs(fused.cuboid[6]) == pytest.approx(math.pi - 0.05 / 3, abs=0.02)  # near pi, not near 0
    assert fused.support == 1 and fused.members == ((0, 0), (1, 0), (2, 0))
    assert 0.8 < fused.mean_iou < 1


def test_labels_keep_cuboids_apart_and_bad_input_is_refused():
    fused = aggregate_cuboids([[CAR], [CAR]], labels=[["car"], ["van"]], min_share=0.5)
    assert sorted(f.label for f in fused) == ["car", "van"] and all(f.support == 0.5 for f in fused)
    with pytest.raises(QualityInputError, match="positive"):
        aggregate_cuboids([[(0, 0, 0, 0, 1, 1, 0)]])


SCHEMA = parse_schema({"objects": {"sweep": {"type": "pointcloud"}},
                       "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian", "van"]}}})
DATA = {"sweep": {"frames": ["/a.bin", "/b.bin"]}}


def answer(user, jitter, frames=(0, 1), extra=()):
    out = []
    for frame in frames:
        for k, box in enumerate(truth(frame)):
            out.append({"id": f"u{user}-{frame}-{k}", **box, "x": box["x"] + jitter, "frame": frame})
    return Answer(user, {"objects": out + list(extra)})


def test_task_consensus_of_cuboids_frame_by_frame_recovers_the_truth():
    stray = {"id": "stray", "label": "car", "x": 0, "y": 30, "z": -1, "length": 4, "width": 2, "height": 1.5,
             "yaw": 0, "frame": 1}
    found = aggregate(SCHEMA, DATA, [answer(1, 0.05), answer(2, -0.05), answer(3, 0.0, extra=[stray])])
    cuboids = found.result["objects"]
    assert len(cuboids) == 6 and sorted({c["frame"] for c in cuboids}) == [0, 1]
    for frame in (0, 1):
        got = sorted((c for c in cuboids if c["frame"] == frame), key=lambda c: c["label"])
        want = sorted(truth(frame), key=lambda c: c["label"])
        for g, w in zip(got, want, strict=True):
            assert g["label"] == w["label"]
            assert [g[k] for k in ("x", "y", "z", "length", "yaw")] == pytest.approx(
                [w[k] for k in ("x", "y", "z", "length", "yaw")], abs=1e-4)
    # two annotators match the consensus exactly in count; the third drew one cuboid too many
    assert found.controls["objects"] == pytest.approx((1 + 1 + 12 / 13) / 3)
