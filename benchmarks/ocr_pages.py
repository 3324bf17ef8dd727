"""Benchmark OCR of scanned PDF pages against the text layer the same pages carry.

Usage: ``python benchmarks/ocr_pages.py [--pages 5] [--scale 2]`` (needs ``pip install 'labelwise[ocr]'``).
Writes ``benchmarks/results/ocr_pages.json``. Letter-size pages of invoice-like text are written as
a PDF with a text layer, then rendered to images (the "scans", grey, no text layer) and read with
the bundled RapidOCR engine at ``--scale`` pixels per point, as the `ocr` job does. The baseline is
the same pages' text layer read with pdfium (what the job uses when a page has one). Reported:
seconds per page for both and their ratio, word accuracy (difflib ratio of the word sequences, and
exact word matches), and the IoU of each OCR line box with the text layer's line box.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import platform
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labelwise.assist import ocr
from labelwise.storage import pdf
from tests.pdf_helpers import make_pdf

OUT = Path(__file__).resolve().parent / "results" / "ocr_pages.json"


def lines(page: int) -> list[str]:
    return [f"Invoice number {4700 + page}", "Date: 2026-12-01", f"Customer: Muller & Sons GmbH, order {9100 + page}",
            f"Total amount due: {100 + page}.50 EUR", "Payment within 30 days to account DE89 3704 0044 0532 0130 00",
            "Thank you for your business."]


def iou(a, b) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--scale", type=float, default=2.0)
    args = parser.parse_args()
    data = make_pdf(args.pages, lines=lines)

    started = time.perf_counter()
    layers = [pdf.text_lines(pdf.page_text(data, "bench.pdf", page)) for page in range(args.pages)]
    text_layer = (time.perf_counter() - started) / args.pages

    scans = [Image.open(io.BytesIO(pdf.render_page(data, "bench.pdf", page, args.scale))).convert("L").convert("RGB")
             for page in range(args.pages)]
    started = time.perf_counter()
    ocr.recognise(scans[0], scale=args.scale)
    first_call = time.perf_counter() - started  # loads the models
    started = time.perf_counter()
    found = [ocr.recognise(image, scale=args.scale) for image in scans]
    per_page = (time.perf_counter() - started) / args.pages

    truth = [word["text"] for layer in layers for line in layer for word in line["words"]]
    got = [word.text for page in found for line in page for word in line.words]
    matcher = difflib.SequenceMatcher(None, truth, got)
    exact = sum(block.size for block in matcher.get_matching_blocks())
    ious = [iou(a.box, b["box"]) for page, layer in zip(found, layers) for a, b in zip(page, layer)]
    report = {
        "pages": args.pages, "scale": args.scale, "image_size": list(scans[0].size),
        "engine": ocr.engine_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
        "ocr_seconds_per_page": round(per_page, 3), "first_call_seconds": round(first_call, 3),
        "text_layer_seconds_per_page": round(text_layer, 5), "ocr_over_text_layer": round(per_page / text_layer, 1),
        "words": len(truth), "words_found": len(got), "words_exact": exact,
        "word_sequence_ratio": round(matcher.ratio(), 4),
        "lines": sum(len(layer) for layer in layers), "lines_found": sum(len(page) for page in found),
        "line_iou_mean": round(sum(ious) / len(ious), 3), "line_iou_min": round(min(ious), 3),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
