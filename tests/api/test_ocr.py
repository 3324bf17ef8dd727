"""OCR as a background job: scanned pages and images read into boxes with their text per region (predictions)."""

import difflib
import io
import sys
import time

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from labelwise.core.assist import ocr
from labelwise.store.models import Prediction, Task
from tests.factories import make_project, make_user
from tests.pdf_helpers import make_pdf

pytest.importorskip("rapidocr", reason="the ocr extra is not installed")

LINES = [((40, 40), "Invoice number 4711"), ((40, 120), "Total amount due 128.50 EUR")]
OCR_SCHEMA = {
    "objects": {"page": {"type": "image"}},
    "controls": {
        "bbox": {"type": "boxes", "object": "page", "labels": ["Text", "Handwriting"]},
        "transcription": {"type": "text", "object": "page", "per_region": True, "regions_of": "bbox"},
    },
}
PDF_OCR_SCHEMA = {
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "bbox": {"type": "boxes", "object": "doc", "labels": ["Text"]},
        "transcription": {"type": "text", "object": "doc", "per_region": True, "regions_of": "bbox"},
    },
}


def scanned_page() -> tuple[Image.Image, list[tuple[str, tuple[float, float, float, float]]]]:
    """A white page with known lines of text drawn on it (no text layer anywhere), and each line's ink box."""
    image = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=30)
    truth = []
    for (x, y), text in LINES:
        draw.text((x, y), text, fill="black", font=font)
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        truth.append((text, (left, top, right - left, bottom - top)))
    return image, truth


def image_only_pdf(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=72)  # one pixel per point: the page is the scan, no text layer
    return out.getvalue()


def encode_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload(client, owner, project_id, files):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    response = client.post(f"/api/v1/projects/{project_id}/media", files=parts, headers=owner.headers)
    assert response.status_code == 201, response.text


def wait(client, owner, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=owner.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def near(box, expected, tolerance=8):
    return all(abs(a - b) <= tolerance for a, b in zip(box, expected))


def iou(a, b):
    """Intersection over union of two (x, y, w, h) boxes."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(w, 0) * max(h, 0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def predictions(session, project_id):
    session.expire_all()
    rows = session.execute(select(Task.meta, Prediction).join(Prediction, Prediction.task_id == Task.id)
                           .where(Task.project_id == project_id)).all()
    return {meta["filename"]: prediction for meta, prediction in rows}


def test_ocr_reads_a_scanned_pdf_page_into_boxes_with_their_text_and_a_text_layer_without_recognising(
        client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=PDF_OCR_SCHEMA, name="Scans")
    image, truth = scanned_page()
    upload(client, owner, project.id, [("scan.pdf", image_only_pdf(image)), ("typed.pdf", make_pdf(1))])
    response = client.post(f"/api/v1/projects/{project.id}/ocr", json={}, headers=owner.headers)
    assert response.status_code == 202, response.text
    job = wait(client, owner, response.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["predicted"] == 2 and job["result"]["pages"] == 2 and job["result"]["failed"] == []
    version = job["result"]["model_version"]
    assert version.startswith("rapidocr-")

    found = predictions(session, project.id)
    scan = found["scan.pdf"]
    assert scan.model_version == version and 0.5 < scan.score <= 1
    boxes, texts = scan.result["bbox"], scan.result["transcription"]
    assert len(boxes) == len(truth)
    for (text, ink), box in zip(truth, boxes):
        assert box["page"] == 0 and box["label"] == "Text"
        assert difflib.SequenceMatcher(None, texts[box["id"]], text).ratio() > 0.9, (texts[box["id"]], text)
        assert near((box["x"], box["y"], box["width"], box["height"]), ink), (box, ink)

    typed = found["typed.pdf"]  # a real text layer: its words, exactly, at the font's place (72 pt from the left)
    lines = [typed.result["transcription"][box["id"]] for box in typed.result["bbox"]]
    assert lines == ["Invoice page 1", "Date: 2026-12-01", "Total: 100 EUR"]
    assert all(71 <= box["x"] <= 74 for box in typed.result["bbox"])

    again = client.post(f"/api/v1/projects/{project.id}/ocr", json={}, headers=owner.headers).json()
    assert wait(client, owner, again["id"])["result"]["predicted"] == 0  # same model version: nothing redone


def test_ocr_of_an_image_gives_a_box_per_word_with_level_words(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=OCR_SCHEMA, name="Receipts")
    image, truth = scanned_page()
    upload(client, owner, project.id, [("receipt.png", encode_png(image))])
    response = client.post(f"/api/v1/projects/{project.id}/ocr", json={"level": "words", "label": "Handwriting"},
                           headers=owner.headers)
    assert response.status_code == 202, response.text
    job = wait(client, owner, response.json()["id"])
    assert job["status"] == "succeeded", job
    result = predictions(session, project.id)["receipt.png"].result
    words = [result["transcription"][box["id"]] for box in result["bbox"]]
    expected = " ".join(text for text, _ in truth).split()
    assert difflib.SequenceMatcher(None, words, expected).ratio() > 0.8, words
    first = result["bbox"][0]
    assert first["label"] == "Handwriting" and "page" not in first
    assert near((first["x"], first["y"]), truth[0][1][:2])  # "Invoice" starts where its line starts
    assert first["width"] < truth[0][1][2] / 2  # one word, not the line


def test_ocr_is_refused_with_a_422_naming_what_is_missing(client, session, monkeypatch):
    owner = make_user(session, "owner")
    no_boxes = make_project(session, owner.user, name="Plain", schema={
        "objects": {"page": {"type": "image"}},
        "controls": {"kind": {"type": "choices", "object": "page", "options": ["a", "b"]}}})
    response = client.post(f"/api/v1/projects/{no_boxes.id}/ocr", json={}, headers=owner.headers)
    assert response.status_code == 422 and "boxes control" in response.json()["message"]
    project = make_project(session, owner.user, schema=OCR_SCHEMA, name="Scans")
    response = client.post(f"/api/v1/projects/{project.id}/ocr", json={"label": "Stamp"}, headers=owner.headers)
    assert response.status_code == 422 and "'Stamp' is not a label" in response.json()["message"]
    monkeypatch.setitem(sys.modules, "rapidocr", None)  # as if the ocr extra were not installed
    response = client.post(f"/api/v1/projects/{project.id}/ocr", json={}, headers=owner.headers)
    assert response.status_code == 422 and "labelwise[ocr]" in response.json()["message"]


def test_the_engine_loads_its_models_from_its_own_package():
    files = ocr.engine.model_files()
    package = sys.modules.get("rapidocr") or __import__("rapidocr")
    assert all(path.is_file() and str(path).startswith(str(package.__path__[0])) for path in files.values())


def test_recognition_needs_no_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network access while reading text")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(ocr.engine, "_ENGINE", None)  # load the models again, with the network cut off
    image, truth = scanned_page()
    lines = ocr.engine.recognise(image)
    assert [difflib.SequenceMatcher(None, line.text, text).ratio() > 0.9 for line, (text, _) in zip(lines, truth)] \
        == [True] * 2
    assert all(iou(line.box, ink) > 0.6 for line, (_, ink) in zip(lines, truth))


def test_the_engine_is_imported_only_inside_functions():
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "labelwise"
    for path in package.rglob("*.py"):
        source = path.read_text()
        if not any(name in source for name in ("rapidocr", "onnxruntime", "cv2")):
            continue
        for node in ast.parse(source).body:  # module level only: the server starts without the engine
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in ("rapidocr", "onnxruntime", "cv2")], path
