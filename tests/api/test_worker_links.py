"""Worker links: crowd workers without accounts, served by the same queue, held to the link's limits."""

from datetime import timedelta

from labelwise.core.platform.clock import utcnow
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _link(client, manager, project_id, **body):
    response = client.post(f"/api/v1/projects/{project_id}/worker-links", json=body, headers=manager.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _join(client, link, worker_id):
    return client.post(f"/api/v1/links/{link['token']}/join", json={"worker_id": worker_id})


class Worker:
    def __init__(self, client, link, worker_id):
        response = _join(client, link, worker_id)
        assert response.status_code == 200, response.text
        self.joined = response.json()
        self.headers = {"Authorization": f"Bearer {self.joined['token']}"}


def _answer(client, headers, task_id, label="positive"):
    return client.post(f"/api/v1/tasks/{task_id}/annotations", headers=headers,
                       json={"result": {"sentiment": label}, "lead_time_ms": 1500})


def test_worker_labels_through_the_queue_and_is_seen_by_worker_id(client, session):
    manager, member = make_user(session, "m"), make_user(session, "member")
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, texts(2))
    add_member(session, manager.user, project, member.user)
    link = _link(client, manager, project.id, name="mturk")
    assert link["url"] == f"/w/{link['token']}"
    worker = Worker(client, link, "A1WORKER")
    assert worker.joined["project_id"] == project.id and worker.joined["completion_code"] is None
    # the worker and the member share the overlap of 2: each gets both tasks, nobody a third time
    served = []
    while (task := next_task(client, worker, project.id)) is not None:
        assert _answer(client, worker.headers, task["id"]).status_code == 201
        served.append(task["id"])
    assert len(served) == 2
    detail = client.get(f"/api/v1/tasks/{served[0]}", headers=manager.headers).json()
    assert [a["username"] for a in detail["annotations"]] == [f"ext-p{project.id}-A1WORKER"]
    exported = client.get(f"/api/v1/projects/{project.id}/export?format=jsonl", headers=manager.headers).text
    assert f"ext-p{project.id}-A1WORKER" in exported
    # the member answers too: agreement and consensus weigh the worker like any annotator
    for _ in range(2):
        task = next_task(client, member, project.id)
        assert _answer(client, member.headers, task["id"], label="negative").status_code == 201
    quality = client.get(f"/api/v1/projects/{project.id}/quality", headers=manager.headers)
    assert quality.status_code == 200, quality.text
    assert f"ext-p{project.id}-A1WORKER" in quality.text
    me = client.get("/api/v1/worker/me", headers=worker.headers).json()
    assert me["tasks_done"] == 2 and me["completion_code"]
    verified = client.post(f"/api/v1/worker-links/{link['id']}/verify", json={"code": me["completion_code"]},
                           headers=manager.headers)
    assert verified.status_code == 200 and verified.json()["worker_id"] == "A1WORKER"
    wrong = client.post(f"/api/v1/worker-links/{link['id']}/verify", json={"code": "NOPE"}, headers=manager.headers)
    assert wrong.status_code == 404
    # the worker's session is for labeling only
    assert client.post("/api/v1/auth/tokens", json={"name": "x"}, headers=worker.headers).status_code == 403
    made = client.post("/api/v1/projects", headers=worker.headers,
                       json={"name": "mine", "label_schema": {"objects": {}, "controls": {}}})
    assert made.status_code in (403, 422)


def test_quota_per_worker_ends_with_the_completion_code(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(3))
    link = _link(client, manager, project.id, max_tasks_per_worker=1)
    worker = Worker(client, link, "W1")
    task = next_task(client, worker, project.id)
    answered = client.post(f"/api/v1/tasks/{task['id']}/annotations?next=true", headers=worker.headers,
                           json={"result": {"sentiment": "negative"}})
    assert answered.status_code == 201
    body = answered.json()
    assert body["next"] is None and "1 tasks this link allows per worker" in body["next_refused"]
    code = client.get("/api/v1/worker/me", headers=worker.headers).json()["completion_code"]
    assert code in body["next_refused"]
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers)
    assert refused.status_code == 403 and refused.json()["field"] == "link"


def test_total_quota_and_worker_count(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user, settings={"overlap": 3})
    add_tasks(session, manager.user, project, texts(3))
    link = _link(client, manager, project.id, max_tasks_total=1, max_workers=2)
    first, second = Worker(client, link, "W1"), Worker(client, link, "W2")
    third = _join(client, link, "W3")
    assert third.status_code == 403 and "2 workers" in third.json()["message"]
    assert _answer(client, first.headers, next_task(client, first, project.id)["id"]).status_code == 201
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=second.headers)
    assert refused.status_code == 403 and "quota of 1 tasks is used up" in refused.json()["message"]


