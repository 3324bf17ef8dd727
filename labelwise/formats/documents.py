"""Exports for document AI over a `pdf` object: FUNSD-style form JSON and COCO with one image per page.

FUNSD (Jaume et al., 2019) describes each page as `{"form": [entity, ...]}`, an entity being
`{"id", "text", "box": [x0, y0, x1, y1], "label", "words": [{"text", "box"}], "linking": [[from, to]]}`.
Here the file holds every page of every task, each page a FUNSD form plus where it comes from:
`{"documents": [{"task", "file_name", "pages": [{"page", "width", "height", "form"}]}]}`. Entities are
the boxes and the spans on the page; `linking` comes from relations between them. Coordinates are
PDF points from the page's top-left corner.

Words come from the page's text layer when the caller passes it (`page_words` on the record, which
the core export adds for stored PDFs): a box's words are the words whose centre lies in it, a span's
the words within its offsets. A box's `text` is its per-region text (an OCR transcription) when a
text control answers for it, else its words joined. A scanned page has no text layer: a box with a
transcription then gets one word per token of it, the box split by character count (an estimate);
a span without words falls back on its character boxes.

The per-page COCO export makes each page an image (`<file stem>-p<n>.png`, size from the document's
page sizes) and writes the page's boxes and polygons on it through `formats.coco`.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats import coco
from labelwise.formats._images import image_file_name
from labelwise.formats.labels import Source, final_results, import_row
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema, parse_schema

__all__ = ["write_funsd", "read_funsd", "write_page_coco"]

_COCO_KINDS = ("boxes", "polygons")


def write_funsd(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema,
                source: Source = "consensus", document: str | None = None) -> None:
    """FUNSD-style JSON of the boxes, spans and their relations on the schema's pdf object, page by page."""
    object_name, field = _pdf_object(schema, document)
    regions = [name for name, spec in schema.controls.items()
               if spec.type in ("boxes", "spans") and getattr(spec, "object", None) == object_name]
    relations = [name for name, spec in schema.controls.items() if spec.type == "relations"
                 and (spec.controls is None or set(spec.controls) & set(regions))]
    transcripts = _transcripts(schema, regions)
    fp.write('{"documents": [')
    for count, record in enumerate(records):
        value = (record.get("data") or {}).get(field)
        sizes = value.get("page_sizes") if isinstance(value, Mapping) else None
        pages: dict[int, list[dict]] = {}
        links: list[tuple[str, str]] = []
        numbers: dict[str, int] = {}
        page_words = record.get("page_words") or {}
        for result in final_results(record, source=source)[:1]:
            for name in regions:
                texts = result.get(transcripts.get(name, ""), None) or {}
                for region in result.get(name) or ():
                    words = page_words.get(str(region.get("page", 0))) or []
                    entity = _entity(region, len(numbers), words, texts.get(region.get("id")))
                    if entity is not None:
                        numbers[region["id"]] = entity["id"]
                        pages.setdefault(region.get("page", 0), []).append(entity)
            links = [(link["from"], link["to"]) for name in relations for link in result.get(name) or ()
                     if link.get("from") in numbers and link.get("to") in numbers]
        by_id = {entity["id"]: entity for form in pages.values() for entity in form}
        for start, end in links:
            pair = [numbers[start], numbers[end]]
            by_id[pair[0]]["linking"].append(pair)
            by_id[pair[1]]["linking"].append(pair)
        src = value.get("src") if isinstance(value, Mapping) else None
        out = {"task": record.get("id"), "file_name": image_file_name(record, src or f"task_{record.get('id')}"),
               "pages": [{"page": page, **_size(sizes, page), "form": pages[page]} for page in sorted(pages)]}
        fp.write(("," if count else "") + "\n" + json.dumps(out, ensure_ascii=False))
    fp.write("\n]}\n")


