"""The audit log: filters, keyset paging and the streamed export."""

import csv
import io
import json

import pytest

from tests.api._export_world import text_world
from tests.factories import make_user


@pytest.fixture
def world(client, session):
    owner, ann1, ann2, project = text_world(client, session)
    client.post(f"/api/v1/projects/{project.id}/members", headers=owner.headers,
                json={"username": "ann2", "role": "reviewer"})
    client.patch(f"/api/v1/projects/{project.id}", headers=owner.headers, json={"guidelines": "Be kind."})
    return owner, ann1, ann2, project


def events(client, caller, project_id, **params):
    response = client.get(f"/api/v1/projects/{project_id}/events", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_filters_and_keyset_paging(client, world):
    owner, ann1, ann2, project = world
    everything = events(client, owner, project.id)
    actions = [e["action"] for e in everything]
    assert "tasks.imported" in actions and any(a.startswith("member") for a in actions)
    assert all(e["actor"] == "owner" for e in everything)
    imported = events(client, owner, project.id, action="tasks.imported")
    assert len(imported) == 1 and imported[0]["after"]["annotations"] == 16
    members = events(client, owner, project.id, action="member*")
    assert members and all(e["action"].startswith("member") for e in members)
    assert events(client, owner, project.id, actor="owner") == everything
    assert events(client, owner, project.id, actor=str(owner.user.id)) == everything
    assert events(client, owner, project.id, object_type="project", object_id=str(project.id))
    assert events(client, owner, project.id, since="2999-01-01") == []
    assert events(client, owner, project.id, until="2999-01-01T00:00:00Z") == everything
    page1 = events(client, owner, project.id, limit=2)
    page2 = events(client, owner, project.id, limit=2, after=page1[-1]["id"])
    assert [e["id"] for e in page1 + page2] == [e["id"] for e in everything[:4]]


@pytest.mark.parametrize("params, field", [({"since": "last week"}, "since"), ({"until": "2024-99-01"}, "until"),
                                           ({"actor": "ghost"}, "actor"),
                                           ({"since": "2024-02-01", "until": "2024-01-01"}, "since")])
def test_bad_filters_name_the_field(client, world, params, field):
    owner, *_, project = world
    for path in ("events", "events/export"):
        response = client.get(f"/api/v1/projects/{project.id}/{path}", params=params, headers=owner.headers)
        assert response.status_code == 422 and response.json()["field"] == field


def test_export_jsonl_and_csv(client, session, world):
    owner, ann1, ann2, project = world
    everything = events(client, owner, project.id)
    lines = client.get(f"/api/v1/projects/{project.id}/events/export", headers=owner.headers).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [e["id"] for e in everything]
    table = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/projects/{project.id}/events/export",
                                                       params={"format": "csv", "action": "tasks.imported"},
                                                       headers=owner.headers).text)))
    assert len(table) == 1 and table[0]["actor"] == "owner" and json.loads(table[0]["after"])["imported"] == 12
    assert client.get(f"/api/v1/projects/{project.id}/events/export", headers=ann1.headers).status_code == 403
    stranger = make_user(session, "stranger")
    assert client.get(f"/api/v1/projects/{project.id}/events/export", headers=stranger.headers).status_code == 404


def test_snapshots_are_audited(client, world):
    owner, *_, project = world
    client.post(f"/api/v1/projects/{project.id}/snapshots", json={"name": "v1"}, headers=owner.headers)
    [event] = events(client, owner, project.id, action="snapshot.created")
    assert event["after"]["items"] == 12 and len(event["after"]["content_hash"]) == 64
