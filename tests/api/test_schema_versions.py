"""Versions of the schema and guidelines; answers stamped with them; safe schema changes and migrations."""

import copy
import json

from sqlalchemy import select

from labelwise.store.models import Annotation, AnnotationRevision, Assignment, Event, Prediction, Review, Snapshot, Task
from tests.factories import TEXT_SCHEMA, add_member, add_tasks, make_project, make_user, next_task, texts


def _world(session, client):
    """A manager and two annotators; task 1 answered 'neutral' by both, with a prediction and gold on task 2."""
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("ann", "bob")]
    project = make_project(session, manager.user, settings={"overlap": 2})
    add_tasks(session, manager.user, project, texts(3))
    for person in people:
        add_member(session, manager.user, project, person.user)
    ids = [t["id"] for t in client.get(f"/api/v1/projects/{project.id}/tasks", headers=manager.headers).json()["items"]]
    for person in people:
        task = next_task(client, person, project.id)
        assert task["id"] == ids[0]
        answer = {"sentiment": "neutral", "entities": [{"start": 0, "end": 4, "label": "PER"}]}
        response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": answer}, headers=person.headers)
        assert response.status_code == 201, response.text
    response = client.post(f"/api/v1/projects/{project.id}/predictions", headers=manager.headers, json=[
        {"task_id": ids[1], "model_version": "m1", "result": {"sentiment": "neutral"}}])
    assert response.is_success, response.text
    response = client.put(f"/api/v1/tasks/{ids[2]}/gold", json={"result": {"sentiment": "neutral"}},
                          headers=manager.headers)
    assert response.is_success, response.text
    return manager, people, project, ids


def _renamed(old: str, new: str) -> dict:
    schema = copy.deepcopy(TEXT_SCHEMA)
    options = schema["controls"]["sentiment"]["options"]
    options[options.index(old)] = new
    return schema


def test_new_project_has_version_one_of_both(client, session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user)
    listed = client.get(f"/api/v1/projects/{project.id}/versions", headers=manager.headers).json()
    assert {(v["kind"], v["number"], v["current"], v["author"]) for v in listed} == {
        ("schema", 1, True, "manager"), ("guidelines", 1, True, "manager")}
    one = client.get(f"/api/v1/projects/{project.id}/versions/schema/1", headers=manager.headers).json()
    assert one["label_schema"]["controls"]["sentiment"]["options"] == ["positive", "negative", "neutral"]
    assert client.get(f"/api/v1/projects/{project.id}/versions/schema/9", headers=manager.headers).status_code == 404


def test_guidelines_and_schema_changes_add_versions_and_answers_record_them(client, session):
    manager, people, project, ids = _world(session, client)
    url = f"/api/v1/projects/{project.id}"
    assert client.patch(url, json={"guidelines": "Neutral means no opinion."}, headers=manager.headers).is_success
    # saving the same text again (the settings page always sends it) is no new version
    out = client.patch(url, json={"guidelines": "Neutral means no opinion.", "name": "Renamed"}, headers=manager.headers)
    assert out.json()["guidelines_version"] == 2
    added = copy.deepcopy(TEXT_SCHEMA)
    added["controls"]["sentiment"]["options"].append("mixed")
    added["controls"]["topic"] = {"type": "choices", "object": "text", "options": ["news", "sport"]}
    out = client.patch(url, json={"label_schema": added}, headers=manager.headers)
    assert out.status_code == 200, out.text
    assert out.json()["schema_version"] == 2
    schema_versions = client.get(f"{url}/versions?kind=schema", headers=manager.headers).json()
    assert [v["number"] for v in schema_versions] == [2, 1]
    assert schema_versions[0]["diff"] == ["+ control 'topic' (choices)", "+ option 'mixed' of control 'sentiment'"]
    guidelines = client.get(f"{url}/versions/guidelines/2", headers=manager.headers).json()
    assert guidelines["guidelines"] == "Neutral means no opinion." and "+Neutral means no opinion." in guidelines["diff"]

    task = next_task(client, people[0], project.id)
    response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "mixed"}},
                           headers=people[0].headers)
    assert response.json()["schema_version"] == 2 and response.json()["guidelines_version"] == 2
    stamped = {a.task_id: (a.schema_version, a.guidelines_version) for a in session.scalars(select(Annotation))}
    assert stamped[ids[0]] == (1, 1) and stamped[task["id"]] == (2, 2)
    revision = session.scalars(select(AnnotationRevision).order_by(AnnotationRevision.id.desc())).first()
    assert (revision.schema_version, revision.guidelines_version) == (2, 2)
    annotation_id = response.json()["id"]
    review = client.post(f"/api/v1/annotations/{annotation_id}/reviews", json={"verdict": "accept"},
                         headers=manager.headers)
    assert review.json()["review"]["schema_version"] == 2, review.text
    assert session.get(Review, review.json()["review"]["id"]).guidelines_version == 2
    # a prediction written by any path takes the project's current versions
    client.post(f"/api/v1/projects/{project.id}/predictions", headers=manager.headers,
                json=[{"task_id": ids[1], "model_version": "m2", "result": {"sentiment": "mixed"}}])
    assert {(p.model_version, p.schema_version) for p in session.scalars(select(Prediction))} == {("m1", 1), ("m2", 2)}

    # listings and exports filter by version
    listed = client.get(f"{url}/tasks?schema_version=2", headers=manager.headers).json()["items"]
    assert [t["id"] for t in listed] == [task["id"]]
    listed = client.get(f"{url}/tasks?schema_version=1&guidelines_version=1", headers=manager.headers).json()["items"]
    assert [t["id"] for t in listed] == [ids[0]]
    lines = client.get(f"{url}/export?format=jsonl&schema_version=1&only_labeled=true", headers=manager.headers)
    records = [json.loads(line) for line in lines.text.splitlines()]
    assert [r["id"] for r in records] == [ids[0]]
    assert {a["schema_version"] for a in records[0]["annotations"]} == {1}
    assert client.get(f"{url}/tasks?schema_version=1", headers=people[0].headers).status_code == 422


