"""Weak supervision through the API: labeling-function CRUD and 422s naming the field, live preview,
apply (versioned by definition, only what changed), client votes, analysis, and the label model's
predictions."""

import time

import pytest
from sqlalchemy import select

from labelwise.assist.weak import LabelingFunctionError
from labelwise.store.models import LabelingFunctionVote, Prediction
from tests.factories import add_member, add_tasks, make_project, make_user, next_task

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"kind": {"type": "choices", "object": "text", "options": ["spam", "ham"], "required": True}},
}
TEXTS = ["check out my channel http://a.b", "great song", "subscribe to my channel", "love this song",
         "nice", "http://spam.example please", "what a song, love it", "plz subscribe"]
TRUTH = ["spam", "ham", "spam", "ham", "ham", "spam", "ham", "spam"]


@pytest.fixture
def world(session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema=SCHEMA)
    add_tasks(session, manager.user, project, [{"text": t} for t in TEXTS])
    return manager, project


def url(project, tail=""):
    return f"/api/v1/projects/{project.id}/labeling-functions{tail}"


def create(client, manager, project, body, status=201):
    response = client.post(url(project), json=body, headers=manager.headers)
    assert response.status_code == status, response.text
    return response.json()


def test_create_list_update_delete(client, world):
    manager, project = world
    made = create(client, manager, project, {"name": "http", "kind": "keywords", "label": "spam",
                                             "keywords": ["http"], "mode": "substring"})
    assert made["control"] == "kind" and made["votes_current"] is False
    listed = client.get(url(project), headers=manager.headers).json()
    assert [f["name"] for f in listed] == ["http"]
    changed = client.put(url(project, f"/{made['id']}"), headers=manager.headers,
                         json={"name": "http", "kind": "regex", "label": "spam", "pattern": "https?://"})
    assert changed.status_code == 200 and changed.json()["definition_hash"] != made["definition_hash"]
    assert client.delete(url(project, f"/{made['id']}"), headers=manager.headers).status_code == 204
    assert client.get(url(project), headers=manager.headers).json() == []


@pytest.mark.parametrize("body, field", [
    ({"name": "bad", "kind": "regex", "label": "spam", "pattern": "(unclosed"}, "pattern"),
    ({"name": "bad", "kind": "keywords", "label": "maybe", "keywords": ["x"]}, "label"),
    ({"name": "bad", "kind": "keywords", "label": "spam", "keywords": []}, "keywords"),
    ({"name": "bad", "kind": "condition", "label": "ham", "field": "text", "op": "lt", "value": "x",
      "measure": "words"}, "value"),
    ({"name": "bad", "kind": "lambda", "label": "spam"}, "kind"),
    ({"name": "bad", "kind": "python", "label": "spam"}, "label"),  # python functions vote their own labels
    ({"name": "bad", "kind": "keywords", "label": "spam", "keywords": ["x"], "control": "nope"}, "control"),
])
def test_bad_rules_are_422_naming_the_field(client, world, body, field):
    manager, project = world
    error = create(client, manager, project, body, status=422)
    assert error["field"] == field
    assert client.get(url(project), headers=manager.headers).json() == []


def test_a_taken_name_is_a_conflict(client, world):
    manager, project = world
    body = {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]}
    create(client, manager, project, body)
    assert create(client, manager, project, body, status=409)["field"] == "name"


def test_annotators_cannot_write_rules(client, session, world):
    manager, project = world
    annotator = make_user(session, "ann")
    add_member(session, manager.user, project, annotator.user)
    response = client.post(url(project), headers=annotator.headers,
                           json={"name": "x", "kind": "keywords", "label": "ham", "keywords": ["x"]})
    assert response.status_code == 403


