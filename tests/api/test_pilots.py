"""Pilot rounds: every chosen annotator labels the same items; the report per control; two rounds compared."""

from labelwise.quality.pilot import control_report
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts

ROUND_ONE = {"ann": ["positive", "neutral", "negative", "neutral"],
             "bob": ["positive", "negative", "negative", "positive"],
             "cat": ["positive", "neutral", "negative", "negative"]}


def _team(session):
    manager = make_user(session, "manager")
    people = {name: make_user(session, name) for name in ("ann", "bob", "cat", "dan")}
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(10))
    for person in people.values():
        add_member(session, manager.user, project, person.user)
    return manager, people, project


def _label_pilot(client, people, pilot, answers):
    for name, labels in answers.items():
        for expected_task, label in zip(pilot["task_ids"], labels):
            task = next_task(client, people[name], pilot["project_id"])
            assert task["id"] == expected_task  # pilot leases come first, in order
            response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": label}},
                                   headers=people[name].headers)
            assert response.status_code == 201, response.text


def test_pilot_round_report_and_comparison(client, session):
    manager, people, project = _team(session)
    url = f"/api/v1/projects/{project.id}/pilots"
    created = client.post(url, json={"name": "round 1", "annotators": ["ann", "bob", "cat"], "sample": 4},
                          headers=manager.headers)
    assert created.status_code == 201, created.text
    pilot = created.json()
    assert pilot["task_ids"] == [1, 2, 3, 4] and pilot["expected"] == 12 and pilot["answered"] == 0
    # dan is not in the pilot: the normal queue does not hand him pilot tasks
    assert next_task(client, people["dan"], project.id)["id"] == 5

    _label_pilot(client, people, pilot, ROUND_ONE)
    client.post(f"/api/v1/pilots/{pilot['id']}/comments", json={"task_id": 2, "text": "is 'fine' neutral?"},
                headers=people["bob"].headers)
    report = client.get(f"/api/v1/pilots/{pilot['id']}", headers=manager.headers).json()
    assert report["answered"] == 12 and {a["answered"] for a in report["annotators"]} == {4}
    sentiment = report["controls"]["sentiment"]
    expected = control_report([(t, name, label) for name, labels in ROUND_ONE.items()
                               for t, label in zip(pilot["task_ids"], labels)],
                              labels=["positive", "negative", "neutral"])
    assert sentiment["percent_agreement"] == expected["percent_agreement"]
    # items 2 and 4 split neutral/negative and positive/negative/neutral
    pairs = {tuple(p["labels"]): p for p in sentiment["confused_pairs"]}
    assert pairs[("negative", "neutral")]["items"] == [2, 4] and pairs[("negative", "neutral")]["count"] == 3
    assert sentiment["labels"] == ["positive", "negative", "neutral"]
    # agreeing pairs on the diagonal: positive on item 1, negative on item 3 (3 pairs each), neutral once (item 2)
    assert [sentiment["confusion"][i][i] for i in range(3)] == [3, 3, 1]
    assert sentiment["confusion"][1][2] == sentiment["confusion"][2][1] == 3
    deviation = {a["annotator"]: a["deviation"] for a in sentiment["annotators"]}
    assert deviation["bob"] == 0.5 and deviation["cat"] == 0.25
    assert report["comments"] == [{"task_id": 2, "annotator": "bob", "text": "is 'fine' neutral?",
                                   "created_at": report["comments"][0]["created_at"]}]

    # after a guideline change, a second round on fresh items; they now agree
    client.patch(f"/api/v1/projects/{project.id}", json={"guidelines": "Mild is neutral."}, headers=manager.headers)
    second = client.post(url, json={"name": "round 2", "annotators": ["ann", "bob", "cat"], "task_ids": [6, 7]},
                         headers=manager.headers).json()
    assert second["guidelines_version"] == 2
    _label_pilot(client, people, second, {name: ["neutral", "negative"] for name in ("ann", "bob", "cat")})
    compared = client.get(f"/api/v1/pilots/{pilot['id']}/compare/{second['id']}", headers=manager.headers).json()
    assert compared["before"]["guidelines_version"] == 1 and compared["after"]["guidelines_version"] == 2
    agreement = compared["controls"]["sentiment"]["percent_agreement"]
    assert agreement["after"] == 1.0 and agreement["change"] > 0
    assert {"labels": ["negative", "neutral"], "before": 3, "after": 0} in compared["controls"]["sentiment"][
        "confused_pairs"]
    listed = client.get(url, headers=manager.headers).json()
    assert [p["name"] for p in listed] == ["round 1", "round 2"]


def test_pilot_input_is_checked(client, session):
    manager, people, project = _team(session)
    url = f"/api/v1/projects/{project.id}/pilots"
    cases = [
        ({"name": "p", "annotators": ["ann"], "sample": 2}, 422, "annotators"),
        ({"name": "p", "annotators": ["ann", "zed"], "sample": 2}, 422, "annotators"),
        ({"name": "p", "annotators": ["ann", "bob"]}, 422, "task_ids"),
        ({"name": "p", "annotators": ["ann", "bob"], "task_ids": [999]}, 422, "task_ids"),
        ({"name": "p", "annotators": ["ann", "bob"], "sample": 0}, 422, "sample"),
    ]
    for body, status, field in cases:
        response = client.post(url, json=body, headers=manager.headers)
        assert (response.status_code, response.json().get("field")) == (status, field), response.text
    assert client.post(url, json={"name": "p", "annotators": ["ann", "bob"], "sample": 1},
                       headers=people["ann"].headers).status_code == 403
    assert client.post(url, json={"name": "p", "annotators": ["ann", "bob"], "task_ids": [1]},
                       headers=manager.headers).status_code == 201
    again = client.post(url, json={"name": "q", "annotators": ["ann", "cat"], "task_ids": [1]}, headers=manager.headers)
    assert again.status_code == 409 and "ann already has task 1" in again.json()["message"]
    assert client.post(url, json={"name": "p", "annotators": ["cat", "dan"], "task_ids": [2]},
                       headers=manager.headers).status_code == 409
    assert client.get("/api/v1/pilots/1", headers=people["ann"].headers).status_code == 403
    comment = client.post("/api/v1/pilots/1/comments", json={"task_id": 5, "text": "x"}, headers=people["ann"].headers)
    assert comment.status_code == 422 and comment.json()["field"] == "task_id"
    assert client.post("/api/v1/pilots/1/comments", json={"task_id": 1, "text": "x"},
                       headers=people["cat"].headers).status_code == 404