def test_a_breaking_change_is_refused_with_what_it_breaks(client, session):
    manager, _, project, ids = _world(session, client)
    url = f"/api/v1/projects/{project.id}"
    response = client.patch(url, json={"label_schema": _renamed("neutral", "mixed")}, headers=manager.headers)
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["field"] == "label_schema" and "migration" in body["message"]
    report = body["report"]
    assert report["allowed"] is False
    assert report["diff"] == ["- option 'neutral' of control 'sentiment'", "+ option 'mixed' of control 'sentiment'"]
    [broken] = report["broken"]
    assert (broken["control"], broken["annotations"], broken["predictions"], broken["gold"]) == ("sentiment", 2, 1, 1)
    assert broken["labels"] == {"neutral": {"annotations": 2, "predictions": 1, "gold": 1}}
    assert sorted(broken["example_tasks"]) == sorted(ids)
    # nothing changed
    assert client.get(url, headers=manager.headers).json()["schema_version"] == 1
    # a tighter limit is refused the same way
    tighter = copy.deepcopy(TEXT_SCHEMA)
    tighter["controls"]["entities"]["labels"] = ["ORG", "LOC"]
    response = client.patch(url, json={"label_schema": tighter}, headers=manager.headers)
    assert response.status_code == 409
    assert response.json()["report"]["broken"][0]["labels"] == {"PER": {"annotations": 2, "predictions": 0, "gold": 0}}