def test_preview_shows_coverage_and_matches_without_storing(client, world):
    manager, project = world
    response = client.post(url(project, "/preview"), headers=manager.headers,
                           json={"kind": "keywords", "label": "ham", "keywords": ["song"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sample"] == 8 and body["votes"] == 3 and body["coverage"] == 3 / 8
    assert [m["data"]["text"] for m in body["matches"]] == ["great song", "love this song", "what a song, love it"]
    bad = client.post(url(project, "/preview"), headers=manager.headers,
                      json={"kind": "regex", "label": "ham", "pattern": "["})
    assert bad.status_code == 422 and bad.json()["field"] == "pattern"
    assert client.get(url(project), headers=manager.headers).json() == []


def test_apply_recomputes_only_what_changed(client, session, world):
    manager, project = world
    song = create(client, manager, project, {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]})
    create(client, manager, project, {"name": "http", "kind": "keywords", "label": "spam", "keywords": ["http"],
                                      "mode": "substring"})
    first = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert sorted(first["recomputed"]) == ["http", "song"] and first["votes_written"] == 5
    again = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert sorted(again["unchanged"]) == ["http", "song"] and again["votes_written"] == 0
    client.put(url(project, f"/{song['id']}"), headers=manager.headers,
               json={"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song", "nice"]})
    assert client.get(url(project), headers=manager.headers).json()[0]["votes_current"] is False
    third = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert third["recomputed"] == ["song"] and third["unchanged"] == ["http"] and third["votes_written"] == 4
    add_tasks(session, manager.user, project, [{"text": "another song"}])
    fourth = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert sorted(fourth["extended"]) == ["http", "song"] and fourth["votes_written"] == 1
    session.expire_all()
    votes = session.scalars(select(LabelingFunctionVote).where(LabelingFunctionVote.function_id == song["id"])).all()
    assert len(votes) == 5 and {v.label for v in votes} == {"ham"}


def test_a_failing_rule_is_reported_and_stops_nothing_else(client, world, monkeypatch):
    manager, project = world
    create(client, manager, project, {"name": "slow", "kind": "regex", "label": "spam", "pattern": "x"})
    create(client, manager, project, {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]})
    from labelwise.assist.weak import functions as pure

    real = pure.Pattern.votes

    def out_of_budget(self, tasks):
        raise LabelingFunctionError("ran out of its 10 s budget", function=self.name, field="pattern")

    monkeypatch.setattr(pure.Pattern, "votes", out_of_budget)
    report = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert report["recomputed"] == ["song"] and "budget" in report["failed"]["slow"]
    monkeypatch.setattr(pure.Pattern, "votes", real)
    listed = {f["name"]: f["votes_current"] for f in client.get(url(project), headers=manager.headers).json()}
    assert listed == {"slow": False, "song": True}


