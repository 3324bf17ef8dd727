"""Result items Label Studio 1.23.2 stores without checking (as its exports of its templates' SDK samples hold
them) are kept as written and flagged, not refused, and written back on export."""

from __future__ import annotations

import io
import json

import pytest

from labelwise.errors import Invalid
from labelwise.formats import labelstudio_json as ls
from labelwise.formats.labelstudio_config import convert
from labelwise.schema import parse_schema, validate_result

CONFIG = """
<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Relations><Relation value="knows"/></Relations>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <ParagraphLabels name="turns" toName="dialogue"><Label value="Question"/></ParagraphLabels>
  <Audio name="audio" value="$audio"/>
  <Labels name="speech" toName="audio"><Label value="Speech"/></Labels>
  <Rating name="quality" toName="audio" perRegion="true"/>
</View>"""
SCHEMA = parse_schema(convert(CONFIG)[0])

DATA = {"text": "Ann met Bob.", "audio": "https://example.com/a.wav",
        "dialogue": [{"author": "A", "text": "Hi?"}, {"author": "B", "text": "Hello."}]}
GOOD = {"id": "n1", "from_name": "ner", "to_name": "text", "type": "labels",
        "value": {"start": 0, "end": 3.0, "text": "Ann", "labels": ["PER"]}}  # 3.0: SDK samples write floats
BACKWARDS = {"id": "n2", "from_name": "ner", "to_name": "text", "type": "labels",
             "value": {"start": 8, "end": 4, "text": "", "labels": ["ORG"]}}
NO_PARAGRAPH = {"id": "p1", "from_name": "turns", "to_name": "dialogue", "type": "paragraphlabels",
                "value": {"start": "7009", "end": "7009", "startOffset": 0, "endOffset": 2, "text": "Hi",
                          "paragraphlabels": ["Question"]}}
ORPHAN_ANSWER = {"id": "gone", "from_name": "quality", "to_name": "audio", "type": "rating",
                 "value": {"start": 1.5, "end": 2.5, "channel": 0, "rating": 3}}
CHAT_MESSAGE = {"id": "m1", "from_name": "chat", "to_name": "chat", "type": "chatmessage",
                "value": {"chatmessage": {"role": "user", "content": "and then?", "createdAt": 1733000000000}}}
RELATION = {"from_id": "n2", "to_id": "n1", "type": "relation", "direction": "right", "labels": ["knows"]}
KEPT = [BACKWARDS, NO_PARAGRAPH, ORPHAN_ANSWER, CHAT_MESSAGE, RELATION]


def _row(items, key="annotations"):
    entry = {"completed_by": {"id": 1, "email": "ann@example.com", "username": "ann"}, "result": items}
    if key == "predictions":
        entry = {"model_version": "sdk", "score": 0.5, "result": items}
    export = [{"id": 3, "data": DATA, key: [entry]}]
    [row] = ls.read(io.BytesIO(json.dumps(export).encode()), schema=SCHEMA)
    return row.value


@pytest.mark.parametrize("key", ["annotations", "predictions"])
def test_items_label_studio_never_checked_are_kept_as_written_and_flagged(key):
    row = _row([GOOD, *KEPT], key)
    result = row[key][0]["result"]
    assert validate_result(SCHEMA, row["data"], result) == {"ner": [
        {"id": "n1", "start": 0, "end": 3, "text": "Ann", "label": "PER"}]}  # a whole-number float is a number
    owner = "a:ann" if key == "annotations" else "p:sdk"
    assert sorted(map(json.dumps, row["meta"]["labelstudio_unsized"][owner])) == sorted(map(json.dumps, KEPT))
    flags = row["meta"]["out_of_range"]
    assert len(flags) == 5 and all(flag.startswith(f"{key}[0]: ") for flag in flags)
    assert all(flag.endswith("kept as Label Studio wrote it") for flag in flags)
    joined = "\n".join(flags)
    for words in ("from_name 'chat' is not a control", "paragraph 7009 does not exist; the task has 2",
                  "span 1 starts at 8 but ends at 4", "an answer for region 'gone'", "result.relations[0]"):
        assert words in joined


