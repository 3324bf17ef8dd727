"""Cuboids and 3D tracks on a point cloud: geometry checks with named fields, frames of a sequence, angles kept
in (-pi, pi], and interpolation between keyframes."""

import math

import pytest

from labelwise.errors import Invalid
from labelwise.schema import parse_schema, validate_result
from labelwise.schema.cuboid_regions import cuboid_at

SCHEMA = parse_schema({
    "objects": {"sweep": {"type": "pointcloud"}},
    "controls": {
        "objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian"]},
        "tilted": {"type": "cuboids", "object": "sweep", "labels": ["sign"], "pitch_roll": True},
        "tracks": {"type": "tracks", "object": "sweep", "labels": ["car"]},
        "occluded": {"type": "choices", "object": "sweep", "per_region": True, "regions_of": "objects",
                     "options": ["no", "partly", "mostly"]},
    },
})
ONE = {"sweep": {"src": "/api/v1/media/1/" + "a" * 64 + ".bin", "points": 100}}
SEQUENCE = {"sweep": {"frames": [{"src": f"/api/v1/media/1/{c * 64}.bin"} for c in "abc"]}}
CAR = {"id": "c1", "label": "car", "x": 10.0, "y": -2.0, "z": -0.9, "length": 4.0, "width": 1.8, "height": 1.5,
       "yaw": 0.3}


def test_a_cuboid_with_attributes_per_region_is_kept():
    result = validate_result(SCHEMA, ONE, {"objects": [CAR], "occluded": {"c1": "partly"}})
    assert result["objects"] == [CAR]
    assert result["occluded"] == {"c1": "partly"}


def test_yaw_is_normalised_into_minus_pi_to_pi():
    result = validate_result(SCHEMA, ONE, {"objects": [{**CAR, "yaw": 3 * math.pi / 2}]})
    assert result["objects"][0]["yaw"] == pytest.approx(-math.pi / 2)


@pytest.mark.parametrize("change, field, words", [
    ({"length": 0}, "objects[0].length", "positive length"),
    ({"z": "high"}, "objects[0].z", "finite number"),
    ({"pitch": 0.1}, "objects[0].pitch", "pitch_roll"),
    ({"frame": 2}, "objects[0].frame", "one sweep"),
    ({"depth": 2}, "objects[0].depth", "unknown key"),
])
def test_bad_cuboids_are_refused_naming_the_field(change, field, words):
    with pytest.raises(Invalid) as caught:
        validate_result(SCHEMA, ONE, {"objects": [{**CAR, **change}]})
    assert caught.value.field == "result." + field and words in caught.value.message


def test_pitch_and_roll_where_the_control_allows_them():
    sign = {**CAR, "label": "sign", "id": "s1", "pitch": 0.1, "roll": -7.0}
    result = validate_result(SCHEMA, ONE, {"tilted": [sign]})
    assert result["tilted"][0]["roll"] == pytest.approx(-7.0 + 2 * math.pi)


def test_a_sequence_needs_frames_within_it():
    with pytest.raises(Invalid) as caught:
        validate_result(SCHEMA, SEQUENCE, {"objects": [CAR]})
    assert caught.value.field == "result.objects[0].frame"
    with pytest.raises(Invalid, match="past the sequence's 3 frames"):
        validate_result(SCHEMA, SEQUENCE, {"objects": [{**CAR, "frame": 3}]})
    assert validate_result(SCHEMA, SEQUENCE, {"objects": [{**CAR, "frame": 2}]})["objects"][0]["frame"] == 2


def _key(frame, **more):
    geometry = {k: v for k, v in CAR.items() if k not in ("id", "label")}
    return {"frame": frame, **geometry, **more}


def test_tracks_check_keyframe_order_and_interpolate():
    track = {"id": "t1", "label": "car", "keyframes": [_key(0, yaw=3.0), _key(2, x=14.0, yaw=-3.0)]}
    result = validate_result(SCHEMA, SEQUENCE, {"tracks": [track]})
    stored = result["tracks"][0]
    assert [k["visible"] for k in stored["keyframes"]] == [True, True]
    middle = cuboid_at(stored, 1)
    assert middle["x"] == pytest.approx(12.0)
    assert abs(middle["yaw"]) == pytest.approx(math.pi)  # the short way round, through pi, not through 0
    assert cuboid_at(stored, 2)["x"] == 14.0
    with pytest.raises(Invalid, match="not in frame order"):
        validate_result(SCHEMA, SEQUENCE, {"tracks": [{**track, "keyframes": [_key(2), _key(1)]}]})


def test_a_hidden_keyframe_hides_the_track_until_the_next():
    track = {"keyframes": [_key(0), _key(1, visible=False), _key(2, x=20.0)]}
    assert cuboid_at(track, 1) is None
    assert cuboid_at(track, 2)["x"] == 20.0
    assert cuboid_at({"keyframes": [_key(1)]}, 0) is None


@pytest.mark.parametrize("data, field", [
    ({"sweep": {"frames": []}}, "data.sweep"),
    ({"sweep": {"frames": ["javascript:alert(1)"]}}, "data.sweep.frames[0]"),
])
def test_task_data_of_a_pointcloud_is_checked(data, field):
    from labelwise.schema import check_task_data

    with pytest.raises(Invalid) as caught:
        check_task_data(SCHEMA, data)
    assert caught.value.field == field


def test_cuboid_is_spelled_cuboids_with_a_hint():
    with pytest.raises(Invalid, match="did you mean cuboids"):
        parse_schema({"objects": {"s": {"type": "pointcloud"}}, "controls": {"c": {"type": "cuboid", "object": "s"}}})


LABELLED = parse_schema({"objects": {"sweep": {"type": "pointcloud"}},
                         "controls": {"classes": {"type": "point_labels", "object": "sweep", "labels": ["road", "car"]}}})


def test_point_labels_are_runs_of_point_indices_within_the_sweep():
    result = validate_result(LABELLED, ONE, {"classes": [{"label": "road", "runs": [[0, 40], [50, 10]]}]})
    assert result["classes"][0]["runs"] == [[0, 40], [50, 10]]
    for runs, words in [([[0, 10], [5, 3]], "sorted and apart"), ([[95, 10]], "past the sweep's 100 points"),
                        ([[3, 0]], "length from 1"), ([], "non-empty")]:
        with pytest.raises(Invalid, match=words):
            validate_result(LABELLED, ONE, {"classes": [{"label": "car", "runs": runs}]})
    with pytest.raises(Invalid, match="needs a 'frame'"):
        validate_result(LABELLED, SEQUENCE, {"classes": [{"label": "car", "runs": [[0, 1]]}]})
