"""The adjudication queue (most disputed first, answers side by side) and the reviewer's final decision."""

import pytest

from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


@pytest.fixture
def disputed(client, session):
    manager = make_user(session, "manager")
    reviewer = make_user(session, "rev")
    people = [make_user(session, name) for name in ("a", "b", "c")]
    project = make_project(session, manager.user, settings={"overlap": 3})
    add_tasks(session, manager.user, project, texts(4))
    add_member(session, manager.user, project, reviewer.user, role="reviewer")
    for person in people:
        add_member(session, manager.user, project, person.user)
    # task 1: unanimous, task 2: 2-1, task 3: all different, task 4: one answer only
    plan = {"a": ["positive", "positive", "positive", "positive"], "b": ["positive", "positive", "negative"],
            "c": ["positive", "negative", "neutral"]}
    for person in people:
        for label in plan[person.user.username]:
            task = next_task(client, person, project.id)
            response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": label}},
                                   headers=person.headers)
            assert response.status_code == 201
    ids = [t["id"] for t in client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]]
    return manager, reviewer, people, project, ids


def test_queue_orders_by_disagreement_and_shows_every_answer(client, disputed):
    manager, reviewer, _, project, ids = disputed
    response = client.get(f"/api/v1/projects/{project.id}/adjudication", headers=reviewer.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["task"]["id"] for item in items] == [ids[2], ids[1], ids[0]]  # single-answer task left out
    disagreements = [item["disagreement"] for item in items]
    assert disagreements == sorted(disagreements, reverse=True)
    assert [a["username"] for a in items[0]["answers"]] == ["a", "b", "c"]
    assert [a["result"]["sentiment"] for a in items[0]["answers"]] == ["positive", "negative", "neutral"]
    first = client.get(f"/api/v1/projects/{project.id}/adjudication?limit=2", headers=reviewer.headers).json()
    rest = client.get(f"/api/v1/projects/{project.id}/adjudication?limit=2&after={first['next']}",
                      headers=reviewer.headers).json()
    assert [i["task"]["id"] for i in first["items"] + rest["items"]] == [ids[2], ids[1], ids[0]]
    assert rest["next"] is None
    bad = client.get(f"/api/v1/projects/{project.id}/adjudication?after=garbage", headers=reviewer.headers)
    assert bad.status_code == 422


def test_decision_becomes_the_final_label_and_leaves_the_queue(client, disputed):
    manager, reviewer, (a, *_), project, ids = disputed
    url = f"/api/v1/tasks/{ids[2]}/adjudicate"
    assert client.post(url, json={"result": {"sentiment": "neutral"}}, headers=a.headers).status_code == 403
    outside = client.post(url, json={"result": {"sentiment": "furious"}}, headers=reviewer.headers)
    assert outside.status_code == 422 and outside.json()["field"] == "result.sentiment"
    assert client.post(url, json={"result": {}}, headers=reviewer.headers).status_code == 422
    decided = client.post(url, json={"result": {"sentiment": "neutral"}}, headers=reviewer.headers)
    assert decided.status_code == 200, decided.text
    assert decided.json()["consensus"] == {"sentiment": "neutral"} and decided.json()["confidence"] == 1.0
    queue = client.get(f"/api/v1/projects/{project.id}/adjudication", headers=reviewer.headers).json()["items"]
    assert ids[2] not in [item["task"]["id"] for item in queue]
    events = client.get(f"/api/v1/projects/{project.id}/events?action=task.adjudicated", headers=manager.headers)
    assert events.json()[0]["after"]["consensus"] == {"sentiment": "neutral"}
    assert events.json()[0]["after"]["provenance"]["controls"]["sentiment"]["from"][0]["username"] == "c"
    exported = client.get(f"/api/v1/projects/{project.id}/export", headers=manager.headers).text.splitlines()
    assert '"consensus": {"sentiment": "neutral"}' in exported[2] or '"consensus":{"sentiment":"neutral"}' in exported[2]
    # An edit by an annotator afterwards does not overturn the decision.
    annotation = client.get(f"/api/v1/tasks/{ids[2]}", headers=manager.headers).json()["annotations"][0]
    client.patch(f"/api/v1/annotations/{annotation['id']}", json={"result": {"sentiment": "negative"}},
                 headers=a.headers)
    assert client.get(f"/api/v1/tasks/{ids[2]}", headers=manager.headers).json()["consensus"] == {"sentiment": "neutral"}
    promoted = client.post(f"/api/v1/tasks/{ids[2]}/gold/promote", headers=manager.headers)
    assert promoted.status_code == 201 and promoted.json()["result"] == {"sentiment": "neutral"}
    gold = client.post(f"/api/v1/tasks/{ids[2]}/adjudicate", json={"result": {"sentiment": "positive"}},
                       headers=reviewer.headers)
    assert gold.status_code == 409 and "gold" in gold.json()["message"]


def test_unknown_task_and_project(client, disputed):
    _, reviewer, *_ = disputed
    assert client.post("/api/v1/tasks/999999/adjudicate", json={"result": {"sentiment": "neutral"}},
                       headers=reviewer.headers).status_code == 404
    assert client.get("/api/v1/projects/999999/adjudication", headers=reviewer.headers).status_code == 404


def test_decision_records_where_each_region_came_from(client, session):
    schema = {"objects": {"text": {"type": "text"}},
              "controls": {"entities": {"type": "spans", "object": "text", "labels": ["PER", "LOC"]}}}
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema=schema, settings={"overlap": 2})
    add_tasks(session, manager.user, project, [{"text": "Ann went to Rome"}])
    spans = {"a": [{"id": "a1", "start": 0, "end": 3, "label": "PER", "text": "Ann"}],
             "b": [{"id": "b1", "start": 12, "end": 16, "label": "LOC", "text": "Rome"}]}
    for name, regions in spans.items():
        person = make_user(session, name)
        add_member(session, manager.user, project, person.user)
        task = next_task(client, person, project.id)
        assert client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"entities": regions}},
                           headers=person.headers).status_code == 201
    url = f"/api/v1/tasks/{task['id']}/adjudication"
    assert client.get(url, headers=manager.headers).status_code == 404  # not decided yet
    edited = {**spans["b"][0], "label": "PER"}
    decision = {"entities": [spans["a"][0], edited, {"id": "m1", "start": 4, "end": 8, "label": "LOC", "text": "went"}]}
    assert client.post(f"/api/v1/tasks/{task['id']}/adjudicate", json={"result": decision},
                       headers=manager.headers).status_code == 200
    stored = client.get(url, headers=manager.headers).json()
    assert stored["decided_by"] == "manager" and stored["result"] == decision
    regions = stored["provenance"]["controls"]["entities"]["regions"]
    assert [(r["id"], r["username"], r["edited"]) for r in regions] == [("a1", "a", False), ("b1", "b", True),
                                                                        ("m1", None, True)]
    assert stored["provenance"]["edited"] is True
