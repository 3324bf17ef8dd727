"""The model-version routes: train in the background, list versions with metrics, pre-label, permissions."""

import time

from sqlalchemy import select

from labelwise.core.labeling import annotations
from labelwise.store.models import Prediction, Task
from tests.factories import add_member, add_tasks, make_project, make_user

POSITIVE = ["great lovely product", "works great, lovely", "lovely and great value"]
NEGATIVE = ["awful broken thing", "broken on arrival, awful", "awful, simply broken"]


def wait(client, caller, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _project(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, [{"text": f"{t} {i}"} for i in range(3) for t in POSITIVE + NEGATIVE])
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:12]:
        label = "positive" if "great" in task.data["text"] else "negative"
        annotations.submit(session, owner.user, task.id, result={"sentiment": label})
    return owner, project, tasks


def test_train_then_list_versions_and_prelabel(client, session):
    owner, project, tasks = _project(session)
    response = client.post(f"/api/v1/projects/{project.id}/model-versions", json={}, headers=owner.headers)
    assert response.status_code == 202 and response.json()["kind"] == "train"
    job = wait(client, owner, response.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["predictions"] == len(tasks) - 12
    [version] = client.get(f"/api/v1/projects/{project.id}/model-versions", headers=owner.headers).json()
    assert version["name"] == "builtin-sentiment-v1" and version["trained_on"] == 12
    assert version["model_class"] == "TextClassifier" and 0 <= version["metrics"]["f1"] <= 1
    again = client.post(f"/api/v1/projects/{project.id}/model-versions/{version['id']}/prelabel",
                        headers=owner.headers)
    assert again.status_code == 202
    assert wait(client, owner, again.json()["id"])["result"] == {"predictions": len(tasks) - 12}
    session.expire_all()
    stored = session.scalars(select(Prediction.model_version).where(Prediction.project_id == project.id)).all()
    assert stored == ["builtin-sentiment-v1"] * 2 * (len(tasks) - 12)


def test_only_managers_train_and_bad_requests_are_clear(client, session):
    owner, project, _ = _project(session)
    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    assert client.post(f"/api/v1/projects/{project.id}/model-versions", json={},
                       headers=annotator.headers).status_code == 403
    assert client.get(f"/api/v1/projects/{project.id}/model-versions", headers=annotator.headers).json() == []
    missing = client.post(f"/api/v1/projects/{project.id}/model-versions/999/prelabel", headers=owner.headers)
    assert missing.status_code == 404
    typo = client.post(f"/api/v1/projects/{project.id}/model-versions", json={"contrl": "x"}, headers=owner.headers)
    assert typo.status_code == 422
    failed = client.post(f"/api/v1/projects/{project.id}/model-versions", json={"control": "entities"},
                         headers=owner.headers)
    job = wait(client, owner, failed.json()["id"])
    assert job["status"] == "failed" and "at least two labeled tasks" in job["error"]["message"]
