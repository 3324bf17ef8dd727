"""Regions on a PDF document: which page they sit on, that page's size, and spans over its text layer.

A `pdf` object's value is either a list of page images (the older form) or a stored PDF
`{"src", "pages", "page_sizes"}` whose pages are in PDF points. A span on a PDF counts characters of
one page's text layer (`start`, `end`, `page`) and may carry `boxes`, `[x, y, w, h]` per line or
character on that page, so an entity has both offsets and geometry. The text layer lives in the
file, not the task data, so a span's `text` is kept as given rather than compared.
"""

from __future__ import annotations

from typing import Any, Callable

from labelwise.schema._checking import _Here, _is_count, _is_number, _kind


def page_count(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and _is_count(value.get("pages")):
        return value["pages"]
    return None


def page_size(here: _Here, value: Any, page: Any, where: str) -> tuple[float, float] | None:
    """(width, height) of page `page` of the document `value`, when known; refuses a page that does not exist."""
    count = page_count(value)
    if not _is_count(page) or (count is not None and page >= count):
        pages = f"; the document has {count} pages" if count is not None else ""
        raise here.fail(f"page {page!r} does not exist{pages}", f"{where}.page")
    if isinstance(value, list):
        item = value[page]
        if isinstance(item, dict) and _is_number(item.get("width")) and _is_number(item.get("height")):
            return (item["width"], item["height"]) if item["width"] > 0 and item["height"] > 0 else None
        return None
    sizes = value.get("page_sizes") if isinstance(value, dict) else None
    if isinstance(sizes, list) and page < len(sizes) and isinstance(sizes[page], list) and len(sizes[page]) == 2:
        width, height = sizes[page]
        if _is_number(width) and _is_number(height) and width > 0 and height > 0:
            return width, height
    return None


def check_pdf_span(here: _Here, index: int, span: dict, where: str) -> dict:
    """A span over one page's text layer: whole-number offsets, an existing page, boxes on the page."""
    for key in ("start", "end"):
        if not _is_count(span[key]):
            raise here.fail(f"span {index} {key} must be a whole number of characters from 0, not {span[key]!r}",
                            f"{where}.{key}")
    if span["start"] >= span["end"]:
        raise here.fail(f"span {index} starts at {span['start']} but ends at {span['end']}; the end must be after "
                        "the start", f"{where}.end")
    size = page_size(here, here.object_value(), span["page"], where)
    boxes = span.get("boxes")
    if boxes is None:
        return span
    if not isinstance(boxes, list):
        raise here.fail(f"span {index} boxes must be a list of [x, y, w, h]", f"{where}.boxes")
    for number, box in enumerate(boxes):
        path = f"{where}.boxes[{number}]"
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            raise here.fail(f"span {index} box {number} must be [x, y, w, h] numbers, not {box!r}", path)
        x, y, w, h = box
        if w < 0 or h < 0:
            raise here.fail(f"span {index} box {number} has a negative width or height", path)
        if x < 0 or y < 0 or (size is not None and (x + w > size[0] + 1e-6 or y + h > size[1] + 1e-6)):
            here.beyond(f"span {index} box {number} {box} is outside page {span['page']}", path)
    span["boxes"] = [list(box) for box in boxes]
    return span


def check_per_page(here: _Here, value: Any, check: Callable) -> dict:
    """`{"<page index>": answer}` of a per-page control (page classification); each answer checked as the
    control's own, each page one the document has."""
    if not isinstance(value, dict):
        raise here.fail(f"takes an object of page index to answer (per_page is true), not {_kind(value)}")
    count = page_count(here.object_value())
    out = {}
    for key, answer in value.items():
        where = f"{here.path}.{key}"
        if not (isinstance(key, str) and key.isdigit() and str(int(key)) == key):
            raise here.fail(f"'{key}' is not a page index (a whole number from 0 as text, e.g. \"0\")", where)
        if count is not None and int(key) >= count:
            raise here.fail(f"page {key} does not exist; the document has {count} pages", where)
        if answer is not None:
            out[key] = check(_Here(here.name, here.control, where, here.ctx), answer)
    return out
