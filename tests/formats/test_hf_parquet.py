"""`datasets` loads our Parquet with ClassLabel features; the file imports back; row groups stream."""

from __future__ import annotations

import io

import datasets
import pyarrow.parquet as pq
import pytest

from labelwise.errors import Invalid
from labelwise.formats import hf_parquet
from labelwise.schema import parse_schema
from tests.formats._helpers import record

SCHEMA = parse_schema({
    "objects": {"text": {"type": "text"}, "meta": {"type": "table"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative", "neutral"]},
        "topics": {"type": "choices", "object": "text", "options": ["billing", "shipping"], "multiple": True},
        "entities": {"type": "spans", "object": "text", "labels": ["ORG"]},
        "summary": {"type": "text", "object": "text"},
        "stars": {"type": "rating", "object": "text"},
    },
})


def _records(n: int = 5):
    out = []
    for i in range(n):
        result = {"sentiment": ["positive", "negative", "neutral"][i % 3], "topics": ["shipping", "billing"][: i % 3],
                  "entities": [{"id": "e", "start": 0, "end": 4, "label": "ORG"}], "summary": f"s{i}", "stars": 1 + i % 5}
        out.append(record(i + 1, {"text": f"Acme item {i}", "meta": {"n": i}}, consensus=result, confidence=0.5 + i / 100,
                          external_id=f"x{i}"))
    out.append(record(99, {"text": "{not json", "meta": {}}, {"summary": "only text"}))
    out.append(record(100, {"text": "unlabeled", "meta": {}}))
    return out


def test_datasets_loads_classlabel_features_and_values(tmp_path):
    path = tmp_path / "train.parquet"
    hf_parquet.write(iter(_records()), str(path), schema=SCHEMA, row_group_size=2)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3  # 6 labeled rows, 2 per group

    ds = datasets.Dataset.from_parquet(str(path))
    assert isinstance(ds.features["sentiment"], datasets.ClassLabel)
    assert ds.features["sentiment"].names == ["positive", "negative", "neutral"]
    topics = ds.features["topics"]
    inner = getattr(topics, "feature", None)
    assert isinstance(inner, datasets.ClassLabel) and inner.names == ["billing", "shipping"]
    assert ds.features["text"] == datasets.Value("string")
    assert ds.num_rows == 6
    first = ds[1]
    assert first["id"] == 2 and first["external_id"] == "x1" and first["text"] == "Acme item 1"
    assert ds.features["sentiment"].int2str(first["sentiment"]) == "negative"
    assert [inner.int2str(v) for v in first["topics"]] == ["shipping"]
    assert first["entities"] == [{"start": 0, "end": 4, "label": "ORG"}]
    assert first["stars"] == 2 and first["confidence"] == pytest.approx(0.51)
    assert ds[5]["sentiment"] == -1 and ds[5]["confidence"] is None  # unanswered; an annotation, not consensus

    loaded = datasets.load_dataset("parquet", data_files={"train": str(path)}, split="train")
    assert loaded.features == ds.features


def test_export_then_import_gives_back_data_and_labels():
    buffer = io.BytesIO()
    records = _records()
    hf_parquet.write(records, buffer, schema=SCHEMA, include_unlabeled=True)
    rows = list(hf_parquet.read(io.BytesIO(buffer.getvalue()), into="annotations"))
    assert [row.line for row in rows] == list(range(1, 8))
    for row, rec in zip(rows, records):
        assert row.value["data"] == rec["data"]
        want = rec["consensus"] or (rec["annotations"][0]["result"] if rec["annotations"] else None)
        if want is None:
            assert "annotations" not in row.value
            continue
        got = row.value["annotations"][0]["result"]
        want = {k: v for k, v in want.items() if v != []}  # an empty multiple choice reads as unanswered
        assert {k: v for k, v in got.items() if k != "entities"} == {k: v for k, v in want.items() if k != "entities"}
        assert [(s["start"], s["end"], s["label"]) for s in got.get("entities", [])] == \
               [(s["start"], s["end"], s["label"]) for s in want.get("entities", [])]


def test_foreign_parquet_imports_as_data_with_classlabels_decoded(tmp_path):
    ds = datasets.Dataset.from_dict({"sentence": ["a", "b"], "label": [1, 0]},
                                    features=datasets.Features({"sentence": datasets.Value("string"),
                                                                "label": datasets.ClassLabel(names=["neg", "pos"])}))
    ds.to_parquet(str(tmp_path / "glue.parquet"))
    rows = list(hf_parquet.read(str(tmp_path / "glue.parquet")))
    assert [row.value for row in rows] == [{"data": {"sentence": "a", "label": "pos"}},
                                           {"data": {"sentence": "b", "label": "neg"}}]


def test_a_corrupt_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 definitely not parquet")
    with pytest.raises(Invalid, match="not a readable Parquet file"):
        list(hf_parquet.read(str(bad)))