def read_funsd(fp: IO[bytes], *, schema: LabelSchema, into: str = "predictions", name: str = "the FUNSD file",
               document: str | None = None) -> Iterator[Row]:
    """Rows of the documents of a FUNSD-style file as written by `write_funsd`: each entity a box on its page
    under the schema's first boxes control on the pdf object (its text in the per-region text control on
    those boxes, when there is one), each link a relation."""
    object_name, field = _pdf_object(schema, document)
    boxes = next((n for n, s in schema.controls.items() if s.type == "boxes" and s.object == object_name), None)
    relations = next((n for n, s in schema.controls.items() if s.type == "relations"), None)
    transcript = _transcripts(schema, [boxes]).get(boxes) if boxes else None
    if boxes is None:
        raise Invalid(f"the schema has no boxes control on '{object_name}' to read FUNSD entities into", field="schema")
    try:
        top = json.load(fp)
        documents = top["documents"]
        for line, doc in enumerate(documents, start=1):
            result: dict[str, list] = {boxes: []}
            links: set[tuple[int, int]] = set()
            for page in doc["pages"]:
                for entity in page["form"]:
                    x0, y0, x1, y1 = entity["box"]
                    result[boxes].append({"id": f"e{entity['id']}", "page": page["page"], "label": entity["label"],
                                          "x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0})
                    if transcript and entity.get("text"):
                        result.setdefault(transcript, {})[f"e{entity['id']}"] = entity["text"]
                    links.update(tuple(pair) for pair in entity.get("linking") or ())
            if relations and links:
                result[relations] = [{"from": f"e{a}", "to": f"e{b}"} for a, b in sorted(links)]
            data = {field: {"src": doc["file_name"]}}
            yield Row(line, import_row(data, result, into=into, external_id=str(doc.get("task"))))
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"{name}: not a FUNSD-style document file ({exc})", field="documents") from None


def write_page_coco(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema,
                    source: Source = "consensus", document: str | None = None) -> None:
    """COCO instances JSON with one image per page of the schema's pdf object."""
    object_name, field = _pdf_object(schema, document)
    controls = {name: spec for name, spec in schema.controls.items()
                if spec.type in _COCO_KINDS and getattr(spec, "object", None) == object_name}
    page_schema = parse_schema({"objects": {"page": {"type": "image"}}, "controls": {
        name: {"type": spec.type, "object": "page", "labels": list(spec.labels)} for name, spec in controls.items()}})
    coco.write(_page_records(records, field, controls, source), fp, schema=page_schema, source="consensus",
               info={"description": "exported by labelwise: one image per PDF page"})


def _page_records(records, field: str, controls, source: Source) -> Iterator[dict]:
    number = 0
    for record in records:
        value = (record.get("data") or {}).get(field)
        if not isinstance(value, Mapping) or not isinstance(value.get("page_sizes"), list):
            raise Invalid(f"task {record.get('id')}: data.{field} is not a stored PDF with page sizes",
                          field=f"data.{field}")
        stem = posixpath.splitext(image_file_name(record, value.get("src") or ""))[0] or f"task_{record.get('id')}"
        results = final_results(record, source=source)[:1]
        for page, (width, height) in enumerate(value["page_sizes"]):
            number += 1
            regions = {name: [{k: v for k, v in region.items() if k != "page"}
                              for region in (results[0].get(name) or ()) if region.get("page", 0) == page]
                       for name in controls} if results else {}
            yield {"id": number, "data": {"page": {"src": f"{stem}-p{page + 1}.png", "width": width, "height": height}},
                   "meta": {}, "consensus": {k: v for k, v in regions.items() if v} or None}


def _transcripts(schema: LabelSchema, regions: list[str]) -> dict[str, str]:
    """Region control -> the per-region text control that answers for its regions (an OCR transcription)."""
    found: dict[str, str] = {}
    for name, spec in schema.controls.items():
        if spec.type == "text" and getattr(spec, "per_region", False):
            for region_control in spec.region_controls():
                if region_control in regions:
                    found.setdefault(region_control, name)
    return found


def _entity(region: Mapping[str, Any], index: int, page_words: list, transcript: Any) -> dict | None:
    if "x" in region:
        x, y, w, h = region["x"], region["y"], region["width"], region["height"]
        box = [x, y, x + w, y + h]
        inside = [word for word in page_words if _centre_in(word["box"], box)]
        words = [{"text": word["text"], "box": _corners(word["box"])} for word in inside]
        text = transcript if isinstance(transcript, str) and transcript.strip() else " ".join(wd["text"] for wd in words)
        if not words and text:
            words = _spread(text, box)  # no text layer (a scan): the transcription's tokens across the box
    elif region.get("boxes"):
        text = region.get("text") or ""
        boxes = [b for b in region["boxes"] if b[2] > 0 or b[3] > 0]
        box = _union(boxes)
        within = [word for word in page_words if "start" in region and region["start"] <= word["start"]
                  and word["end"] <= region["end"]]
        words = ([{"text": word["text"], "box": _corners(word["box"])} for word in within] if within
                 else _words(text, region["boxes"], box))
    else:
        return None
    return {"id": index, "text": text, "box": [round(v, 2) for v in box], "label": region["label"],
            "words": words, "linking": []}


def _centre_in(xywh: list, corners: list) -> bool:
    cx, cy = xywh[0] + xywh[2] / 2, xywh[1] + xywh[3] / 2
    return corners[0] <= cx <= corners[2] and corners[1] <= cy <= corners[3]


def _corners(xywh: list) -> list:
    return [round(xywh[0], 2), round(xywh[1], 2), round(xywh[0] + xywh[2], 2), round(xywh[1] + xywh[3], 2)]


def _spread(text: str, box: list) -> list[dict]:
    """One word per token of `text`, each given the share of the box's width its characters take."""
    words, start = [], None
    width = (box[2] - box[0]) / max(len(text), 1)
    for index, char in enumerate(text + " "):
        if char.isspace():
            if start is not None:
                words.append({"text": text[start:index], "box": [round(box[0] + start * width, 2), round(box[1], 2),
                                                                 round(box[0] + index * width, 2), round(box[3], 2)]})
                start = None
        elif start is None:
            start = index
    return words


def _words(text: str, boxes: list, whole: list) -> list[dict]:
    """Words of a span with their boxes: from its character boxes when it has one per character."""
    words, start = [], None
    for index, char in enumerate(text + " "):
        if char.isspace():
            if start is not None:
                chars = boxes[start:index] if len(boxes) == len(text) else []
                inked = [b for b in chars if b[2] > 0 or b[3] > 0]
                words.append({"text": text[start:index], "box": [round(v, 2) for v in _union(inked)] if inked else whole})
                start = None
        elif start is None:
            start = index
    return words


def _union(boxes: list) -> list:
    if not boxes:
        return [0, 0, 0, 0]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)]


def _size(sizes: Any, page: int) -> dict:
    if isinstance(sizes, list) and 0 <= page < len(sizes):
        return {"width": sizes[page][0], "height": sizes[page][1]}
    return {}


def _pdf_object(schema: LabelSchema, name: str | None) -> tuple[str, str]:
    for object_name, spec in schema.objects.items():
        if spec.type == "pdf" and name in (None, object_name):
            return object_name, spec.field
    raise Invalid("this export needs a pdf object in the schema, and it has none", field="document")
