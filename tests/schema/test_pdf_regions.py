"""Regions on a stored PDF document: boxes and spans with their page, spans carrying page boxes."""

import pytest

from labelwise.errors import Invalid
from labelwise.schema import parse_schema, validate_result

SCHEMA = parse_schema({
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "fields": {"type": "boxes", "object": "doc", "labels": ["question", "answer"]},
        "entities": {"type": "spans", "object": "doc", "labels": ["total", "date"], "allow_overlap": False},
    },
})
DATA = {"doc": {"src": "/api/v1/media/1/" + "a" * 64 + ".pdf", "pages": 3, "page_sizes": [[612, 792]] * 3}}


def span(**changes) -> dict:
    return {"start": 34, "end": 48, "page": 1, "label": "total", "boxes": [[72.0, 112.5, 101.2, 10.3]], **changes}


def test_a_span_on_a_page_keeps_its_offsets_and_boxes():
    result = validate_result(SCHEMA, DATA, {"entities": [span()]})
    [kept] = result["entities"]
    assert (kept["start"], kept["end"], kept["page"], kept["boxes"]) == (34, 48, 1, [[72.0, 112.5, 101.2, 10.3]])


def test_boxes_on_a_pdf_page_are_checked_against_that_pages_size():
    box = {"x": 10, "y": 10, "width": 50, "height": 20, "page": 2, "label": "answer"}
    assert validate_result(SCHEMA, DATA, {"fields": [box]})["fields"][0]["page"] == 2
    with pytest.raises(Invalid, match="extends past the image"):
        validate_result(SCHEMA, DATA, {"fields": [{**box, "x": 600}]})
    with pytest.raises(Invalid, match="page 3 does not exist; the document has 3 pages"):
        validate_result(SCHEMA, DATA, {"fields": [{**box, "page": 3}]})


@pytest.mark.parametrize("changes, words, field", [
    ({"page": 5}, "page 5 does not exist", "entities[0].page"),
    ({"page": None}, "page None does not exist", "entities[0].page"),
    ({"start": 50}, "the end must be after the start", "entities[0].end"),
    ({"start": 1.5}, "whole number", "entities[0].start"),
    ({"boxes": [[1, 2, 3]]}, "must be [x, y, w, h]", "entities[0].boxes[0]"),
    ({"boxes": [[600, 10, 50, 10]]}, "outside page 1", "entities[0].boxes[0]"),
    ({"boxes": "72,112"}, "list of [x, y, w, h]", "entities[0].boxes"),
])
def test_bad_pdf_spans_are_refused_naming_the_field(changes, words, field):
    with pytest.raises(Invalid, match=words.replace("[", r"\[")) as error:
        validate_result(SCHEMA, DATA, {"entities": [span(**changes)]})
    assert error.value.field.endswith(field)


def test_spans_overlap_only_on_the_same_page():
    other_page = span(page=2)
    validate_result(SCHEMA, DATA, {"entities": [span(), other_page]})
    with pytest.raises(Invalid, match="overlap"):
        validate_result(SCHEMA, DATA, {"entities": [span(), span(start=40, end=50, label="date")]})


def test_a_span_without_page_is_refused():
    bad = span()
    del bad["page"]
    with pytest.raises(Invalid, match="page"):
        validate_result(SCHEMA, DATA, {"entities": [bad]})


def test_a_document_level_choice_and_key_value_links_between_boxes_and_spans_across_pages():
    schema = parse_schema({
        "objects": {"doc": {"type": "pdf"}},
        "controls": {
            "kind": {"type": "choices", "object": "doc", "options": ["invoice", "receipt"]},
            "fields": {"type": "boxes", "object": "doc", "labels": ["key", "value"]},
            "entities": {"type": "spans", "object": "doc", "labels": ["total"]},
            "links": {"type": "relations", "controls": ["fields", "entities"], "labels": ["has_value"]},
        },
    })
    key = {"id": "k", "x": 72, "y": 100, "width": 40, "height": 12, "page": 0, "label": "key"}
    result = validate_result(schema, DATA, {"kind": "invoice", "fields": [key], "entities": [span(id="v")],
                                            "links": [{"from": "k", "to": "v", "label": "has_value"}]})
    assert result["kind"] == "invoice" and result["links"][0]["to"] == "v"
    with pytest.raises(Invalid, match="no-such"):
        validate_result(schema, DATA, {"fields": [key], "links": [{"from": "k", "to": "no-such", "label": "has_value"}]})


PAGED = {
    "objects": {"doc": {"type": "pdf"}},
    "controls": {"page_kind": {"type": "choices", "object": "doc", "per_page": True, "options": ["cover", "table"]},
                 "kind": {"type": "choices", "object": "doc", "options": ["invoice", "receipt"]}},
}


def test_page_level_and_document_level_classification():
    schema = parse_schema(PAGED)
    result = validate_result(schema, DATA, {"page_kind": {"0": "cover", "2": "table"}, "kind": "invoice"})
    assert result == {"page_kind": {"0": "cover", "2": "table"}, "kind": "invoice"}
    with pytest.raises(Invalid, match="page 3 does not exist; the document has 3 pages") as error:
        validate_result(schema, DATA, {"page_kind": {"3": "cover"}})
    assert error.value.field == "result.page_kind.3"
    with pytest.raises(Invalid, match="not a page index"):
        validate_result(schema, DATA, {"page_kind": {"first": "cover"}})
    with pytest.raises(Invalid, match="'cover page'"):
        validate_result(schema, DATA, {"page_kind": {"0": "cover page"}})


def test_per_page_needs_a_pdf_object():
    with pytest.raises(Invalid, match="per_page needs a pdf object") as error:
        parse_schema({"objects": {"t": {"type": "text"}},
                      "controls": {"c": {"type": "choices", "object": "t", "per_page": True, "options": ["a"]}}})
    assert error.value.field == "controls.c.per_page"
