"""Label Studio exports as Label Studio 1.23 writes them (full snapshot and default), read into import rows
and written back: region items compare equal field by field, and what has no place is kept another way
(ground truth as gold, drafts as predictions) or flagged (a segment at -0.05 s)."""

from __future__ import annotations

import io
import json

import pytest

from labelwise.formats import labelstudio_json as ls
from labelwise.formats.labelstudio_config import convert
from labelwise.schema import parse_schema, validate_result

CONFIG = """
<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Relations><Relation value="works_for"/></Relations>
  <Choices name="sentiment" toName="text" value="$options"/>
  <Audio name="audio" value="$audio"/>
  <Labels name="speech" toName="audio"><Label value="Speech"/></Labels>
  <TextArea name="transcript" toName="audio" perRegion="true"/>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels>
  <Choices name="color" toName="image" perRegion="true"><Choice value="Red"/><Choice value="Blue"/></Choices>
  <List name="items" value="$items"/>
  <Ranker name="rank" toName="items"><Bucket name="good"/><Bucket name="bad"/></Ranker>
</View>
"""
SCHEMA = parse_schema(convert(CONFIG)[0])

DATA = {"text": "Ann works at Acme.", "options": [{"value": "happy"}, {"value": "sad"}],
        "audio": "https://example.com/a.wav", "image": "https://example.com/a.jpg",
        "items": [{"id": "a", "title": "A", "body": "x"}, {"id": "b", "title": "B", "body": "y"},
                  {"id": "c", "title": "C", "body": "z"}]}

