"""Label Studio JSON: our export re-imports to exactly our results for every control type LS can express."""

from __future__ import annotations

import io
import json

import pytest

from labelwise.errors import Invalid
from labelwise.formats import labelstudio_json as ls
from labelwise.schema import parse_schema
from tests.formats._helpers import normal, record

SCHEMA = parse_schema({
    "objects": {
        "text": {"type": "text"}, "photo": {"type": "image"}, "clip": {"type": "audio"},
        "series": {"type": "timeseries"}, "dialogue": {"type": "paragraphs"}, "movie": {"type": "video"},
        "other": {"type": "text"},
    },
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["pos", "neg"]},
        "topics": {"type": "choices", "object": "text", "options": ["a", "b", "c"], "multiple": True},
        "animal": {"type": "taxonomy", "object": "text", "options": [{"Animal": ["Cat", "Dog"]}, "Plant"]},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "links": {"type": "relations", "labels": ["works_for"]},
        "summary": {"type": "text", "object": "text"},
        "stars": {"type": "rating", "object": "text", "max": 10},
        "age": {"type": "number", "object": "text", "min": 0, "max": 120},
        "boxes": {"type": "boxes", "object": "photo", "labels": ["car", "person"], "rotatable": True},
        "outlines": {"type": "polygons", "object": "photo", "labels": ["road"]},
        "lanes": {"type": "polylines", "object": "photo", "labels": ["lane"]},
        "pose": {"type": "keypoints", "object": "photo", "labels": ["person"], "points": ["head", "hand", "foot"]},
        "notes": {"type": "text", "object": "photo", "per_region": True, "regions_of": "boxes"},
        "speakers": {"type": "segments", "object": "clip", "labels": ["s1", "s2"]},
        "events": {"type": "segments", "object": "series", "labels": ["peak"]},
        "turns": {"type": "spans", "object": "dialogue", "labels": ["question"]},
        "ranking": {"type": "ranking", "object": "dialogue"},
        "preference": {"type": "pairwise", "objects": ["text", "other"]},
        "tracks": {"type": "tracks", "object": "movie", "labels": ["ball"]},
    },
})
DATA = {
    "text": "Ann works at Acme 🙂 Corp.", "other": "Another text",
    "photo": {"src": "https://example.com/a.jpg", "width": 640, "height": 427},
    "clip": {"src": "https://example.com/a.mp3", "duration": 10},
    "series": {"time": [0, 1, 2, 3], "value": [1, 5, 2, 1]},
    "dialogue": [{"id": "m1", "author": "bot", "text": "How can I help?"}, {"id": "m2", "text": "Where is it?"}],
    "movie": {"src": "https://example.com/v.mp4", "width": 1280, "height": 720, "frames": 100},
}
RESULT = {
    "sentiment": "pos", "topics": ["c", "a"], "animal": [["Animal", "Cat"], ["Plant"]],
    "entities": [{"id": "e1", "start": 0, "end": 3, "label": "PER", "text": "Ann"},
                 {"id": "e2", "start": 13, "end": 24, "label": "ORG", "text": "Acme 🙂 Corp"}],
    "links": [{"from": "e1", "to": "e2", "label": "works_for"}],
    "summary": "Ann, Acme.", "stars": 7, "age": 41.5,
    "boxes": [{"id": "b1", "x": 110.25, "y": 20, "width": 100, "height": 50.5, "rotation": 15, "label": "car"},
              {"id": "b2", "x": 0, "y": 0, "width": 640, "height": 427, "label": "person", "score": 0.75}],
    "outlines": [{"id": "p1", "points": [[0, 400], [639.5, 300.25], [320, 426.9]], "label": "road"}],
    "lanes": [{"id": "l1", "points": [[1, 1], [100, 200]], "label": "lane"}],
    "pose": [{"id": "k1", "label": "person", "points": [[150, 40, 2], [150, 80, 1], [0, 0, 0]]},
             {"id": "k2", "label": "person", "points": [[10, 10, 2], [20, 20, 2], [30, 30, 2]]}],
    "notes": {"b1": "red car", "b2": "someone"},
    "speakers": [{"id": "s1", "start": 0.5, "end": 4.25, "label": "s1"}],
    "events": [{"id": "t1", "start": 1, "end": 2, "label": "peak"}],
    "turns": [{"id": "q1", "paragraph": 1, "start": 0, "end": 5, "label": "question", "text": "Where"}],
    "ranking": ["m2", "m1"], "preference": "b",
    "tracks": [{"id": "tr1", "label": "ball", "keyframes": [
        {"frame": 0, "x": 600, "y": 300, "width": 20, "height": 20},
        {"frame": 40, "x": 900, "y": 320, "width": 20, "height": 20, "visible": False}]}],
}


