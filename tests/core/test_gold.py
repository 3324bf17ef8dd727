"""Gold tasks: scoring, Wilson intervals, mixing into the queue, qualification, automatic pause, notifications."""

import pytest

from labelwise.core.review.gold import answer_is_correct, wilson_interval
from labelwise.schema import parse_schema
from tests.factories import TEXT_SCHEMA, add_member, add_tasks, make_project, make_user, next_task, texts


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (None, None)
    assert wilson_interval(5, 5)[1] == 1.0 and wilson_interval(0, 5)[0] == 0.0


def test_answers_are_scored_per_control_type():
    schema = parse_schema({"objects": {"text": {"type": "text"}}, "controls": {
        "s": {"type": "choices", "object": "text", "options": ["x", "y"]},
        "m": {"type": "choices", "object": "text", "options": ["x", "y"], "multiple": True},
        "e": {"type": "spans", "object": "text", "labels": ["PER"]},
        "n": {"type": "number", "object": "text"},
        "t": {"type": "text", "object": "text"}}})
    gold = {"s": "x", "m": ["x", "y"], "e": [{"id": "1", "start": 0, "end": 3, "label": "PER"}], "n": 100,
            "t": "Hello  World"}
    good = {"s": "x", "m": ["y", "x"], "e": [{"id": "z", "start": 0, "end": 3, "label": "PER"}], "n": 103,
            "t": "hello world"}
    assert answer_is_correct(schema, {"text": "Ann"}, gold, good)
    for key, wrong in [("s", "y"), ("m", ["x"]), ("e", []), ("n", 120), ("t", "goodbye")]:
        assert not answer_is_correct(schema, {"text": "Ann"}, gold, {**good, key: wrong}), key


@pytest.fixture
def world(session):
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("a", "b", "c")]
    return manager, people


def gold_project(session, manager, people, **settings):
    project = make_project(session, manager.user, settings={"overlap": 1, "gold_ratio": 1.0, **settings})
    add_tasks(session, manager.user, project, [
        {"data": {"text": "gold one"}, "gold": {"sentiment": "positive"}},
        {"data": {"text": "gold two"}, "gold": {"sentiment": "negative"}},
        *texts(3),
    ])
    for person in people:
        add_member(session, manager.user, project, person.user)
    return project


def answer(client, caller, task_id, label):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"sentiment": label}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text


def correct_label(task):
    return {"gold one": "positive", "gold two": "negative"}.get(task["data"]["text"], "neutral")


def test_every_annotator_sees_each_gold_task_once_whatever_the_overlap(client, session, world):
    manager, people = world
    project = gold_project(session, manager, people)
    for person in people:
        seen = []
        while (task := next_task(client, person, project.id)) is not None:
            seen.append(task["data"]["text"])
            assert task["gold"] is None and task["consensus"] is None and task["annotation_count"] == 0
            answer(client, person, task["id"], correct_label(task))
        assert sorted(seen[:2]) == ["gold one", "gold two"] and len(seen) == len(set(seen))
    # overlap 1: the three real tasks were shared out, the two gold tasks answered by everyone
    stats = client.get(f"/api/v1/projects/{project.id}/quality", headers=manager.headers).json()
    assert [row["gold"]["answered"] for row in stats["annotators"]] == [2, 2, 2]
    assert all(row["gold"]["accuracy"] == 1.0 for row in stats["annotators"])


def test_qualification_lets_good_annotators_in_and_pauses_the_others(client, session, world):
    manager, (good, bad, _) = world
    project = gold_project(session, manager, (good, bad), gold_ratio=0.0, qualification_gold=2,
                           qualification_accuracy=1.0)
    for person, right in ((good, True), (bad, False)):
        for _ in range(2):
            task = next_task(client, person, project.id)
            assert task["data"]["text"].startswith("gold")
            answer(client, person, task["id"], correct_label(task) if right else "neutral")
    assert next_task(client, good, project.id)["data"]["text"].startswith("text")
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=bad.headers)
    assert refused.status_code == 403 and "qualification not passed" in refused.json()["message"]
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=bad.headers).json()]
    assert kinds == ["qualification_failed"]


