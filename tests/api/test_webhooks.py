"""Webhooks through the HTTP API, end to end: work done through the normal API reaches a real local receiver,
signed, through the server's own dispatcher; the delivery log and redelivery; bad input named by field."""

import json

import pytest

from labelwise.sdk import verify_signature
from labelwise.settings import Settings
from tests.factories import (
    add_member,
    add_tasks,
    make_project,
    make_user,
    next_task,
    texts,
)
from tests.webhook_receiver import Receiver

SECRET = "whsec_api_test_secret_000"


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, lease_seconds=600, job_poll_seconds=0.05,
                    webhook_poll_seconds=0.05, webhook_backoff_seconds=0.05, webhook_backoff_max_seconds=0.1,
                    webhook_max_attempts=3, webhook_timeout_seconds=2)


@pytest.fixture
def team(session):
    manager = make_user(session, "manager")
    ann, bob, rev = (make_user(session, name) for name in ("ann", "bob", "rev"))
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, texts(2))
    for person in (ann, bob):
        add_member(session, manager.user, project, person.user)
    add_member(session, manager.user, project, rev.user, role="reviewer")
    return manager, ann, bob, rev, project


def add_hook(client, caller, project_id, url, **body):
    response = client.post(f"/api/v1/projects/{project_id}/webhooks", json={"url": url, **body}, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_work_through_the_api_fires_every_event_signed(client, team):
    manager, ann, bob, rev, project = team
    with Receiver() as receiver:
        hook = add_hook(client, manager, project.id, receiver.url, secret=SECRET)
        assert hook["events"] == client.get("/api/v1/webhooks/events", headers=manager.headers).json()
        task = next_task(client, ann, project.id)
        created = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                              headers=ann.headers).json()
        assert client.patch(f"/api/v1/annotations/{created['id']}", json={"result": {"sentiment": "negative"}},
                            headers=ann.headers).status_code == 200
        assert next_task(client, bob, project.id)["id"] == task["id"]
        assert client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "negative"}},
                           headers=bob.headers).status_code == 201
        assert client.post(f"/api/v1/annotations/{created['id']}/reviews", json={"verdict": "accept"},
                           headers=rev.headers).status_code == 201
        assert client.post(f"/api/v1/projects/{project.id}/snapshots", json={"name": "v1"},
                           headers=manager.headers).status_code == 201
        job = client.post(f"/api/v1/projects/{project.id}/import", content=b'{"text": "late"}\n',
                          params={"async": "true"}, headers={**manager.headers, "content-type": "application/jsonl"})
        assert job.status_code == 202, job.text
        wanted = {"annotation.created", "annotation.updated", "task.completed", "consensus.changed", "review.created",
                  "snapshot.created", "job.finished"}
        receiver.wait_for(lambda r: wanted <= {e["event"] for e in r.delivered})
    by_event: dict[str, list[dict]] = {}
    # deliveries are sent several at once, so they may arrive in any order: take them in the order of the events
    for request in sorted(receiver.received, key=lambda r: json.loads(r["body"])["created_at"]):
        verify_signature(request["body"], request["headers"]["Labelwise-Signature"], SECRET)
        event = json.loads(request["body"])
        assert event["project_id"] == project.id and request["headers"]["Labelwise-Event"] == event["event"]
        by_event.setdefault(event["event"], []).append(event["data"])
    assert [(d["annotation_id"], d["task_id"], d["actor"]) for d in by_event["annotation.created"]] == [
        (created["id"], task["id"], "ann"), (created["id"] + 1, task["id"], "bob")]
    assert by_event["annotation.updated"][0]["result"] == {"sentiment": "negative"}
    assert by_event["task.completed"] == [{"task_id": task["id"], "batch_id": None, "annotations": 2, "overlap": 2}]
    assert [d["consensus"] for d in by_event["consensus.changed"]] == [
        {"sentiment": "positive"}, {"sentiment": "negative"}]
    assert by_event["review.created"][0]["verdict"] == "accept"
    assert by_event["snapshot.created"][0]["name"] == "v1"
    assert by_event["job.finished"][0]["status"] == "succeeded" and by_event["job.finished"][0]["kind"] == "import"


