"""Label-error detection through the API: a run flags mislabeled tasks with their suspected label, a
second run replaces the flags, reviewers read and managers run, and unusable projects get a 422."""

import time

import numpy as np
import pytest
from sqlalchemy import select

from labelwise.assist.label_errors import ConfidentLearning
from labelwise.assist.models.families import detector_models
from labelwise.store.models import Task
from tests.factories import add_member, add_tasks, make_project, make_user

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"topic": {"type": "choices", "object": "text", "options": ["food", "sport", "tech"],
                           "required": True}},
}
WORDS = {"food": ["pasta", "bread", "cheese", "soup", "salad", "pizza"],
         "sport": ["football", "tennis", "goal", "match", "team", "race"],
         "tech": ["laptop", "python", "server", "phone", "chip", "code"]}
WRONG = {3: "sport", 40: "tech", 75: "food"}  # task index -> the wrong human label given


@pytest.fixture
def world(session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema=SCHEMA)
    rng = np.random.default_rng(0)
    truth = [topic for topic in WORDS for _ in range(30)]
    add_tasks(session, manager.user, project, [{"text": " ".join(rng.choice(WORDS[t], 12))} for t in truth])
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    for i, task in enumerate(tasks):
        task.consensus = {"topic": WRONG.get(i, truth[i])}
    session.commit()
    return manager, project, [t.id for t in tasks], truth


def url(project):
    return f"/api/v1/projects/{project.id}/label-errors"


def wait(client, caller, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def run(client, caller, project, body=None):
    """Queue a detection job, wait for it, and return the stored flags' first page."""
    response = client.post(url(project), headers=caller.headers, json=body)
    assert response.status_code == 202, response.text
    assert response.json()["kind"] == "label_errors.detect"
    job = wait(client, caller, response.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    models = len(detector_models("text", field="text"))
    assert job["total"] == job["done"] == models * (body or {}).get("folds", 5) and job["result"]["flagged"] >= 0
    assert job["result"]["models"] == models
    return client.get(url(project), headers=caller.headers).json()


def test_a_run_flags_the_mislabeled_tasks_with_their_suspected_label(client, world):
    manager, project, ids, truth = world
    body = run(client, manager, project, {"folds": 5})
    assert body["control"] == "topic" and body["labeled"] == 90
    assert body["filter"] == ConfidentLearning().filter_by and body["models"] == len(detector_models("text", field="x"))
    flagged = {f["task_id"]: f for f in body["flags"]}
    assert {ids[i] for i in WRONG} <= set(flagged) and body["total"] == len(flagged) <= 5
    for i, given in WRONG.items():
        assert flagged[ids[i]]["given"] == given and flagged[ids[i]]["suspected"] == truth[i]
    scores = [f["score"] for f in body["flags"]]
    assert scores == sorted(scores)
    assert client.get(url(project) + "?limit=1&offset=1", headers=manager.headers).json()["flags"] == body["flags"][1:2]


def test_a_second_run_replaces_the_flags(client, session, world):
    manager, project, ids, truth = world
    assert run(client, manager, project)["total"] >= 3
    for i in WRONG:
        task = session.get(Task, ids[i])
        task.consensus = {"topic": truth[i]}
    session.commit()
    again = run(client, manager, project)
    assert not {ids[i] for i in WRONG} & {f["task_id"] for f in again["flags"]}
    assert client.get(url(project), headers=manager.headers).json()["total"] == again["total"]


def test_reviewers_read_the_flags_but_only_managers_run_detection(client, session, world):
    manager, project, _, _ = world
    reviewer, annotator = make_user(session, "rev"), make_user(session, "ann")
    add_member(session, manager.user, project, reviewer.user, role="reviewer")
    add_member(session, manager.user, project, annotator.user)
    assert client.post(url(project), headers=reviewer.headers).status_code == 403
    assert client.get(url(project), headers=annotator.headers).status_code == 403
    never = client.get(url(project), headers=reviewer.headers).json()
    assert never["total"] == 0 and never["control"] is None
    run(client, manager, project)
    assert client.get(url(project), headers=reviewer.headers).json()["total"] >= 3


def test_unusable_requests_are_422_naming_the_control(client, session, world):
    manager, project, _, _ = world
    bad = client.post(url(project), headers=manager.headers, json={"control": "nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "control"
    images = make_project(session, manager.user, name="Images", schema={
        "objects": {"image": {"type": "image"}},
        "controls": {"kind": {"type": "choices", "object": "image", "options": ["cat", "dog"]}}})
    response = client.post(url(images), headers=manager.headers)
    assert response.status_code == 422 and "single-choice control over text" in response.json()["detail"]
    few = make_project(session, manager.user, name="Few", schema=SCHEMA)
    add_tasks(session, manager.user, few, [{"text": "pasta"}, {"text": "goal"}])
    response = client.post(url(few), headers=manager.headers)
    assert response.status_code == 422 and "at least 10 labeled tasks" in response.json()["detail"]


def test_the_task_list_filters_and_badges_flagged_tasks(client, session, world):
    manager, project, ids, truth = world
    run(client, manager, project)
    tasks = f"/api/v1/projects/{project.id}/tasks"
    page = client.get(tasks + "?label_error=true", headers=manager.headers).json()["items"]
    assert {ids[i] for i in WRONG} <= {t["id"] for t in page}
    assert all(t["label_error"]["suspected"] != t["label_error"]["given"] for t in page)
    rest = client.get(tasks + "?label_error=false&limit=1000", headers=manager.headers).json()["items"]
    assert len(rest) + len(page) == 90 and all(t["label_error"] is None for t in rest)
    detail = client.get(f"/api/v1/tasks/{ids[3]}", headers=manager.headers).json()
    assert detail["label_error"] == {"given": "sport", "suspected": "food",
                                     "score": detail["label_error"]["score"]}
    annotator = make_user(session, "ann")
    add_member(session, manager.user, project, annotator.user)
    refused = client.get(tasks + "?label_error=true", headers=annotator.headers)
    assert refused.status_code == 422 and refused.json()["field"] == "label_error"


def test_flagged_tasks_come_first_in_the_review_queue_with_their_suspected_label(client, session, world):
    manager, project, ids, truth = world
    reviewer = make_user(session, "rev")
    add_member(session, manager.user, project, reviewer.user, role="reviewer")
    for task_id, label in ((ids[0], "food"), (ids[3], "sport")):  # ids[3] is mislabeled "sport"
        response = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"topic": label}},
                               headers=manager.headers)
        assert response.status_code == 201, response.text
    queue = f"/api/v1/projects/{project.id}/review/next"
    before = client.get(queue, headers=reviewer.headers).json()
    assert before["id"] == ids[0] and before["label_error"] is None
    run(client, manager, project)
    after = client.get(queue, headers=reviewer.headers).json()
    assert after["id"] == ids[3] and after["label_error"]["suspected"] == "food"


@pytest.mark.parametrize("body", [{"seed": -1}, {"folds": 1}, {"folds": 21}, {"control": 5}])
def test_out_of_range_options_are_422(client, world, body):
    manager, project, _, _ = world
    assert client.post(url(project), headers=manager.headers, json=body).status_code == 422
