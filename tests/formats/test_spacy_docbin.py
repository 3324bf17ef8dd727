"""spaCy reads our DocBin: entities and span groups at our character offsets, cats from choices."""

from __future__ import annotations

import io
import sys

import pytest
import spacy
from spacy.tokens import DocBin

from labelwise.errors import Invalid
from labelwise.formats import spacy_docbin
from labelwise.schema import parse_schema
from tests.formats._helpers import record

SCHEMA = parse_schema({
    "objects": {"review": {"type": "text"}},
    "controls": {
        "entities": {"type": "spans", "object": "review", "labels": ["PER", "ORG", "LOC"]},
        "sentiment": {"type": "choices", "object": "review", "options": ["positive", "negative"]},
    },
})
TEXT = "Ann Lee met the Acme board in São Paulo 🙂 yesterday."
SPANS = [{"id": "a", "start": 0, "end": 7, "label": "PER"},
         {"id": "b", "start": 16, "end": 20, "label": "ORG"},
         {"id": "c", "start": 30, "end": 39, "label": "LOC"},
         {"id": "d", "start": 30, "end": 33, "label": "ORG"},   # overlaps c: only in the span group
         {"id": "e", "start": 1, "end": 3, "label": "PER"}]     # inside a token: expanded, overlaps a


def _records():
    return [record(1, {"review": TEXT}, {"entities": SPANS, "sentiment": "positive"}, external_id="r-1"),
            record(2, {"review": "Nothing."}, {"sentiment": "negative"}),
            record(3, {"review": "Unlabeled."})]


def _docs(path):
    nlp = spacy.blank("en")
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def test_spacy_reads_entities_spans_and_cats_at_our_offsets(tmp_path):
    path = tmp_path / "train.spacy"
    spacy_docbin.write(iter(_records()), str(path), schema=SCHEMA)
    docs = _docs(path)
    assert len(docs) == 2  # the unlabeled task is left out
    doc = docs[0]
    assert doc.text == TEXT
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(0, 7, "PER"), (16, 20, "ORG"), (30, 39, "LOC")]
    group = sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["entities"])
    assert group == [(0, 3, "PER"), (0, 7, "PER"), (16, 20, "ORG"), (30, 33, "ORG"), (30, 39, "LOC")]
    assert doc.cats == {"positive": 1.0, "negative": 0.0}
    assert doc.user_data["id"] == 1 and doc.user_data["external_id"] == "r-1"
    assert docs[1].cats == {"positive": 0.0, "negative": 1.0} and list(docs[1].ents) == []


def test_stream_target_and_shards(tmp_path):
    buffer = io.BytesIO()
    spacy_docbin.write(_records(), buffer, schema=SCHEMA)
    docs = list(DocBin().from_bytes(buffer.getvalue()).get_docs(spacy.blank("en").vocab))
    assert [d.text for d in docs] == [TEXT, "Nothing."]

    many = [record(i, {"review": f"Item {i} from Acme"}, {"entities": [{"id": "x", "start": 12, "end": 16,
                                                                       "label": "ORG"}]}) for i in range(5)]
    spacy_docbin.write(iter(many), tmp_path / "corpus", schema=SCHEMA, shard_size=2)
    parts = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    assert parts == ["part-00000.spacy", "part-00001.spacy", "part-00002.spacy"]
    texts = [d.text for part in parts for d in _docs(tmp_path / "corpus" / part)]
    assert texts == [f"Item {i} from Acme" for i in range(5)]


def test_clear_errors_for_missing_spacy_and_wrong_schema(monkeypatch, tmp_path):
    choices_only = parse_schema({"objects": {"img": {"type": "image"}},
                                 "controls": {"c": {"type": "choices", "object": "img", "options": ["a"]}}})
    with pytest.raises(Invalid, match="no spans or choices on a text object"):
        spacy_docbin.write([], tmp_path / "x.spacy", schema=choices_only)
    with pytest.raises(Invalid, match="task 4: data.review is not text"):
        spacy_docbin.write([record(4, {"review": 5}, {"sentiment": "positive"})], tmp_path / "x.spacy", schema=SCHEMA)
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(RuntimeError, match="pip install spacy"):
        spacy_docbin.write([], tmp_path / "x.spacy", schema=SCHEMA)