def test_what_was_kept_is_written_back_to_label_studio_unchanged():
    row = _row([GOOD, *KEPT])
    result = validate_result(SCHEMA, row["data"], row["annotations"][0]["result"])
    task = ls.to_task({"id": 3, "data": row["data"], "meta": row["meta"],
                       "annotations": [{"user": "ann", "status": "submitted", "result": result}]}, schema=SCHEMA)
    written = task["annotations"][0]["result"]
    assert sorted(map(json.dumps, written[1:])) == sorted(map(json.dumps, KEPT))
    assert written[0]["value"] == {**GOOD["value"], "end": 3}
    assert "out_of_range" in task["meta"]  # and read again, the flags are found anew, not doubled
    [again] = ls.read(io.BytesIO(json.dumps([task]).encode()), schema=SCHEMA)
    assert len(again.value["meta"]["out_of_range"]) == len(row["meta"]["out_of_range"])


def test_an_item_that_is_not_an_object_is_still_refused_with_its_place():
    with pytest.raises(Invalid, match=r"task 1.annotations\[0\].result\[1\]: a result item needs a 'type'"):
        _row([GOOD, "not an item"])


MIN_CONFIG = """
<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="label" toName="audio"><Label value="Speech"/><Label value="Noise"/></Labels>
  <TextArea name="transcription" toName="audio" perRegion="true"/>
  <Choices name="sentiment" toName="audio" perRegion="true"><Choice value="Positive"/><Choice value="Negative"/></Choices>
</View>"""
MIN_SCHEMA = parse_schema(convert(MIN_CONFIG)[0])
SEGMENT = {"start": 1.25, "end": 3.5, "channel": 0, "labels": ["Speech"]}
# Label Studio's JSON_MIN (and CSV/TSV) write a per-region answer without the region it belongs to
MIN_ROWS = [
    {"id": 5, "audio": "https://example.com/a.wav", "label": [SEGMENT],
     "transcription": {"text": ["quas dolor", "placeat"]}, "sentiment": "Negative",
     "annotator": "ann@example.com", "annotation_id": 1, "lead_time": 3.5},
    {"id": 6, "audio": "https://example.com/b.wav", "label": [SEGMENT, {**SEGMENT, "labels": ["Noise"]}],
     "transcription": "which one?", "annotator": "ann@example.com", "annotation_id": 2},
]