def test_qualifying_without_gold_left_gets_a_clear_403(client, session, world):
    manager, (a, *_) = world
    project = make_project(session, manager.user, settings={"qualification_gold": 3})
    add_tasks(session, manager.user, project, texts(2))
    add_member(session, manager.user, project, a.user)
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=a.headers)
    assert refused.status_code == 403 and "qualifying" in refused.json()["message"]


def test_low_gold_accuracy_pauses_notifies_and_a_manager_resumes(client, session, world):
    manager, (a, b, _) = world
    project = gold_project(session, manager, (a, b), min_gold_accuracy=0.6, min_gold_answers=2)
    for _ in range(2):
        task = next_task(client, a, project.id)
        answer(client, a, task["id"], "neutral")
    refused = client.get(f"/api/v1/projects/{project.id}/next", headers=a.headers)
    assert refused.status_code == 403
    assert "paused" in refused.json()["message"] and "gold accuracy 0%" in refused.json()["message"]
    mine = client.get("/api/v1/notifications", headers=a.headers).json()
    alerts = client.get("/api/v1/notifications?unread=true", headers=manager.headers).json()
    assert [n["kind"] for n in mine] == ["paused"] and mine[0]["user_id"] == a.user.id
    assert [n["kind"] for n in alerts] == ["annotator_paused"] and "a was paused" in alerts[0]["message"]
    assert client.get("/api/v1/notifications", headers=b.headers).json() == []
    assert client.post(f"/api/v1/notifications/{alerts[0]['id']}/read", headers=b.headers).status_code == 404
    read = client.post(f"/api/v1/notifications/{alerts[0]['id']}/read", headers=manager.headers)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=manager.headers).json() == []
    forbidden = client.patch(f"/api/v1/projects/{project.id}/members/{a.user.id}", json={"status": "active"},
                             headers=b.headers)
    assert forbidden.status_code == 403
    resumed = client.patch(f"/api/v1/projects/{project.id}/members/{a.user.id}", json={"status": "active"},
                           headers=manager.headers)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert next_task(client, a, project.id)["data"]["text"].startswith("text")
    bad = client.patch(f"/api/v1/projects/{project.id}/members/{a.user.id}", json={"status": "gone"},
                       headers=manager.headers)
    assert bad.status_code == 422


def test_mark_change_unmark_and_promote_gold(client, session, world):
    manager, (a, *_), = world
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(2))
    add_member(session, manager.user, project, a.user)
    task = next_task(client, a, project.id)
    answer(client, a, task["id"], "negative")
    url = f"/api/v1/tasks/{task['id']}/gold"
    invalid = client.put(url, json={"result": {"sentiment": "great"}}, headers=manager.headers)
    assert invalid.status_code == 422 and invalid.json()["field"] == "result.sentiment"
    assert client.put(url, json={"result": {"sentiment": "positive"}}, headers=a.headers).status_code == 403
    assert client.put(url, json={"result": {"sentiment": "positive"}}, headers=manager.headers).status_code == 200
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=manager.headers).json()
    assert detail["gold"] == {"sentiment": "positive"} and detail["consensus"] == {"sentiment": "positive"}
    assert detail["confidence"] == 1.0
    assert client.delete(url, headers=manager.headers).status_code == 204
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=manager.headers).json()
    assert detail["gold"] is None and detail["consensus"] == {"sentiment": "negative"}
    assert client.delete(url, headers=manager.headers).status_code == 404
    unreviewed = client.post(f"{url}/promote", headers=manager.headers)
    assert unreviewed.status_code == 409 and "review" in unreviewed.json()["message"]
    annotation_id = detail["annotations"][0]["id"]
    client.post(f"/api/v1/annotations/{annotation_id}/reviews", json={"verdict": "accept"}, headers=manager.headers)
    promoted = client.post(f"{url}/promote", headers=manager.headers)
    assert promoted.status_code == 201 and promoted.json()["result"] == {"sentiment": "negative"}
    assert client.put("/api/v1/tasks/999999/gold", json={"result": {"sentiment": "positive"}},
                      headers=manager.headers).status_code == 404