def test_client_votes_upload_and_validation(client, session, world):
    manager, project = world
    fn = create(client, manager, project, {"name": "py_len", "kind": "client"})
    tasks = sorted(session.scalars(select(Prediction.task_id)).all())  # none yet
    assert tasks == []
    ids = [t["id"] for t in client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]]
    votes = [{"task_id": ids[0], "label": "spam"}, {"task_id": ids[1], "label": None}]
    response = client.put(url(project, f"/{fn['id']}/votes"), json=votes, headers=manager.headers)
    assert response.status_code == 200 and response.json() == {"votes": 1}
    bad = client.put(url(project, f"/{fn['id']}/votes"), json=[{"task_id": ids[0], "label": "eggs"}],
                     headers=manager.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "votes[0].label"
    rule = create(client, manager, project, {"name": "k", "kind": "keywords", "label": "ham", "keywords": ["x"]})
    assert client.put(url(project, f"/{rule['id']}/votes"), json=votes,
                      headers=manager.headers).status_code == 422


def label_everything(client, session, manager, project):
    annotator = make_user(session, "ann")
    add_member(session, manager.user, project, annotator.user)
    truth = dict(zip(TEXTS, TRUTH))
    while (task := next_task(client, annotator, project.id)) is not None:
        response = client.post(f"/api/v1/tasks/{task['id']}/annotations", headers=annotator.headers,
                               json={"result": {"kind": truth[task["data"]["text"]]}})
        assert response.status_code == 201, response.text


def rules(client, manager, project):
    for body in ({"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]},
                 {"name": "http", "kind": "keywords", "label": "spam", "keywords": ["http"], "mode": "substring"},
                 {"name": "subscribe", "kind": "regex", "label": "spam", "pattern": r"subscribe|\bplz\b"},
                 {"name": "my", "kind": "keywords", "label": "spam", "keywords": ["my"]},
                 {"name": "short", "kind": "condition", "label": "ham", "field": "text", "op": "lt", "value": 3,
                  "measure": "words"}):
        create(client, manager, project, body)
    assert client.post(url(project, "/apply"), headers=manager.headers).status_code == 200


def test_analysis_against_human_labels(client, session, world):
    manager, project = world
    rules(client, manager, project)
    label_everything(client, session, manager, project)
    response = client.get(url(project, "/analysis"), headers=manager.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["control"] == "kind" and body["tasks"] == 8 and body["labelled_tasks"] == 8
    by = {f["name"]: f for f in body["functions"]}
    assert by["song"]["coverage"] == 3 / 8 and by["song"]["accuracy"] == 1.0 and by["song"]["polarity"] == ["ham"]
    assert by["http"]["n_votes"] == 2 and by["my"]["n_votes"] == 2
    # "short" votes ham on "great song" and "nice" (right) and "plz subscribe" (wrong).
    assert by["short"]["n_correct"] == 2 and by["short"]["n_incorrect"] == 1
    assert by["short"]["confusion"] == [[0, 1], [0, 2]]  # rows truth spam/ham, columns vote spam/ham
    assert by["short"]["accuracy_interval"][0] < 2 / 3 < by["short"]["accuracy_interval"][1]
    assert body["total_coverage"] == 1.0
    texts = {t["id"]: t["data"]["text"] for t in
             client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]}
    assert [texts[c["task_id"]] for c in body["conflicting_tasks"]] == ["plz subscribe"]


def test_data_browser_filters_tasks_where_functions_conflict(client, session, world):
    manager, project = world
    rules(client, manager, project)
    for name in ("channel", "channel_again"):  # two ham votes against two spam votes on two tasks
        create(client, manager, project, {"name": name, "kind": "keywords", "label": "ham", "keywords": ["channel"]})
    assert client.post(url(project, "/apply"), headers=manager.headers).status_code == 200
    analysis = client.get(url(project, "/analysis"), headers=manager.headers).json()
    texts = {t["id"]: t["data"]["text"] for t in
             client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]}

    def browse(k, caller=manager):
        return client.get(f"/api/v1/projects/{project.id}/tasks", params={"lf_conflict": k}, headers=caller.headers)

    ranked = [c["task_id"] for c in analysis["conflicting_tasks"]]
    assert sorted(t["id"] for t in browse(1).json()["items"]) == sorted(ranked)
    assert [texts[t["id"]] for t in browse(2).json()["items"]] == ["check out my channel http://a.b",
                                                                   "subscribe to my channel"]
    assert analysis["conflict_levels"] == [{"lf_conflict": 1, "tasks": len(ranked)}, {"lf_conflict": 2, "tasks": 2}]
    assert browse(3).json()["items"] == []
    # Votes of a rule edited since they were computed do not count.
    rule = next(f for f in client.get(url(project), headers=manager.headers).json() if f["name"] == "channel_again")
    client.put(url(project, f"/{rule['id']}"), headers=manager.headers,
               json={"name": "channel_again", "kind": "keywords", "label": "ham", "keywords": ["channels"]})
    assert browse(2).json()["items"] == []
    assert browse(0).status_code == 422
    annotator = make_user(session, "annotator")
    add_member(session, manager.user, project, annotator.user, "annotator")
    response = browse(1, annotator)
    assert response.status_code == 422 and response.json()["field"] == "lf_conflict"


def test_label_model_stores_predictions_with_a_model_version(client, session, world):
    manager, project = world
    rules(client, manager, project)
    response = client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers, json={})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "ensemble" and body["model_version"].startswith("weak/ensemble/")
    assert body["predictions"] == 8 and set(body["estimated_accuracies"]) == {"song", "http", "subscribe", "my",
                                                                               "short"}
    session.expire_all()
    predictions = session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()
    assert len(predictions) == 8
    assert all(abs(sum(p.scores.values()) - 1) < 1e-5 and p.score == max(p.scores.values()) for p in predictions)
    texts = {t["id"]: t["data"]["text"] for t in
             client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]}
    labels = {texts[p.task_id]: p.result["kind"] for p in predictions}
    assert labels["great song"] == "ham" and labels["subscribe to my channel"] == "spam"
    # Running again replaces that version's predictions instead of adding more.
    client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers, json={})
    session.expire_all()
    assert len(session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()) == 8


