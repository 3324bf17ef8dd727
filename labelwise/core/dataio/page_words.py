"""The words of stored PDF pages, added to export records for the FUNSD export.

`formats.documents.write_funsd` is pure and cannot read files, so before a `funsd` export the
records of a project with a pdf object get `page_words`: for each page their results put a region
on, the words of that page's text layer, `{"text", "box": [x, y, w, h], "start", "end"}` (offsets
in the page's text, as spans count them). Pages are read once per blob and page (the page-text
cache of `core.media.pdf_pages`); a PDF that cannot be read simply gives no words.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from labelwise.core.media import pdf_pages
from labelwise.core.media.signing import MEDIA_PATH
from labelwise.errors import Invalid, NotFound
from labelwise.schema import LabelSchema
from labelwise.storage import pdf


def with_page_words(records_for: Callable[[str | None], Iterable[dict[str, Any]]], schema: LabelSchema,
                    storage) -> Callable[[str | None], Iterator[dict[str, Any]]]:
    """A `records_for` whose records carry `page_words` for the schema's pdf objects."""
    fields = [spec.field for spec in schema.objects.values() if spec.type == "pdf"]

    def passes(part: str | None) -> Iterator[dict[str, Any]]:
        for record in records_for(part):
            value = next(((record.get("data") or {}).get(f) for f in fields
                          if isinstance((record.get("data") or {}).get(f), Mapping)), None)
            if value is not None and isinstance(value.get("src"), str) and value["src"].startswith(MEDIA_PATH):
                words = {str(page): page_words(storage, value["src"][len(MEDIA_PATH):], page)
                         for page in _pages_used(record)}
                record = {**record, "page_words": {page: found for page, found in words.items() if found}}
            yield record
    return passes


def page_words(storage, key: str, page: int) -> list[dict[str, Any]]:
    """The words of page `page` (0-based) of the stored PDF `key`, or none when it cannot be read."""
    try:
        layer = pdf_pages.page_text(storage, key, page)
    except (Invalid, NotFound):
        return []
    return [{k: word[k] for k in ("text", "box", "start", "end")} for line in pdf.text_lines(layer)
            for word in line["words"]]


def _pages_used(record: Mapping[str, Any]) -> set[int]:
    results = [a.get("result") for a in record.get("annotations") or ()]
    results += [record.get("consensus"), record.get("gold")]
    results += [p.get("result") for p in record.get("predictions") or ()]
    pages = set()
    for result in results:
        for value in (result or {}).values() if isinstance(result, Mapping) else ():
            if isinstance(value, list):
                pages.update(region.get("page", 0) for region in value
                             if isinstance(region, Mapping) and isinstance(region.get("page", 0), int))
    return pages
