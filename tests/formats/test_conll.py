"""CoNLL-2003/IOB2: seqeval reads our tags and finds the same entities; files import back into text and spans."""

from __future__ import annotations

import io

import pytest
from seqeval.metrics import classification_report
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2

from labelwise.errors import Invalid
from labelwise.formats import conll
from labelwise.schema import parse_schema
from tests.formats._helpers import normal, record

SCHEMA = parse_schema({
    "objects": {"review": {"type": "text"}},
    "controls": {"entities": {"type": "spans", "object": "review", "labels": ["PER", "ORG", "LOC"]}},
})
TEXT = "Ann Lee (née Smith) joined Acme-Corp.\nShe moved to São Paulo 🙂 in 2020."
SPANS = [
    {"id": "a", "start": 0, "end": 7, "label": "PER"},          # Ann Lee
    {"id": "b", "start": 13, "end": 18, "label": "PER"},        # Smith
    {"id": "c", "start": 27, "end": 36, "label": "ORG"},        # Acme-Corp (three tokens)
    {"id": "d", "start": 51, "end": 60, "label": "LOC"},        # São Paulo, after a newline
    {"id": "e", "start": 52, "end": 55, "label": "ORG"},        # overlaps d: dropped
]


def _export(records, **options) -> str:
    out = io.StringIO()
    conll.write(iter(records), out, schema=SCHEMA, **options)
    return out.getvalue()


def _sentences(text: str) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in text.splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
        elif not line.startswith("-DOCSTART-"):
            parts = line.split()
            current.append((parts[0], parts[-1]))
    return sentences + ([current] if current else [])


def test_tokenizer_keeps_code_point_offsets():
    tokens = conll.tokenize(TEXT)
    assert all(TEXT[t.start:t.end] == t.text for t in tokens)
    assert [t.text for t in tokens[:6]] == ["Ann", "Lee", "(", "née", "Smith", ")"]
    assert "🙂" in [t.text for t in tokens]


def test_seqeval_reads_the_tags_and_recovers_the_entities():
    text = _export([record(1, {"review": TEXT}, {"entities": SPANS}), record(2, {"review": "nothing here"})])
    assert text.count("-DOCSTART- -X- -X- O") == 1  # the unlabeled task is left out
    sentences = _sentences(text)
    assert len(sentences) == 2  # the newline in the text splits the sentences
    tags = [[tag for _, tag in sentence] for sentence in sentences]
    # seqeval joins the sentences with an "O" between them; index the tokens the same way.
    tokens = [token for sentence in sentences for token in [t for t, _ in sentence] + [""]]
    found = {(label, " ".join(tokens[start:end + 1])) for label, start, end in get_entities(tags)}
    assert found == {("PER", "Ann Lee"), ("PER", "Smith"), ("ORG", "Acme - Corp"), ("LOC", "São Paulo")}
    report = classification_report(tags, tags, output_dict=True, mode="strict", scheme=IOB2)
    assert report["PER"]["support"] == 2 and report["ORG"]["support"] == 1 and report["LOC"]["support"] == 1


def test_round_trip_gives_the_same_file_and_entities():
    first = _export([record(1, {"review": TEXT}, consensus={"entities": SPANS})], columns=2)
    rows = list(conll.read(io.BytesIO(first.encode()), schema=SCHEMA))
    assert len(rows) == 1 and rows[0].line == 3
    data = rows[0].value["data"]
    result = normal(SCHEMA, data, rows[0].value["predictions"][0]["result"])  # offsets valid for the new text
    got = [(data["review"][s["start"]:s["end"]], s["label"]) for s in result["entities"]]
    assert got == [("Ann Lee", "PER"), ("Smith", "PER"), ("Acme - Corp", "ORG"), ("São Paulo", "LOC")]
    again = _export([record(1, data, result)], columns=2)
    assert again == first


def test_iob1_and_bioes_files_import_and_sentences_without_docstart_are_tasks():
    text = "EU I-ORG\nrejects O\nGerman I-MISC\ncall O\n\nPeter S-PER\nBlack B-PER\nGreen E-PER\n"
    rows = list(conll.read(io.BytesIO(text.encode()), control="ner", into="gold"))
    assert [row.line for row in rows] == [1, 6]
    first, second = (row.value for row in rows)
    assert first["data"] == {"text": "EU rejects German call"}
    assert [(s["start"], s["end"], s["label"]) for s in first["gold"]["ner"]] == [(0, 2, "ORG"), (11, 17, "MISC")]
    assert [(s["start"], s["end"], s["label"]) for s in second["gold"]["ner"]] == [(0, 5, "PER"), (6, 17, "PER")]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("EU B-ORG\nrejects\n", 2, "expected a token and a tag"),
    ("EU B-ORG\nrejects X-ORG\n", 2, "'X-ORG' is not an IOB tag"),
    ("EU B-ORG\n\xff\xfe O\n", 2, "not valid UTF-8"),
])
def test_bad_lines_are_named(text, line, words):
    raw = text.encode("latin-1") if "\xff" in text else text.encode()
    with pytest.raises(Invalid) as error:
        list(conll.read(io.BytesIO(raw)))
    assert error.value.line == line and words in error.value.message
