"""Request guards before routing: the body size limit and the same-origin check for cookie writes."""

import asyncio
import json

import pytest

from labelwise.settings import Settings
from tests.factories import PASSWORD, make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, png

LIMIT = 64 * 1024


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, max_body_bytes=LIMIT,
                    trusted_origins=["https://labels.example.com"])


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


def asgi_post(app, path: str, chunks, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict, int]:
    """POST through the raw ASGI interface; returns (status, body, how many body chunks the server pulled)."""
    pulled = 0
    chunks = list(chunks)
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


class TestBodyLimit:
    def test_a_declared_oversize_login_is_refused_before_reading(self, app):
        chunks = [b"x" * 65536] * 100
        status, body, pulled = asgi_post(app, "/api/v1/auth/login", chunks,
                                         [(b"content-type", b"application/json"),
                                          (b"content-length", str(65536 * 100).encode())])
        assert status == 413
        assert "LABELWISE_MAX_BODY_BYTES" in body["detail"]
        assert pulled == 0

    def test_a_chunked_oversize_body_stops_at_the_limit(self, app):
        chunks = [b"x" * 16384] * 1000  # 16 MB, no Content-Length
        status, body, pulled = asgi_post(app, "/api/v1/auth/login", chunks, [(b"content-type", b"application/json")])
        assert status == 413
        assert "byte limit" in body["detail"]
        assert pulled <= LIMIT // 16384 + 1

    def test_a_malformed_content_length_is_a_400(self, app):
        status, body, pulled = asgi_post(app, "/api/v1/auth/login", [b"{}"],
                                         [(b"content-type", b"application/json"), (b"content-length", b"-5")])
        assert status == 400 and "Content-Length" in body["detail"] and pulled == 0

    def test_the_limit_is_checked_before_authentication(self, client):
        response = client.post("/api/v1/projects", content=b"{" + b" " * LIMIT + b"}",
                               headers={"content-type": "application/json"})
        assert response.status_code == 413

    def test_bodies_under_the_limit_pass(self, client, owner):
        response = client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD})
        assert response.status_code == 200

    def test_an_import_keeps_its_own_larger_limit(self, client, session, owner):
        project = make_project(session, owner.user)
        body = "".join(json.dumps({"text": f"row {i} " + "y" * 200}) + "\n" for i in range(600)).encode()
        assert len(body) > LIMIT
        response = client.post(f"/api/v1/projects/{project.id}/import", content=body,
                               headers={**owner.headers, "content-type": "application/jsonl"})
        assert response.status_code == 201, response.text
        assert response.json()["imported"] == 600


FOREIGN = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


class TestSameOrigin:
    @pytest.fixture
    def cookie_client(self, client, owner):
        response = client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD})
        assert response.status_code == 200
        return client

    @pytest.fixture
    def project(self, session, owner):
        return make_project(session, owner.user)

    def refused(self, response) -> bool:
        return response.status_code == 403 and "cross-site request refused" in response.json()["detail"]

    def test_text_plain_jsonl_import_from_a_foreign_origin(self, cookie_client, project):
        response = cookie_client.post(f"/api/v1/projects/{project.id}/import?format=jsonl", content=b'{"text":"a"}\n',
                                      headers={"content-type": "text/plain", **FOREIGN})
        assert self.refused(response), response.text

    def test_urlencoded_csv_import_from_a_foreign_origin(self, cookie_client, project):
        response = cookie_client.post(f"/api/v1/projects/{project.id}/import?format=csv", content=b"text\na\n",
                                      headers={"content-type": "application/x-www-form-urlencoded",
                                               "Origin": "https://evil.example"})
        assert self.refused(response), response.text

    def test_multipart_media_upload_from_a_foreign_origin(self, cookie_client, session, owner):
        project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
        response = cookie_client.post(f"/api/v1/projects/{project.id}/media", files=[("files", ("a.png", png(1)))],
                                      headers={"Sec-Fetch-Site": "same-site"})
        assert self.refused(response), response.text

    def test_a_null_origin_is_foreign(self, cookie_client):
        response = cookie_client.post("/api/v1/projects", json={"name": "x"}, headers={"Origin": "null"})
        assert self.refused(response)

    def test_same_origin_cookie_writes_pass(self, cookie_client, project):
        for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
                        {"Origin": "http://testserver"}, {"Origin": "https://labels.example.com"}, {}):
            response = cookie_client.post(f"/api/v1/projects/{project.id}/import?format=jsonl",
                                          content=b'{"text":"a"}\n', headers={"content-type": "text/plain", **headers})
            assert response.status_code == 201, (headers, response.text)

    def test_bearer_token_requests_are_unaffected(self, client, owner, project):
        response = client.post(f"/api/v1/projects/{project.id}/import?format=jsonl", content=b'{"text":"a"}\n',
                               headers={"content-type": "text/plain", **owner.headers, **FOREIGN})
        assert response.status_code == 201, response.text

    def test_safe_methods_pass(self, cookie_client, project):
        assert cookie_client.get(f"/api/v1/projects/{project.id}", headers=FOREIGN).status_code == 200

    def test_login_from_a_foreign_page_is_refused(self, client, owner):
        response = client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD},
                               headers=FOREIGN)
        assert self.refused(response)