def _round_trip(records):
    out = io.StringIO()
    ls.write(iter(records), out, schema=SCHEMA)
    return json.loads(out.getvalue()), list(ls.read(io.BytesIO(out.getvalue().encode()), schema=SCHEMA))


def test_export_is_label_studio_shaped():
    rec = record(5, DATA, RESULT, external_id="x-5")
    exported, _ = _round_trip([rec])
    task = exported[0]
    assert task["data"]["photo"] == "https://example.com/a.jpg"  # LS wants the URL itself
    assert task["meta"]["labelwise"]["media"]["photo"]["width"] == 640
    result = task["annotations"][0]["result"]
    items = {item.get("id", item["type"]): item for item in result if item["type"] != "textarea"}
    notes = [item for item in result if item["type"] == "textarea" and item.get("id") == "b1"]
    # per-region text shares its region's id and repeats its geometry, as in Label Studio
    assert notes == [{"id": "b1", "from_name": "notes", "to_name": "photo", "type": "textarea",
                      "value": {**{k: v for k, v in items["b1"]["value"].items() if k != "rectanglelabels"},
                                "text": ["red car"]},
                      "original_width": 640, "original_height": 427, "image_rotation": 0}]
    box = items["b1"]
    assert box["type"] == "rectanglelabels" and box["from_name"] == "boxes" and box["to_name"] == "photo"
    assert (box["original_width"], box["original_height"]) == (640, 427)
    assert box["value"]["x"] == pytest.approx(110.25 / 640 * 100) and box["value"]["rotation"] == 15
    assert box["value"]["rectanglelabels"] == ["car"]
    assert items["e2"]["value"] == {"start": 13, "end": 24, "text": "Acme 🙂 Corp", "labels": ["ORG"]}
    assert items["relation"] == {"from_id": "e1", "to_id": "e2", "type": "relation", "direction": "right",
                                 "labels": ["works_for"]}
    assert items["k1_0"]["value"]["keypointlabels"] == ["head"] and "k1_2" not in items
    assert items["tr1"]["value"]["sequence"][1]["frame"] == 41 and items["tr1"]["value"]["sequence"][1]["enabled"] is False
    assert task["annotations"][0]["lead_time"] == 1.5 and task["annotations"][0]["was_cancelled"] is False


def test_every_expressible_control_round_trips_exactly():
    prediction = {"model_version": "m1", "score": 0.5, "result": {"sentiment": "neg", "boxes": RESULT["boxes"][:1]}}
    rec = record(5, DATA, RESULT, {"sentiment": "neg"}, external_id="x-5", predictions=[prediction])
    rec["annotations"][1]["status"] = "skipped"
    _, rows = _round_trip([rec])
    row = rows[0].value
    assert row["data"] == DATA and row["external_id"] == "x-5"
    assert normal(SCHEMA, DATA, row["annotations"][0]["result"]) == normal(SCHEMA, DATA, RESULT)
    assert row["annotations"][0]["user"] == "user1" and row["annotations"][0]["lead_time_ms"] == 1500
    assert row["annotations"][1]["status"] == "skipped"
    assert row["predictions"][0]["model_version"] == "m1" and row["predictions"][0]["score"] == 0.5
    assert normal(SCHEMA, DATA, row["predictions"][0]["result"]) == normal(SCHEMA, DATA, prediction["result"])


def test_what_label_studio_cannot_hold_is_listed_and_left_out():
    masks = parse_schema({"objects": {"photo": {"type": "image"}},
                          "controls": {"paint": {"type": "masks", "object": "photo", "labels": ["sky"]}}})
    rec = record(1, {"photo": DATA["photo"]}, {"paint": [{"id": "m", "rle": {"size": [427, 640], "counts": [273280]},
                                                         "label": "sky"}]})
    out = io.StringIO()
    ls.write([rec], out, schema=masks)
    assert json.loads(out.getvalue())[0]["annotations"][0]["result"] == []
    assert "masks" in ls.NOT_EXPRESSIBLE and "pairwise tie" in ls.NOT_EXPRESSIBLE


