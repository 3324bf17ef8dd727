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
