"""A stored 3-page PDF in the viewer: pages rendered by the server, thumbnails, keyboard paging, a box drawn
with the keyboard pointer on page 2 in PDF points, read back through the API."""

import httpx
from playwright.sync_api import expect

from tests.api.test_pdf_by_url import pdf_server  # noqa: F401
from tests.browser.test_labeling_support import current_task_id, open_labeling, screenshot, wait_next_task
from tests.pdf_helpers import PDF_SCHEMA, make_pdf


def test_a_box_on_page_two_of_a_stored_pdf_drawn_by_keyboard(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, PDF_SCHEMA, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("invoice.pdf", make_pdf(3), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    viewer = "document.querySelector('lw-task-editor').viewers.doc"
    page.wait_for_function(f"() => {viewer}.loaded && {viewer}.width === 612")
    thumbs = page.locator(".lw-thumbs .lw-thumb")
    expect(thumbs).to_have_count(3)
    expect(page.locator(".lw-thumb-current")).to_have_text("1")
    page.keyboard.press("PageDown")
    expect(page.locator(".lw-page")).to_have_text("page 2 of 3")
    expect(page.locator(".lw-thumb-current")).to_have_text("2")
    page.wait_for_function(f"() => {viewer}.loaded && {viewer}.page === 1")
    href = page.get_attribute(".lw-image-svg image", "href")
    assert "/pages/2.png?scale=" in href
    assert page.evaluate("(url) => fetch(url).then((r) => r.headers.get('content-type'))", href) == "image/png"
    for key in ["2", "Alt+Enter", *["Alt+ArrowRight"] * 2, *["Alt+ArrowDown"] * 2, "Alt+Enter"]:
        page.keyboard.press(key)  # a "question" box from the centre, down and to the right
    for _ in range(3):
        page.keyboard.press("+")  # zoom in past the rendering: a sharper one is asked for
    page.wait_for_function(f"() => {viewer}.scale > 1")
    screenshot(page, "pdf-document")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    [box] = stored["annotations"][0]["result"]["fields"]
    assert box["page"] == 1 and box["label"] == "question"
    assert box["x"] >= 300 and box["y"] >= 390 and box["x"] + box["width"] <= 612 and box["y"] + box["height"] <= 792


def test_spans_over_the_text_layer_keep_offsets_and_boxes(page, web_server, web_session):
    from tests.browser.test_labeling_support import drag, image_point
    from tests.pdf_helpers import FORM_SCHEMA

    ctx = open_labeling(page, web_server, web_session, FORM_SCHEMA, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("invoice.pdf", make_pdf(3), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    viewer = "document.querySelector('lw-task-editor').viewers.doc"
    page.keyboard.press("PageDown")
    page.wait_for_function(f"() => {viewer}.loaded && {viewer}.page === 1 && {viewer}.textLayer()")
    page.click("[data-control=entities] .lw-control-title")
    drag(page, image_point(page, ".lw-image-svg", 74, 115), image_point(page, ".lw-image-svg", 130, 115))
    for key in ["Shift+ArrowRight"] * 4 + ["2"]:  # " EUR" from the keyboard, labelled date
        page.keyboard.press(key)
    expect(page.locator(".lw-pdf-span")).to_have_count(2)
    screenshot(page, "pdf-spans")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    spans = {s["text"]: s for s in stored["annotations"][0]["result"]["entities"]}
    layer = httpx.get(f"{web_server.url}/api/v1/media/" + stored["data"]["doc"]["src"].split("/media/", 1)[1]
                      + "/pages/2/text", headers=ctx.owner_headers).json()
    total, eur = spans["Total: 101"], spans["EUR"]
    assert total["label"] == "total" and eur["label"] == "date" and total["page"] == eur["page"] == 1
    assert layer["text"][total["start"]:total["end"]] == "Total: 101" and layer["text"][eur["start"]:eur["end"]] == "EUR"
    assert len(total["boxes"]) == 1, total["boxes"]
    [[x, y, w, h]] = total["boxes"]
    assert 71 < x < 74 and 105 < y < 112 and 58 < w < 66 and 0 < h < 15


def test_page_level_and_document_level_classification(page, web_server, web_session):
    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"page_kind": {"type": "choices", "object": "doc", "per_page": True, "options": ["cover", "table"]},
                           "kind": {"type": "choices", "object": "doc", "options": ["invoice", "receipt"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("invoice.pdf", make_pdf(3), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    page_kind = page.locator("[data-control=page_kind]")
    page_kind.locator("[data-option=cover]").click()
    page.locator("[data-control=kind] [data-option=invoice]").click()
    page.locator(".lw-image-svg").focus()
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    expect(page_kind.locator(".lw-scope")).to_have_text("for page 3 (PageUp / PageDown)")
    expect(page_kind.locator("[aria-checked=true]")).to_have_count(0)  # page 3 is not answered yet
    page_kind.locator("[data-option=table]").click()
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    assert stored["annotations"][0]["result"] == {"page_kind": {"0": "cover", "2": "table"}, "kind": "invoice"}


def test_a_pdf_given_by_url_opens_pages_by_keyboard_and_takes_a_box(page, web_server, web_session,
                                                                    pdf_server):  # noqa: F811
    base, hits = pdf_server
    ctx = open_labeling(page, web_server, web_session, PDF_SCHEMA, [{"data": {"doc": f"{base}/files/invoice.pdf"}}])
    task = current_task_id(page)
    viewer = "document.querySelector('lw-task-editor').viewers.doc"
    page.wait_for_function(f"() => {viewer}.loaded && {viewer}.width === 612 && {viewer}.pages.length === 3")
    expect(page.locator(".lw-thumbs .lw-thumb")).to_have_count(3)
    page.keyboard.press("PageDown")
    expect(page.locator(".lw-page")).to_have_text("page 2 of 3")
    page.wait_for_function(f"() => {viewer}.loaded && {viewer}.page === 1")
    assert "/api/v1/media/" in page.get_attribute(".lw-image-svg image", "href")  # the stored copy, rendered
    for key in ["2", "Alt+Enter", "Alt+ArrowRight", "Alt+ArrowDown", "Alt+Enter"]:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    [box] = stored["annotations"][0]["result"]["fields"]
    assert box["page"] == 1 and box["label"] == "question"
    assert stored["data"]["doc"] == f"{base}/files/invoice.pdf" and hits == ["/files/invoice.pdf"]


def test_ocr_lines_are_a_suggestion_accepted_by_keyboard_and_corrected(page, web_server, web_session):
    import time

    import pytest

    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"bbox": {"type": "boxes", "object": "doc", "labels": ["Text"]},
                           "transcription": {"type": "text", "object": "doc", "per_region": True,
                                             "regions_of": "bbox"}}}
    ctx = open_labeling(page, web_server, web_session, schema, [], wait_for_task=False,
                        settings={"show_predictions": True})
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/media", headers=ctx.owner_headers,
                        files=[("files", ("typed.pdf", make_pdf(1), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    job = httpx.post(f"{web_server.url}/api/v1/projects/{ctx.project_id}/ocr", json={},
                     headers=ctx.owner_headers).json()
    deadline = time.monotonic() + 30
    while httpx.get(f"{web_server.url}/api/v1/jobs/{job['id']}", headers=ctx.owner_headers).json()["status"] != \
            "succeeded":
        assert time.monotonic() < deadline, "the OCR job did not finish"
        time.sleep(0.1)
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]")
    task = current_task_id(page)
    expect(page.locator(".lw-suggestion")).to_contain_text("Suggestion from rapidocr-")
    page.keyboard.press("a")
    areas = page.locator("[data-control=transcription] textarea")
    expect(areas).to_have_count(3)
    expect(areas.nth(2)).to_have_value("Total: 100 EUR")
    areas.nth(2).fill("Total: 100.00 EUR")  # the annotator corrects what was read
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = httpx.get(f"{web_server.url}/api/v1/tasks/{task}", headers=ctx.owner_headers).json()
    result = stored["annotations"][0]["result"]
    assert [result["transcription"][box["id"]] for box in result["bbox"]] == [
        "Invoice page 1", "Date: 2026-12-01", "Total: 100.00 EUR"]
    assert all(box["page"] == 0 and 71 <= box["x"] <= 74 for box in result["bbox"])
