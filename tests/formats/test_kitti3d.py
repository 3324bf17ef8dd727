"""KITTI 3D object labels and the cuboids JSON: the axes convention checked on a known box, round trips through
our reader for any heading, tracks written frame by frame; and KITTI labels in as predictions through the API."""

import io
import json
import math
import zipfile

import pytest

from labelwise.core.dataio.lidar_demo import truth
from labelwise.errors import Invalid
from labelwise.formats.kitti3d import kitti_line, read_kitti_labels, write_cuboids_json, write_kitti
from labelwise.schema import parse_schema, validate_result
from labelwise.schema.cuboid_regions import cuboid_at
from tests.factories import add_tasks, make_project, make_user

SCHEMA_DICT = {"objects": {"sweep": {"type": "pointcloud"}},
               "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian", "van"]},
                            "tracks": {"type": "tracks", "object": "sweep", "labels": ["car"]}}}
SCHEMA = parse_schema(SCHEMA_DICT)
FRAMES = [{"src": f"/api/v1/media/1/{c * 64}.bin", "name": f"00000{k}.bin"} for k, c in enumerate("abc")]


def test_a_car_ahead_facing_forward_is_where_kitti_puts_it():
    line = kitti_line({"x": 10.0, "y": 2.0, "z": -0.9, "length": 4.0, "width": 1.8, "height": 1.5, "yaw": 0.0}, "Car")
    words = line.split()
    assert words[0] == "Car" and words[8:11] == ["1.50", "1.80", "4.00"]  # height, width, length
    assert [float(v) for v in words[11:14]] == [-2.0, 1.65, 10.0]  # camera x right, y down (bottom centre), z ahead
    assert float(words[14]) == pytest.approx(-math.pi / 2, abs=0.005)  # facing the camera's z
    assert float(words[3]) == pytest.approx(-math.pi / 2 + math.atan2(2, 10), abs=0.01)  # alpha


@pytest.mark.parametrize("yaw", [-3.1, -1.2, 0.0, 0.3, 1.5707963, 3.0])
def test_any_heading_round_trips_to_two_decimals(yaw):
    box = {"x": 12.25, "y": -3.5, "z": -0.95, "length": 4.2, "width": 1.8, "height": 1.5, "yaw": yaw}
    [back] = read_kitti_labels(kitti_line(box, "van") + "\nDontCare -1 -1 -10 0 0 0 0 -1 -1 -1 -1000 -1000 -1000 -10\n",
                               "x.txt")
    assert back["label"] == "van"
    for key in ("x", "y", "z", "length", "width", "height"):
        assert back[key] == pytest.approx(box[key], abs=0.006)
    assert math.remainder(back["yaw"] - yaw, math.tau) == pytest.approx(0, abs=0.006)


def test_a_bad_line_is_refused_naming_the_file_and_line():
    with pytest.raises(Invalid, match="000007.txt line 2: a KITTI label has 15 fields"):
        read_kitti_labels("Car 0 0 0 0 0 0 0 1 1 1 0 0 0 0\nCar 1 2 3\n", "000007.txt")


def record(result):
    return {"id": 7, "external_id": "seq-7", "data": {"sweep": {"frames": FRAMES}}, "meta": {},
            "consensus": validate_result(SCHEMA, {"sweep": {"frames": FRAMES}}, result)}


def track():
    keys = [{"frame": k, **{key: b[key] for key in ("x", "y", "z", "length", "width", "height", "yaw")}}
            for k, b in ((0, truth(0)[0]), (2, truth(2)[0]))]
    return {"id": "t1", "label": "car", "keyframes": keys}


