"""The FUNSD export of stored PDFs carries the words of each page's text layer, with their boxes, and reads back."""

import io
import json

from labelwise.formats import documents
from labelwise.schema import parse_schema
from tests.factories import make_project, make_user, next_task
from tests.pdf_helpers import make_pdf

SCHEMA = {
    "objects": {"doc": {"type": "pdf"}},
    "controls": {
        "fields": {"type": "boxes", "object": "doc", "labels": ["question", "answer"]},
        "transcription": {"type": "text", "object": "doc", "per_region": True, "regions_of": "fields"},
        "entities": {"type": "spans", "object": "doc", "labels": ["title"]},
        "links": {"type": "relations", "labels": ["answer_of"]},
    },
}


def union(boxes):
    inked = [b for b in boxes if b[2] > 0]
    x0, y0 = min(b[0] for b in inked), min(b[1] for b in inked)
    return [x0, y0, max(b[0] + b[2] for b in inked), max(b[1] + b[3] for b in inked)]


def test_funsd_words_come_from_the_text_layer_and_read_back(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=SCHEMA, name="Forms")
    upload = client.post(f"/api/v1/projects/{project.id}/media", headers=owner.headers,
                         files=[("files", ("form.pdf", make_pdf(1), "application/pdf"))])
    assert upload.status_code == 201, upload.text
    task = next_task(client, owner, project.id)
    layer = client.get(task["data"]["doc"]["src"] + "/pages/1/text", headers=owner.headers).json()
    text, boxes = layer["text"], layer["boxes"]
    total = text.index("Total: 100 EUR")
    x0, y0, x1, y1 = union(boxes[total:total + len("Total: 100 EUR")])
    title = text.index("Invoice page 1")
    result = {
        "fields": [{"id": "t", "page": 0, "label": "answer", "x": x0 - 2, "y": y0 - 2, "width": x1 - x0 + 4,
                    "height": y1 - y0 + 4}],
        "entities": [{"id": "s", "page": 0, "label": "title", "start": title, "end": title + 14,
                      "text": "Invoice page 1", "boxes": [[*union(boxes[title:title + 14])[:2], 80, 14]]}],
        "links": [{"from": "s", "to": "t", "label": "answer_of"}],
    }
    saved = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": result}, headers=owner.headers)
    assert saved.status_code in (200, 201), saved.text

    exported = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "funsd", "source": "first"},
                          headers=owner.headers)
    assert exported.status_code == 200, exported.text
    [doc] = json.loads(exported.content)["documents"]
    form = {entity["label"]: entity for entity in doc["pages"][0]["form"]}
    box = form["answer"]
    assert box["text"] == "Total: 100 EUR"
    assert [w["text"] for w in box["words"]] == ["Total:", "100", "EUR"]
    start = total
    for word in box["words"]:  # each word's box is the union of its characters' boxes in the text layer
        assert word["box"] == [round(v, 2) for v in union(boxes[start:start + len(word["text"])])]
        start += len(word["text"]) + 1
    span = form["title"]
    assert [w["text"] for w in span["words"]] == ["Invoice", "page", "1"]
    assert span["words"][0]["box"] == [round(v, 2) for v in union(boxes[title:title + 7])]
    assert span["linking"] == box["linking"] == [[span["id"], box["id"]]]

    [row] = documents.read_funsd(io.BytesIO(exported.content), schema=parse_schema(SCHEMA))
    back = row.value["predictions"][0]["result"]
    assert sorted(back["transcription"].values()) == ["Invoice page 1", "Total: 100 EUR"]
    assert back["links"] == [{"from": f"e{span['id']}", "to": f"e{box['id']}"}]

    snapshot = client.post(f"/api/v1/projects/{project.id}/snapshots", json={"name": "v1", "source": "first"},
                           headers=owner.headers)
    assert snapshot.status_code == 201, snapshot.text
    frozen = client.get(f"/api/v1/snapshots/{snapshot.json()['id']}/export", params={"format": "funsd"},
                        headers=owner.headers)
    assert frozen.status_code == 200 and json.loads(frozen.content) == json.loads(exported.content)
