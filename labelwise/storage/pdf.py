"""PDF documents with pdfium: check a file, render one page to PNG, read one page's text with char boxes.

Coordinates are PDF points (1/72 inch) from the page's top-left corner, so a page rendered at
`scale=1` has one pixel per point and region results on a PDF page use the same units whatever the
zoom it was drawn at. pdfium is not thread-safe: every call into it holds `_LOCK`. Nothing here
reads the database or the network; callers pass a local path or the bytes.
"""

import io
import threading
from dataclasses import dataclass
from pathlib import Path

from labelwise.errors import Invalid

MIN_SCALE, MAX_SCALE = 0.25, 4.0
MAX_RENDER_PIXELS = 40_000_000  # a giant page at a big zoom must not exhaust memory
_LOCK = threading.Lock()
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    page_sizes: tuple[tuple[float, float], ...]  # (width, height) in points, rotation applied


def inspect_pdf(source: Path | bytes, name: str) -> PdfInfo:
    """Page count and sizes of a readable PDF; `Invalid` naming `name` if it is encrypted, corrupt or empty."""
    with _LOCK:
        document = _open(source, name)
        try:
            count = len(document)
            if count == 0:
                raise Invalid(f"{name}: the PDF has no pages", field=name)
            sizes = tuple((round(w, 2), round(h, 2)) for w, h in (document.get_page_size(i) for i in range(count)))
        finally:
            document.close()
    return PdfInfo(count, sizes)


def clamp_scale(scale: float) -> float:
    """The zoom actually rendered: within [MIN_SCALE, MAX_SCALE], in steps of 1/4 so caches stay small."""
    return min(MAX_SCALE, max(MIN_SCALE, round(scale * 4) / 4))


def render_page(source: Path | bytes, name: str, page: int, scale: float) -> bytes:
    """Page `page` (0-based) as PNG bytes at `scale` pixels per point (clamped, see `clamp_scale`)."""
    scale = clamp_scale(scale)
    with _LOCK:
        document = _open(source, name)
        try:
            pdf_page = _page(document, page, name)
            width, height = pdf_page.get_size()
            while width * height * scale * scale > MAX_RENDER_PIXELS and scale > MIN_SCALE:
                scale = max(MIN_SCALE, scale / 2)
            image = pdf_page.render(scale=scale, may_draw_forms=True).to_pil()
            pdf_page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=3)
    return out.getvalue()


def page_text(source: Path | bytes, name: str, page: int) -> dict:
    """The text layer of one page: `{"page", "width", "height", "text", "boxes"}`.

    `boxes[i]` is `[x, y, w, h]` of `text[i]` in points from the top-left (zeros for spaces and
    other characters without ink), so spans' character offsets map to geometry.
    """
    with _LOCK:
        document = _open(source, name)
        try:
            pdf_page = _page(document, page, name)
            width, height = pdf_page.get_size()
            textpage = pdf_page.get_textpage()
            count = textpage.count_chars()
            text = textpage.get_text_range(0, count) if count else ""
            boxes = []
            for index in range(count):
                left, bottom, right, top = textpage.get_charbox(index)
                if right <= left or top <= bottom:
                    boxes.append([0, 0, 0, 0])
                    continue
                boxes.append([round(left, 2), round(height - top, 2), round(right - left, 2), round(top - bottom, 2)])
            textpage.close()
            pdf_page.close()
        finally:
            document.close()
    if len(text) != len(boxes):  # pdfium counts a surrogate pair as two chars; keep offsets in code points
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        boxes = boxes[: len(text)] + [[0, 0, 0, 0]] * max(0, len(text) - len(boxes))
    boxes = [[0, 0, 0, 0] if char.isspace() else box for char, box in zip(text, boxes)]  # spaces have no ink
    return {"page": page, "width": round(width, 2), "height": round(height, 2), "text": text, "boxes": boxes}


def _open(source: Path | bytes, name: str):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PASSWORD_ERROR:
            raise Invalid(f"{name}: the PDF is encrypted (password protected); upload it without a password",
                          field=name) from None
        raise Invalid(f"{name}: not a readable PDF ({exc})", field=name) from None


def _page(document, page: int, name: str):
    if not 0 <= page < len(document):
        raise Invalid(f"{name}: page {page + 1} does not exist (the PDF has {len(document)} pages)", field="page")
    return document[page]


def text_lines(layer: dict) -> list[dict]:
    """The words of a page's text layer (`page_text`) grouped in lines, each with the box around its
    characters: `[{"text", "box", "words": [{"text", "box", "score", "start", "end"}]}]`, boxes `[x, y, w, h]`.

    Words are runs of characters between white space; a line ends at a line break of the text layer.
    `start`/`end` are the word's offsets in the page's text, as spans count them.
    """
    text, boxes = layer["text"], layer["boxes"]
    lines: list[dict] = []
    words: list[dict] = []
    start = None

    def close_word(end: int) -> None:
        inked = [boxes[i] for i in range(start, end) if boxes[i][2] > 0 and boxes[i][3] > 0]
        if inked:
            words.append({"text": text[start:end], "box": _union(inked), "score": 1.0, "start": start, "end": end})

    for index, char in enumerate(text + "\n"):
        if char.isspace():
            if start is not None:
                close_word(index)
                start = None
            if char in "\r\n" and words:
                lines.append({"text": " ".join(w["text"] for w in words), "box": _union([w["box"] for w in words]),
                              "words": words})
                words = []
        elif start is None:
            start = index
    return lines


def _union(boxes: list) -> list[float]:
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[0] + b[2] for b in boxes)
    bottom = max(b[1] + b[3] for b in boxes)
    return [round(left, 2), round(top, 2), round(right - left, 2), round(bottom - top, 2)]