def test_only_the_chosen_events_are_sent(client, team):
    manager, ann, _, _, project = team
    with Receiver() as receiver:
        add_hook(client, manager, project.id, receiver.url, events=["snapshot.created"])
        task = next_task(client, ann, project.id)
        client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                    headers=ann.headers)
        client.post(f"/api/v1/projects/{project.id}/snapshots", json={"name": "v1"}, headers=manager.headers)
        receiver.wait_for(lambda r: r.delivered)
    assert [e["event"] for e in receiver.delivered] == ["snapshot.created"]


def test_delivery_log_and_redelivery_through_the_api(client, team):
    manager, _, _, _, project = team
    with Receiver(fail_first=1) as receiver:
        hook = add_hook(client, manager, project.id, receiver.url)
        assert hook["secret"].startswith("whsec_") and hook["secret_hint"] == "…" + hook["secret"][-4:]
        listed = client.get(f"/api/v1/projects/{project.id}/webhooks", headers=manager.headers).json()
        assert listed[0]["secret"] is None and listed[0]["secret_hint"] == hook["secret_hint"]
        ping = client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=manager.headers).json()
        receiver.wait_for(lambda r: r.delivered)
        url = f"/api/v1/webhooks/{hook['id']}/deliveries"
        log = _wait_log(client, manager, url, lambda rows: rows[0]["status"] == "delivered")
        assert [(d["id"], d["event"], d["attempts"], d["last_status_code"]) for d in log] == [
            (ping["id"], "ping", 2, 200)]
        assert log[0]["last_latency_ms"] is not None and log[0]["payload"] is None
        detail = client.get(f"/api/v1/webhook-deliveries/{ping['id']}", headers=manager.headers).json()
        assert detail["payload"]["event"] == "ping" and detail["payload"]["id"] == ping["event_id"]
        again = client.post(f"/api/v1/webhook-deliveries/{ping['id']}/redeliver", headers=manager.headers)
        assert again.status_code == 201 and again.json()["redelivery_of"] == ping["id"]
        assert client.post(f"/api/v1/webhook-deliveries/{again.json()['id']}/redeliver",
                           headers=manager.headers).status_code in (201, 409)
        receiver.wait_for(lambda r: len(r.delivered) >= 2)
        verify_signature(receiver.received[-1]["body"], receiver.received[-1]["headers"]["Labelwise-Signature"],
                         hook["secret"])
    assert {json.loads(r["body"])["id"] for r in receiver.received} == {ping["event_id"]}
    counts = client.get(f"/api/v1/webhooks/{hook['id']}", headers=manager.headers).json()["deliveries"]
    assert counts["delivered"] >= 2 and counts["failed"] == 0


def _wait_log(client, caller, url, done, timeout=10):
    import time

    deadline = time.monotonic() + timeout
    while True:
        rows = client.get(url, headers=caller.headers).json()
        if (rows and done(rows)) or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


BAD_INPUT = [
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "http://user:pw@example.com/hook"}, "url"),
    ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),
    ({"url": "http://example.com:99999/"}, "url"),
    ({"url": 5}, "url"),
    ({"url": "http://example.com/", "events": ["annotation.deleted"]}, "events"),
    ({"url": "http://example.com/", "events": []}, "events"),
    ({"url": "http://example.com/", "events": "annotation.created"}, "events"),
    ({"url": "http://example.com/", "secret": "short"}, "secret"),
    ({"url": "http://example.com/", "active": "yes"}, "active"),
]


def test_bad_input_gets_422_naming_the_field(client, session, team):
    manager, _, _, _, project = team
    for body, field in BAD_INPUT:
        response = client.post(f"/api/v1/projects/{project.id}/webhooks", json=body, headers=manager.headers)
        assert response.status_code == 422 and response.json()["field"] == field, (body, response.json())
    assert client.get(f"/api/v1/projects/{project.id}/webhooks", headers=manager.headers).json() == []


