"""Pascal VOC XML export, parsed back with defusedxml: one file per image, boxes in VOC's 1-based pixels."""

from __future__ import annotations

import io
import zipfile

import pytest
from defusedxml.ElementTree import fromstring

from labelwise.errors import Invalid
from labelwise.formats import voc
from labelwise.schema import parse_schema
from tests.formats._helpers import record

SCHEMA = parse_schema({
    "objects": {"photo": {"type": "image"}},
    "controls": {
        "objects": {"type": "boxes", "object": "photo", "labels": ["car", "person"], "rotatable": True},
        "outlines": {"type": "polygons", "object": "photo", "labels": ["road"]},
    },
})


def _records():
    return [
        record(1, {"photo": {"src": "https://cdn.example.com/a/street.jpg", "width": 640, "height": 480}},
               {"objects": [{"id": "b1", "x": 10, "y": 20, "width": 100, "height": 50, "label": "car"},
                            {"id": "b2", "x": 300.4, "y": 0, "width": 40.2, "height": 479.6, "label": "person"}],
                "outlines": [{"id": "p", "points": [[0, 0], [5, 0], [5, 5]], "label": "road"}]}),
        record(2, {"photo": {"src": "/media/other/street.jpg", "width": 100, "height": 80}},
               consensus={"objects": [{"id": "c", "x": 50, "y": 40, "width": 10, "height": 10, "rotation": 90,
                                       "label": "person"}]}),
        record(3, {"photo": {"src": "/media/empty.png", "width": 10, "height": 10}}),
    ]


def _boxes(xml: bytes) -> tuple[dict, list]:
    root = fromstring(xml)
    size = {key: int(root.findtext(f"size/{key}")) for key in ("width", "height", "depth")}
    boxes = [(obj.findtext("name"), *(int(obj.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax")))
             for obj in root.iter("object")]
    return {"filename": root.findtext("filename"), **size}, boxes


def test_directory_export_has_one_xml_per_image_with_the_boxes(tmp_path):
    voc.write(iter(_records()), tmp_path, schema=SCHEMA)
    files = sorted(p.name for p in (tmp_path / "Annotations").iterdir())
    assert files == ["empty.xml", "street.xml", "street_2.xml"]  # a clashing stem gets the task id
    head, boxes = _boxes((tmp_path / "Annotations" / "street.xml").read_bytes())
    assert head == {"filename": "street.jpg", "width": 640, "height": 480, "depth": 3}
    # VOC is 1-based and inclusive: [10, 110) x [20, 70) covers pixels 11..110 x 21..70.
    assert boxes == [("car", 11, 21, 110, 70), ("person", 301, 1, 341, 480)]
    _, rotated = _boxes((tmp_path / "Annotations" / "street_2.xml").read_bytes())
    assert rotated == [("person", 41, 41, 50, 50)]  # 90 degrees clockwise about (50, 40): x 40..50, y 40..50
    assert _boxes((tmp_path / "Annotations" / "empty.xml").read_bytes())[1] == []
    assert (tmp_path / "ImageSets" / "Main" / "default.txt").read_text().split() == ["street", "street_2", "empty"]


def test_zip_export_holds_the_same_files():
    buffer = io.BytesIO()
    voc.write(_records(), buffer, schema=SCHEMA)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        names = sorted(archive.namelist())
        assert names == ["Annotations/empty.xml", "Annotations/street.xml", "Annotations/street_2.xml",
                         "ImageSets/Main/default.txt"]
        assert _boxes(archive.read("Annotations/street.xml"))[1][0] == ("car", 11, 21, 110, 70)


def test_export_without_image_size_names_the_task(tmp_path):
    with pytest.raises(Invalid, match="task 9"):
        voc.write([record(9, {"photo": "https://example.com/x.jpg"})], tmp_path, schema=SCHEMA)


def test_a_voc_zip_imports_back_to_the_same_integer_boxes():
    buffer = io.BytesIO()
    voc.write(_records()[:1], buffer, schema=SCHEMA)
    buffer.seek(0)
    [row] = [r.value for r in voc.read(buffer, schema=SCHEMA, into="annotations")]
    assert row["data"] == {"photo": {"src": "street.jpg", "width": 640, "height": 480}}
    boxes = row["annotations"][0]["result"]["objects"]
    assert [(b["x"], b["y"], b["width"], b["height"], b["label"]) for b in boxes] == [
        (10, 20, 100, 50, "car"), (300, 0, 41, 480, "person")]  # a fractional box moves by under a pixel


def test_one_voc_xml_imports_and_a_bad_one_is_named():
    xml = (b"<annotation><filename>a.png</filename><size><width>10</width><height>8</height></size>"
           b"<object><name>car</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>3</ymax></bndbox>"
           b"</object></annotation>")
    [row] = [r.value for r in voc.read(io.BytesIO(xml), schema=SCHEMA, image_root="/media/")]
    assert row["data"]["photo"]["src"] == "/media/a.png"
    assert row["predictions"][0]["result"]["objects"][0]["width"] == 4
    with pytest.raises(Invalid, match="<size/width> must be a number"):
        list(voc.read(io.BytesIO(b"<annotation><filename>a</filename></annotation>"), schema=SCHEMA))
