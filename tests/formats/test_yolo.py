"""YOLO labels: normalised boxes and polygons out, back in through the image sizes, to within 1e-6 of the image."""

from __future__ import annotations

import pytest
import yaml
from PIL import Image

from labelwise.errors import Invalid
from labelwise.formats import yolo
from labelwise.schema import parse_schema
from tests.formats._helpers import normal, record

SCHEMA = parse_schema({
    "objects": {"photo": {"type": "image"}},
    "controls": {
        "objects": {"type": "boxes", "object": "photo", "labels": ["car", "person"]},
        "outlines": {"type": "polygons", "object": "photo", "labels": ["road", "car"]},
    },
})
BOXES = [{"id": "b1", "x": 10.25, "y": 20.5, "width": 100.125, "height": 50, "label": "car"},
         {"id": "b2", "x": 0, "y": 0, "width": 640, "height": 427, "label": "person"}]
POLYGON = {"id": "p1", "points": [[0, 400], [639.5, 300.25], [320, 426.9]], "label": "road"}


def _records():
    return [
        record(1, {"photo": {"src": "https://example.com/imgs/a.jpg", "width": 640, "height": 427}},
               {"objects": BOXES, "outlines": [POLYGON]}),
        record(2, {"photo": {"src": "https://example.com/imgs/b.png", "width": 32, "height": 16}}),
    ]


def _dataset(tmp_path, task="detect"):
    yolo.write(iter(_records()), tmp_path, schema=SCHEMA, task=task)
    (tmp_path / "images").mkdir()
    Image.new("RGB", (640, 427)).save(tmp_path / "images" / "a.jpg")
    Image.new("RGB", (32, 16)).save(tmp_path / "images" / "b.png")
    return tmp_path


def test_detect_export_writes_normalised_boxes_classes_and_data_yaml(tmp_path):
    _dataset(tmp_path)
    assert (tmp_path / "classes.txt").read_text().split() == ["car", "person", "road"]
    config = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert config["names"] == {0: "car", 1: "person", 2: "road"} and config["nc"] == 3
    lines = [line.split() for line in (tmp_path / "labels" / "a.txt").read_text().splitlines()]
    assert [line[0] for line in lines] == ["0", "1"]  # detect mode leaves polygons out
    cx, cy, w, h = map(float, lines[0][1:])
    assert cx == pytest.approx((10.25 + 100.125 / 2) / 640, abs=1e-6)
    assert cy == pytest.approx((20.5 + 25) / 427, abs=1e-6)
    assert (w, h) == pytest.approx((100.125 / 640, 50 / 427), abs=1e-6)
    assert lines[1][1:] == ["0.500000", "0.500000", "1.000000", "1.000000"]
    assert (tmp_path / "labels" / "b.txt").read_text() == ""


def test_round_trip_recovers_boxes_within_a_millionth_of_the_image(tmp_path):
    rows = list(yolo.read(_dataset(tmp_path), schema=SCHEMA, into="annotations", image_root="/media/ds/"))
    assert [row.value["external_id"] for row in rows] == ["a", "b"]
    data = rows[0].value["data"]
    assert data == {"photo": {"src": "/media/ds/a.jpg", "width": 640, "height": 427}}
    back = normal(SCHEMA, data, rows[0].value["annotations"][0]["result"])["objects"]
    for got, want in zip(back, BOXES):
        assert got["label"] == want["label"]
        for key, size in (("x", 640), ("width", 640), ("y", 427), ("height", 427)):
            assert got[key] == pytest.approx(want[key], abs=1e-6 * size)
    assert "annotations" not in rows[1].value


def test_segment_mode_round_trips_polygons(tmp_path):
    rows = list(yolo.read(_dataset(tmp_path, task="segment"), schema=SCHEMA))
    result = rows[0].value["predictions"][0]["result"]
    assert len(result["outlines"]) == 3  # two boxes as four-corner polygons, and the polygon
    polygon = result["outlines"][2]
    assert polygon["label"] == "road"
    flat = [c for point in polygon["points"] for c in point]
    assert flat == pytest.approx([c for point in POLYGON["points"] for c in point], abs=1e-6 * 640)


def test_classes_can_come_from_data_yaml_alone(tmp_path):
    _dataset(tmp_path)
    (tmp_path / "classes.txt").unlink()
    rows = list(yolo.read(tmp_path))
    assert [b["label"] for b in rows[0].value["predictions"][0]["result"]["boxes"]] == ["car", "person"]


@pytest.mark.parametrize(("line", "words"), [
    ("0 0.5 0.5", "labels/a.txt line 2: 2 coordinates"),
    ("7 0.5 0.5 0.1 0.1", "labels/a.txt line 2: class 7 is not in the 3 classes"),
    ("car 0.5 0.5 0.1 0.1", "labels/a.txt line 2: expected a class number"),
])
def test_bad_label_lines_are_named_by_file_and_line(tmp_path, line, words):
    _dataset(tmp_path)
    label = tmp_path / "labels" / "a.txt"
    label.write_text(label.read_text().splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(Invalid) as error:
        list(yolo.read(tmp_path, schema=SCHEMA))
    assert words in error.value.message and error.value.line == 2


def test_corrupt_image_and_missing_classes_are_named(tmp_path):
    _dataset(tmp_path)
    (tmp_path / "images" / "b.png").write_bytes(b"not a png")
    with pytest.raises(Invalid, match="images/b.png: not a readable image"):
        list(yolo.read(tmp_path, schema=SCHEMA))
    (tmp_path / "classes.txt").unlink()
    (tmp_path / "data.yaml").unlink()
    with pytest.raises(Invalid, match="no classes.txt or data.yaml"):
        list(yolo.read(tmp_path, schema=SCHEMA))
