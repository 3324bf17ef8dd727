"""FUNSD-style and per-page COCO exports of a pdf object, read back (our reader, pycocotools)."""

import io
import json

from pycocotools.coco import COCO

from labelwise.formats import coco, documents, exporters
from labelwise.schema import parse_schema, validate_result

SCHEMA = parse_schema({
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "fields": {"type": "boxes", "object": "doc", "labels": ["question", "answer", "header"]},
        "entities": {"type": "spans", "object": "doc", "labels": ["question", "answer"]},
        "links": {"type": "relations", "controls": ["fields", "entities"], "labels": ["answer_of"]},
    },
})
DOC = {"src": "/api/v1/media/1/" + "a" * 64 + ".pdf", "pages": 2, "page_sizes": [[612, 792], [612, 792]]}
TEXT = "Total: 101"  # one box per character, as the text layer gives them
CHAR_BOXES = [[72 + 7 * i, 120, 6, 10] if c != " " else [0, 0, 0, 0] for i, c in enumerate(TEXT)]
RESULT = {
    "fields": [{"id": "h", "page": 0, "label": "header", "x": 72, "y": 60, "width": 200, "height": 20},
               {"id": "q", "page": 1, "label": "question", "x": 72, "y": 120, "width": 42, "height": 10},
               {"id": "a", "page": 1, "label": "answer", "x": 121, "y": 120, "width": 21, "height": 10}],
    "entities": [{"id": "s", "page": 1, "label": "answer", "start": 30, "end": 40, "text": TEXT, "boxes": CHAR_BOXES}],
    "links": [{"from": "q", "to": "a", "label": "answer_of"}, {"from": "q", "to": "s", "label": "answer_of"}],
}


def records():
    result = validate_result(SCHEMA, {"doc": DOC}, RESULT)
    return [{"id": 7, "data": {"doc": DOC}, "meta": {"filename": "invoice.pdf"}, "annotations": [{"result": result}]}]


def export(name: str) -> bytes:
    out = io.BytesIO()
    exporters.write(name, lambda _: records(), out, schema=SCHEMA, source="first")
    return out.getvalue()


def test_funsd_pages_hold_entities_with_words_boxes_labels_and_links():
    [doc] = json.loads(export("funsd"))["documents"]
    assert doc["task"] == 7 and doc["file_name"] == "invoice.pdf"
    first, second = doc["pages"]
    assert (first["page"], first["width"], first["height"]) == (0, 612, 792)
    [header] = first["form"]
    assert header["label"] == "header" and header["box"] == [72, 60, 272, 80]
    assert header["words"] == [] and header["text"] == ""  # a drawn box has no text of its own
    by_label = {e["label"]: e for e in second["form"] if "text" in e and e["text"] == TEXT}
    span = by_label["answer"]
    assert span["box"] == [72, 120, 72 + 7 * 9 + 6, 130]
    assert span["words"] == [{"text": "Total:", "box": [72, 120, 72 + 7 * 5 + 6, 130]},
                             {"text": "101", "box": [72 + 7 * 7, 120, 72 + 7 * 9 + 6, 130]}]
    question = next(e for e in second["form"] if e["label"] == "question")
    assert sorted(question["linking"]) == sorted([[question["id"], e["id"]] for e in second["form"]
                                                  if e["label"] == "answer"])


def test_funsd_reads_back_as_boxes_on_their_pages_with_relations():
    [row] = documents.read_funsd(io.BytesIO(export("funsd")), schema=SCHEMA)
    result = row.value["predictions"][0]["result"]
    boxes = {(b["page"], b["label"], b["x"], b["y"], b["width"], b["height"]) for b in result["fields"]}
    assert (0, "header", 72, 60, 200, 20) in boxes and (1, "question", 72, 120, 42, 10) in boxes
    assert (1, "answer", 72, 120, 69, 10) in boxes  # the span, by its boxes' union
    assert len(result["links"]) == 2
    data = {"doc": {**DOC, "src": row.value["data"]["doc"]["src"]}}
    validate_result(SCHEMA, data, result)  # what it reads is a valid result again


def test_page_coco_has_an_image_per_page_and_reads_back(tmp_path):
    path = tmp_path / "pages.json"
    path.write_bytes(export("coco-pages"))
    api = COCO(str(path))
    images = {img["file_name"]: img for img in api.dataset["images"]}
    assert set(images) == {"invoice-p1.png", "invoice-p2.png"}
    assert (images["invoice-p2.png"]["width"], images["invoice-p2.png"]["height"]) == (612, 792)
    on_page_2 = api.loadAnns(api.getAnnIds(imgIds=[images["invoice-p2.png"]["id"]]))
    assert sorted(a["bbox"] for a in on_page_2) == [[72, 120, 42, 10], [121, 120, 21, 10]]
    rows = list(coco.read(path.open("rb"), schema=None))
    assert [len((r.value.get("predictions") or [{"result": {}}])[0]["result"].get("boxes", [])) for r in rows] == [1, 2]


OCR_SCHEMA = parse_schema({
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "fields": {"type": "boxes", "object": "doc", "labels": ["question", "answer"]},
        "transcription": {"type": "text", "object": "doc", "per_region": True, "regions_of": "fields"},
    },
})


def test_funsd_boxes_take_the_words_of_the_text_layer_inside_them_and_their_transcription():
    words = [{"text": "Total:", "box": [72, 120, 41, 10], "start": 0, "end": 6},
             {"text": "101", "box": [121, 120, 20, 10], "start": 7, "end": 10},
             {"text": "elsewhere", "box": [300, 500, 60, 10], "start": 11, "end": 20}]
    result = validate_result(OCR_SCHEMA, {"doc": DOC}, {
        "fields": [{"id": "line", "page": 1, "label": "answer", "x": 70, "y": 118, "width": 75, "height": 14},
                   {"id": "scan", "page": 0, "label": "question", "x": 100, "y": 50, "width": 100, "height": 20}],
        "transcription": {"scan": "Due date"}})
    record = {"id": 3, "data": {"doc": DOC}, "meta": {}, "annotations": [{"result": result}],
              "page_words": {"1": words}}
    out = io.StringIO()
    documents.write_funsd([record], out, schema=OCR_SCHEMA, source="first")
    [doc] = json.loads(out.getvalue())["documents"]
    [scanned], [typed] = doc["pages"][0]["form"], doc["pages"][1]["form"]
    assert typed["text"] == "Total: 101"
    assert typed["words"] == [{"text": "Total:", "box": [72, 120, 113, 130]}, {"text": "101", "box": [121, 120, 141, 130]}]
    # A scan (no text layer): the transcription's tokens share the box by character count.
    assert scanned["text"] == "Due date"
    assert scanned["words"] == [{"text": "Due", "box": [100, 50, 137.5, 70]}, {"text": "date", "box": [150, 50, 200, 70]}]
    [row] = documents.read_funsd(io.BytesIO(out.getvalue().encode()), schema=OCR_SCHEMA)
    back = row.value["predictions"][0]["result"]
    assert sorted(back["transcription"].values()) == ["Due date", "Total: 101"]
