"""Consensus per control type, kept current on every answer change, and dynamic overlap in the real queue."""

import pytest

from labelwise.core.review.consensus import Answer, aggregate, choice_posterior
from labelwise.schema import parse_schema
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts

SCHEMA = parse_schema({
    "objects": {"text": {"type": "text"}, "photo": {"type": "image"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative", "neutral"],
                      "required": True},
        "tags": {"type": "choices", "object": "text", "options": ["a", "b", "c"], "multiple": True},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "objects": {"type": "boxes", "object": "photo", "labels": ["car"]},
        "stars": {"type": "rating", "object": "text", "max": 5},
        "note": {"type": "text", "object": "text"},
        "shapes": {"type": "polygons", "object": "photo", "labels": ["car"]},
    },
})
DATA = {"text": "Ann works at Acme", "photo": "http://x/1.png"}


def test_plain_vote_posterior_rises_with_agreement_and_falls_with_dissent():
    _, two, _ = choice_posterior([("x", None), ("x", None)], ("x", "y"))
    _, split, _ = choice_posterior([("x", None), ("y", None)], ("x", "y"))
    _, three, _ = choice_posterior([("x", None)] * 3, ("x", "y"))
    assert split == pytest.approx(0.5) and 0.8 < two < three < 1


def test_skill_outweighs_numbers():
    # One expert (0.95) against two near-random annotators (0.55) on a binary question.
    winner, p, post = choice_posterior([("x", 0.95), ("y", 0.55), ("y", 0.55)], ("x", "y"))
    assert winner == "x" and p > 0.5 and post.sum() == pytest.approx(1)


def test_each_control_type_gets_its_rule():
    answers = [
        Answer(1, {"sentiment": "positive", "tags": ["a", "b"], "entities": [{"start": 0, "end": 3, "label": "PER"}],
                   "objects": [{"x": 10, "y": 10, "width": 50, "height": 40, "label": "car"}], "stars": 4,
                   "note": "hello", "shapes": [{"points": [[0, 0], [10, 0], [10, 10]], "label": "car"}]}),
        Answer(2, {"sentiment": "positive", "tags": ["a"], "entities": [{"start": 0, "end": 3, "label": "PER"}],
                   "objects": [{"x": 12, "y": 10, "width": 50, "height": 40, "label": "car"}], "stars": 4,
                   "note": "helo", "shapes": [{"points": [[0, 0], [20, 0], [20, 20]], "label": "car"}]}, skill=0.75),
        Answer(3, {"sentiment": "negative", "tags": ["a", "b"], "stars": 5, "note": "hello!", "shapes": [{"points": [[0, 0], [20, 0], [20, 20]], "label": "car"}]}),
    ]
    found = aggregate(SCHEMA, DATA, answers)
    result = found.result
    assert result["sentiment"] == "positive"
    assert result["tags"] == ["a", "b"]
    assert [(s["start"], s["end"], s["label"]) for s in result["entities"]] == [(0, 3, "PER")]
    assert result["objects"][0]["label"] == "car" and result["objects"][0]["x"] == 11  # median of 10 and 12
    assert result["stars"] == 4 and result["note"] == "hello"
    assert result["shapes"][0]["points"] == [[0, 0], [20, 0], [20, 20]]  # the most skilled annotator's answer
    assert found.controls["shapes"] == pytest.approx(2 / 3)
    assert found.confidence == pytest.approx(found.controls["sentiment"], abs=1e-6)  # the only required control


def test_task_confidence_is_the_minimum_over_all_controls_when_none_is_required():
    schema = parse_schema({"objects": {"text": {"type": "text"}}, "controls": {
        "a": {"type": "choices", "object": "text", "options": ["x", "y"]},
        "b": {"type": "choices", "object": "text", "options": ["x", "y"]}}})
    found = aggregate(schema, {"text": "t"}, [Answer(1, {"a": "x", "b": "x"}), Answer(2, {"a": "x", "b": "y"})])
    assert found.confidence == pytest.approx(0.5) and found.controls["a"] > 0.8


def test_no_answers_means_no_consensus():
    assert aggregate(SCHEMA, DATA, []).result is None
    assert aggregate(SCHEMA, DATA, []).confidence is None


# --- through the API ----------------------------------------------------------------------------------------


@pytest.fixture
def team(session):
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("a", "b", "c", "d")]
    project = make_project(session, manager.user, settings={"overlap": 2, "max_overlap": 3})
    add_tasks(session, manager.user, project, texts(2))
    for person in people:
        add_member(session, manager.user, project, person.user)
    return manager, people, project


def answer(client, caller, task_id, label):
    response = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"sentiment": label}},
                           headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()


