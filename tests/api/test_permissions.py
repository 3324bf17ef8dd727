"""Every endpoint checks the caller's role in the project; annotators are blind to others' work."""

import pytest

from tests.factories import TEXT_SCHEMA, add_member, add_tasks, make_project, make_user, next_task, texts


@pytest.fixture
def world(session):
    manager = make_user(session, "manager")
    annotator = make_user(session, "ann")
    other = make_user(session, "other")
    reviewer = make_user(session, "rev")
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, [
        {"data": {"text": "gold one"}, "gold": {"sentiment": "positive"}},
        *[{"text": t["text"]} for t in texts(3)],
    ])
    add_member(session, manager.user, project, annotator.user)
    add_member(session, manager.user, project, other.user)
    add_member(session, manager.user, project, reviewer.user, role="reviewer")
    secret = make_project(session, manager.user, name="Secret")
    return {"manager": manager, "ann": annotator, "other": other, "rev": reviewer, "project": project,
            "secret": secret}


def test_anonymous_callers_get_401(client, world):
    pid = world["project"].id
    for method, path in [("GET", "/api/v1/projects"), ("GET", f"/api/v1/projects/{pid}"),
                         ("GET", f"/api/v1/projects/{pid}/next"), ("GET", f"/api/v1/projects/{pid}/export"),
                         ("POST", f"/api/v1/tasks/1/annotations"), ("GET", "/api/v1/auth/me")]:
        response = client.request(method, path, json={"result": {}} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["message"]


def test_bad_token_gets_401(client, world):
    response = client.get("/api/v1/projects", headers={"Authorization": "Bearer lw_nope"})
    assert response.status_code == 401


def test_annotator_cannot_read_another_project(client, world):
    ann = world["ann"].headers
    secret = world["secret"].id
    assert client.get(f"/api/v1/projects/{secret}", headers=ann).status_code == 404
    assert client.get(f"/api/v1/projects/{secret}/tasks", headers=ann).status_code == 404
    assert client.get(f"/api/v1/projects/{secret}/next", headers=ann).status_code == 404
    listed = [p["id"] for p in client.get("/api/v1/projects", headers=ann).json()]
    assert listed == [world["project"].id]


def test_annotator_cannot_change_settings_export_or_import(client, world):
    ann, pid = world["ann"].headers, world["project"].id
    assert client.patch(f"/api/v1/projects/{pid}", json={"settings": {"overlap": 5}}, headers=ann).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/export", headers=ann).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/stats", headers=ann).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/events", headers=ann).status_code == 403
    response = client.post(f"/api/v1/projects/{pid}/import", content=b'{"text":"x"}\n',
                           headers={**ann, "content-type": "application/jsonl"})
    assert response.status_code == 403
    assert client.post(f"/api/v1/projects/{pid}/members", json={"username": "ann", "role": "manager"},
                       headers=ann).status_code == 403
    assert client.delete(f"/api/v1/projects/{pid}", headers=ann).status_code == 403


def test_annotator_sees_neither_other_answers_nor_gold(client, world):
    pid = world["project"].id
    # Gold tasks are served outside the overlap, mixed in at gold_ratio: here, first.
    client.patch(f"/api/v1/projects/{pid}", json={"settings": {"gold_ratio": 1.0}}, headers=world["manager"].headers)
    first = next_task(client, world["ann"], pid)
    second = next_task(client, world["other"], pid)
    assert first["id"] == second["id"]  # overlap 2: both get the first task
    client.post(f"/api/v1/tasks/{first['id']}/annotations", json={"result": {"sentiment": "negative"}},
                headers=world["ann"].headers)
    seen_by_other = client.get(f"/api/v1/tasks/{first['id']}", headers=world["other"].headers).json()
    assert seen_by_other["annotations"] == []
    assert seen_by_other["gold"] is None
    seen_by_reviewer = client.get(f"/api/v1/tasks/{first['id']}", headers=world["rev"].headers).json()
    assert [a["result"] for a in seen_by_reviewer["annotations"]] == [{"sentiment": "negative"}]
    assert seen_by_reviewer["gold"] == {"sentiment": "positive"}
    annotation_id = seen_by_reviewer["annotations"][0]["id"]
    assert client.get(f"/api/v1/annotations/{annotation_id}", headers=world["other"].headers).status_code == 404
    assert client.patch(f"/api/v1/annotations/{annotation_id}", json={"result": {"sentiment": "positive"}},
                        headers=world["other"].headers).status_code == 404
    gold_filter = client.get(f"/api/v1/projects/{pid}/tasks?gold=true", headers=world["ann"].headers)
    assert gold_filter.status_code == 422


