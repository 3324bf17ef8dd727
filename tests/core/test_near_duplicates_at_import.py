"""Near duplicates at import: MinHash band keys stored per task, flagged into clusters or skipped."""

import pytest
from sqlalchemy import func, select

from labelwise.core.dataio import importing
from labelwise.store.models import DuplicateCluster, DuplicateMember, Task, TaskFingerprint
from tests.core.test_duplicates import rows, sentence
from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, encode, scene


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user)


def near(text: str) -> str:
    words = text.split()
    return " ".join(words[:5] + ["zzz"] + words[6:])


def test_flag_adds_near_text_rows_to_a_cluster_with_the_task_they_repeat(session, owner, project, client):
    base, other = sentence(1), sentence(2)
    importing.import_tasks(session, owner.user, project.id, rows(base, other))  # allow: no fingerprints yet
    assert session.scalar(select(func.count()).select_from(TaskFingerprint)) == 0
    summary = importing.import_tasks(session, owner.user, project.id,
                                     rows(near(base), sentence(3), near(sentence(3)), base), duplicates="flag",
                                     batch_size=2)
    assert summary.imported == 4 and summary.duplicates_flagged == 3 and summary.near_duplicates == 2
    assert session.scalar(select(func.count()).select_from(TaskFingerprint)) == 6  # older tasks backfilled
    clusters = client.get(f"/api/v1/projects/{project.id}/duplicates", headers=owner.headers).json()["clusters"]
    by_kind = sorted((c["kind"], c["task_ids"]) for c in clusters)
    assert by_kind == [("exact", [1, 6]), ("near_text", [1, 3]), ("near_text", [4, 5])]
    near_cluster = next(c for c in clusters if c["task_ids"] == [1, 3])
    assert 0.8 <= near_cluster["similarity"] < 1
    listed = client.get(f"/api/v1/projects/{project.id}/tasks", params={"duplicate_cluster": near_cluster["id"]},
                        headers=owner.headers).json()["items"]
    assert [t["id"] for t in listed] == [1, 3]
    assert {d["kind"] for d in listed[0]["duplicate_of"]} == {"exact", "near_text"}
    detail = client.get("/api/v1/tasks/3", headers=owner.headers).json()
    assert detail["duplicate_of"] == [{"cluster_id": near_cluster["id"], "kind": "near_text",
                                       "similarity": near_cluster["similarity"], "size": 2, "others": [1]}]
    only = client.get(f"/api/v1/projects/{project.id}/tasks", params={"duplicates": "false"},
                      headers=owner.headers).json()["items"]
    assert [t["id"] for t in only] == [2]


def test_skip_leaves_near_text_rows_out(session, owner, project):
    base = sentence(7)
    importing.import_tasks(session, owner.user, project.id, rows(base), duplicates="skip")
    summary = importing.import_tasks(session, owner.user, project.id, rows(near(base), sentence(8)),
                                     duplicates="skip")
    assert summary.imported == 1 and summary.duplicates_skipped == 1 and summary.near_duplicates == 1
    assert session.scalar(select(func.count()).select_from(DuplicateCluster)) == 0
    assert session.scalar(select(func.count()).select_from(Task)) == 2


def test_a_failed_import_leaves_no_fingerprints_or_clusters(session, owner, project):
    base = sentence(9)
    importing.import_tasks(session, owner.user, project.id, rows(base))
    bad = rows(base, near(base)) + [importing.Row(3, ["not an object"])]
    with pytest.raises(importing.ImportRejected):
        importing.import_tasks(session, owner.user, project.id, bad, duplicates="flag", batch_size=1)
    for model in (TaskFingerprint, DuplicateCluster, DuplicateMember):
        assert session.scalar(select(func.count()).select_from(model)) == 0


def test_flag_finds_near_duplicate_images_by_phash(client, session, owner):
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    original = scene(21, (400, 300))
    url = f"/api/v1/projects/{project.id}/media"
    first = [("files", ("a.png", encode(original), "image/png"))]
    assert client.post(url, files=first, headers=owner.headers).status_code == 201
    again = [("files", ("a.jpg", encode(original.resize((200, 150)), "JPEG", quality=70), "image/jpeg")),
             ("files", ("b.png", encode(scene(22, (400, 300))), "image/png"))]
    body = client.post(url, files=again, headers=owner.headers, params={"duplicates": "flag"}).json()
    assert body["imported"] == 2 and body["duplicates_flagged"] == 1 and body["near_duplicates"] == 1
    clusters = client.get(f"/api/v1/projects/{project.id}/duplicates", headers=owner.headers).json()["clusters"]
    assert [(c["kind"], c["task_ids"]) for c in clusters] == [("near_image", [1, 2])]
