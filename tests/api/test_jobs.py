"""The jobs routes: a project's jobs, one job, cancel and retry, with who may see them."""

import time

import pytest

from labelwise.app import create_app
from tests.factories import make_project, make_user


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


def import_async(client, caller, project_id, body: bytes):
    response = client.post(f"/api/v1/projects/{project_id}/import", content=body, params={"async": "true"},
                           headers={**caller.headers, "content-type": "application/jsonl"})
    assert response.status_code == 202, response.text
    return response.json()


def wait(client, caller, job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_a_project_lists_its_jobs_newest_first(client, session, owner):
    project = make_project(session, owner.user)
    first = import_async(client, owner, project.id, b'{"text": "a"}\n')
    second = import_async(client, owner, project.id, b'{"text": "b"}\n{"text": "c"}\n')
    assert wait(client, owner, first["id"])["status"] == "succeeded"
    assert wait(client, owner, second["id"])["result"]["imported"] == 2
    listed = client.get(f"/api/v1/projects/{project.id}/jobs", headers=owner.headers).json()
    assert [j["id"] for j in listed] == [second["id"], first["id"]]
    assert listed[0]["kind"] == "import" and listed[0]["attempts"] == 1 and listed[0]["params"]["format"] == "jsonl"
    only = client.get(f"/api/v1/projects/{project.id}/jobs", params={"status": "failed"}, headers=owner.headers)
    assert only.json() == []


def test_retry_runs_a_failed_import_again_from_its_kept_upload(client, session, owner):
    project = make_project(session, owner.user)
    job = import_async(client, owner, project.id, b'{"text": "a"}\n{"txt": 1}\n')
    failed = wait(client, owner, job["id"])
    assert failed["status"] == "failed" and failed["error"]["errors"][0]["line"] == 2
    retried = client.post(f"/api/v1/jobs/{job['id']}/retry", headers=owner.headers)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    again = wait(client, owner, job["id"])
    assert again["status"] == "failed" and again["attempts"] == 2 and again["error"]["errors"][0]["line"] == 2
    done = import_async(client, owner, project.id, b'{"text": "a"}\n')
    wait(client, owner, done["id"])
    conflict = client.post(f"/api/v1/jobs/{done['id']}/retry", headers=owner.headers)
    assert conflict.status_code == 409 and "only failed or cancelled" in conflict.json()["message"]
    cancel = client.post(f"/api/v1/jobs/{done['id']}/cancel", headers=owner.headers)
    assert cancel.status_code == 409 and "already succeeded" in cancel.json()["message"]


def test_a_queued_job_is_cancelled_at_once_and_strangers_see_nothing(settings, session, owner):
    from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"run_jobs_in_server": False}))  # nobody claims
    try:
        with TestClient(app) as client:
            project = make_project(session, owner.user)
            job = import_async(client, owner, project.id, b'{"text": "a"}\n')
            stranger = make_user(session, "stranger")
            for method, path in (("GET", f"/jobs/{job['id']}"), ("POST", f"/jobs/{job['id']}/cancel"),
                                 ("POST", f"/jobs/{job['id']}/retry"), ("GET", f"/projects/{project.id}/jobs")):
                assert client.request(method, f"/api/v1{path}", headers=stranger.headers).status_code == 404
            cancelled = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=owner.headers).json()
            assert cancelled["status"] == "cancelled" and "before it started" in cancelled["error"]["message"]
            assert client.post(f"/api/v1/jobs/{job['id']}/retry", headers=owner.headers).json()["status"] == "queued"
    finally:
        app.state.engine.dispose()
