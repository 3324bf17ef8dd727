"""PDFs given by reference (an http URL served by a real local server, an s3:// key on moto's server) open
like uploaded ones: the server fetches and stores the file once, then renders pages and reads text."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy import select

from labelwise.settings import Settings
from labelwise.store.models import Task
from tests.factories import add_tasks, make_project, make_user
from tests.pdf_helpers import PDF_SCHEMA, corrupt_pdf, make_pdf
from tests.s3_server import CREDENTIALS, moto_server  # noqa: F401

FILES = {"/files/invoice.pdf": make_pdf(3), "/files/broken.pdf": corrupt_pdf(), "/files/note.pdf": b"just text"}


@pytest.fixture
def pdf_server():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = FILES.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def task_ids(session, project_id):
    return list(session.scalars(select(Task.id).where(Task.project_id == project_id).order_by(Task.id)))


def test_a_pdf_by_url_renders_pages_and_reads_text_like_an_uploaded_one(client, session, pdf_server):
    base, hits = pdf_server
    owner, stranger = make_user(session, "owner"), make_user(session, "x")
    project = make_project(session, owner.user, schema=PDF_SCHEMA, name="Linked")
    add_tasks(session, owner.user, project, [{"data": {"doc": f"{base}/files/invoice.pdf"}},
                                             {"data": {"doc": {"src": f"{base}/files/invoice.pdf?v=2"}}}])
    first, second = task_ids(session, project.id)
    doc = client.get(f"/api/v1/tasks/{first}/documents/doc", headers=owner.headers)
    assert doc.status_code == 200, doc.text
    doc = doc.json()
    assert doc["pages"] == 3 and doc["page_sizes"] == [[612, 792]] * 3 and doc["src"].startswith("/api/v1/media/")
    page = client.get(doc["src"] + "/pages/2.png", params={"scale": 0.5}, headers=owner.headers)
    assert page.status_code == 200 and Image.open(io.BytesIO(page.content)).size == (306, 396)
    assert "Invoice page 2" in client.get(doc["src"] + "/pages/2/text", headers=owner.headers).json()["text"]
    again = client.get(f"/api/v1/tasks/{first}/documents/doc", headers=owner.headers).json()
    assert again == doc and hits == ["/files/invoice.pdf"]  # fetched once, then the stored copy
    same_bytes = client.get(f"/api/v1/tasks/{second}/documents/doc", headers=owner.headers).json()
    assert same_bytes["src"] == doc["src"]  # content-addressed: one blob for both references
    session.expire_all()
    assert session.get(Task, first).data["doc"] == f"{base}/files/invoice.pdf"  # the task keeps its reference
    assert client.get(f"/api/v1/tasks/{first}/documents/doc", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/tasks/{first}/documents/nope", headers=owner.headers).status_code == 404


def test_unreadable_references_are_a_422_naming_them(client, session, pdf_server):
    base, _ = pdf_server
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=PDF_SCHEMA, name="Linked")
    add_tasks(session, owner.user, project, [{"data": {"doc": f"{base}/files/{name}"}}
                                             for name in ("missing.pdf", "broken.pdf", "note.pdf")])
    missing, broken, note = task_ids(session, project.id)
    answers = {name: client.get(f"/api/v1/tasks/{task}/documents/doc", headers=owner.headers)
               for name, task in (("missing", missing), ("broken", broken), ("note", note))}
    assert all(a.status_code == 422 for a in answers.values()), {k: a.text for k, a in answers.items()}
    assert "missing.pdf" in answers["missing"].json()["message"] and "404" in answers["missing"].json()["message"]
    assert "broken.pdf" in answers["broken"].json()["message"] and "not a readable PDF" in answers["broken"].text
    assert "not a PDF" in answers["note"].json()["message"]


@pytest.fixture
def settings(tmp_path, database_url, moto_server) -> Settings:  # noqa: F811
    # Media stay on local disk; s3:// references are read with the server's S3 endpoint and keys.
    return Settings(data_dir=tmp_path / "data", database_url=database_url, lease_seconds=600,
                    s3_endpoint_url=moto_server, **CREDENTIALS)


def test_an_s3_reference_renders_too(client, session, moto_server):  # noqa: F811
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket="source-docs")
    s3.put_object(Bucket="source-docs", Key="2026/invoice.pdf", Body=make_pdf(2))
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=PDF_SCHEMA, name="Bucket")
    add_tasks(session, owner.user, project, [{"data": {"doc": "s3://source-docs/2026/invoice.pdf"}},
                                             {"data": {"doc": "s3://source-docs/2026/gone.pdf"}}])
    found, gone = task_ids(session, project.id)
    doc = client.get(f"/api/v1/tasks/{found}/documents/doc", headers=owner.headers).json()
    assert doc["pages"] == 2
    assert "Invoice page 2" in client.get(doc["src"] + "/pages/2/text", headers=owner.headers).json()["text"]
    missing = client.get(f"/api/v1/tasks/{gone}/documents/doc", headers=owner.headers)
    assert missing.status_code == 422 and "s3://source-docs/2026/gone.pdf" in missing.json()["message"]


def test_the_ocr_job_reads_a_pdf_given_by_url(client, session, pdf_server):
    import time

    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    base, hits = pdf_server
    owner = make_user(session, "owner")
    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"bbox": {"type": "boxes", "object": "doc", "labels": ["Text"]},
                           "words": {"type": "text", "object": "doc", "per_region": True, "regions_of": "bbox"}}}
    project = make_project(session, owner.user, schema=schema, name="Linked scans")
    add_tasks(session, owner.user, project, [{"data": {"doc": {"src": f"{base}/files/invoice.pdf"}}}])
    job = client.post(f"/api/v1/projects/{project.id}/ocr", json={}, headers=owner.headers).json()
    deadline = time.monotonic() + 30
    while (done := client.get(f"/api/v1/jobs/{job['id']}", headers=owner.headers).json())["status"] != "succeeded":
        assert done["status"] in ("queued", "running") and time.monotonic() < deadline, done
        time.sleep(0.05)
    assert (done["result"]["predicted"], done["result"]["pages"], done["result"]["regions"]) == (1, 3, 9)
    assert hits == ["/files/invoice.pdf"]


def test_an_unreadable_image_is_named_in_the_ocr_job_and_the_others_go_on(client, session, pdf_server):
    import time

    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    base, _ = pdf_server
    owner = make_user(session, "owner")
    schema = {"objects": {"page": {"type": "image"}},
              "controls": {"bbox": {"type": "boxes", "object": "page", "labels": ["Text"]}}}
    project = make_project(session, owner.user, schema=schema, name="Bad scans")
    add_tasks(session, owner.user, project, [{"data": {"page": f"{base}/files/note.pdf"}},
                                             {"data": {"page": f"{base}/files/gone.png"}}])
    job = client.post(f"/api/v1/projects/{project.id}/ocr", json={}, headers=owner.headers).json()
    deadline = time.monotonic() + 30
    while (done := client.get(f"/api/v1/jobs/{job['id']}", headers=owner.headers).json())["status"] != "succeeded":
        assert done["status"] in ("queued", "running") and time.monotonic() < deadline, done
        time.sleep(0.05)
    first, second = done["result"]["failed"]
    assert done["result"]["predicted"] == 0 and done["result"]["tasks"] == 2
    assert "the image could not be read" in first["error"]
    assert "gone.png" in second["error"] and "404" in second["error"]