REGIONS = [
    {"id": "n1", "from_name": "ner", "to_name": "text", "type": "labels", "origin": "manual",
     "value": {"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]}},
    {"id": "n2", "from_name": "ner", "to_name": "text", "type": "labels",
     "value": {"start": 13, "end": 17, "text": "Acme", "labels": ["ORG"]}},
    {"id": "s1", "from_name": "speech", "to_name": "audio", "type": "labels", "original_length": 12.4,
     "value": {"start": -0.05, "end": 2.5, "channel": 0, "labels": ["Speech"]}},
    {"id": "s1", "from_name": "transcript", "to_name": "audio", "type": "textarea",
     "value": {"start": -0.05, "end": 2.5, "channel": 0, "text": ["hello there"]}},
    {"id": "b1", "from_name": "box", "to_name": "image", "type": "rectanglelabels", "original_width": 800,
     "original_height": 600, "image_rotation": 0,
     "value": {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0, "rectanglelabels": ["Car"]}},
    {"id": "b1", "from_name": "color", "to_name": "image", "type": "choices", "original_width": 800,
     "original_height": 600, "image_rotation": 0,
     "value": {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0, "choices": ["Red"]}},
    {"from_id": "n2", "to_id": "n1", "type": "relation", "direction": "left", "labels": ["works_for"]},
    {"from_id": "n1", "to_id": "n2", "type": "relation", "direction": "bi", "labels": []},
]
OTHERS = [
    {"id": "c1", "from_name": "sentiment", "to_name": "text", "type": "choices", "origin": "manual",
     "value": {"choices": ["sad"]}},
    {"id": "r1", "from_name": "rank", "to_name": "items", "type": "ranker",
     "value": {"ranker": {"good": ["b"], "bad": ["c"]}}},  # 'a' left out: it stayed in the list
]

SNAPSHOT = [{
    "id": 41, "data": DATA, "meta": {}, "created_at": "2025-05-01T10:00:00.000000Z",
    "annotations": [
        {"id": 7, "completed_by": {"id": 1, "email": "ann@example.com", "username": "ann"}, "result": REGIONS + OTHERS,
         "was_cancelled": False, "ground_truth": True, "created_at": "2025-05-02T11:12:13.456789Z",
         "updated_at": "2025-05-02T11:20:00.000000Z", "lead_time": 42.5, "prediction": {}, "result_count": 0},
    ],
    "drafts": [{"id": 3, "user": "bob@example.com", "created_username": "bob", "result": [OTHERS[0]],
                "lead_time": 3.0, "was_postponed": False, "created_at": "2025-05-03T09:00:00Z"}],
    "predictions": [{"id": 9, "model_version": "asr-1", "score": 0.8, "result": [
        {**REGIONS[2], "score": 0.7}]}],
}]
DEFAULT_EXPORT = [{**SNAPSHOT[0], "predictions": [9], "drafts": []}]  # the default export lists prediction ids


def _rows(export):
    return [row.value for row in ls.read(io.BytesIO(json.dumps(export).encode()), schema=SCHEMA)]


def _stored(row, result):
    """What import keeps: the result as validation normalises it, with out-of-range values noted."""
    notes: list[str] = []
    return validate_result(SCHEMA, row["data"], result, out_of_range=notes), notes


def test_the_full_snapshot_imports_with_gold_drafts_times_and_flags():
    [row] = _rows(SNAPSHOT)
    [annotation] = row["annotations"]
    assert annotation["user"] == "ann" and annotation["lead_time_ms"] == 42500
    assert annotation["created_at"] == "2025-05-02T11:12:13.456789Z"
    assert annotation["updated_at"] == "2025-05-02T11:20:00.000000Z"
    assert row["gold"] == annotation["result"]  # ground_truth
    result, notes = _stored(row, annotation["result"])
    assert result["speech"][0]["start"] == -0.05  # kept
    assert result["transcript"] == {"s1": "hello there"} and result["color"] == {"b1": "Red"}
    assert result["relations"] == [
        {"from": "n2", "to": "n1", "label": "works_for", "direction": "left"},
        {"from": "n1", "to": "n2", "direction": "bi"}]
    assert result["rank"] == {"good": ["b"], "bad": ["c"]} and result["sentiment"] == "sad"
    assert notes == ["result.speech[0].start: control 'speech': segment 0 starts at -0.05, before the start (0)"]
    [model, draft] = row["predictions"]
    assert model["model_version"] == "asr-1" and model["score"] == 0.8
    assert model["result"]["speech"][0]["score"] == 0.7
    assert draft["model_version"] == "draft:bob" and draft["result"] == {"sentiment": "sad"}


def test_a_segment_before_zero_is_kept_and_flagged_when_the_duration_is_known():
    export = json.loads(json.dumps(SNAPSHOT))
    export[0]["data"]["audio"] = "https://example.com/a.wav"
    [row] = _rows(export)
    row["data"]["audio"] = {"src": "https://example.com/a.wav", "duration": 2.0}
    result, notes = _stored(row, row["annotations"][0]["result"])
    assert result["speech"][0]["start"] == -0.05
    assert notes == ["result.speech[0].start: control 'speech': segment 0 starts at -0.05, before the start (0)",
                     "result.speech[0].end: control 'speech': segment 0 ends at 2.5, past the end (2)"]


def test_the_default_export_with_prediction_ids_imports():
    [row] = _rows(DEFAULT_EXPORT)
    assert row["predictions"] == [] and len(row["annotations"]) == 1


def test_writing_back_gives_label_studio_equal_region_items():
    [row] = _rows(SNAPSHOT)
    result, _ = _stored(row, row["annotations"][0]["result"])
    record = {"id": 41, "data": row["data"], "meta": row.get("meta", {}), "annotations": [
        {"id": 1, "user": "ann", "status": "submitted", "result": result, "lead_time_ms": 42500,
         "created_at": "2025-05-02T11:12:13.456789Z", "updated_at": "2025-05-02T11:20:00.000000Z"}]}
    task = ls.to_task(record, schema=SCHEMA)
    items = task["annotations"][0]["result"]
    by_key = {(i.get("id"), i.get("from_name"), i.get("from_id"), i.get("to_id")): i for i in items}
    for original in REGIONS:
        key = (original.get("id"), original.get("from_name"), original.get("from_id"), original.get("to_id"))
        written = by_key[key]
        for field, value in original.items():
            assert written[field] == pytest.approx(value) if isinstance(value, float) else written[field] == value, (
                key, field, written[field], value)
    for original in OTHERS:  # classification items keep their ids and extra fields through meta
        assert by_key[(original["id"], original["from_name"], None, None)] == original
    assert task["annotations"][0]["lead_time"] == 42.5
    assert task["annotations"][0]["created_at"] == "2025-05-02T11:12:13.456789Z"


JSON_MIN = [
    {"id": 41, "text": "Ann works at Acme.", "options": [{"value": "happy"}, {"value": "sad"}],
     "audio": "https://example.com/a.wav", "image": "https://example.com/a.jpg", "items": DATA["items"],
     "ner": [{"start": 0, "end": 3, "text": "Ann", "labels": ["PER"]}], "sentiment": "sad",
     "box": [{"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0, "rectanglelabels": ["Car"],
              "original_width": 800, "original_height": 600}],
     "rank": {"ranker": {"good": ["b"]}},
     "annotator": "ann@example.com", "annotation_id": 7, "created_at": "2025-05-02T11:12:13Z",
     "updated_at": "2025-05-02T11:20:00Z", "lead_time": 42.5},
    {"id": 41, "text": "Ann works at Acme.", "sentiment": "happy", "annotator": "bob@example.com", "annotation_id": 8},
]


def _check_min(rows):
    [row] = rows
    first, second = row["annotations"]
    result, _ = _stored(row, first["result"])
    assert result["ner"][0]["label"] == "PER" and result["sentiment"] == "sad"
    assert result["box"][0]["width"] == 240 and result["rank"] == {"good": ["b"]}
    assert (first["user"], first["lead_time_ms"], first["created_at"]) == ("ann@example.com", 42500,
                                                                          "2025-05-02T11:12:13Z")
    assert second["user"] == "bob@example.com" and second["result"] == {"sentiment": "happy"}
    assert row["external_id"] == "41" and row["data"]["items"] == DATA["items"]


def test_json_min_rows_of_one_task_become_one_task_with_its_annotations():
    from labelwise.formats import labelstudio_min
    _check_min([r.value for r in labelstudio_min.read(io.BytesIO(json.dumps(JSON_MIN).encode()), schema=SCHEMA)])


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_label_studio_csv_and_tsv_with_json_cells(delimiter):
    import csv

    from labelwise.formats import labelstudio_min
    columns = list(dict.fromkeys(key for row in JSON_MIN for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=delimiter)
    writer.writeheader()
    for row in JSON_MIN:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    read = labelstudio_min.read_csv if delimiter == "," else labelstudio_min.read_tsv
    _check_min([r.value for r in read(io.BytesIO(out.getvalue().encode()), schema=SCHEMA)])


def test_multi_page_images_become_a_paged_object_and_item_index_its_page():
    schema_dict, warnings = convert('<View><Image name="pages" valueList="$images"/>'
                                    '<RectangleLabels name="r" toName="pages"><Label value="a"/></RectangleLabels></View>')
    assert schema_dict["objects"]["pages"] == {"type": "pdf", "field": "images"} and warnings == []
    schema = parse_schema(schema_dict)
    item = {"id": "x", "from_name": "r", "to_name": "pages", "type": "rectanglelabels", "item_index": 1,
            "original_width": 200, "original_height": 100, "image_rotation": 0,
            "value": {"x": 10, "y": 10, "width": 50, "height": 50, "rotation": 0, "rectanglelabels": ["a"]}}
    export = [{"id": 1, "data": {"images": ["https://e.com/1.png", "https://e.com/2.png"]},
               "annotations": [{"result": [item]}]}]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    assert row["data"]["images"][1] == {"src": "https://e.com/2.png", "width": 200, "height": 100}
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    assert result["r"] == [{"id": "x", "x": 20, "y": 10, "width": 100, "height": 50, "rotation": 0, "label": "a",
                            "page": 1}]
    task = ls.to_task({"id": 1, "data": row["data"], "annotations": [{"result": result}]}, schema=schema)
    assert task["data"]["images"] == ["https://e.com/1.png", "https://e.com/2.png"]
    assert task["annotations"][0]["result"] == [item]


HTML = '<div><p>Hello <b>Ann</b> &amp; co</p><br><p>Bye<script>x()</script> now</p></div>'


def test_hypertext_spans_count_in_the_html_text_like_global_offsets_and_write_back_xpaths():
    schema_dict, warnings = convert('<View><HyperText name="page" value="$html"/>'
                                    '<HyperTextLabels name="ner" toName="page"><Label value="PER"/></HyperTextLabels></View>')
    assert schema_dict["objects"]["page"] == {"type": "text", "field": "html", "html": True} and warnings == []
    schema = parse_schema(schema_dict)
    item = {"id": "h1", "from_name": "ner", "to_name": "page", "type": "hypertextlabels",
            "value": {"start": "/div[1]/p[1]/b[1]/text()[1]", "end": "/div[1]/p[1]/text()[2]", "startOffset": 0,
                      "endOffset": 4, "globalOffsets": {"start": 6, "end": 13}, "text": "Ann & c",
                      "hypertextlabels": ["PER"]}}
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(
        [{"data": {"html": HTML}, "annotations": [{"result": [item]}]}]).encode()), schema=schema)]
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    assert result["ner"] == [{"id": "h1", "start": 6, "end": 13, "text": "Ann & c", "label": "PER"}]
    task = ls.to_task({"id": 1, "data": row["data"], "annotations": [{"result": result}]}, schema=schema)
    assert task["annotations"][0]["result"] == [item]
    with pytest.raises(Exception, match="characters 6..13"):
        validate_result(schema, row["data"], {"ner": [{"start": 6, "end": 13, "text": "<b>Ann", "label": "PER"}]})


