"""GET /projects/{id}/quality: defined values (null + note, never NaN or 500) from empty to busy projects."""

import json

import pytest

from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


@pytest.fixture
def team(session):
    manager = make_user(session, "manager")
    people = [make_user(session, name) for name in ("a", "b", "c")]
    project = make_project(session, manager.user, settings={"overlap": 3})
    for person in people:
        add_member(session, manager.user, project, person.user)
    return manager, people, project


def label_all(client, person, project_id, labels):
    for label in labels:
        task = next_task(client, person, project_id)
        response = client.post(f"/api/v1/tasks/{task['id']}/annotations",
                               json={"result": {"sentiment": label}, "lead_time_ms": 1000}, headers=person.headers)
        assert response.status_code == 201, response.text


def report(client, manager, project_id, **params):
    response = client.get(f"/api/v1/projects/{project_id}/quality", params=params, headers=manager.headers)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text and "Infinity" not in response.text
    return response.json()


def test_empty_project_reports_nulls_with_notes(client, team):
    manager, _, project = team
    body = report(client, manager, project.id)
    assert body["control"] == "sentiment" and body["n_answers"] == 0
    assert body["agreement"]["krippendorff_alpha"] is None and body["agreement"]["pairwise"] is None
    assert "no submitted answers yet" in body["notes"]
    assert [row["submitted"] for row in body["annotators"]] == [0, 0, 0]


def test_one_annotator_has_no_agreement_but_a_table(client, session, team):
    manager, (a, *_), project = team
    add_tasks(session, manager.user, project, texts(2))
    label_all(client, a, project.id, ["positive", "negative"])
    body = report(client, manager, project.id)
    assert body["agreement"]["percent"] is None and body["agreement"]["pairwise"] is None
    assert any("at least two" in note for note in body["notes"])
    row = next(r for r in body["annotators"] if r["username"] == "a")
    assert row["submitted"] == 2 and row["median_lead_time_ms"] == 1000 and row["throughput_per_hour"] == 2
    assert row["gold"] == {"answered": 0, "correct": 0, "accuracy": None, "low": None, "high": None}


def test_a_single_class_is_perfect_agreement_with_a_note(client, session, team):
    manager, people, project = team
    add_tasks(session, manager.user, project, texts(3))
    for person in people:
        label_all(client, person, project.id, ["neutral"] * 3)
    body = report(client, manager, project.id)
    assert body["agreement"]["krippendorff_alpha"]["estimate"] == 1.0
    assert body["agreement"]["fleiss_kappa"] == 1.0
    assert any("same label" in note for note in body["notes"])
    labels = {row["label"]: row["specific_agreement"] for row in body["agreement"]["per_label"]}
    assert labels == {"positive": None, "negative": None, "neutral": 1.0}


def test_full_report_with_disagreement(client, session, team):
    manager, (a, b, c), project = team
    add_tasks(session, manager.user, project, texts(4))
    label_all(client, a, project.id, ["positive", "negative", "positive", "neutral"])
    label_all(client, b, project.id, ["positive", "negative", "negative", "neutral"])
    label_all(client, c, project.id, ["positive", "positive", "negative", "neutral"])
    body = report(client, manager, project.id)
    agreement = body["agreement"]
    assert 0 < agreement["percent"] < 1 and agreement["fleiss_kappa"] is not None
    alpha = agreement["krippendorff_alpha"]
    assert alpha["low"] <= alpha["estimate"] <= alpha["high"]
    pairs = agreement["pairwise"]
    assert pairs["annotators"] == ["a", "b", "c"] and pairs["matrix"][0][0] == 1.0
    assert pairs["n_shared"][0][1] == 4 and pairs["matrix"][0][1] == pairs["matrix"][1][0]
    overall = body["confusion"]["overall"]
    assert sum(map(sum, overall)) == 12 and body["confusion"]["labels"] == ["positive", "negative", "neutral"]
    assert [row["compared_with_consensus"] for row in body["annotators"]] == [4, 4, 4]
    assert body["over_time"][0]["compared"] == 12
    json.dumps(body, allow_nan=False)


def test_bad_control_names_get_422_and_roles_are_checked(client, team):
    manager, (a, *_), project = team
    for control, words in [("nope", "unknown control"), ("entities", "not a single-choice")]:
        response = client.get(f"/api/v1/projects/{project.id}/quality", params={"control": control},
                              headers=manager.headers)
        assert response.status_code == 422 and words in response.json()["message"]
    assert client.get(f"/api/v1/projects/{project.id}/quality", headers=a.headers).status_code == 403
    assert client.get("/api/v1/projects/99999/quality", headers=manager.headers).status_code == 404


def test_a_schema_without_categorical_controls_still_reports(client, session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema={
        "objects": {"text": {"type": "text"}},
        "controls": {"entities": {"type": "spans", "object": "text", "labels": ["PER"]}}})
    body = report(client, manager, project.id)
    assert body["control"] is None and body["agreement"]["percent"] is None
    assert any("no single-choice control" in note for note in body["notes"])
