"""Batches: choosing tasks (ids, filter, import), queue order by priority then deadline, overlap, budget pause."""

from sqlalchemy import select

from labelwise.store.models import Task
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _batch(client, caller, project_id, **body):
    response = client.post(f"/api/v1/projects/{project_id}/batches", json={"name": "b", **body},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _add(client, caller, batch_id, **body):
    response = client.post(f"/api/v1/batches/{batch_id}/tasks", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()["changed"]


def _answer(client, caller, task_id, lead_time_ms=1000):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", headers=caller.headers,
                           json={"result": {"sentiment": "positive"}, "lead_time_ms": lead_time_ms})
    assert response.status_code == 201, response.text


def _ids(session, project_id):
    return list(session.scalars(select(Task.id).where(Task.project_id == project_id).order_by(Task.id)))


def test_queue_serves_by_batch_priority_then_deadline(client, session):
    manager, annotator = make_user(session, "m"), make_user(session, "a")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(6))
    add_member(session, manager.user, project, annotator.user)
    ids = _ids(session, project.id)
    late = _batch(client, manager, project.id, name="late", priority=1, deadline="2030-01-02T00:00:00Z")
    soon = _batch(client, manager, project.id, name="soon", priority=1, deadline="2030-01-01T00:00:00Z")
    urgent = _batch(client, manager, project.id, name="urgent", priority=5)
    _add(client, manager, late["id"], task_ids=[ids[0]])
    _add(client, manager, soon["id"], task_ids=[ids[1]])
    _add(client, manager, urgent["id"], task_ids=[ids[5]])
    served = []
    while (task := next_task(client, annotator, project.id)) is not None:
        served.append(task["id"])
        _answer(client, annotator, task["id"])
    # urgent (priority 5), then the priority-1 batch due first, then the later one, then unbatched in order
    assert served == [ids[5], ids[1], ids[0], ids[2], ids[3], ids[4]]


def test_batch_pauses_itself_when_its_budget_is_spent(client, session):
    manager, annotator = make_user(session, "m"), make_user(session, "a")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(5))
    add_member(session, manager.user, project, annotator.user)
    ids = _ids(session, project.id)
    batch = _batch(client, manager, project.id, priority=10, pay_per_task=0.10, pay_per_second=0.01, budget=0.25)
    assert _add(client, manager, batch["id"], task_ids=ids[:4]) == 4
    first = next_task(client, annotator, project.id)
    assert first["id"] == ids[0]
    _answer(client, annotator, first["id"], lead_time_ms=2000)  # 0.10 + 2 s * 0.01 = 0.12
    state = client.get(f"/api/v1/batches/{batch['id']}", headers=manager.headers).json()
    assert state["status"] == "active" and abs(state["spent"] - 0.12) < 1e-9
    second = next_task(client, annotator, project.id)
    _answer(client, annotator, second["id"], lead_time_ms=2000)  # spent 0.24: another task would overrun 0.25
    state = client.get(f"/api/v1/batches/{batch['id']}", headers=manager.headers).json()
    assert state["status"] == "paused" and state["status_reason"].startswith("budget spent")
    # the batch's other tasks are no longer served: the unbatched one comes next
    assert next_task(client, annotator, project.id)["id"] == ids[4]
    # resuming by hand without money is refused with the field named; raising the budget resumes it
    refused = client.patch(f"/api/v1/batches/{batch['id']}", json={"status": "active"}, headers=manager.headers)
    assert refused.status_code == 409 and refused.json()["field"] == "budget"
    raised = client.patch(f"/api/v1/batches/{batch['id']}", json={"budget": 1.0}, headers=manager.headers)
    assert raised.json()["status"] == "active"
    assert raised.json()["progress"]["submitted"] == 2


def test_batch_overlap_sets_slots_and_moves_back_on_removal(client, session):
    manager = make_user(session, "m")
    people = [make_user(session, n) for n in ("a", "b", "c")]
    project = make_project(session, manager.user, settings={"overlap": 1})
    add_tasks(session, manager.user, project, texts(2))
    for person in people:
        add_member(session, manager.user, project, person.user)
    ids = _ids(session, project.id)
    batch = _batch(client, manager, project.id, overlap=3)
    _add(client, manager, batch["id"], task_ids=[ids[0]])
    assert [next_task(client, p, project.id)["id"] for p in people] == [ids[0], ids[0], ids[0]]
    progress = client.get(f"/api/v1/batches/{batch['id']}", headers=manager.headers).json()["progress"]
    assert progress == {"tasks": 1, "complete": 0, "submitted": 0, "open_slots": 3, "leased": 3}
    removed = client.post(f"/api/v1/batches/{batch['id']}/tasks/remove", json={"task_ids": [ids[1]]},
                          headers=manager.headers)
    assert removed.json()["changed"] == 0  # not in the batch
    session.expire_all()
    assert session.get(Task, ids[1]).remaining == 1


def test_tasks_by_filter_and_by_import(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(3, prefix="old"))
    add_tasks(session, manager.user, project, texts(2, prefix="new"))
    by_import = _batch(client, manager, project.id, name="latest import")
    assert _add(client, manager, by_import["id"], from_import="latest") == 2
    by_filter = _batch(client, manager, project.id, name="searched")
    assert _add(client, manager, by_filter["id"], filter={"q": "old number 1"}) == 1
    listed = client.get(f"/api/v1/projects/{project.id}/batches", headers=manager.headers).json()
    assert [(b["name"], b["progress"]["tasks"]) for b in listed] == [("latest import", 2), ("searched", 1)]
    page = client.get(f"/api/v1/projects/{project.id}/tasks?batch={by_import['id']}", headers=manager.headers).json()
    assert [t["data"]["text"] for t in page["items"]] == ["new number 0", "new number 1"]
    assert {t["batch_id"] for t in page["items"]} == {by_import["id"]}


def test_bad_batch_input_names_the_field(client, session):
    manager, annotator = make_user(session, "m"), make_user(session, "a")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(1))
    add_member(session, manager.user, project, annotator.user)
    batch = _batch(client, manager, project.id)
    cases = [
        (f"/api/v1/projects/{project.id}/batches", {"name": "b"}, 409, "name"),
        (f"/api/v1/projects/{project.id}/batches", {"name": "x", "priority": 10**9}, 422, "priority"),
        (f"/api/v1/projects/{project.id}/batches", {"name": "x", "overlap": 0}, 422, "overlap"),
        (f"/api/v1/batches/{batch['id']}/tasks", {"task_ids": [999999]}, 422, "task_ids"),
        (f"/api/v1/batches/{batch['id']}/tasks", {"filter": {"colour": "red"}}, 422, "filter.colour"),
        (f"/api/v1/batches/{batch['id']}/tasks", {"from_import": 12345}, 422, "from_import"),
        (f"/api/v1/batches/{batch['id']}/tasks", {}, 422, "task_ids"),
    ]
    for url, body, status, field in cases:
        response = client.post(url, json=body, headers=manager.headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    forbidden = client.post(f"/api/v1/projects/{project.id}/batches", json={"name": "y"}, headers=annotator.headers)
    assert forbidden.status_code == 403