def test_missing_url_is_named_and_changes_are_checked_too(client, team):
    manager, _, _, _, project = team
    response = client.post(f"/api/v1/projects/{project.id}/webhooks", json={}, headers=manager.headers)
    assert response.status_code == 422 and "url" in response.text
    hook = add_hook(client, manager, project.id, "http://example.com/hook")
    patch = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"url": "gopher://x"}, headers=manager.headers)
    assert patch.status_code == 422 and patch.json()["field"] == "url"
    rotated = client.patch(f"/api/v1/webhooks/{hook['id']}", json={"rotate_secret": True, "events": ["job.finished"]},
                           headers=manager.headers).json()
    assert rotated["secret"] != hook["secret"] and rotated["events"] == ["job.finished"]
    assert rotated["url"] == "http://example.com/hook"


def test_only_managers_see_and_change_webhooks(client, team):
    manager, ann, _, rev, project = team
    hook = add_hook(client, manager, project.id, "http://example.com/hook")
    for caller in (ann, rev):
        assert client.get(f"/api/v1/projects/{project.id}/webhooks", headers=caller.headers).status_code in (403, 404)
        assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=caller.headers).status_code in (403, 404)
        assert client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=caller.headers).status_code in (403, 404)
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=manager.headers).status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=manager.headers).status_code == 404


def test_a_batch_completes_when_its_last_task_gets_the_batch_overlap(client, session, team):
    manager, ann, bob, _, project = team
    task_ids = [t["id"] for t in client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers)
                .json()["items"]]
    batch = client.post(f"/api/v1/projects/{project.id}/batches", json={"name": "first", "overlap": 1},
                        headers=manager.headers).json()
    assert client.post(f"/api/v1/batches/{batch['id']}/tasks", json={"task_ids": task_ids},
                       headers=manager.headers).status_code == 200
    with Receiver() as receiver:
        add_hook(client, manager, project.id, receiver.url, events=["task.completed", "batch.completed"])
        for caller in (ann, bob):  # overlap 1 in the batch: one answer completes a task
            task = next_task(client, caller, project.id)
            assert client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                               headers=caller.headers).status_code == 201
        receiver.wait_for(lambda r: len(r.delivered) == 3)
    events = [(e["event"], e["data"].get("task_id"), e["data"].get("batch_id")) for e in receiver.delivered]
    assert sorted(events, key=str) == sorted([("task.completed", task_ids[0], batch["id"]),
                                              ("task.completed", task_ids[1], batch["id"]),
                                              ("batch.completed", None, batch["id"])], key=str)
    done = next(e for e in receiver.delivered if e["event"] == "batch.completed")["data"]
    assert done["tasks"] == 2 and done["submitted"] == 2 and done["name"] == "first"


def test_answers_through_a_worker_link_fire_with_the_worker_as_actor(client, team):
    manager, _, _, _, project = team
    link = client.post(f"/api/v1/projects/{project.id}/worker-links", json={"name": "crowd"},
                       headers=manager.headers).json()
    joined = client.post(f"/api/v1/links/{link['token']}/join", json={"worker_id": "A1WORKER"}).json()
    worker = type("Worker", (), {"headers": {"Authorization": f"Bearer {joined['token']}"}})()
    with Receiver() as receiver:
        add_hook(client, manager, project.id, receiver.url, events=["annotation.created"])
        task = next_task(client, worker, project.id)
        assert client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                           headers=worker.headers).status_code == 201
        receiver.wait_for(lambda r: r.delivered)
    data = receiver.delivered[0]["data"]
    assert data["task_id"] == task["id"] and data["actor"] == f"ext-p{project.id}-A1WORKER"


def test_an_adjudication_changes_consensus_for_webhooks(client, team):
    manager, ann, _, rev, project = team
    task = next_task(client, ann, project.id)
    client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                headers=ann.headers)
    with Receiver() as receiver:
        add_hook(client, manager, project.id, receiver.url, events=["consensus.changed"])
        decided = client.post(f"/api/v1/tasks/{task['id']}/adjudicate", json={"result": {"sentiment": "neutral"}},
                              headers=rev.headers)
        assert decided.status_code == 200, decided.text
        receiver.wait_for(lambda r: r.delivered)
    data = receiver.delivered[0]["data"]
    assert (data["task_id"], data["reason"], data["actor"]) == (task["id"], "adjudicated", "rev")
    assert data["consensus"] == {"sentiment": "neutral"} and data["previous"] == {"sentiment": "positive"}
