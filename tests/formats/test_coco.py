"""COCO export is read by pycocotools; COCO files (real keypoints excerpts, the shapes set) import and round-trip."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from labelwise.errors import Invalid
from labelwise.formats import coco
from labelwise.schema import parse_schema, rle
from tests.formats._helpers import DATA, normal, record

SHAPES = DATA / "shapes_coco"
KEYPOINTS = DATA / "coco2017_person_keypoints_excerpt"
COCO_POINTS = json.loads((KEYPOINTS / "person_keypoints_val2017.json").read_text())["categories"][0]["keypoints"]
COCO_SKELETON = json.loads((KEYPOINTS / "person_keypoints_val2017.json").read_text())["categories"][0]["skeleton"]

SCHEMA = parse_schema({
    "objects": {"photo": {"type": "image"}},
    "controls": {
        "objects": {"type": "boxes", "object": "photo", "labels": ["square", "circle", "person"], "rotatable": True},
        "outlines": {"type": "polygons", "object": "photo", "labels": ["square", "circle", "person"]},
        "pose": {"type": "keypoints", "object": "photo", "labels": ["person"], "points": COCO_POINTS,
                 "skeleton": [[COCO_POINTS[a - 1], COCO_POINTS[b - 1]] for a, b in COCO_SKELETON]},
        "paint": {"type": "masks", "object": "photo", "labels": ["square", "circle"]},
    },
})


def _mask(name: str) -> np.ndarray:
    return (np.array(Image.open(SHAPES / "masks" / name).convert("L")) > 0).astype(np.uint8)


def _rle_of(array: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(array))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _export(records, schema=SCHEMA, **options) -> tuple[str, COCO]:
    out = io.StringIO()
    coco.write(iter(records), out, schema=schema, **options)  # a one-pass iterator: the writer streams
    text = out.getvalue()
    api = COCO()
    api.dataset = json.loads(text)
    api.createIndex()
    return text, api


def _read(text_or_path, **options) -> list:
    fp = open(text_or_path, "rb") if not isinstance(text_or_path, str) else io.BytesIO(text_or_path.encode())
    with fp:
        return list(coco.read(fp, **options))


def _image(src="https://example.com/imgs/1000.jpeg", w=128, h=128):
    return {"photo": {"src": src, "width": w, "height": h}}


def _labeled_records():
    square = _mask("1001_square_1.png")
    circle = _mask("1001_circle_0.png")
    result = {
        "objects": [{"id": "b1", "x": 10, "y": 20, "width": 30.5, "height": 40, "label": "square"},
                    {"id": "b2", "x": 60, "y": 60, "width": 20, "height": 10, "rotation": 30, "label": "circle"}],
        "outlines": [{"id": "p1", "points": [[5, 5], [50, 5], [30, 40]], "label": "circle"}],
        "pose": [{"id": "k1", "label": "person", "points": [[20, 30, 2], [25, 35, 1]] + [[0, 0, 0]] * 15}],
        "paint": [{"id": "m1", "rle": _rle_of(square), "label": "square"},
                  {"id": "m2", "rle": _rle_of(circle), "label": "circle"}],
    }
    return [
        record(7, _image("https://example.com/imgs/1001.jpeg?sig=x"), result),
        record(8, _image("/media/u/empty%20one.png", 64, 48)),
    ], square, circle, result


def test_pycocotools_reads_the_export_and_every_shape_matches():
    records, square, circle, result = _labeled_records()
    _, api = _export(records)

    assert sorted(api.getImgIds()) == [7, 8]
    assert api.loadImgs(7)[0]["file_name"] == "1001.jpeg"
    assert api.loadImgs(8)[0]["file_name"] == "empty one.png"
    assert (api.loadImgs(8)[0]["width"], api.loadImgs(8)[0]["height"]) == (64, 48)
    assert api.getAnnIds(imgIds=[8]) == []
    anns = {a["labelwise"]["region"]: a for a in api.loadAnns(api.getAnnIds(imgIds=[7]))}
    assert set(anns) == {"b1", "b2", "p1", "k1", "m1", "m2"}
    cats = {c["name"]: c for c in api.loadCats(api.getCatIds())}
    assert list(cats) == ["square", "circle", "person"]
    assert api.getAnnIds(catIds=[cats["square"]["id"]], imgIds=[7]) == sorted(
        [anns["b1"]["id"], anns["m1"]["id"]])

    assert anns["b1"]["bbox"] == [10, 20, 30.5, 40]
    assert anns["b1"]["area"] == pytest.approx(30.5 * 40)
    box_mask = api.annToMask(anns["b1"])
    assert box_mask[20:60, 11:40].all() and box_mask.sum() == pytest.approx(30.5 * 40, rel=0.05)
    x, y, w, h = anns["b2"]["bbox"]  # the rotated box: the axis-aligned box around its corners
    corners = np.array(anns["b2"]["segmentation"][0]).reshape(-1, 2)
    assert (x, y) == pytest.approx(corners.min(axis=0)) and (x + w, y + h) == pytest.approx(corners.max(axis=0))

    for region_id, expected in (("m1", square), ("m2", circle)):
        assert np.array_equal(api.annToMask(anns[region_id]), expected)
        rle = api.annToRLE(anns[region_id])
        assert anns[region_id]["bbox"] == pytest.approx(mask_utils.toBbox(rle).tolist())
        assert anns[region_id]["area"] == int(mask_utils.area(rle))

    polygon = api.annToMask(anns["p1"])
    assert polygon.sum() == pytest.approx(anns["p1"]["area"], rel=0.1)
    assert anns["p1"]["bbox"] == [5, 5, 45, 35]

    assert cats["person"]["keypoints"] == COCO_POINTS
    assert cats["person"]["skeleton"] == COCO_SKELETON
    assert anns["k1"]["keypoints"][:6] == [20, 30, 2, 25, 35, 1] and anns["k1"]["num_keypoints"] == 2
    assert anns["k1"]["bbox"] == [20, 30, 5, 5]


def test_export_then_import_gives_back_the_same_regions():
    records, *_, result = _labeled_records()
    text, _ = _export(records)
    rows = _read(text, schema=SCHEMA, into="annotations")
    assert [row.value["external_id"] for row in rows] == ["7", "8"]
    data = rows[0].value["data"]
    assert data == {"photo": {"src": "1001.jpeg", "width": 128, "height": 128}}
    back = rows[0].value["annotations"][0]["result"]
    assert normal(SCHEMA, data, back) == normal(SCHEMA, data, result)
    assert "annotations" not in rows[1].value


def test_the_shapes_set_imports_and_exports_with_the_same_boxes_and_polygons():
    original = COCO(str(SHAPES / "instances.json"))
    rows = _read(SHAPES / "instances.json", schema=SCHEMA, image_root="/media/shapes/")
    assert [row.line for row in rows] == [1, 2]
    records = []
    for row in rows:
        data, prediction = row.value["data"], row.value["predictions"][0]
        assert data["photo"]["src"].startswith("/media/shapes/")
        result = normal(SCHEMA, data, prediction["result"])  # every imported region passes validation
        assert len(result["objects"]) == len(result["outlines"]) == len(original.getAnnIds(imgIds=[int(row.value["external_id"])]))
        records.append(record(int(row.value["external_id"]), data, result))

    _, exported = _export(records)
    for image_id in original.getImgIds():
        before = sorted(tuple(a["bbox"]) for a in original.loadAnns(original.getAnnIds(imgIds=[image_id])))
        boxes = [a for a in exported.loadAnns(exported.getAnnIds(imgIds=[image_id])) if a["labelwise"]["control"] == "objects"]
        assert sorted(tuple(a["bbox"]) for a in boxes) == before
        polygons = sorted(a["segmentation"] for a in exported.loadAnns(exported.getAnnIds(imgIds=[image_id]))
                          if a["labelwise"]["control"] == "outlines")
        assert polygons == sorted(a["segmentation"] for a in original.loadAnns(original.getAnnIds(imgIds=[image_id])))


@pytest.mark.parametrize("split", ["train", "val"])
def test_real_coco_person_keypoints_round_trip(split):
    path = KEYPOINTS / f"person_keypoints_{split}2017.json"
    original = COCO(str(path))
    rows = _read(path, schema=SCHEMA)
    assert len(rows) == len(original.getImgIds())
    records = []
    for row in rows:
        data = row.value["data"]
        image_id = int(row.value["external_id"])
        assert data["photo"]["src"] == original.loadImgs(image_id)[0]["file_name"]
        result = normal(SCHEMA, data, row.value["predictions"][0]["result"])
        assert len(result["pose"]) == len(original.getAnnIds(imgIds=[image_id]))
        records.append(record(image_id, data, result))

    _, exported = _export(records)
    person = exported.loadCats(exported.getCatIds(catNms=["person"]))[0]
    assert person["skeleton"] == original.loadCats(1)[0]["skeleton"]
    assert person["keypoints"] == original.loadCats(1)[0]["keypoints"]
    for image_id in original.getImgIds():
        want = {(tuple(a["keypoints"]), a["num_keypoints"]) for a in original.loadAnns(original.getAnnIds(imgIds=[image_id]))}
        got = {(tuple(a["keypoints"]), a["num_keypoints"])
               for a in exported.loadAnns(exported.getAnnIds(imgIds=[image_id])) if "keypoints" in a}
        assert got == want
        want_boxes = sorted(tuple(a["bbox"]) for a in original.loadAnns(original.getAnnIds(imgIds=[image_id])))
        got_boxes = sorted(tuple(a["bbox"]) for a in exported.loadAnns(exported.getAnnIds(imgIds=[image_id]))
                           if a["labelwise"]["control"] == "objects")
        assert got_boxes == pytest.approx(want_boxes)


def test_without_a_schema_every_kind_gets_its_default_control():
    rows = _read(KEYPOINTS / "person_keypoints_val2017.json")
    result = rows[0].value["predictions"][0]["result"]
    assert set(result) == {"boxes", "polygons", "keypoints"}
    assert result["keypoints"][0]["id"] == "442619-keypoints"
    assert len(result["keypoints"][0]["points"]) == 17


def test_annotation_pointing_at_a_missing_image_is_named():
    bad = json.loads((SHAPES / "instances.json").read_text())
    bad["annotations"][2]["image_id"] = 99
    with pytest.raises(Invalid) as error:
        _read(json.dumps(bad), schema=SCHEMA)
    assert "annotation 3 points at image 99" in error.value.message
    assert error.value.field == "annotations[2].image_id"


@pytest.mark.parametrize(("text", "words"), [
    ('{"images": [], "annotations": [', "not valid JSON"),
    ("[1, 2]", "a JSON object"),
    ('{"images": [], "annotations": []}', "'categories' is missing"),
    ('{"images": [{"id": 1, "file_name": "a.jpg"}], "categories": []}', "image 1 needs a positive width"),
    ('{"images": [{"id": 1, "file_name": "a.jpg", "width": 2, "height": 2}], "categories": [],'
     ' "annotations": [{"id": 5, "image_id": 1, "category_id": 4, "bbox": [0, 0, 1, 1]}]}', "annotation 5 has category_id 4"),
    ('{"images": [{"id": 1, "file_name": "a.jpg", "width": 2, "height": 2}], "categories": [{"id": 1, "name": "a"}],'
     ' "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, "x"]}]}', "annotation 5 is malformed"),
])
def test_bad_coco_files_are_rejected_with_the_entry_named(text, words):
    with pytest.raises(Invalid) as error:
        _read(text, schema=SCHEMA, name="upload.json")
    assert words in error.value.message and error.value.message.startswith("upload.json")


def test_export_needs_the_image_size():
    with pytest.raises(Invalid, match="task 3: data.photo needs width and height"):
        _export([record(3, {"photo": "https://example.com/a.jpg"})])


def test_pure_python_rle_matches_pycocotools():
    for name in ("1000_square_0.png", "1001_circle_3.png"):
        array = _mask(name)
        encoded = mask_utils.encode(np.asfortranarray(array))
        ours = {"size": list(encoded["size"]), "counts": encoded["counts"].decode()}
        assert rle.area(ours) == int(mask_utils.area(encoded))
        assert rle.bbox(ours) == mask_utils.toBbox(encoded).tolist()
        assert rle.encode(rle.runs(ours)) == ours["counts"]
        flat = array.flatten(order="F")
        assert sum(rle.runs(ours)) == flat.size