def test_a_label_studio_export_imports():
    export = [{
        "id": 17, "data": {"photo": "https://example.com/b.jpg", "text": "Hi Bob", "other": "x"},
        "annotations": [{"id": 3, "completed_by": 10, "lead_time": 4.288, "was_cancelled": False, "result": [
            {"id": "Dx", "from_name": "boxes", "to_name": "photo", "type": "rectanglelabels", "original_width": 800,
             "original_height": 600, "value": {"x": 50, "y": 10, "width": 12.5, "height": 25, "rotation": 0,
                                               "rectanglelabels": ["car"]}},
            {"id": "p0", "from_name": "pose", "to_name": "photo", "type": "keypointlabels", "original_width": 800,
             "original_height": 600, "value": {"x": 10, "y": 10, "width": 1, "keypointlabels": ["head"]}},
            {"id": "p1", "from_name": "pose", "to_name": "photo", "type": "keypointlabels", "original_width": 800,
             "original_height": 600, "value": {"x": 20, "y": 20, "width": 1, "keypointlabels": ["head"]}},
            {"id": "ab", "from_name": "entities", "to_name": "text", "type": "labels",
             "value": {"start": 3, "end": 6, "text": "Bob", "labels": ["PER"]}},
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}},
        ]}],
        "predictions": [{"model_version": "yolo", "score": 0.9, "result": []}],
    }]
    [row] = ls.read(io.BytesIO(json.dumps(export).encode()), schema=SCHEMA)
    value = row.value
    assert value["external_id"] == "17"
    assert value["data"]["photo"] == {"src": "https://example.com/b.jpg", "width": 800, "height": 600}
    result = normal(SCHEMA, value["data"], value["annotations"][0]["result"])
    assert result["boxes"] == [{"id": "Dx", "x": 400, "y": 60, "width": 100, "height": 150, "rotation": 0, "label": "car"}]
    assert [p["points"][0] for p in result["pose"]] == [[80, 60, 2], [160, 120, 2]]  # a repeated point: a new instance
    assert result["sentiment"] == "pos" and result["entities"][0]["text"] == "Bob"
    assert value["annotations"][0]["user"] == "10" and value["annotations"][0]["lead_time_ms"] == 4288
    assert value["predictions"] == [{"model_version": "yolo", "result": {}, "score": 0.9}]


@pytest.mark.parametrize(("text", "words"), [
    ('[{"data": {}}, {"data": {}, "annotations": [{"result": [{"from_name": "x", "value": {}}]}]}]',
     "task 2.annotations[0].result[0]: a result item needs a 'type'"),
    ('[{"data": {}}, {"data": ', "task 2: not valid JSON"),
    ('[{"nodata": 1}]', "task 1: a Label Studio task is an object with a 'data' object"),
    ('{"data": {}}', "a JSON array of tasks"),
    ('[{"data": {}, "annotations": {"result": []}}]', "'annotations' must be a list"),
])
def test_bad_exports_name_the_task_and_item(text, words):
    with pytest.raises(Invalid) as error:
        list(ls.read(io.BytesIO(text.encode()), schema=SCHEMA, name="export.json"))
    assert words in error.value.message and error.value.message.startswith("export.json")


def test_a_region_left_without_a_label_is_kept_as_written_and_written_back():
    item = {"id": "r1", "type": "rectanglelabels", "from_name": "boxes", "to_name": "photo", "original_width": 10,
            "original_height": 10, "value": {"x": 1, "y": 1, "width": 1, "height": 1, "rectanglelabels": []}}
    text = json.dumps([{"data": {"photo": "a.png"}, "annotations": [{"completed_by": {"email": "a@x.org"},
                                                                     "result": [item]}]}])
    [row] = list(ls.read(io.BytesIO(text.encode()), schema=SCHEMA))
    assert row.value["annotations"][0]["result"] == {} and row.value["annotations"][0]["user"] == "a@x.org"
    record_ = {"id": 1, "data": row.value["data"], "meta": row.value["meta"],
               "annotations": [{"user": "a@x.org", "result": {}}]}
    [written] = ls.to_task(record_, schema=SCHEMA)["annotations"]
    assert written["result"] == [item] and written["completed_by"] == {"email": "a@x.org", "username": "a@x.org"}
