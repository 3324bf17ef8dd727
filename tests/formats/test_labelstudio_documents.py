"""Label Studio's document configs convert to pdf objects and their controls: `<Pdf>` with document- and
page-level (`perItem`) choices, `<OcrLabels>` boxes each holding their text, `<Labels>` as spans over a
page's text layer; and the OCR template (Image + Rectangle/Polygon + Labels + TextArea perRegion) is
what the OCR job fills."""

import pytest

from labelwise.core.assist import ocr
from labelwise.errors import Invalid
from labelwise.formats.labelstudio_config import convert
from labelwise.schema import parse_schema, validate_result
from tests.formats.ls_templates import TEMPLATES

STORED = {"src": "/api/v1/media/1/" + "a" * 64 + ".pdf", "pages": 2, "page_sizes": [[612, 792], [612, 792]]}


def test_the_pdf_classification_template_answers_for_the_document_and_per_page():
    schema_dict, warnings = convert(TEMPLATES["pdf_classification"])
    assert warnings == []
    assert schema_dict["objects"] == {"pdf": {"type": "pdf"}}
    assert schema_dict["controls"]["doc_type"]["description"] == "What kind of document is this?"
    assert schema_dict["controls"]["page_type"]["per_page"] is True
    schema = parse_schema(schema_dict)
    result = validate_result(schema, {"pdf": STORED}, {"doc_type": "Invoice", "page_type": {"0": "Cover",
                                                                                             "1": "Signature"}})
    assert result == {"doc_type": "Invoice", "page_type": {"0": "Cover", "1": "Signature"}}
    with pytest.raises(Invalid, match="page"):
        validate_result(schema, {"pdf": STORED}, {"page_type": {"5": "Body"}})


def test_the_pdf_ocr_template_gives_boxes_with_text_spans_and_links():
    schema_dict, warnings = convert(TEMPLATES["pdf_ocr"])
    assert warnings == []
    controls = schema_dict["controls"]
    assert controls["fields"]["type"] == "boxes" and controls["fields"]["labels"] == ["Question", "Answer"]
    assert controls["fields_text"] == {"type": "text", "object": "document", "per_region": True,
                                       "regions_of": "fields"}
    assert controls["entities"] == {"type": "spans", "object": "document", "labels": ["Company", "Amount"]}
    schema = parse_schema(schema_dict)
    data = {"document": STORED}
    result = validate_result(schema, data, {
        "fields": [{"id": "q", "page": 0, "x": 72, "y": 72, "width": 120, "height": 16, "label": "Question"},
                   {"id": "a", "page": 1, "x": 300, "y": 72, "width": 80, "height": 16, "label": "Answer"}],
        "fields_text": {"q": "Total:", "a": "100 EUR"},
        "entities": [{"id": "e", "page": 1, "start": 0, "end": 7, "label": "Amount",
                      "boxes": [[300, 72, 80, 16]]}],
        "relations": [{"from": "q", "to": "a", "label": "answer_of"}],
    })
    assert result["fields_text"] == {"q": "Total:", "a": "100 EUR"} and result["fields"][1]["page"] == 1
    with pytest.raises(Invalid, match="page"):
        validate_result(schema, data, {"fields": [{"id": "q", "page": 2, "x": 1, "y": 1, "width": 5, "height": 5,
                                                   "label": "Question"}]})
    # The OCR job fills these: OcrLabels boxes, their text in the added per-region control.
    assert ocr.plan(schema) == {"object": "document", "field": "document", "type": "pdf", "boxes": "fields",
                                "text": "fields_text", "label": "Question"}


def test_ocr_labels_with_its_own_per_region_text_area_gets_no_second_one():
    xml = """<View><Pdf name="doc" value="$doc"/>
      <OcrLabels name="ocr" toName="doc"><Label value="Line"/></OcrLabels>
      <TextArea name="transcription" toName="doc" perRegion="true" editable="true"/></View>"""
    schema_dict, warnings = convert(xml)
    assert warnings == [] and "ocr_text" not in schema_dict["controls"]
    assert schema_dict["controls"]["transcription"]["regions_of"] == "ocr"


def test_the_ocr_template_is_what_the_ocr_job_fills():
    schema = parse_schema(convert(TEMPLATES["ocr"])[0])
    chosen = ocr.plan(schema)
    assert (chosen["object"], chosen["field"], chosen["boxes"], chosen["text"], chosen["label"]) == (
        "image", "ocr", "bbox", "transcription", "Text")
    lines = [{"page": None, "text": "Invoice 4711", "box": [10, 10, 60, 12], "score": 0.98,
              "words": [{"text": "Invoice", "box": [10, 10, 35, 12], "score": 0.99},
                        {"text": "4711", "box": [50, 10, 20, 12], "score": 0.97}]}]
    result, score = ocr.to_result(lines, chosen, level="words")
    checked = validate_result(schema, {"ocr": {"src": "/a.png", "width": 100, "height": 40}}, result)
    assert [checked["transcription"][box["id"]] for box in checked["bbox"]] == ["Invoice", "4711"]
    assert score == 0.98 and all("page" not in box for box in checked["bbox"])


def test_a_project_is_created_from_the_pdf_ocr_config(client, session):
    from tests.factories import make_user

    owner = make_user(session, "owner", admin=True)
    response = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                           json={"name": "Forms", "label_config_xml": TEMPLATES["pdf_ocr"]})
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []
