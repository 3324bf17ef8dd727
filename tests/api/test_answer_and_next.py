"""One round trip per item: submit or skip with `next=true` returns the caller's next leased task."""

from sqlalchemy import func, select, update

from labelwise.store.models import Annotation, Assignment, Member
from tests.factories import next_task


def answer(client, caller, task_id, label="positive"):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations?next=true", json={"result": {"sentiment": label}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def leases(session, user_id):
    return session.execute(
        select(Assignment.task_id, Assignment.status).where(Assignment.user_id == user_id).order_by(Assignment.id)
    ).all()


def test_submit_with_next_returns_the_answer_and_a_new_lease(client, session, team):
    _, (a, _, _), project = team
    first = next_task(client, a, project.id)
    body = answer(client, a, first["id"])
    assert body["annotation"]["task_id"] == first["id"] and body["annotation"]["status"] == "submitted"
    served = body["next"]["task"]
    assert served["id"] != first["id"] and body["next"]["lease_expires_at"]
    assert served["annotations"] == [] and served["data"]["text"]
    session.expire_all()
    assert leases(session, a.user.id) == [(first["id"], "done"), (served["id"], "leased")]
    # the served task is the caller's current lease: a plain next gives the same one back
    assert next_task(client, a, project.id)["id"] == served["id"]


def test_without_next_the_plain_annotation_comes_back(client, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "negative"}},
                           headers=a.headers)
    assert response.status_code == 201
    assert response.json()["task_id"] == task["id"] and "next" not in response.json()


def test_a_loop_of_submits_respects_overlap_and_ends_with_null(client, session, team):
    _, people, project = team
    for person in people:
        task = next_task(client, person, project.id)
        while task is not None:
            task = answer(client, person, task["id"])["next"]
            task = task and task["task"]
    counts = session.execute(
        select(Annotation.task_id, func.count(func.distinct(Annotation.user_id))).group_by(Annotation.task_id)
    ).all()
    assert sorted(n for _, n in counts) == [2, 2, 2]


def test_the_last_answer_gets_null_next(client, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    for _ in range(2):
        task = answer(client, a, task["id"])["next"]["task"]
    body = answer(client, a, task["id"])
    assert body["annotation"]["status"] == "submitted" and body["next"] is None and body["next_refused"] is None


def test_a_refused_answer_stores_nothing_and_serves_nothing(client, session, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations?next=true",
                           json={"result": {"sentiment": "furious"}}, headers=a.headers)
    assert response.status_code == 422 and "next" not in response.json()
    session.expire_all()
    assert session.scalar(select(func.count(Annotation.id))) == 0
    assert leases(session, a.user.id) == [(task["id"], "leased")]


def test_skip_with_next_returns_another_task(client, session, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/skip?next=true", json={}, headers=a.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["annotation"]["status"] == "skipped" and body["next"]["task"]["id"] != task["id"]
    session.expire_all()
    assert leases(session, a.user.id) == [(task["id"], "skipped"), (body["next"]["task"]["id"], "leased")]


def test_a_caller_paused_meanwhile_keeps_the_answer_and_learns_why(client, session, team):
    _, (a, _, _), project = team
    task = next_task(client, a, project.id)
    session.execute(update(Member).where(Member.user_id == a.user.id)
                    .values(status="paused", status_reason="too fast"))
    session.commit()
    body = answer(client, a, task["id"])
    assert body["annotation"]["status"] == "submitted" and body["next"] is None
    assert "too fast" in body["next_refused"]


def test_the_openapi_documents_both_shapes(client):
    spec = client.get("/api/v1/openapi.json").json()
    submit = spec["paths"]["/api/v1/tasks/{task_id}/annotations"]["post"]
    assert any(p["name"] == "next" for p in submit["parameters"])
    shapes = str(submit["responses"]["201"]["content"]["application/json"]["schema"])
    assert "AnnotationOut" in shapes and "AnsweredNextOut" in shapes
    assert "next" in spec["components"]["schemas"]["AnsweredNextOut"]["properties"]