def test_video_rectangles_without_a_size_are_kept_as_written_and_written_back():
    schema = parse_schema(convert('<View><Video name="video" value="$video"/><Labels name="l" toName="video">'
                                  '<Label value="Man"/></Labels><VideoRectangle name="box" toName="video"/></View>')[0])
    item = {"id": "v1", "from_name": "box", "to_name": "video", "type": "videorectangle", "origin": "manual",
            "value": {"framesCount": 100, "duration": 4, "labels": ["Man"], "sequence": [
                {"frame": 1, "enabled": True, "rotation": 0, "x": 10, "y": 10, "width": 20, "height": 20, "time": 0.04}]}}
    export = [{"id": 1, "data": {"video": "https://e.com/v.mp4"},
               "annotations": [{"completed_by": {"username": "ann"}, "result": [item]}]}]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    assert row["annotations"][0]["result"] == {}
    assert row["meta"]["labelstudio_unsized"] == {"a:ann": [item]}
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "result": {}}]}, schema=schema)
    assert task["annotations"][0]["result"] == [item]
    sized = json.loads(json.dumps(export))
    sized[0]["data"]["video"] = "https://e.com/v.mp4"
    sized[0]["annotations"][0]["result"][0]["original_width"] = 1280
    sized[0]["annotations"][0]["result"][0]["original_height"] = 720
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(sized).encode()), schema=schema)]
    assert row["annotations"][0]["result"]["box"][0]["keyframes"][0]["x"] == 128
