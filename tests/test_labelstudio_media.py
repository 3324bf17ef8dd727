"""`import-labelstudio` copies the files Label Studio serves from its own storage, against a real local HTTP
server standing in for Label Studio: the token is required for the files too, identical files are stored
once, a missing file, one over the size limit and one that is not media are reported while the rest
import, a transient 503 is retried, and URLs on other hosts are left alone."""

import http.server
import io
import json
import threading

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from labelwise.core.dataio import labelstudio_media
from labelwise.core.dataio.labelstudio_pull import pull
from labelwise.core.media.media import MediaLimits
from labelwise.formats.labelstudio_config import convert
from labelwise.schema import parse_schema
from labelwise.store.models import Task
from tests.factories import make_user
from tests.test_cli import db, run  # noqa: F401  (db is a fixture)

TOKEN = "ls-secret"
CONFIG = '<View><Image name="image" value="$image"/><Choices name="c" toName="image"><Choice value="cat"/></Choices></View>'
LIMIT = 4000


def _png(color: tuple[int, int, int], size: tuple[int, int] = (6, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


CAT, DOG = _png((200, 10, 10)), _png((10, 200, 10), (3, 5))


class _LabelStudio:
    """Label Studio's API routes the pull reads, and its file routes, which answer only with the token."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.flaky = 1  # 503s before the flaky file is served
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        tasks = [
            {"id": 1, "data": {"image": "/data/upload/1/cat.png"}},
            {"id": 2, "data": {"image": f"{self.url}/data/upload/1/cat-again.png"}},  # same bytes, absolute URL
            {"id": 3, "data": {"image": "/data/upload/1/missing.png"}},
            {"id": 4, "data": {"image": "/data/upload/1/huge.png"}},
            {"id": 5, "data": {"image": "/data/upload/1/huge-unsized.png"}},
            {"id": 6, "data": {"image": "https://example.com/elsewhere.jpg"}},
            {"id": 7, "data": {"image": "/data/local-files/?d=photos/dog"}},  # no extension: its content type
            {"id": 8, "data": {"image": "/data/upload/1/flaky.png"}},
            {"id": 9, "data": {"image": "/data/upload/1/notes.png"}},
            {"id": 10, "data": {"image": "/data/upload/1/cat.png"}},  # the same URL again: downloaded once
            {"id": 11, "data": {"image": "/data/upload/1/down.png"}},  # 503 every time
        ]
        for task in tasks:
            task.update(annotations=[], predictions=[], meta={})
        self.routes = {
            "/api/users": [],
            "/api/projects": [{"id": 1, "title": "Pets", "label_config": CONFIG}],
            "/api/projects/1/export?exportType=JSON&download_all_tasks=true": tasks,
        }
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                fake.requests.append(self.path)
                if self.headers.get("Authorization") != f"Token {TOKEN}":
                    return self._answer(401, b"", "text/plain")
                if self.path in fake.routes:
                    return self._answer(200, json.dumps(fake.routes[self.path]).encode(), "application/json")
                if self.path == "/data/upload/1/down.png" or self.path == "/data/upload/1/flaky.png" and fake.flaky:
                    fake.flaky -= self.path.endswith("flaky.png")
                    return self._answer(503, b"busy", "text/plain")
                files = {"/data/upload/1/cat.png": CAT, "/data/upload/1/cat-again.png": CAT,
                         "/data/local-files/?d=photos/dog": DOG, "/data/upload/1/flaky.png": DOG,
                         "/data/upload/1/huge.png": b"\x89PNG" + bytes(LIMIT),
                         "/data/upload/1/notes.png": b"not an image at all"}
                if self.path == "/data/upload/1/huge-unsized.png":  # no content-length: counted as it streams
                    self.send_response(200)
                    self.send_header("content-type", "image/png")
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.write(bytes(LIMIT * 3))
                    self.close_connection = True
                    return None
                if self.path not in files:
                    return self._answer(404, b"not found", "text/plain")
                return self._answer(200, files[self.path], "image/png")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def labelstudio(monkeypatch):
    monkeypatch.setattr(labelstudio_media, "BACKOFF_SECONDS", 0.01)
    fake = _LabelStudio()
    yield fake
    fake.close()


def test_own_storage_files_are_copied_with_the_token_and_failures_reported(client, session, app, labelstudio):
    owner = make_user(session, "owner", admin=True)
    storage = app.state.storage
    [item] = pull(session, owner.user, labelstudio.url, TOKEN, storage=storage,
                  limits=MediaLimits(max_file_bytes=LIMIT))
    assert item.error is None and item.summary.imported == 11  # failed files do not stop the project
    media = item.media
    assert (media.files, media.stored, media.reused, media.references) == (4, 2, 2, 5)
    assert media.bytes == 2 * len(CAT) + 2 * len(DOG) + len(b"not an image at all")
    failed = {failure.task: failure.reason for failure in media.failures}
    assert set(failed) == {3, 4, 5, 9, 11}
    assert failed[3] == "Label Studio answered HTTP 404"
    assert failed[4] == f"{LIMIT + 4} bytes is over the {LIMIT} byte limit per media file"
    assert failed[5] == f"over the {LIMIT} byte limit per media file"
    assert "notes.png" in failed[9]
    assert failed[11] == "Label Studio answered HTTP 503 (4 attempts)"
    assert labelstudio.requests.count("/data/upload/1/down.png") == 4
    assert labelstudio.requests.count("/data/upload/1/cat.png") == 1
    assert labelstudio.requests.count("/data/upload/1/flaky.png") == 2  # a 503, then the file
    assert not any("elsewhere" in path for path in labelstudio.requests)

    data = {int(t.external_id): t.data["image"] for t in session.scalars(
        select(Task).where(Task.project_id == item.project_id))}
    assert data[1] == data[2] == data[10] and data[1]["width"] == 6 and data[1]["height"] == 4
    assert data[7]["src"].endswith(".png") and data[7]["src"] == data[8]["src"]
    assert data[3] == "/data/upload/1/missing.png" and data[6] == "https://example.com/elsewhere.jpg"
    served = client.get(data[1]["src"], headers=owner.headers)
    assert served.status_code == 200 and served.content == CAT
    assert client.get(data[7]["src"], headers=owner.headers).content == DOG
    task = session.scalars(select(Task).where(Task.project_id == item.project_id, Task.external_id == "7")).one()
    assert task.meta["media"]["bytes"] == len(DOG)


def test_without_the_token_no_file_is_copied(app, labelstudio):
    tasks = [{"id": 1, "data": {"image": "/data/upload/1/cat.png"}}]
    with httpx.Client(base_url=labelstudio.url) as http:
        copied = labelstudio_media.copy_media(http, tasks, project_id=1, schema=parse_schema(convert(CONFIG)[0]),
                                              storage=app.state.storage, limits=MediaLimits())
    assert copied.files == 0 and [f.reason for f in copied.failures] == ["Label Studio answered HTTP 401"]
    assert tasks[0]["data"]["image"] == "/data/upload/1/cat.png"


def test_own_files_are_told_from_other_hosts():
    base = httpx.URL("http://ls.example:8080")
    own = ["/data/upload/3/a.jpg", "/data/local-files/?d=x/a.jpg", "/tasks/4/presign/?fileuri=czM6Ly9i",
           "http://ls.example:8080/data/upload/3/a.jpg"]
    other = ["https://ls.example:8080/data/upload/3/a.jpg", "http://ls.example/data/upload/3/a.jpg",
             "//ls.example:8080/data/a.jpg", "s3://bucket/a.jpg", "gs://bucket/a.jpg", "/static/a.jpg", "a.jpg",
             "http://cdn.example/a.jpg", "", 3]
    assert [labelstudio_media.is_own_file(value, base) for value in own + other] == [True] * 4 + [False] * 10


def test_cli_prints_media_counts_and_no_media_leaves_urls(monkeypatch, capsys, db, labelstudio):  # noqa: F811
    from sqlalchemy import create_engine, text

    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    code, out, err = run(monkeypatch, capsys, "import-labelstudio", labelstudio.url, "--token", TOKEN, "-d", db)
    assert code == 0
    assert "media: 4 files copied (" in out and "2 stored, 2 already stored), 5 task references rewritten, 5 failed" in out
    assert "media failed: task 3: /data/upload/1/missing.png: Label Studio answered HTTP 404" in err
    assert "copied 1 of 1 projects, 11 tasks, 0 annotations, 4 media files (" in out and "5 failed)" in out
    skipped = run(monkeypatch, capsys, "import-labelstudio", labelstudio.url, "--token", TOKEN, "--no-media",
                  "-d", db)
    assert skipped[0] == 0 and "media" not in skipped[1]
    with create_engine(f"sqlite:///{db}").connect() as conn:
        rows = conn.execute(text("select data from tasks where external_id = '1' order by project_id")).scalars()
        copied, left = [json.loads(data)["image"] for data in rows]
    assert copied["src"].startswith("/api/v1/media/1/") and left == "/data/upload/1/cat.png"
