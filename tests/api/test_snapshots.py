"""Snapshots: frozen, content-hashed versions that export byte for byte and diff against each other."""

import io
import json
import zipfile

import pytest

from tests.api._export_world import post_import, text_world
from tests.factories import make_project, make_user


@pytest.fixture
def text(client, session):
    return text_world(client, session)


def snap(client, caller, project_id, name, **body):
    return client.post(f"/api/v1/projects/{project_id}/snapshots", json={"name": name, **body}, headers=caller.headers)


def test_create_and_list_with_hash_author_and_counts(client, text):
    owner, *_, project = text
    created = snap(client, owner, project.id, "v1")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["item_count"] == 12 and body["labeled_count"] == 12 and body["author"] == "owner"
    assert len(body["content_hash"]) == 64
    again = snap(client, owner, project.id, "v1-again").json()
    assert again["content_hash"] == body["content_hash"]  # same tasks and labels, same hash
    listed = client.get(f"/api/v1/projects/{project.id}/snapshots", headers=owner.headers).json()
    assert [s["name"] for s in listed] == ["v1", "v1-again"]
    assert snap(client, owner, project.id, "v1").status_code == 409
    assert snap(client, owner, project.id, "").json()["field"] == "name"
    assert snap(client, owner, project.id, "x", source="best").json()["field"] == "source"


@pytest.mark.parametrize("fmt", ["jsonl", "csv-minimal", "conll", "spacy", "parquet", "labelstudio"])
def test_export_is_byte_identical_even_after_labels_change(client, session, text, fmt):
    owner, ann1, ann2, project = text
    snapshot = snap(client, owner, project.id, "v1").json()
    url = f"/api/v1/snapshots/{snapshot['id']}/export"
    first = client.get(url, params={"format": fmt}, headers=owner.headers)
    assert first.status_code == 200, first.text
    post_import(client, owner, project.id, [{"text": "later"}])
    task = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"][0]
    client.post(f"/api/v1/tasks/{task['id']}/annotations", headers=owner.headers,
                json={"result": {"sentiment": "negative"}})
    second = client.get(url, params={"format": fmt}, headers=owner.headers)
    assert second.content == first.content
    zipped = [client.get(url, params={"format": fmt, "split": "true"}, headers=owner.headers).content for _ in range(2)]
    assert zipped[0] == zipped[1]


def test_split_export_of_a_snapshot(client, text):
    owner, *_, project = text
    snapshot = snap(client, owner, project.id, "v1").json()
    response = client.get(f"/api/v1/snapshots/{snapshot['id']}/export", params={"format": "conll", "split": "1,1,1"},
                          headers=owner.headers)
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == ["train.conll", "validation.conll", "test.conll"]


def test_diff_lists_added_removed_and_relabeled(client, session, text):
    owner, *_, project = text
    a = snap(client, owner, project.id, "a").json()
    post_import(client, owner, project.id, [{"text": f"new {i}"} for i in range(3)])
    tasks = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers, params={"limit": 2}).json()["items"]
    response = client.post(f"/api/v1/tasks/{tasks[1]['id']}/annotations", headers=owner.headers,
                           json={"result": {"sentiment": "positive"}})
    assert response.status_code == 201, response.text
    b = snap(client, owner, project.id, "b", source="first").json()
    assert b["content_hash"] != a["content_hash"]
    diff = client.get(f"/api/v1/snapshots/{a['id']}/diff/{b['id']}", headers=owner.headers).json()
    assert diff["counts"]["added"] == 3 and diff["counts"]["removed"] == 0
    assert diff["added"] == sorted(diff["added"]) and len(diff["added"]) == 3
    back = client.get(f"/api/v1/snapshots/{b['id']}/diff/{a['id']}", headers=owner.headers,
                      params={"limit": 2}).json()
    assert back["counts"]["removed"] == 3 and len(back["removed"]) == 2
    rest = client.get(f"/api/v1/snapshots/{b['id']}/diff/{a['id']}", headers=owner.headers,
                      params={"limit": 2, "after": back["next"]["removed"]}).json()
    assert back["removed"] + rest["removed"] == diff["added"]
    assert diff["counts"]["relabeled"] == back["counts"]["relabeled"]


def test_other_projects_and_other_people(client, session, text):
    owner, ann1, ann2, project = text
    a = snap(client, owner, project.id, "a").json()
    other = make_project(session, owner.user, name="other")
    b = snap(client, owner, other.id, "b").json()
    response = client.get(f"/api/v1/snapshots/{a['id']}/diff/{b['id']}", headers=owner.headers)
    assert response.status_code == 422 and response.json()["field"] == "b"
    assert client.get(f"/api/v1/snapshots/{a['id']}/export", headers=ann1.headers).status_code in (403, 404)
    stranger = make_user(session, "stranger")
    assert client.get(f"/api/v1/snapshots/{a['id']}", headers=stranger.headers).status_code == 404
    assert client.get("/api/v1/snapshots/999999/export", headers=owner.headers).status_code == 404
    assert client.get(f"/api/v1/snapshots/{a['id']}/export", params={"format": "nope"},
                      headers=owner.headers).json()["field"] == "format"
    exported = client.get(f"/api/v1/snapshots/{a['id']}/export", headers=owner.headers)
    assert len([json.loads(x) for x in exported.text.splitlines()]) == 12