def _min_rows(fmt):
    from labelwise.formats import labelstudio_min
    if fmt == "json":
        return [r.value for r in labelstudio_min.read(io.BytesIO(json.dumps(MIN_ROWS).encode()), schema=MIN_SCHEMA)]
    import csv
    columns = list(dict.fromkeys(key for row in MIN_ROWS for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter="," if fmt == "csv" else "\t")
    writer.writeheader()
    for row in MIN_ROWS:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    read = labelstudio_min.read_csv if fmt == "csv" else labelstudio_min.read_tsv
    return [r.value for r in read(io.BytesIO(out.getvalue().encode()), schema=MIN_SCHEMA)]


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_a_flat_per_region_answer_joins_the_one_region_or_is_kept_and_flagged(fmt):
    one, two = _min_rows(fmt)
    result = validate_result(MIN_SCHEMA, one["data"], one["annotations"][0]["result"])
    [segment] = result["label"]
    assert (segment["start"], segment["end"], segment["label"]) == (1.25, 3.5, "Speech")
    assert result["transcription"] == {segment["id"]: "quas dolor\nplaceat"}
    assert result["sentiment"] == {segment["id"]: "Negative"}
    assert "meta" not in one or "out_of_range" not in one["meta"]

    result = validate_result(MIN_SCHEMA, two["data"], two["annotations"][0]["result"])
    assert [s["label"] for s in result["label"]] == ["Speech", "Noise"] and "transcription" not in result
    [kept] = two["meta"]["labelstudio_unsized"]["a:ann@example.com"]
    assert kept == {"from_name": "transcription", "to_name": "audio", "type": "textarea",
                    "value": {"text": ["which one?"]}}
    [flag] = two["meta"]["out_of_range"]
    assert "per-region control 'transcription' without the region it belongs to" in flag
    task = ls.to_task({"id": 6, "data": two["data"], "meta": two["meta"], "annotations": [
        {"user": "ann@example.com", "status": "submitted", "result": result}]}, schema=MIN_SCHEMA)
    assert task["annotations"][0]["result"][-1] == kept  # written back for Label Studio as it was


def test_a_region_with_several_labels_keeps_the_first_and_writes_all_back():
    both = {**GOOD, "value": {**GOOD["value"], "end": 3, "labels": ["PER", "ORG"]}}
    row = _row([both])
    result = validate_result(SCHEMA, row["data"], row["annotations"][0]["result"])
    assert result["ner"][0]["label"] == "PER"
    [flag] = row["meta"]["out_of_range"]
    assert flag == ("annotations[0]: result[0]: region 'n1' has 2 labels (PER, ORG); its label here is the first, "
                    "all are written back to Label Studio")

    def written(result):
        task = ls.to_task({"id": 3, "data": row["data"], "meta": row["meta"],
                           "annotations": [{"user": "ann", "status": "submitted", "result": result}]}, schema=SCHEMA)
        return task["annotations"][0]["result"]
    assert written(result) == [both]
    relabeled = {"ner": [{**result["ner"][0], "label": "ORG"}]}  # changed here: the kept list no longer holds
    assert written(relabeled)[0]["value"]["labels"] == ["ORG"]


def test_a_flat_export_region_with_several_labels_writes_all_back():
    rows = [{**MIN_ROWS[0], "label": [{**SEGMENT, "labels": ["Speech", "Noise"]}]}]
    from labelwise.formats import labelstudio_min
    [row] = [r.value for r in labelstudio_min.read(io.BytesIO(json.dumps(rows).encode()), schema=MIN_SCHEMA)]
    result = validate_result(MIN_SCHEMA, row["data"], row["annotations"][0]["result"])
    assert result["label"][0]["label"] == "Speech" and len(row["meta"]["out_of_range"]) == 1
    task = ls.to_task({"id": 5, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann@example.com", "status": "submitted", "result": result}]}, schema=MIN_SCHEMA)
    [segment] = [item for item in task["annotations"][0]["result"] if item["from_name"] == "label"]
    assert segment["value"]["labels"] == ["Speech", "Noise"]


def test_keypoint_ids_and_widths_and_a_list_of_texts_are_written_back_as_label_studio_wrote_them():
    schema = parse_schema(convert("""
<View>
  <Image name="img-1" value="$image"/>
  <KeyPointLabels name="kp-1" toName="img-1"><Label value="Face"/><Label value="Nose"/></KeyPointLabels>
  <TextArea name="caption" toName="img-1"/>
</View>""")[0])
    size = {"original_width": 640, "original_height": 480, "image_rotation": 0}
    items = [
        {"id": "2eb5014e-a447", "from_name": "kp-1", "to_name": "img-1", "type": "keypointlabels", **size,
         "value": {"x": 10.5, "y": 20.25, "keypointlabels": ["Face"]}},  # the SDK's sample: no width
        {"id": "Xy7", "from_name": "kp-1", "to_name": "img-1", "type": "keypointlabels", **size,
         "value": {"x": 50, "y": 50, "width": 0.75, "keypointlabels": ["Nose"]}},  # the editor's: a width
        {"id": "c1", "from_name": "caption", "to_name": "img-1", "type": "textarea",
         "value": {"text": ["nobis", "molestias, repellendus"]}},
    ]
    export = [{"id": 1, "data": {"image": "https://e.com/a.jpg"},
               "annotations": [{"completed_by": {"username": "ann"}, "result": items}]}]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    assert result["caption"] == "nobis\nmolestias, repellendus" and len(result["kp-1"]) == 1
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "status": "submitted", "result": result}]}, schema=schema)
    written = task["annotations"][0]["result"]
    assert [{k: v for k, v in item.items()} for item in written] == [
        {**item, "value": pytest.approx(item["value"])} if item["type"] == "keypointlabels" else item
        for item in items]
    edited = {**result, "caption": "one line now"}  # changed here: written as it is now
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "status": "submitted", "result": edited}]}, schema=schema)
    assert task["annotations"][0]["result"][-1]["value"] == {"text": ["one line now"]}


