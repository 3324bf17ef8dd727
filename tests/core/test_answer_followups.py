"""Consensus, dynamic overlap and gold standing follow an answer after its commit (core.labeling.answer_hooks):
the answer's transaction only marks the task, a catch-up does the rest and cannot lose it."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from labelwise.core.labeling import answer_hooks
from labelwise.store.models import AnswerFollowup
from tests.factories import add_member, add_tasks, make_project, make_user, texts


@pytest.fixture
def deferred(session):
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("a", "b")]
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, texts(1))
    for person in people:
        add_member(session, manager.user, project, person.user)
    answer_hooks.synchronous = False  # as in a server: the catch-up runs later, in its own transaction
    return manager, people, project


def label_one(client, caller, project_id, label):
    task = client.get(f"/api/v1/projects/{project_id}/next", headers=caller.headers).json()["task"]
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": label}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return task["id"]


def test_answers_mark_their_task_and_the_catch_up_brings_consensus(client, app, deferred):
    manager, (a, b), project = deferred
    task_id = label_one(client, a, project.id, "negative")
    label_one(client, b, project.id, "negative")
    task = client.get(f"/api/v1/tasks/{task_id}", headers=manager.headers).json()
    assert task["annotation_count"] == 2 and task["consensus"] is None  # stored, not yet followed up
    fresh = client.get(f"/api/v1/projects/{project.id}/quality", headers=manager.headers).json()["freshness"]
    assert fresh["pending_tasks"] == 1 and fresh["oldest_pending_at"].endswith("Z")

    assert answer_hooks.drain(app.state.session_factory) == 2
    task = client.get(f"/api/v1/tasks/{task_id}", headers=manager.headers).json()
    assert task["consensus"] == {"sentiment": "negative"} and task["confidence"] > 0.8
    fresh = client.get(f"/api/v1/projects/{project.id}/quality", headers=manager.headers).json()["freshness"]
    assert fresh["pending_tasks"] == 0 and fresh["oldest_pending_at"] is None


def test_a_failed_catch_up_keeps_its_rows_for_the_next_one(client, app, deferred):
    manager, (a, _b), project = deferred
    task_id = label_one(client, a, project.id, "positive")

    def broken(session, changed):
        raise RuntimeError("the process died here")

    answer_hooks.follow_answers(broken)
    try:
        with app.state.session_factory() as session, pytest.raises(RuntimeError):
            answer_hooks.catch_up(session)
    finally:
        answer_hooks._followers.remove(broken)
    with app.state.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AnswerFollowup)) == 1
    assert answer_hooks.drain(app.state.session_factory) == 1
    task = client.get(f"/api/v1/tasks/{task_id}", headers=manager.headers).json()
    assert task["consensus"] == {"sentiment": "positive"}


def test_the_server_thread_catches_up_on_its_own(app, session, deferred):
    manager, (a, _b), project = deferred
    with TestClient(app) as client:  # started with synchronous off: the lifespan runs a FollowupRunner
        task_id = label_one(client, a, project.id, "neutral")
        for _ in range(100):
            consensus = client.get(f"/api/v1/tasks/{task_id}", headers=manager.headers).json()["consensus"]
            if consensus:
                break
            time.sleep(0.05)
        assert consensus == {"sentiment": "neutral"}