def test_expired_revoked_and_blocked_links_say_why(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(2))
    expired = _link(client, manager, project.id, name="old",
                    expires_at=(utcnow() - timedelta(hours=1)).isoformat() + "Z")
    response = _join(client, expired, "W1")
    assert response.status_code == 403 and "expired" in response.json()["message"]
    link = _link(client, manager, project.id)
    worker = Worker(client, link, "W1")
    blocked = client.post(f"/api/v1/worker-links/{link['id']}/block", json={"worker_id": "W2"}, headers=manager.headers)
    assert blocked.json()["blocked"] == ["W2"]
    response = _join(client, link, "W2")
    assert response.status_code == 403 and response.json()["field"] == "worker_id"
    assert client.post(f"/api/v1/worker-links/{link['id']}/revoke", headers=manager.headers).status_code == 200
    assert client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers).status_code == 401
    response = _join(client, link, "W3")
    assert response.status_code == 403 and "withdrawn" in response.json()["message"]
    assert client.post("/api/v1/links/no-such-token/join", json={"worker_id": "W1"}).status_code == 404
    bad = _join(client, _link(client, manager, project.id, name="third"), "bad id!")
    assert bad.status_code == 422 and bad.json()["field"] == "worker_id"
    bad = client.post(f"/api/v1/projects/{project.id}/worker-links", json={"max_tasks_per_worker": 0},
                      headers=manager.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "max_tasks_per_worker"


def test_rate_limit_stops_a_flood(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(2))
    link = _link(client, manager, project.id, rate_per_minute=3)
    worker = Worker(client, link, "W1")  # 1
    assert client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers).status_code == 200  # 2
    assert client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers).status_code == 200  # 3
    limited = client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert _join(client, link, "W2").status_code == 429


def test_batch_link_serves_only_its_batch_and_pause_rules_hold(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(4))
    listed = client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]
    ids = sorted(t["id"] for t in listed)
    batch = client.post(f"/api/v1/projects/{project.id}/batches", json={"name": "b"}, headers=manager.headers).json()
    client.post(f"/api/v1/batches/{batch['id']}/tasks", json={"task_ids": ids[2:]}, headers=manager.headers)
    link = _link(client, manager, project.id, batch_id=batch["id"])
    worker = Worker(client, link, "W1")
    served = []
    while (task := next_task(client, worker, project.id)) is not None:
        served.append(task["id"])
        _answer(client, worker.headers, task["id"])
    assert sorted(served) == ids[2:]
    # a paused member is refused the same way whether they came through a link or not
    other = Worker(client, _link(client, manager, project.id, name="whole project"), "W2")
    workers = client.get(f"/api/v1/worker-links/{link['id']}/workers", headers=manager.headers).json()
    assert [(w["worker_id"], w["tasks_done"]) for w in workers] == [("W1", 2)]
    members = client.get(f"/api/v1/projects/{project.id}/members", headers=manager.headers).json()
    w2 = next(m for m in members if m["username"] == f"ext-p{project.id}-W2")
    paused = client.patch(f"/api/v1/projects/{project.id}/members/{w2['user_id']}", headers=manager.headers,
                          json={"status": "paused", "reason": "too fast"})
    assert paused.status_code == 200, paused.text
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=other.headers)
    assert refused.status_code == 403 and "too fast" in refused.json()["message"]


def test_qualification_and_gold_apply_to_workers_as_to_members(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user, settings={"qualification_gold": 1, "qualification_accuracy": 1.0})
    add_tasks(session, manager.user, project, [{"data": {"text": "gold one"}, "gold": {"sentiment": "negative"}},
                                               *texts(2)])
    link = _link(client, manager, project.id)
    worker = Worker(client, link, "Q1")
    members = client.get(f"/api/v1/projects/{project.id}/members", headers=manager.headers).json()
    assert any(m["username"] == f"ext-p{project.id}-Q1" for m in members)
    first = next_task(client, worker, project.id)
    assert first["data"] == {"text": "gold one"}  # qualifying: the test task comes first
    assert _answer(client, worker.headers, first["id"], label="positive").status_code == 201  # wrong
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=worker.headers)
    assert refused.status_code == 403 and "paused" in refused.json()["message"]


def test_the_worker_page_may_be_framed_by_a_marketplace(client, session):
    manager = make_user(session, "m")
    project = make_project(session, manager.user)
    link = _link(client, manager, project.id)
    page = client.get(f"/w/{link['token']}?workerId=W1")
    assert page.status_code == 200 and "work.js" in page.text
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in client.get("/").headers["content-security-policy"]
