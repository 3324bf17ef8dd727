"""The ML backends page: add a backend (checked on the spot), pre-label from it, and follow the job; a
backend that cannot be reached shows its error."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from examples.ml_backend.keyword_backend import create_app
from labelwise.store.models import Prediction
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.conftest import LiveServer
from tests.factories import add_tasks, make_project, make_user

SCHEMA = {"objects": {"text": {"type": "text"}},
          "controls": {"topic": {"type": "choices", "object": "text", "options": ["sports", "music"]}}}


def test_add_a_backend_and_prelabel_from_the_page(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Assisted", schema=SCHEMA)
    add_tasks(web_session, alice.user, project, [{"data": {"text": f"sports and music {i}"}} for i in range(12)])
    backend = LiveServer(create_app()).start()
    try:
        login(page, "alice")
        page.goto(f"/app/projects/{project.id}")
        page.get_by_role("link", name="ML backends").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("ML backends · Assisted")
        page.get_by_label("Name").fill("keywords")
        page.get_by_label("URL").fill(backend.url)
        page.get_by_role("button", name="Add backend").click()
        row = page.locator(".backends-table tbody tr").first
        expect(row).to_contain_text("keywords-0")
        expect(row.locator(".badge")).to_have_text("ok")
        save_screenshot(page, "ml-backends")

        row.get_by_role("button", name="Pre-label").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Jobs · Assisted")
        job = page.locator(".jobs-table tbody tr").first
        expect(job).to_have_attribute("data-status", "succeeded", timeout=20000)
        expect(job).to_contain_text("predicted: 12")
        assert web_session.scalar(select(func.count()).select_from(Prediction)
                                  .where(Prediction.project_id == project.id)) == 12
    finally:
        backend.stop()

    page.goto(f"/app/projects/{project.id}/ml-backends")
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".backends-table .job-error")).to_contain_text("cannot reach the ML backend 'keywords'")


def test_read_text_with_ocr_from_the_page(page, web_server, web_session):
    import httpx
    import pytest

    from tests.pdf_helpers import make_pdf

    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    bob = make_user(web_session, "bob")
    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"bbox": {"type": "boxes", "object": "doc", "labels": ["Text"]},
                           "words": {"type": "text", "object": "doc", "per_region": True, "regions_of": "bbox"}}}
    project = make_project(web_session, bob.user, name="Scans", schema=schema)
    upload = httpx.post(f"{web_server.url}/api/v1/projects/{project.id}/media", headers=bob.headers,
                        files=[("files", ("typed.pdf", make_pdf(1), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    login(page, "bob")
    page.goto(f"/app/projects/{project.id}/ml-backends")
    page.get_by_label("Regions").select_option("words")
    page.get_by_role("button", name="Read text (OCR)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jobs · Scans")
    job = page.locator(".jobs-table tbody tr").first
    expect(job).to_have_attribute("data-status", "succeeded", timeout=20000)
    expect(job).to_contain_text("predicted: 1")
    [prediction] = web_session.scalars(select(Prediction).where(Prediction.project_id == project.id))
    assert sorted(prediction.result["words"].values())[:2] == ["1", "100"]
    assert prediction.model_version.startswith("rapidocr-")
