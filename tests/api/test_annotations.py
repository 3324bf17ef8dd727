"""Submitting, validating, editing and reviewing annotations."""

import pytest
from sqlalchemy import select

from labelwise.store.models import Annotation, AnnotationRevision, Event, Task
from tests.factories import add_member, add_tasks, make_project, make_user, next_task


@pytest.fixture
def setup(session):
    manager = make_user(session, "manager")
    ann = make_user(session, "ann")
    rev = make_user(session, "rev")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, [{"text": "Ann met Bob in Paris"}, {"text": "second"}])
    add_member(session, manager.user, project, ann.user)
    add_member(session, manager.user, project, rev.user, role="reviewer")
    return manager, ann, rev, project


def test_submit_stores_result_lead_time_and_revision(client, session, setup):
    _, ann, _, project = setup
    task = next_task(client, ann, project.id)
    result = {"sentiment": "neutral", "entities": [{"start": 0, "end": 3, "label": "PER"},
                                                   {"start": 14, "end": 19, "label": "LOC"}]}
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": result, "lead_time_ms": 4200},
                           headers=ann.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["lead_time_ms"] == 4200 and body["revision"] == 1 and body["status"] == "submitted"
    assert [e["label"] for e in body["result"]["entities"]] == ["PER", "LOC"]
    assert all(e["id"] for e in body["result"]["entities"])
    assert session.get(Task, task["id"]).annotation_count == 1


@pytest.mark.parametrize("result, field", [
    ({"sentiment": "happy"}, "result.sentiment"),
    ({}, "result.sentiment"),
    ({"sentiment": "positive", "entities": [{"start": 0, "end": 300, "label": "PER"}]}, "result.entities[0].end"),
    ({"sentiment": "positive", "entities": [{"start": 0, "end": 3, "label": "DOG"}]}, "result.entities[0].label"),
    ({"sentiment": "positive", "nope": 1}, "result.nope"),
])
def test_results_breaking_the_schema_get_422_naming_the_field(client, session, setup, result, field):
    _, ann, _, project = setup
    task = next_task(client, ann, project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": result}, headers=ann.headers)
    assert response.status_code == 422
    assert response.json()["field"] == field, response.json()
    assert session.scalar(select(Annotation.id)) is None


def test_malformed_bodies_get_422(client, setup):
    _, ann, _, project = setup
    task = next_task(client, ann, project.id)
    url = f"/api/v1/tasks/{task['id']}/annotations"
    assert client.post(url, content=b"{not json", headers={**ann.headers, "content-type": "application/json"}
                       ).status_code == 422
    response = client.post(url, json={"result": {"sentiment": "positive"}, "lead_time_ms": -5}, headers=ann.headers)
    assert response.status_code == 422 and response.json()["field"] == "lead_time_ms"
    assert client.post(url, json={"result": "positive"}, headers=ann.headers).json()["field"] == "result"


def test_unknown_task_is_404(client, setup):
    _, ann, _, _ = setup
    assert client.post("/api/v1/tasks/99999/annotations", json={"result": {}}, headers=ann.headers).status_code == 404


def test_second_submit_conflicts_and_edit_adds_a_revision(client, session, setup):
    _, ann, _, project = setup
    task = next_task(client, ann, project.id)
    url = f"/api/v1/tasks/{task['id']}/annotations"
    created = client.post(url, json={"result": {"sentiment": "positive"}}, headers=ann.headers).json()
    assert client.post(url, json={"result": {"sentiment": "negative"}}, headers=ann.headers).status_code == 409
    edited = client.patch(f"/api/v1/annotations/{created['id']}", json={"result": {"sentiment": "negative"}},
                          headers=ann.headers).json()
    assert edited["revision"] == 2 and edited["result"] == {"sentiment": "negative"}
    revisions = session.scalars(select(AnnotationRevision).order_by(AnnotationRevision.revision)).all()
    assert [r.result["sentiment"] for r in revisions] == ["positive", "negative"]
    event = session.scalar(select(Event).where(Event.action == "annotation.edited"))
    assert event.before["result"] == {"sentiment": "positive"} and event.after["result"] == {"sentiment": "negative"}
    session.expire_all()
    assert session.get(Task, task["id"]).annotation_count == 1


def test_review_accept_reject_and_fix(client, session, setup):
    _, ann, rev, project = setup
    task = next_task(client, ann, project.id)
    created = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                          headers=ann.headers).json()
    queued = client.get(f"/api/v1/projects/{project.id}/review/next", headers=rev.headers).json()
    assert queued["id"] == task["id"] and queued["annotations"][0]["id"] == created["id"]
    assert client.get(f"/api/v1/projects/{project.id}/review/next", headers=ann.headers).status_code == 403

    url = f"/api/v1/annotations/{created['id']}/reviews"
    no_comment = client.post(url, json={"verdict": "reject"}, headers=rev.headers)
    assert no_comment.status_code == 422 and no_comment.json()["field"] == "comment"
    rejected = client.post(url, json={"verdict": "reject", "comment": "It is neutral"}, headers=rev.headers)
    assert rejected.status_code == 201 and rejected.json()["annotation"]["status"] == "rejected"
    session.expire_all()
    assert session.get(Task, task["id"]).annotation_count == 0

    # The task comes back to its annotator, with the reviewer's comment.
    back = next_task(client, ann, project.id)
    assert back["id"] == task["id"]
    assert back["annotations"][0]["review"]["comment"] == "It is neutral"
    resubmitted = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "neutral"}},
                              headers=ann.headers).json()
    assert resubmitted["id"] == created["id"] and resubmitted["revision"] == 2

    fixed = client.post(url, json={"verdict": "fix", "result": {"sentiment": "negative"}}, headers=rev.headers)
    assert fixed.status_code == 201
    assert fixed.json()["annotation"]["result"] == {"sentiment": "negative"}
    assert fixed.json()["annotation"]["revision"] == 3
    authors = session.scalars(select(AnnotationRevision.author_id).order_by(AnnotationRevision.revision)).all()
    assert authors == [ann.user.id, ann.user.id, rev.user.id]
    bad_fix = client.post(url, json={"verdict": "fix", "result": {"sentiment": "bad"}}, headers=rev.headers)
    assert bad_fix.status_code == 422 and bad_fix.json()["field"] == "result.sentiment"
    accepted = client.post(url, json={"verdict": "accept"}, headers=rev.headers)
    assert accepted.status_code == 201
    assert client.get(f"/api/v1/projects/{project.id}/review/next", headers=rev.headers).status_code == 204
    assert client.post(url, json={"verdict": "maybe"}, headers=rev.headers).status_code == 422
