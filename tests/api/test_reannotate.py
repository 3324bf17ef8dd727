"""Re-annotation: answers made under an older version go back for relabeling or review, history kept."""

from sqlalchemy import select

from labelwise.store.models import Annotation, AnnotationRevision, Event, Task
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _answered(session, client):
    """ann answers two tasks under guidelines v1 and one under v2; the manager reviews one."""
    manager = make_user(session, "manager")
    ann = make_user(session, "ann")
    reviewer = make_user(session, "rev")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(4))
    add_member(session, manager.user, project, ann.user)
    add_member(session, manager.user, project, reviewer.user, "reviewer")
    ids = []
    for _ in range(2):
        task = next_task(client, ann, project.id)
        client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                    headers=ann.headers)
        ids.append(task["id"])
    client.patch(f"/api/v1/projects/{project.id}", json={"guidelines": "Sarcasm is negative."}, headers=manager.headers)
    task = next_task(client, ann, project.id)
    client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "negative"}},
                headers=ann.headers)
    ids.append(task["id"])
    return manager, ann, reviewer, project, ids


def test_relabel_answers_made_under_older_guidelines(client, session):
    manager, ann, _, project, ids = _answered(session, client)
    url = f"/api/v1/projects/{project.id}/reannotate"
    dry = client.post(url, json={"before_guidelines_version": 2, "dry_run": True}, headers=manager.headers)
    assert dry.json() == {"mode": "relabel", "annotations": 2, "tasks": 2, "applied": False}
    assert session.scalar(select(Annotation.status).where(Annotation.task_id == ids[0])) == "submitted"

    done = client.post(url, json={"before_guidelines_version": 2}, headers=manager.headers)
    assert done.json() == {"mode": "relabel", "annotations": 2, "tasks": 2, "applied": True}
    session.expire_all()
    statuses = {a.task_id: a.status for a in session.scalars(select(Annotation))}
    assert statuses == {ids[0]: "rejected", ids[1]: "rejected", ids[2]: "submitted"}
    assert session.get(Task, ids[0]).consensus is None and session.get(Task, ids[0]).annotation_count == 0
    first = session.scalar(select(Annotation).where(Annotation.task_id == ids[0]))
    history = session.scalars(select(AnnotationRevision).where(AnnotationRevision.annotation_id == first.id)
                              .order_by(AnnotationRevision.revision)).all()
    assert [(r.status, r.result, r.guidelines_version) for r in history] == [
        ("submitted", {"sentiment": "positive"}, 1), ("rejected", {"sentiment": "positive"}, 2)]
    event = session.scalars(select(Event).where(Event.action == "project.reannotated")).one()
    assert event.after["selection"] == {"before_guidelines_version": 2} and event.after["annotations"] == 2

    # the author gets them back first, relabels under the current guidelines
    served = next_task(client, ann, project.id)
    assert served["id"] in ids[:2]
    again = client.post(f"/api/v1/tasks/{served['id']}/annotations", json={"result": {"sentiment": "negative"}},
                        headers=ann.headers)
    assert again.status_code == 201 and again.json()["guidelines_version"] == 2 and again.json()["revision"] == 3
    tasks = client.get(f"/api/v1/projects/{project.id}/tasks?guidelines_version=1", headers=manager.headers).json()
    assert tasks["items"] == []  # rejected answers are not "made under" anything any more


def test_review_mode_puts_reviewed_answers_back_in_the_review_queue(client, session):
    manager, ann, reviewer, project, ids = _answered(session, client)
    next_review = f"/api/v1/projects/{project.id}/review/next"
    for _ in ids:
        task = client.get(next_review, headers=reviewer.headers).json()
        client.post(f"/api/v1/annotations/{task['annotations'][0]['id']}/reviews", json={"verdict": "accept"},
                    headers=reviewer.headers)
    assert client.get(next_review, headers=reviewer.headers).status_code == 204
    done = client.post(f"/api/v1/projects/{project.id}/reannotate", headers=manager.headers,
                       json={"mode": "review", "task_ids": [ids[1]], "comment": "check sarcasm"})
    assert done.json()["annotations"] == 1
    task = client.get(next_review, headers=reviewer.headers).json()
    assert task["id"] == ids[1] and task["annotations"][0]["review"]["verdict"] == "reopened"
    client.post(f"/api/v1/annotations/{task['annotations'][0]['id']}/reviews", json={"verdict": "accept"},
                headers=reviewer.headers)
    assert client.get(next_review, headers=reviewer.headers).status_code == 204


def test_reannotate_needs_a_selection_and_a_manager(client, session):
    manager, ann, _, project, _ = _answered(session, client)
    url = f"/api/v1/projects/{project.id}/reannotate"
    response = client.post(url, json={}, headers=manager.headers)
    assert response.status_code == 422 and response.json()["field"] == "selection"
    response = client.post(url, json={"annotator": "ghost"}, headers=manager.headers)
    assert response.status_code == 422 and response.json()["field"] == "annotator"
    response = client.post(url, json={"schema_version": 0}, headers=manager.headers)
    assert response.status_code == 422 and response.json()["field"] == "schema_version"
    assert client.post(url, json={"annotator": "ann"}, headers=ann.headers).status_code == 403
    assert client.post(url, json={"annotator": "ann", "mode": "nap"}, headers=manager.headers).status_code == 422
