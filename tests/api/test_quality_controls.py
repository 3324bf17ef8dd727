"""GET /projects/{id}/quality/controls: every control of the schema with the measure its type calls for."""

from labelwise.core.dataio import importing
from labelwise.formats.rows import Row
from tests.factories import add_member, make_project, make_user

SCHEMA = {
    "objects": {"text": {"type": "text"}, "image": {"type": "image"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative"]},
        "topics": {"type": "choices", "object": "text", "options": ["a", "b", "c"], "multiple": True},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "objects": {"type": "boxes", "object": "image", "labels": ["car"]},
        "stars": {"type": "rating", "object": "text", "max": 5},
        "summary": {"type": "text", "object": "text"},
    },
}
BOX = {"x": 1, "y": 1, "width": 4, "height": 4, "label": "car"}


def test_every_control_gets_its_measure_per_annotator_and_per_day(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=SCHEMA)
    for name in ("ann", "bea"):
        add_member(session, owner.user, project, make_user(session, name).user)
    ann = {"sentiment": "positive", "topics": ["a", "b"], "entities": [{"start": 0, "end": 4, "label": "PER"}],
           "objects": [BOX], "stars": 4, "summary": "good text"}
    bea = {"sentiment": "negative", "topics": ["b"], "entities": [{"start": 0, "end": 4, "label": "PER"}],
           "objects": [{**BOX, "x": 30}], "stars": 2, "summary": "good text"}
    rows = [Row(1, {"data": {"text": "Anna works", "image": "https://example.test/a.png"},
                    "annotations": [{"user": "ann", "result": ann}, {"user": "bea", "result": bea}]}),
            Row(2, {"data": {"text": "Bob", "image": "https://example.test/b.png"},
                    "annotations": [{"user": "ann", "result": {"sentiment": "positive"}},
                                    {"user": "bea", "result": {"sentiment": "positive"}}]})]
    importing.import_tasks(session, owner.user, project.id, rows)
    response = client.get(f"/api/v1/projects/{project.id}/quality/controls", headers=owner.headers)
    assert response.status_code == 200, response.text
    found = {c["control"]: c for c in response.json()["controls"]}
    assert set(found) == set(SCHEMA["controls"])
    expected = {"sentiment": ("nominal", 0.5), "topics": ("set", 0.5), "entities": ("spans", 1.0),
                "objects": ("boxes", 0.0), "stars": ("interval", 2.0), "summary": ("text", 1.0)}
    assert {name: (c["kind"], c["value"]) for name, c in found.items()} == expected
    assert found["stars"]["higher_is_better"] is False and found["sentiment"]["n_items"] == 2
    assert [a["username"] for a in found["sentiment"]["annotators"]] == ["ann", "bea"]
    assert sum(p["pairs"] for p in found["sentiment"]["over_time"]) == 2
    outsider = make_user(session, "outsider")
    assert client.get(f"/api/v1/projects/{project.id}/quality/controls", headers=outsider.headers).status_code in (403, 404)
