"""ML backends over real HTTP: add and check them, pre-label a project through the example backend, and
get a clear error on the job (never broken labeling) from backends that time out, answer garbage or
predict labels outside the schema."""

import asyncio
import time

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from examples.ml_backend.keyword_backend import create_app as keyword_backend
from labelwise.store.models import Prediction
from tests.conftest import LiveServer
from tests.factories import add_tasks, make_project, make_user

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"topic": {"type": "choices", "object": "text", "options": ["sports", "music", "food"],
                           "required": True}},
}
TEXTS = ["the sports final", "new music album", "food and wine", "sports news today", "music for food lovers"]


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    project = make_project(session, owner.user, name="Topics", schema=SCHEMA)
    add_tasks(session, owner.user, project, [{"data": {"text": TEXTS[i % 5] + f" #{i}"}} for i in range(40)])
    return project


@pytest.fixture
def example_backend():
    server = LiveServer(keyword_backend()).start()
    yield server
    server.stop()


def misbehaving_app() -> FastAPI:
    """One backend per prefix, each failing its own way at /predict."""
    app = FastAPI()

    for prefix in ("slow", "garbage", "wrong", "broken", "short", "steady"):
        @app.get(f"/{prefix}/health")
        def health():
            return {"status": "ok"}

        @app.post(f"/{prefix}/setup")
        def setup(prefix=prefix):
            return {"model_version": f"{prefix}-1"}

    @app.post("/slow/predict")
    async def slow(body: dict):
        await asyncio.sleep(3)
        return {"predictions": []}

    @app.post("/garbage/predict")
    def garbage(body: dict):
        return PlainTextResponse("<html>upstream exploded</html>")

    @app.post("/wrong/predict")
    def wrong(body: dict):
        return {"predictions": [{"task_id": t["id"], "result": {"topic": "cats"}} for t in body["tasks"]]}

    @app.post("/broken/predict")
    def broken(body: dict):
        raise RuntimeError("model file missing")

    @app.post("/short/predict")
    def short(body: dict):
        return {"predictions": []}

    @app.post("/steady/predict")
    async def steady(body: dict):
        await asyncio.sleep(0.15)
        return {"model_version": "steady-1",
                "predictions": [{"task_id": t["id"], "result": {"topic": "food"}, "score": 0.5} for t in body["tasks"]]}

    return app


@pytest.fixture(scope="module")
def bad_backends():
    server = LiveServer(misbehaving_app()).start()
    yield server
    server.stop()