def test_kitti_zip_has_one_file_per_frame_with_tracks_interpolated():
    result = {"objects": [{"id": "v", **truth(1)[2], "frame": 1}], "tracks": [track()]}
    out = io.BytesIO()
    write_kitti([record(result)], out, schema=SCHEMA)
    archive = zipfile.ZipFile(out)
    assert sorted(archive.namelist()) == ["index.json", "label_2/000000.txt", "label_2/000001.txt", "label_2/000002.txt"]
    frame1 = read_kitti_labels(archive.read("label_2/000001.txt").decode(), "000001.txt")
    assert sorted(c["label"] for c in frame1) == ["car", "van"]
    car = next(c for c in frame1 if c["label"] == "car")
    middle = cuboid_at(track(), 1)
    assert car["x"] == pytest.approx(middle["x"], abs=0.006) and car["yaw"] == pytest.approx(middle["yaw"], abs=0.006)
    assert json.loads(archive.read("index.json"))[1] == {"file": "label_2/000001.txt", "task": 7, "frame": 1}


def test_cuboids_json_lists_cuboids_and_tracks_per_frame():
    result = {"objects": [{"id": "v", **truth(0)[2], "frame": 0}], "tracks": [track()]}
    out = io.StringIO()
    write_cuboids_json([record(result)], out, schema=SCHEMA)
    [task] = json.loads(out.getvalue())["tasks"]
    assert task["task"] == 7 and [f["file"] for f in task["frames"]] == ["000000", "000001", "000002"]
    assert task["cuboids"][0]["control"] == "objects" and task["cuboids"][0]["label"] == "van"
    [t] = task["tracks"]
    assert [f["frame"] for f in t["frames"]] == [0, 1, 2] and len(t["keyframes"]) == 2


def test_kitti_labels_import_as_predictions_matched_by_sweep_name(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=SCHEMA_DICT, name="Detections")
    add_tasks(session, owner.user, project, [{"data": {"sweep": {"frames": FRAMES}}}])
    labels = "\n".join(kitti_line(b, b["label"].capitalize(), score=0.9) for b in truth(2)) + "\n"
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        archive.writestr("label_2/000002.txt", labels)
    response = client.post(f"/api/v1/projects/{project.id}/predictions/kitti", content=body.getvalue(),
                           headers={**owner.headers, "content-type": "application/zip"},
                           params={"model_version": "pointpillars-1"})
    assert response.status_code == 201, response.text
    [task] = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"]
    [prediction] = client.get(f"/api/v1/tasks/{task['id']}", headers=owner.headers).json()["predictions"]
    assert prediction["model_version"] == "pointpillars-1"
    got = prediction["result"]["objects"]
    assert [c["frame"] for c in got] == [2, 2, 2] and [c["label"] for c in got] == ["car", "pedestrian", "van"]
    for c, want in zip(got, truth(2), strict=True):
        assert c["x"] == pytest.approx(want["x"], abs=0.006) and c["score"] == 0.9
    with zipfile.ZipFile(body := io.BytesIO(), "w") as archive:
        archive.writestr("label_2/000009.txt", labels)
    refused = client.post(f"/api/v1/projects/{project.id}/predictions/kitti", content=body.getvalue(),
                          headers={**owner.headers, "content-type": "application/zip"})
    assert refused.status_code == 422 and "label_2/000009.txt: no point cloud" in refused.json()["detail"]


def test_point_labels_export_one_number_per_point_later_regions_winning():
    import numpy as np

    from labelwise.formats.kitti3d import write_point_labels

    schema = parse_schema({"objects": {"sweep": {"type": "pointcloud"}},
                           "controls": {"classes": {"type": "point_labels", "object": "sweep",
                                                    "labels": ["road", "vehicle"]}}})
    data = {"sweep": {"src": "/api/v1/media/1/" + "a" * 64 + ".bin", "points": 10}}
    result = validate_result(schema, data, {"classes": [{"label": "road", "runs": [[0, 6]]},
                                                        {"label": "vehicle", "runs": [[4, 3]]}]})
    out = io.BytesIO()
    write_point_labels([{"id": 3, "data": data, "meta": {"filename": "000042.bin"}, "consensus": result}], out,
                       schema=schema)
    archive = zipfile.ZipFile(out)
    labels = np.frombuffer(archive.read("labels/000042.label"), "<u4")
    assert labels.tolist() == [1, 1, 1, 1, 2, 2, 2, 0, 0, 0]
    assert json.loads(archive.read("labels.json")) == {"0": None, "1": "road", "2": "vehicle"}
