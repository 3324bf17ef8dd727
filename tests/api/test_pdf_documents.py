"""PDF files in as tasks of a `pdf` object; pages rendered and text layers read on demand through the media API."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from labelwise.store.models import Task
from tests.factories import make_project, make_user
from tests.pdf_helpers import PAGE_SIZE, PDF_SCHEMA, corrupt_pdf, make_pdf


@pytest.fixture
def world(session):
    owner = make_user(session, "owner", admin=False)
    stranger = make_user(session, "stranger")
    project = make_project(session, owner.user, schema=PDF_SCHEMA, name="Invoices")
    return owner, stranger, project


def upload(client, caller, project_id, files):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post(f"/api/v1/projects/{project_id}/media", files=parts, headers=caller.headers)


def only_task(client, owner, project_id) -> dict:
    tasks = client.get(f"/api/v1/projects/{project_id}/tasks", headers=owner.headers).json()["items"]
    assert len(tasks) == 1
    return tasks[0]


def test_a_pdf_becomes_a_task_whose_pdf_object_points_at_the_stored_file(client, world):
    owner, stranger, project = world
    response = upload(client, owner, project.id, [("invoice.pdf", make_pdf(3))])
    assert response.status_code == 201, response.text
    doc = only_task(client, owner, project.id)["data"]["doc"]
    assert doc["pages"] == 3 and doc["page_sizes"] == [list(PAGE_SIZE)] * 3
    assert doc["src"].startswith("/api/v1/media/") and doc["src"].endswith(".pdf")
    whole = client.get(doc["src"], headers=owner.headers)
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/pdf"
    assert whole.content == make_pdf(3)
    assert client.get(doc["src"] + "/pages/1.png", headers=stranger.headers).status_code == 404
    assert client.get(doc["src"] + "/pages/1/text", headers=stranger.headers).status_code == 404


def test_pages_render_at_the_asked_zoom_cached_with_an_etag(client, world):
    owner, _, project = world
    upload(client, owner, project.id, [("invoice.pdf", make_pdf(3))])
    src = only_task(client, owner, project.id)["data"]["doc"]["src"]
    small = client.get(src + "/pages/2.png", params={"scale": 0.5}, headers=owner.headers)
    big = client.get(src + "/pages/2.png", params={"scale": 2}, headers=owner.headers)
    assert small.status_code == big.status_code == 200
    assert small.headers["content-type"] == "image/png" and "max-age" in small.headers["cache-control"]
    assert Image.open(io.BytesIO(small.content)).size == (306, 396)
    assert Image.open(io.BytesIO(big.content)).size == (1224, 1584)
    again = client.get(src + "/pages/2.png", params={"scale": 2},
                       headers={**owner.headers, "If-None-Match": big.headers["etag"]})
    assert again.status_code == 304
    missing = client.get(src + "/pages/4.png", headers=owner.headers)
    assert missing.status_code == 422 and "page 4 does not exist" in missing.text


def test_the_text_layer_has_a_box_per_character_on_the_page(client, world):
    owner, _, project = world
    upload(client, owner, project.id, [("invoice.pdf", make_pdf(3))])
    src = only_task(client, owner, project.id)["data"]["doc"]["src"]
    layer = client.get(src + "/pages/2/text", headers=owner.headers).json()
    assert layer["page"] == 1 and (layer["width"], layer["height"]) == PAGE_SIZE
    assert "Invoice page 2" in layer["text"] and "Total: 101 EUR" in layer["text"]
    assert len(layer["boxes"]) == len(layer["text"])
    start = layer["text"].index("Total")
    x, y, w, h = layer["boxes"][start]
    assert 71 <= x <= 74 and 72 + 48 - 14 < y < 72 + 48 + 4 and 0 < w < 14 and 0 < h <= 14  # third line, at 72 pt


def test_a_300_page_document_imports_without_rendering_and_renders_any_page(client, world):
    owner, _, project = world
    response = upload(client, owner, project.id, [("big.pdf", make_pdf(300))])
    assert response.status_code == 201, response.text
    src = only_task(client, owner, project.id)["data"]["doc"]["src"]
    assert only_task(client, owner, project.id)["data"]["doc"]["pages"] == 300
    page = client.get(src + "/pages/300.png", params={"scale": 0.25}, headers=owner.headers)
    assert page.status_code == 200
    assert "Invoice page 300" in client.get(src + "/pages/300/text", headers=owner.headers).json()["text"]


@pytest.mark.parametrize("data, words", [(make_pdf(2, encrypt=True), "encrypted"),
                                         (corrupt_pdf(), "not a readable PDF"),
                                         (b"hello, not a pdf at all", "not a PDF")])
def test_encrypted_or_corrupt_pdfs_are_refused_naming_the_file_and_nothing_is_imported(client, session, world,
                                                                                      data, words):
    owner, _, project = world
    response = upload(client, owner, project.id, [("good.pdf", make_pdf(1)), ("bad.pdf", data)])
    assert response.status_code == 422, response.text
    assert "bad.pdf" in response.text and words in response.text
    assert session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project.id)) == 0