def consensus_of(client, manager, task_id):
    task = client.get(f"/api/v1/tasks/{task_id}", headers=manager.headers).json()
    return (task["consensus"] or {}).get("sentiment"), task["confidence"]


def test_consensus_follows_submit_edit_reject_and_fix(client, team):
    manager, (a, b, *_), project = team
    task = next_task(client, a, project.id)
    assert next_task(client, b, project.id)["id"] == task["id"]
    first = answer(client, a, task["id"], "negative")
    assert consensus_of(client, manager, task["id"]) == ("negative", pytest.approx(0.7))
    answer(client, b, task["id"], "negative")
    label, confidence = consensus_of(client, manager, task["id"])
    assert label == "negative" and confidence > 0.8
    edited = client.patch(f"/api/v1/annotations/{first['id']}", json={"result": {"sentiment": "positive"}},
                          headers=a.headers)
    assert edited.status_code == 200
    split = choice_posterior([("positive", None), ("negative", None)], ("positive", "negative", "neutral"))[1]
    assert consensus_of(client, manager, task["id"])[1] == pytest.approx(split, abs=1e-6) and split < 0.5
    reject = client.post(f"/api/v1/annotations/{first['id']}/reviews", json={"verdict": "reject", "comment": "no"},
                         headers=manager.headers)
    assert reject.status_code == 201
    assert consensus_of(client, manager, task["id"]) == ("negative", pytest.approx(0.7))
    second = client.get(f"/api/v1/tasks/{task['id']}", headers=manager.headers).json()["annotations"][1]
    fix = client.post(f"/api/v1/annotations/{second['id']}/reviews",
                      json={"verdict": "fix", "result": {"sentiment": "neutral"}}, headers=manager.headers)
    assert fix.status_code == 201
    assert consensus_of(client, manager, task["id"])[0] == "neutral"
    exported = client.get(f"/api/v1/projects/{project.id}/export", headers=manager.headers).text
    assert '"consensus":{"sentiment":"neutral"}' in exported.replace(" ", "")


def test_annotators_never_see_consensus(client, team):
    _, (a, b, *_), project = team
    task = next_task(client, a, project.id)
    next_task(client, b, project.id)
    answer(client, a, task["id"], "negative")
    answer(client, b, task["id"], "negative")
    seen = client.get(f"/api/v1/tasks/{task['id']}", headers=a.headers).json()
    assert seen["consensus"] is None and seen["confidence"] is None and seen["annotation_count"] == 1
    listed = client.get(f"/api/v1/projects/{project.id}/tasks", headers=a.headers).json()["items"]
    assert [(t["consensus"], t["annotation_count"]) for t in listed] == [(None, 1)]


def test_a_third_annotator_comes_only_when_the_first_two_disagree(client, team):
    manager, (a, b, c, d), project = team
    agreed = next_task(client, a, project.id)
    assert next_task(client, b, project.id)["id"] == agreed["id"]
    answer(client, a, agreed["id"], "positive")
    answer(client, b, agreed["id"], "positive")
    disputed = next_task(client, a, project.id)
    assert next_task(client, b, project.id)["id"] == disputed["id"]
    answer(client, a, disputed["id"], "positive")
    answer(client, b, disputed["id"], "negative")
    third = next_task(client, c, project.id)
    assert third["id"] == disputed["id"]  # the agreed task is closed at two
    answer(client, c, third["id"], "negative")
    assert next_task(client, d, project.id) is None  # max_overlap 3 reached
    assert consensus_of(client, manager, disputed["id"])[0] == "negative"


def test_refit_stores_skills_and_reweights(client, session, team):
    manager, people, project = team
    add_tasks(session, manager.user, project, texts(6, prefix="more"))
    for person in people[:3]:
        while (task := next_task(client, person, project.id)) is not None:
            answer(client, person, task["id"], "positive" if person is not people[2] else "negative")
    response = client.post(f"/api/v1/projects/{project.id}/quality/refit", headers=manager.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["control"] == "sentiment" and body["tasks_updated"] == 8
    assert set(body["skills"]) >= {"a", "b"} and all(0 <= s <= 1 for s in body["skills"].values())
    members = client.get(f"/api/v1/projects/{project.id}/quality", headers=manager.headers).json()["annotators"]
    assert {m["username"]: m["skill"] is not None for m in members}["a"]
    bad = client.post(f"/api/v1/projects/{project.id}/quality/refit", json={"control": "entities"},
                      headers=manager.headers)
    assert bad.status_code == 422 and "single-choice" in bad.json()["message"]
    assert client.post(f"/api/v1/projects/{project.id}/quality/refit",
                       headers=people[0].headers).status_code == 403
