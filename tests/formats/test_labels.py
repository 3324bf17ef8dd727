"""Which result an export takes per task, the minimal one-label row, and import row values."""

from __future__ import annotations

import io

import pytest

from labelwise.formats import delimited, jsonl
from labelwise.formats.labels import final_result, final_results, import_row, minimal_columns, minimal_row
from labelwise.schema import parse_schema
from tests.formats._helpers import record

SCHEMA = parse_schema({
    "objects": {"text": {"type": "text"}},
    "controls": {"sentiment": {"type": "choices", "object": "text", "options": ["pos", "neg"]},
                 "topics": {"type": "choices", "object": "text", "options": ["a", "b"], "multiple": True}},
})


def test_consensus_first_and_all():
    rec = record(1, {"text": "hi"}, {"sentiment": "neg"}, {"sentiment": "pos"}, consensus={"sentiment": "pos"})
    rec["annotations"].insert(0, {"status": "skipped", "result": {"sentiment": "neg"}})
    assert final_result(rec) == {"sentiment": "pos"}
    assert final_result(rec, source="first") == {"sentiment": "neg"}
    assert final_results(rec, source="all") == [{"sentiment": "neg"}, {"sentiment": "pos"}]
    no_consensus = record(2, {"text": "x"}, {"sentiment": "neg"})
    assert final_result(no_consensus) == {"sentiment": "neg"}
    assert final_result(record(3, {"text": "x"})) is None
    assert final_result(record(4, {"text": "x"}, consensus={})) is None  # an empty consensus is no consensus
    with pytest.raises(ValueError):
        final_result(rec, source="all")
    with pytest.raises(ValueError):
        final_results(rec, source="best")


def test_minimal_rows_feed_the_jsonl_and_csv_writers():
    records = [record(1, {"text": "hi", "sentiment": "data clash"}, consensus={"sentiment": "pos", "topics": ["b"]},
                      confidence=0.9, external_id="e1"),
               record(2, {"text": "yo", "sentiment": "x"}, {"sentiment": "neg"})]
    rows = [minimal_row(r, schema=SCHEMA) for r in records]
    assert rows[0] == {"id": 1, "external_id": "e1", "text": "hi", "data.sentiment": "data clash",
                       "sentiment": "pos", "topics": ["b"], "confidence": 0.9}
    assert rows[1]["confidence"] is None and rows[1]["topics"] is None
    out = io.StringIO()
    jsonl.write(rows, out)
    assert out.getvalue().splitlines()[1] == ('{"id":2,"external_id":null,"text":"yo","data.sentiment":"x",'
                                              '"sentiment":"neg","topics":null,"confidence":null}')
    columns = minimal_columns(SCHEMA, data_fields=["text", "sentiment"])
    assert columns == ["id", "external_id", "text", "data.sentiment", "sentiment", "topics", "confidence"]
    out = io.StringIO()
    delimited.write(rows, out, columns=columns)
    assert out.getvalue().splitlines()[1] == '1,e1,hi,data clash,pos,"[""b""]",0.9'


def test_import_row_places_the_result():
    data = {"text": "hi"}
    assert import_row(data, None) == {"data": data}
    assert import_row(data, {"s": "pos"}, model_version="m")["predictions"] == [{"model_version": "m", "result": {"s": "pos"}}]
    assert import_row(data, {"s": "pos"}, into="annotations", user="ann")["annotations"] == [{"result": {"s": "pos"}, "user": "ann"}]
    assert import_row(data, {"s": "pos"}, into="gold", external_id="7") == {"data": data, "external_id": "7", "gold": {"s": "pos"}}
    with pytest.raises(ValueError):
        import_row(data, {}, into="labels")