def test_a_required_control_left_unanswered_by_label_studio_is_imported_and_flagged():
    from labelwise.core.dataio.importing import _parse_row
    from labelwise.formats.rows import Row
    schema = parse_schema(convert("""
<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="labels" toName="audio"><Label value="Segment"/></Labels>
  <Choices name="intent" toName="audio" perRegion="true" required="true"><Choice value="Unsatisfied"/></Choices>
</View>""")[0])
    orphan = {"id": "827aa87e", "from_name": "intent", "to_name": "audio", "type": "choices",
              "value": {"start": 1, "end": 2, "channel": 0, "choices": ["Unsatisfied"]}}
    export = [{"id": 1, "data": {"audio": "https://e.com/a.wav"},
               "predictions": [{"model_version": "sdk", "result": [orphan]}]}]
    [row] = ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)
    pending = _parse_row(schema, Row(1, row.value), project_id=1, overlap=1, now=None, keep_out_of_range=True)
    assert pending.predictions[0]["result"] == {}
    flags = pending.task["meta"]["out_of_range"]
    assert "an answer for region '827aa87e'" in flags[0] and flags[0].endswith("kept as Label Studio wrote it")
    assert flags[1] == "predictions[0]: result.intent: control 'intent' is required but has no answer"
    with pytest.raises(Invalid, match="control 'intent' is required"):
        _parse_row(schema, Row(1, row.value), project_id=1, overlap=1, now=None)


def test_an_audio_segment_without_a_channel_and_an_instant_time_series_point_are_written_back_as_written():
    schema = parse_schema(convert("""
<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="sound" toName="audio"><Label value="Dog"/></Labels>
  <TimeSeries name="ts" value="$csv" valueType="url" timeColumn="time"><Channel column="value"/></TimeSeries>
  <TimeSeriesLabels name="events" toName="ts"><Label value="Spike"/></TimeSeriesLabels>
</View>""")[0])
    items = [  # the SDK's samples: no channel on the segment (the editor writes 0); an instant event
        {"id": "s1", "from_name": "sound", "to_name": "audio", "type": "labels",
         "value": {"start": 1.25, "end": 3.5, "labels": ["Dog"]}},
        {"id": "s2", "from_name": "sound", "to_name": "audio", "type": "labels",
         "value": {"start": 4.0, "end": 5.0, "channel": 0, "labels": ["Dog"]}},
        {"id": "t1", "from_name": "events", "to_name": "ts", "type": "timeserieslabels",
         "value": {"start": 7, "end": 7, "instant": True, "timeserieslabels": ["Spike"]}},
    ]
    data = {"audio": "https://e.com/a.wav", "csv": "https://e.com/a.csv"}
    export = [{"id": 1, "data": data, "annotations": [{"completed_by": {"username": "ann"}, "result": items}]}]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "status": "submitted", "result": result}]}, schema=schema)
    assert task["annotations"][0]["result"] == items


def test_an_image_value_list_held_as_one_url_is_one_sized_page_and_written_back_as_one_url():
    schema = parse_schema(convert("""
<View>
  <Image name="image" valueList="$pages"/>
  <RectangleLabels name="rectangles" toName="image"><Label value="Title"/></RectangleLabels>
</View>""")[0])
    box = {"id": "r1", "from_name": "rectangles", "to_name": "image", "type": "rectanglelabels", "item_index": 0,
           "original_width": 1024, "original_height": 768, "image_rotation": 0,
           "value": {"x": 10.0, "y": 20.0, "width": 30.0, "height": 40.0, "rotation": 0, "rectanglelabels": ["Title"]}}
    export = [{"id": 1, "data": {"pages": "https://e.com/page.jpg"},  # Label Studio's SDK sample: one URL
               "annotations": [{"completed_by": {"username": "ann"}, "result": [box]}]}]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    assert row["data"]["pages"] == [{"src": "https://e.com/page.jpg", "width": 1024, "height": 768}]
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    assert result["rectangles"][0]["x"] == pytest.approx(102.4) and result["rectangles"][0]["page"] == 0
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "status": "submitted", "result": result}]}, schema=schema)
    assert task["data"]["pages"] == "https://e.com/page.jpg"
    assert task["annotations"][0]["result"] == [box]
    unpaged = {key: v for key, v in box.items() if key != "item_index"}  # the SDK's sample: no item_index
    export[0]["annotations"][0]["result"] = [unpaged]
    [row] = [r.value for r in ls.read(io.BytesIO(json.dumps(export).encode()), schema=schema)]
    result = validate_result(schema, row["data"], row["annotations"][0]["result"])
    task = ls.to_task({"id": 1, "data": row["data"], "meta": row["meta"], "annotations": [
        {"user": "ann", "status": "submitted", "result": result}]}, schema=schema)
    assert task["annotations"][0]["result"] == [unpaged]
