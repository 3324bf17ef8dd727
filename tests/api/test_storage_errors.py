"""The server's own storage failing (disk full, read-only data) answers 507/503 with a message, not a bare 500."""

import errno

import pytest
from sqlalchemy import event

from labelwise.storage.local import LocalStorage
from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, png, zip_of


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


def sqlite_only(settings):
    if not settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas simulate the fault; PostgreSQL's disk-full is the fault suite's job")


def on_every_connection(app, statement: str) -> None:
    app.state.engine.dispose()
    event.listen(app.state.engine, "connect", lambda dbapi, _record: dbapi.execute(statement))


def rows(n: int) -> bytes:
    return "".join(f'{{"text": "row {i} {"x" * 500}"}}\n' for i in range(n)).encode()


def test_a_full_database_answers_507(app, client, session, settings, owner):
    sqlite_only(settings)
    project = make_project(session, owner.user)
    on_every_connection(app, "PRAGMA max_page_count = 1")  # clamps to the current size: no room to grow
    response = client.post(f"/api/v1/projects/{project.id}/import", content=rows(2000),
                           headers={**owner.headers, "content-type": "application/jsonl"})
    assert response.status_code == 507, response.text
    assert "storage is full" in response.json()["detail"]


def test_a_read_only_database_answers_503(app, client, session, settings, owner):
    project = make_project(session, owner.user)
    if settings.resolved_database_url.startswith("sqlite"):
        on_every_connection(app, "PRAGMA query_only = ON")
    else:
        on_every_connection(app, "SET default_transaction_read_only = on")
    response = client.patch(f"/api/v1/projects/{project.id}", json={"description": "new"}, headers=owner.headers)
    assert response.status_code == 503, response.text
    assert "cannot write its data" in response.json()["detail"]
    assert response.headers["retry-after"]


@pytest.mark.parametrize("code, status", [(errno.ENOSPC, 507), (errno.EROFS, 503), (errno.EACCES, 503)])
def test_media_storage_errors_answer_with_their_status(client, session, owner, monkeypatch, code, status):
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")

    def failing_write(self, target, write):
        raise OSError(code, "simulated")

    monkeypatch.setattr(LocalStorage, "_write", failing_write)
    response = client.post(f"/api/v1/projects/{project.id}/media", files=[("files", ("a.png", png(1)))],
                           headers=owner.headers)
    assert response.status_code == status, response.text


def test_a_full_disk_while_unpacking_a_zip_is_507_not_a_bad_archive(client, session, owner, monkeypatch):
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    real_open = open

    def full_disk_open(file, mode="r", *args, **kwargs):
        if "x" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", full_disk_open)
    response = client.post(f"/api/v1/projects/{project.id}/media", content=zip_of({"a.png": png(1)}),
                           headers={**owner.headers, "content-type": "application/zip"})
    assert response.status_code == 507, response.text
