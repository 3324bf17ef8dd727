"""Optical character recognition of page images with RapidOCR (PP-OCR models run by onnxruntime).

The engine's detection and recognition models ship inside the `rapidocr` wheel; they are loaded by
path from the installed package, so nothing is downloaded at run time. The engine is an optional
extra (`pip install 'labelwise[ocr]'`, about 95 MB of wheels with onnxruntime and OpenCV): it is
imported lazily, on the first page recognised, and `OcrUnavailable` says how to install it when it
is missing. Pure: takes a PIL image, returns lines of words with axis-aligned boxes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

_ENGINE: Any = None
_LOCK = threading.Lock()  # one engine per process, shared by job threads; onnxruntime runs one call at a time here
INSTALL_HINT = "OCR needs the optional engine: pip install 'labelwise[ocr]' (rapidocr and onnxruntime)"
# Models in the rapidocr wheel (PP-OCRv6 small: Chinese and English, digits, punctuation).
_MODELS = {"Det": "PP-OCRv6_det_small.onnx", "Rec": "PP-OCRv6_rec_small.onnx"}


class OcrUnavailable(Exception):
    """The OCR engine is not installed (or its bundled models are missing)."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    box: tuple[float, float, float, float]  # x, y, w, h in the units asked for
    score: float


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: tuple[float, float, float, float]
    score: float
    words: tuple[OcrWord, ...]


def engine_version() -> str:
    """`rapidocr-<version>`: the model version predictions are stored under. `OcrUnavailable` if missing."""
    try:
        return f"rapidocr-{metadata.version('rapidocr')}"
    except metadata.PackageNotFoundError:
        raise OcrUnavailable(INSTALL_HINT) from None


def model_files() -> dict[str, Path]:
    """The model files the engine loads: inside the installed package, never fetched."""
    try:
        import rapidocr
    except ImportError:
        raise OcrUnavailable(INSTALL_HINT) from None
    root = Path(rapidocr.__file__).parent / "models"
    files = {stage: root / name for stage, name in _MODELS.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise OcrUnavailable(f"the OCR engine's bundled models are missing ({', '.join(missing)}); reinstall "
                             "rapidocr")
    return files


def check_available() -> str:
    """Raise `OcrUnavailable` unless the engine and its bundled models are installed; return its version."""
    model_files()
    version = engine_version()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise OcrUnavailable(INSTALL_HINT) from None
    return version


def recognise(image, *, scale: float = 1.0, min_score: float = 0.5) -> list[OcrLine]:
    """Lines of text found in the PIL `image` (in the engine's reading order), each with its words.

    Boxes are `(x, y, w, h)` divided by `scale` (render a PDF page at 2 px per point, pass `scale=2`,
    get boxes in points). Lines scoring under `min_score` are left out.
    """
    import numpy as np

    array = np.asarray(image.convert("RGB"))
    limits = (image.width / scale, image.height / scale)
    with _LOCK:
        output = _engine()(array, return_word_box=True)
    if not output.txts:
        return []
    word_results = output.word_results if len(output.word_results) == len(output.txts) else [()] * len(output.txts)
    lines = []
    for quad, text, score, words in zip(output.boxes, output.txts, output.scores, word_results):
        if float(score) < min_score or not text.strip():
            continue
        line_box = _box(quad, scale, limits)
        found = tuple(OcrWord(word, _box(word_quad, scale, limits), round(float(word_score), 4))
                      for word, word_score, word_quad in words if word_quad is not None and word.strip())
        if not found:  # no word boxes: the line is one word
            found = tuple(OcrWord(part, line_box, round(float(score), 4)) for part in [text.strip()])
        lines.append(OcrLine(text.strip(), line_box, round(float(score), 4), found))
    return lines


def _box(quad, scale: float, limits: tuple[float, float]) -> tuple[float, float, float, float]:
    """The axis-aligned box `(x, y, w, h)` around a quadrilateral, in units of `1 / scale` px, inside the image."""
    xs = [min(max(float(point[0]) / scale, 0.0), limits[0]) for point in quad]
    ys = [min(max(float(point[1]) / scale, 0.0), limits[1]) for point in quad]
    left, top = round(min(xs), 2), round(min(ys), 2)
    return (left, top, round(min(max(xs) - left, limits[0] - left), 2), round(min(max(ys) - top, limits[1] - top), 2))


def _engine():
    global _ENGINE
    if _ENGINE is None:
        files = model_files()
        try:
            from rapidocr import RapidOCR
        except ImportError:
            raise OcrUnavailable(INSTALL_HINT) from None
        _ENGINE = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,  # pages are upright; the angle classifier only costs time
            "Det.model_path": str(files["Det"]),
            "Rec.model_path": str(files["Rec"]),
            # Detect at the size given (up to 2000 px a side) instead of enlarging small images to 736 px.
            "Det.limit_type": "max", "Det.limit_side_len": 2000,
        })
    return _ENGINE
