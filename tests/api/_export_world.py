"""Projects with labeled tasks for the export, snapshot and import tests, built through the import API."""

import json

from tests.factories import add_member, make_project, make_user

TEXT = "Alice works at Acme in Paris"
SPANS = [{"id": "e1", "start": 0, "end": 5, "label": "PER"}, {"id": "e2", "start": 15, "end": 19, "label": "ORG"},
         {"id": "e3", "start": 23, "end": 28, "label": "LOC"}]
SENTIMENTS = ["positive", "negative", "neutral"]
IMAGE_SCHEMA = {
    "objects": {"photo": {"type": "image"}},
    "controls": {"objects": {"type": "boxes", "object": "photo", "labels": ["car", "person"]}},
}


def post_import(client, caller, project_id: int, rows: list[dict], **params):
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    return client.post(f"/api/v1/projects/{project_id}/import", content=body, params=params,
                       headers={**caller.headers, "content-type": "application/jsonl"})


def text_world(client, session, *, n: int = 12):
    """A text project: `ann1` labels every task, `ann2` every third; sentiment cycles through the options."""
    owner = make_user(session, "owner")
    ann1, ann2 = make_user(session, "ann1"), make_user(session, "ann2")
    project = make_project(session, owner.user, settings={"overlap": 2})
    for member in (ann1, ann2):
        add_member(session, owner.user, project, member.user)
    rows = []
    for i in range(n):
        result = {"sentiment": SENTIMENTS[i % 3], "entities": SPANS if i % 2 == 0 else SPANS[:1]}
        annotations = [{"user": "ann1", "result": result, "lead_time_ms": 1000}]
        if i % 3 == 0:
            annotations.append({"user": "ann2", "result": {"sentiment": "neutral", "entities": []}})
        rows.append({"data": {"text": f"{TEXT} {i}"}, "external_id": f"t{i}", "annotations": annotations})
    response = post_import(client, owner, project.id, rows)
    assert response.status_code == 201, response.text
    return owner, ann1, ann2, project


def image_world(client, session, *, n: int = 4):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Cars")
    rows = []
    for i in range(n):
        boxes = [{"id": f"b{i}", "x": 10 + i, "y": 20, "width": 30, "height": 40, "label": "car"}]
        if i % 2:
            boxes.append({"id": f"p{i}", "x": 50, "y": 10, "width": 20, "height": 60, "label": "person"})
        rows.append({"data": {"photo": {"src": f"https://example.com/img/{i}.jpg", "width": 100, "height": 80}},
                     "annotations": [{"result": {"objects": boxes}}]})
    response = post_import(client, owner, project.id, rows)
    assert response.status_code == 201, response.text
    return owner, project


def export(client, caller, project_id: int, **params):
    return client.get(f"/api/v1/projects/{project_id}/export", params=params, headers=caller.headers)