def test_label_model_needs_current_votes(client, world):
    manager, project = world
    create(client, manager, project, {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]})
    response = client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers,
                           json={"model": "majority_vote"})
    assert response.status_code == 422 and "apply them first" in response.json()["message"]


def test_label_model_as_a_background_job(client, session, world):
    manager, project = world
    rules(client, manager, project)
    bad = client.post(f"/api/v1/projects/{project.id}/label-model", params={"async": "true"},
                      headers=manager.headers, json={"control": "nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "control"  # checked before queueing
    response = client.post(f"/api/v1/projects/{project.id}/label-model", params={"async": "true"},
                           headers=manager.headers, json={"model": "ensemble"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "weak.label_model" and response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=manager.headers).json()
    assert job["status"] == "succeeded", job
    assert job["result"]["predictions"] == 8 and job["result"]["model_version"].startswith("weak/ensemble/")
    assert job["done"] == job["total"] == 8
    session.expire_all()
    assert len(session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()) == 8


def test_a_stopped_label_model_run_stores_nothing(client, session, world):
    from labelwise.core.weak import label_model

    manager, project = world
    rules(client, manager, project)

    class Stop(Exception):
        pass

    def progress(done, total):
        if done:
            raise Stop  # what a cancelled job's progress call does
    with pytest.raises(Stop):
        label_model.run(session, manager.user, project.id, progress=progress)
    session.rollback()
    assert session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all() == []


def test_apply_as_a_background_job(client, world):
    manager, project = world
    create(client, manager, project, {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]})
    response = client.post(url(project, "/apply"), params={"async": "true"}, headers=manager.headers)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["kind"] == "weak.apply" and response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=manager.headers).json()
    assert job["status"] == "succeeded", job
    assert job["result"]["recomputed"] == ["song"] and job["result"]["votes_written"] == 3
    assert client.get(url(project), headers=manager.headers).json()[0]["votes_current"] is True


def test_a_model_versions_predictions_vote(client, world):
    manager, project = world
    tasks = client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]
    predictions = [{"task_id": tasks[0]["id"], "result": {"kind": "spam"}, "model_version": "bert", "score": 0.9},
                   {"task_id": tasks[1]["id"], "result": {"kind": "ham"}, "model_version": "bert", "score": 0.4},
                   {"task_id": tasks[2]["id"], "result": {"kind": "ham"}, "model_version": "other", "score": 0.9}]
    assert client.post(f"/api/v1/projects/{project.id}/predictions", json=predictions,
                       headers=manager.headers).status_code == 201
    bad = create(client, manager, project, {"name": "m", "kind": "predictions"}, status=422)
    assert bad["field"] == "model_version"
    create(client, manager, project, {"name": "bert", "kind": "predictions", "model_version": "bert",
                                      "min_score": 0.5})
    report = client.post(url(project, "/apply"), headers=manager.headers).json()
    assert report["recomputed"] == ["bert"] and report["votes_written"] == 1
    analysis = client.get(url(project, "/analysis"), headers=manager.headers).json()
    assert analysis["functions"][0]["coverage"] == 1 / 8 and analysis["functions"][0]["polarity"] == ["spam"]
    # New predictions of that version count at the next apply, though the definition did not change.
    more = [{"task_id": tasks[3]["id"], "result": {"kind": "ham"}, "model_version": "bert", "score": 0.8}]
    client.post(f"/api/v1/projects/{project.id}/predictions", json=more, headers=manager.headers)
    assert client.post(url(project, "/apply"), headers=manager.headers).json()["votes_written"] == 2