def test_annotator_cannot_open_or_answer_tasks_not_served_to_them(client, world):
    pid = world["project"].id
    tasks = client.get(f"/api/v1/projects/{pid}/tasks", headers=world["manager"].headers).json()["items"]
    unserved = tasks[-1]["id"]
    assert client.get(f"/api/v1/tasks/{unserved}", headers=world["ann"].headers).status_code == 404
    response = client.post(f"/api/v1/tasks/{unserved}/annotations", json={"result": {"sentiment": "positive"}},
                           headers=world["ann"].headers)
    assert response.status_code == 404
    assert client.get(f"/api/v1/projects/{pid}/tasks", headers=world["ann"].headers).json()["items"] == []


def test_reviewer_reviews_but_cannot_manage(client, world):
    rev, pid = world["rev"].headers, world["project"].id
    assert client.get(f"/api/v1/projects/{pid}/stats", headers=rev).status_code == 200
    assert client.get(f"/api/v1/projects/{pid}/export", headers=rev).status_code == 403
    assert client.patch(f"/api/v1/projects/{pid}", json={"name": "x"}, headers=rev).status_code == 403


def test_only_admins_manage_users(client, world, session):
    body = {"username": "new", "password": "long enough pw"}
    assert client.post("/api/v1/users", json=body, headers=world["manager"].headers).status_code == 403
    admin = make_user(session, "root", admin=True)
    assert client.post("/api/v1/users", json=body, headers=admin.headers).status_code == 201
    assert client.get("/api/v1/projects", headers=admin.headers).status_code == 200


def test_last_manager_cannot_be_removed(client, world):
    pid = world["project"].id
    manager = world["manager"]
    response = client.delete(f"/api/v1/projects/{pid}/members/{manager.user.id}", headers=manager.headers)
    assert response.status_code == 409 and "last manager" in response.json()["message"]


def test_the_last_manager_cannot_demote_themselves(client, world):
    pid = world["project"].id
    manager = world["manager"]
    response = client.post(f"/api/v1/projects/{pid}/members", json={"user_id": manager.user.id, "role": "annotator"},
                           headers=manager.headers)
    assert response.status_code == 409 and "last manager" in response.json()["message"]
    roles = {m["username"]: m["role"] for m in client.get(f"/api/v1/projects/{pid}/members",
                                                            headers=manager.headers).json()}
    assert roles["manager"] == "manager"


def test_a_manager_can_step_down_once_another_manager_exists(client, world):
    pid = world["project"].id
    manager, reviewer = world["manager"], world["rev"]
    members = f"/api/v1/projects/{pid}/members"
    assert client.post(members, json={"user_id": reviewer.user.id, "role": "manager"},
                       headers=manager.headers).status_code == 201
    assert client.post(members, json={"user_id": manager.user.id, "role": "reviewer"},
                       headers=manager.headers).status_code == 201
    response = client.post(members, json={"user_id": reviewer.user.id, "role": "annotator"}, headers=reviewer.headers)
    assert response.status_code == 409


def test_hidden_predictions_cannot_be_found_with_the_has_predictions_filter(client, session, world):
    pid = world["project"].id
    manager, annotator = world["manager"], world["ann"]
    client.post(f"/api/v1/projects/{pid}/predictions", json=[{"task_id": 2, "result": {"sentiment": "positive"}}],
                headers=manager.headers).raise_for_status()
    client.patch(f"/api/v1/projects/{pid}", json={"settings": {"show_predictions": False}},
                 headers=manager.headers).raise_for_status()
    next_task(client, annotator, pid)
    response = client.get(f"/api/v1/projects/{pid}/tasks", params={"has_predictions": "true"},
                          headers=annotator.headers)
    assert response.status_code == 403 and response.json()["field"] == "has_predictions"
    assert client.get(f"/api/v1/projects/{pid}/tasks", params={"has_predictions": "true"},
                      headers=manager.headers).status_code == 200