def test_preview_then_rename_migration_rewrites_everything_after_a_snapshot(client, session):
    manager, people, project, ids = _world(session, client)
    url = f"/api/v1/projects/{project.id}"
    migration = [{"op": "rename_label", "control": "sentiment", "from": "neutral", "to": "mixed"}]
    body = {"label_schema": _renamed("neutral", "mixed"), "migration": migration}
    preview = client.post(f"{url}/schema/preview", json=body, headers=manager.headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["allowed"] and preview.json()["rewritten"] == {"annotations": 2, "predictions": 1, "gold": 1}
    assert session.scalar(select(Annotation.result).limit(1))["sentiment"] == "neutral"  # preview wrote nothing

    response = client.patch(url, json=body, headers=manager.headers)
    assert response.status_code == 200, response.text
    assert response.json()["schema_version"] == 2
    session.expire_all()
    assert {a.result["sentiment"] for a in session.scalars(select(Annotation))} == {"mixed"}
    assert {a.schema_version for a in session.scalars(select(Annotation))} == {1}  # made under version 1
    assert session.scalar(select(Prediction.result))["sentiment"] == "mixed"
    gold = client.get(f"/api/v1/tasks/{ids[2]}", headers=manager.headers).json()
    assert gold["gold"] == {"sentiment": "mixed"} and gold["consensus"] == {"sentiment": "mixed"}
    assert session.get(Task, ids[0]).consensus["sentiment"] == "mixed"
    [snapshot] = session.scalars(select(Snapshot)).all()
    assert snapshot.name.startswith("before schema version 2")
    assert snapshot.label_schema["controls"]["sentiment"]["options"][2] == "neutral"
    event = session.scalars(select(Event).where(Event.action == "project.schema_migrated")).one()
    assert event.after["migration"] == migration and event.after["rewritten"]["annotations"] == 2
    version = client.get(f"{url}/versions/schema/2", headers=manager.headers).json()
    assert version["migration"]["steps"] == migration and version["migration"]["snapshot_id"] == snapshot.id
    # the old snapshot still exports under the old schema; the project exports the new labels
    export = client.get(f"{url}/export?format=jsonl", headers=manager.headers).text
    assert "neutral" not in export and '"mixed"' in export


def test_split_sends_answers_back_for_relabeling_keeping_history(client, session):
    manager, people, project, ids = _world(session, client)
    schema = copy.deepcopy(TEXT_SCHEMA)
    schema["controls"]["sentiment"]["options"] = ["positive", "negative", "mixed", "none"]
    migration = [{"op": "split_label", "control": "sentiment", "from": "neutral", "to": ["mixed", "none"]}]
    preview = client.post(f"/api/v1/projects/{project.id}/schema/preview", headers=manager.headers,
                          json={"label_schema": schema, "migration": migration}).json()
    assert preview["relabel"] == {"annotations": 2, "tasks": 1}
    response = client.patch(f"/api/v1/projects/{project.id}", json={"label_schema": schema, "migration": migration},
                            headers=manager.headers)
    assert response.status_code == 200, response.text
    session.expire_all()
    returned = session.scalars(select(Annotation).where(Annotation.task_id == ids[0])).all()
    assert {a.status for a in returned} == {"rejected"}
    assert all("sentiment" not in a.result and a.result["entities"] for a in returned)
    history = session.scalars(select(AnnotationRevision).where(AnnotationRevision.annotation_id == returned[0].id)
                              .order_by(AnnotationRevision.revision)).all()
    assert history[0].result["sentiment"] == "neutral" and history[-1].status == "rejected"
    assert session.get(Task, ids[0]).annotation_count == 0
    assert {a.status for a in session.scalars(select(Assignment).where(Assignment.task_id == ids[0]))} == {"leased"}
    # the gold answer lost its only value: the task is no longer gold and rejoins the queue
    gold_task = client.get(f"/api/v1/tasks/{ids[2]}", headers=manager.headers).json()
    assert gold_task["gold"] is None and session.get(Task, ids[2]).remaining == 2
    # the author relabels the task: served again, answered under version 2
    task = next_task(client, people[0], project.id)
    assert task["id"] == ids[0]
    again = client.post(f"/api/v1/tasks/{ids[0]}/annotations", json={"result": {"sentiment": "none"}},
                        headers=people[0].headers)
    assert again.status_code == 201, again.text
    assert again.json()["schema_version"] == 2 and again.json()["revision"] == 3


def test_merge_drop_and_map_values(client, session):
    manager, _, project, ids = _world(session, client)
    schema = {"objects": {"text": {"type": "text"}}, "controls": {
        "tone": {"type": "choices", "object": "text", "options": ["good", "bad"], "required": True}}}
    migration = [
        {"op": "rename_control", "from": "sentiment", "to": "tone"},
        {"op": "merge_labels", "control": "sentiment", "from": ["negative", "neutral"], "to": "bad"},
        {"op": "map_values", "control": "sentiment", "map": {"positive": "good"}},
        {"op": "drop_control", "control": "entities"},
    ]
    response = client.patch(f"/api/v1/projects/{project.id}", json={"label_schema": schema, "migration": migration},
                            headers=manager.headers)
    assert response.status_code == 200, response.text
    session.expire_all()
    assert {json.dumps(a.result) for a in session.scalars(select(Annotation))} == {'{"tone": "bad"}'}
    assert session.get(Task, ids[0]).consensus == {"tone": "bad"}


def test_bad_migrations_are_422_naming_the_step(client, session):
    manager, _, project, _ = _world(session, client)
    url = f"/api/v1/projects/{project.id}"
    schema = _renamed("neutral", "mixed")
    cases = [
        ([{"op": "rename_label", "control": "sentiment", "from": "nope", "to": "mixed"}], "migration[0].from"),
        ([{"op": "rename_label", "control": "sentiment", "from": "neutral", "to": "nope"}], "migration[0].to"),
        ([{"op": "teleport", "control": "sentiment"}], "migration[0].op"),
        ([{"op": "rename_label", "control": "ghost", "from": "a", "to": "b"}], "migration[0].control"),
        ([{"op": "drop_control", "control": "sentiment"}], "migration[0].control"),
    ]
    for migration, field in cases:
        response = client.patch(url, json={"label_schema": schema, "migration": migration}, headers=manager.headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
    # a migration that does not cover everything is still refused, with the report
    response = client.patch(url, json={"label_schema": schema, "migration": [
        {"op": "map_values", "control": "entities", "map": {"PER": "LOC"}}]}, headers=manager.headers)
    assert response.status_code == 409 and response.json()["report"]["broken"][0]["control"] == "sentiment"
    response = client.patch(url, json={"migration": []}, headers=manager.headers)
    assert response.status_code == 422 and response.json()["field"] == "migration"
    assert session.scalar(select(Snapshot.id)) is None