def add_backend(client, caller, project_id, **body):
    response = client.post(f"/api/v1/projects/{project_id}/ml-backends", headers=caller.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def prelabel(client, caller, project_id, backend_id, **extra):
    response = client.post(f"/api/v1/projects/{project_id}/prelabel", headers=caller.headers,
                           json={"backend_id": backend_id, **extra})
    assert response.status_code == 202, response.text
    return response.json()


def wait(client, caller, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def label(client, caller, project_id, topic="sports"):
    task = client.get(f"/api/v1/projects/{project_id}/next", headers=caller.headers).json()["task"]
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", headers=caller.headers,
                           json={"result": {"topic": topic}})
    assert response.status_code == 201, response.text
    return task["id"]


def test_backends_are_added_checked_changed_and_removed(client, owner, project, example_backend, session):
    backend = add_backend(client, owner, project.id, name="keywords", url=example_backend.url + "/",
                          auth_header="Bearer s3cret", timeout_seconds=5)
    assert backend["has_auth"] and "auth_header" not in backend and backend["url"] == example_backend.url
    again = client.post(f"/api/v1/projects/{project.id}/ml-backends", headers=owner.headers,
                        json={"name": "keywords", "url": example_backend.url})
    assert again.status_code == 409
    bad = client.post(f"/api/v1/projects/{project.id}/ml-backends", headers=owner.headers,
                      json={"name": "x", "url": "file:///etc/passwd"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    checked = client.post(f"/api/v1/ml-backends/{backend['id']}/check", headers=owner.headers).json()
    assert checked["last_status"] == "ok" and checked["model_version"] == "keywords-0" and checked["checked_at"]
    changed = client.patch(f"/api/v1/ml-backends/{backend['id']}", headers=owner.headers,
                           json={"enabled": False, "auth_header": ""}).json()
    assert changed["enabled"] is False and changed["has_auth"] is False
    refused = client.post(f"/api/v1/projects/{project.id}/prelabel", headers=owner.headers,
                          json={"backend_id": backend["id"]})
    assert refused.status_code == 422 and "disabled" in refused.json()["message"]
    stranger = make_user(session, "stranger")
    assert client.get(f"/api/v1/ml-backends/{backend['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/projects/{project.id}/ml-backends", headers=stranger.headers).status_code == 404
    assert client.delete(f"/api/v1/ml-backends/{backend['id']}", headers=owner.headers).status_code == 204
    assert client.get(f"/api/v1/projects/{project.id}/ml-backends", headers=owner.headers).json() == []


def test_prelabel_predicts_every_unlabeled_task_with_the_model_version(client, owner, project, example_backend,
                                                                     session):
    labeled = {label(client, owner, project.id) for _ in range(3)}
    backend = add_backend(client, owner, project.id, name="keywords", url=example_backend.url)
    job = prelabel(client, owner, project.id, backend["id"], batch_size=7)
    assert job["kind"] == "prelabel" and job["total"] == 37
    done = wait(client, owner, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["tasks"] == 37 and done["result"]["predicted"] == 37 and done["progress"] == 1.0
    assert done["result"]["model_version"] == "keywords-0"
    rows = session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()
    assert len(rows) == 37 and not labeled & {p.task_id for p in rows}
    assert {p.model_version for p in rows} == {"keywords-0"}
    by_text = {p.task_id: p.result["topic"] for p in rows}
    assert set(by_text.values()) <= {"sports", "music", "food"}
    # Run again: this model version has already predicted every task, so nothing is sent twice.
    again = wait(client, owner, prelabel(client, owner, project.id, backend["id"])["id"])
    assert again["status"] == "succeeded" and again["result"]["tasks"] == 0


@pytest.mark.parametrize(("prefix", "message"), [
    ("slow", "did not answer /predict within 0.5 s"),
    ("garbage", "with something that is not JSON: '<html>upstream exploded</html>'"),
    ("wrong", "predicted a result that does not fit the project's schema: task 1: control 'topic'"),
    ("broken", "answered HTTP 500 to /predict"),
    ("short", "answered 0 predictions for 5 tasks"),
])
def test_a_misbehaving_backend_fails_the_job_clearly_and_labeling_goes_on(client, owner, project, bad_backends,
                                                                         prefix, message):
    backend = add_backend(client, owner, project.id, name=prefix, url=f"{bad_backends.url}/{prefix}",
                          timeout_seconds=0.5)
    job = wait(client, owner, prelabel(client, owner, project.id, backend["id"], batch_size=5)["id"])
    assert job["status"] == "failed" and message in job["error"]["message"], job["error"]
    assert f"the ML backend '{prefix}' at {bad_backends.url}/{prefix}" in job["error"]["message"]
    if prefix == "wrong":
        assert "unknown choice 'cats'" in job["error"]["message"]
    state = client.get(f"/api/v1/ml-backends/{backend['id']}", headers=owner.headers).json()
    assert state["last_status"] == "error" and message in state["last_error"]
    label(client, owner, project.id)  # labeling is untouched


def test_cancel_stops_a_prelabel_and_keeps_the_batches_stored(client, owner, project, bad_backends, session):
    backend = add_backend(client, owner, project.id, name="steady", url=f"{bad_backends.url}/steady")
    job = prelabel(client, owner, project.id, backend["id"], batch_size=1)
    deadline = time.monotonic() + 30
    while client.get(f"/api/v1/jobs/{job['id']}", headers=owner.headers).json()["rows"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=owner.headers)
    done = wait(client, owner, job["id"])
    assert done["status"] == "cancelled"
    kept = len(session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all())
    assert 2 <= kept < 40
    retried = client.post(f"/api/v1/jobs/{job['id']}/retry", headers=owner.headers).json()
    assert retried["status"] == "queued"
    assert wait(client, owner, job["id"])["result"]["tasks"] == 40 - kept  # carries on where it stopped


def test_training_sends_labeled_tasks_and_the_new_version_prelabels(client, owner, project, example_backend,
                                                                    session):
    backend = add_backend(client, owner, project.id, name="keywords", url=example_backend.url)
    empty = client.post(f"/api/v1/ml-backends/{backend['id']}/train", headers=owner.headers).json()
    assert "no labeled tasks" in wait(client, owner, empty["id"])["error"]["message"]
    for _ in range(10):
        label(client, owner, project.id, topic="food")  # whatever the text says: the model learns the words
    job = client.post(f"/api/v1/ml-backends/{backend['id']}/train", headers=owner.headers)
    assert job.status_code == 202
    trained = wait(client, owner, job.json()["id"])
    assert trained["status"] == "succeeded" and trained["result"]["trained_on"] == 10
    assert trained["result"]["answer"]["model_version"] == "keywords-1"
    assert client.get(f"/api/v1/ml-backends/{backend['id']}", headers=owner.headers).json()["model_version"] == \
        "keywords-1"
    done = wait(client, owner, prelabel(client, owner, project.id, backend["id"])["id"])
    assert done["result"]["model_version"] == "keywords-1" and done["result"]["predicted"] == 30
    rows = session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()
    assert {p.result["topic"] for p in rows} == {"food"}
