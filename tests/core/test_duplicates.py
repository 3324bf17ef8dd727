"""Duplicates: exact ones at import (allow, skip, flag), and clusters on demand (exact, near text, near images)."""

import time

import numpy as np
import pytest
from sqlalchemy import select

from labelwise.core.dataio import importing
from labelwise.core.duplicates import duplicates
from labelwise.errors import Forbidden, Invalid
from labelwise.formats.rows import Row
from labelwise.store.models import Task
from tests.factories import add_member, make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, encode, png, scene


def rows(*texts: str) -> list[Row]:
    return [Row(i + 1, {"text": t}) for i, t in enumerate(texts)]


def sentence(seed: int) -> str:
    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), rng.integers(3, 9))) for _ in range(30)]
    return " ".join(words)


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user)


class TestAtImport:
    def test_allow_keeps_every_row(self, session, owner, project):
        summary = importing.import_tasks(session, owner.user, project.id, rows("a", "a", "b"))
        assert summary.imported == 3 and summary.duplicates_skipped == 0

    def test_skip_drops_repeats_within_the_import_and_of_earlier_imports(self, session, owner, project):
        importing.import_tasks(session, owner.user, project.id, rows("a"))
        summary = importing.import_tasks(session, owner.user, project.id, rows("a", "b", "c", "b", "d", "c"),
                                         duplicates="skip", batch_size=2)
        assert summary.imported == 3 and summary.duplicates_skipped == 3
        assert {ex["line"] for ex in summary.duplicate_examples} == {1, 4, 6}
        texts = session.scalars(select(Task.data).where(Task.project_id == project.id).order_by(Task.id)).all()
        assert [d["text"] for d in texts] == ["a", "b", "c", "d"]

    def test_a_batch_of_only_duplicates_is_fine(self, session, owner, project):
        importing.import_tasks(session, owner.user, project.id, rows("a", "b"))
        summary = importing.import_tasks(session, owner.user, project.id, rows("a", "b", "c"), duplicates="skip",
                                         batch_size=2)
        assert summary.imported == 1

    def test_flag_imports_and_counts_and_the_listing_filter_finds_them(self, session, owner, project, client):
        importing.import_tasks(session, owner.user, project.id, rows("a", "x"))
        summary = importing.import_tasks(session, owner.user, project.id, rows("a", "b"), duplicates="flag")
        assert summary.imported == 2 and summary.duplicates_flagged == 1
        clusters = client.get(f"/api/v1/projects/{project.id}/duplicates", headers=owner.headers).json()["clusters"]
        assert [(c["kind"], c["task_ids"]) for c in clusters] == [("exact", [1, 3])]
        listed = client.get(f"/api/v1/projects/{project.id}/tasks", params={"duplicates": "true"},
                            headers=owner.headers).json()["items"]
        assert [t["data"]["text"] for t in listed] == ["a", "a"]
        others = client.get(f"/api/v1/projects/{project.id}/tasks", params={"duplicates": "false"},
                            headers=owner.headers).json()["items"]
        assert [t["data"]["text"] for t in others] == ["x", "b"]

    def test_unknown_mode(self, session, owner, project):
        with pytest.raises(Invalid):
            importing.import_tasks(session, owner.user, project.id, rows("a"), duplicates="drop")


class TestScan:
    def test_exact_and_near_text_clusters(self, session, owner, project):
        base = sentence(1)
        near = base.replace(base.split()[3], "changed", 1)
        far = sentence(2)
        importing.import_tasks(session, owner.user, project.id,
                               rows(base, far, near, base, sentence(3), far.upper(), base))
        result = duplicates.scan(session, owner.user, project.id)
        by_kind = {(c.kind, tuple(c.task_ids)) for c in result.clusters}
        assert ("exact", (1, 4, 7)) in by_kind
        assert ("near_text", (1, 3, 4, 7)) in by_kind
        assert ("near_text", (2, 6)) in by_kind  # case is normalised away: similarity 1, different content
        near_cluster = next(c for c in result.clusters if c.kind == "near_text" and 3 in c.task_ids)
        assert 0.8 <= near_cluster.similarity < 1.0
        assert result.tasks == 7

    def test_threshold_is_configurable(self, session, owner, project):
        base = sentence(1)
        words = base.split()
        somewhat = " ".join(words[:20] + ["other"] * 10)
        importing.import_tasks(session, owner.user, project.id, rows(base, somewhat))
        assert not duplicates.scan(session, owner.user, project.id).clusters
        loose = duplicates.scan(session, owner.user, project.id,
                                options=duplicates.ScanOptions(text_threshold=0.5))
        assert [c.task_ids for c in loose.clusters] == [[1, 2]]

    def test_annotators_may_not_scan(self, session, owner, project):
        annotator = make_user(session, "ann")
        add_member(session, owner.user, project, annotator.user)
        with pytest.raises(Forbidden):
            duplicates.scan(session, annotator.user, project.id)


def scan_job(client, caller, project, body=None):
    """Queue a scan job, wait for it to succeed, and return the stored clusters' first page."""
    queued = client.post(f"/api/v1/projects/{project.id}/duplicates/scan", headers=caller.headers, json=body)
    assert queued.status_code == 202, queued.text
    assert queued.json()["kind"] == "duplicates.scan"
    deadline = time.monotonic() + 30
    while (job := client.get(f"/api/v1/jobs/{queued.json()['id']}", headers=caller.headers).json())["status"] in (
            "queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job["status"] == "succeeded", job["error"]
    assert job["total"] == job["done"] > 0 and job["result"]["clusters"] == sum(job["result"]["by_kind"].values())
    return client.get(f"/api/v1/projects/{project.id}/duplicates", headers=caller.headers).json()


class TestApi:
    def test_scan_then_list_with_kind_filter(self, client, session, owner, project):
        importing.import_tasks(session, owner.user, project.id, rows("same", "same", sentence(4), sentence(5)))
        scanned = scan_job(client, owner, project, {"text_threshold": 0.9})
        [cluster] = scanned["clusters"]
        assert cluster["kind"] == "exact" and cluster["similarity"] == 1.0 and cluster["task_ids"] == [1, 2]
        listed = client.get(f"/api/v1/projects/{project.id}/duplicates", params={"kind": "near_text"},
                            headers=owner.headers).json()
        assert listed["clusters"] == [] and listed["text_threshold"] == 0.9 and listed["tasks"] == 4
        importing.import_tasks(session, owner.user, project.id, rows(sentence(4)))
        stored = client.get(f"/api/v1/projects/{project.id}/duplicates", headers=owner.headers).json()
        assert [c["task_ids"] for c in stored["clusters"]] == [[1, 2]]  # stored: no rescan behind the caller's back
        rescanned = scan_job(client, owner, project)
        assert rescanned["tasks"] == 5 and [c["task_ids"] for c in rescanned["clusters"]] == [[1, 2], [3, 5]]
        assert rescanned["total"] == 2  # replaced, not added to

    def test_permissions(self, client, session, owner, project):
        annotator = make_user(session, "ann")
        stranger = make_user(session, "stranger")
        add_member(session, owner.user, project, annotator.user)
        url = f"/api/v1/projects/{project.id}/duplicates"
        assert client.get(url, headers=annotator.headers).status_code == 403
        assert client.post(url + "/scan", headers=annotator.headers).status_code == 403
        assert client.get(url, headers=stranger.headers).status_code == 404
        assert client.get(url).status_code == 401

    def test_near_duplicate_images_from_stored_media(self, client, session, owner):
        project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
        original = scene(11, (640, 480))
        files = [("a.png", encode(original)), ("a-small.jpg", encode(original.resize((320, 240)), "JPEG", quality=60)),
                 ("b.png", png(12)), ("a-again.png", encode(original))]
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        assert client.post(f"/api/v1/projects/{project.id}/media", files=parts, headers=owner.headers).status_code == 201
        clusters = scan_job(client, owner, project)["clusters"]
        kinds = {c["kind"]: c["task_ids"] for c in clusters}
        assert kinds == {"exact": [1, 4], "near_image": [1, 2, 4]}


def test_the_import_route_takes_the_duplicates_option(client, session, owner, project):
    url = f"/api/v1/projects/{project.id}/import"
    headers = {**owner.headers, "content-type": "application/jsonl"}
    assert client.post(url, content=b'{"text": "a"}\n', headers=headers).status_code == 201
    body = b'{"text": "a"}\n{"text": "b"}\n{"text": "b"}\n'
    skipped = client.post(url, content=body, headers=headers, params={"duplicates": "skip"})
    assert skipped.status_code == 201, skipped.text
    assert skipped.json()["imported"] == 1 and skipped.json()["duplicates_skipped"] == 2
    flagged = client.post(url, content=body, headers=headers, params={"duplicates": "flag"}).json()
    assert flagged["imported"] == 3 and flagged["duplicates_flagged"] == 3
    assert client.post(url, content=body, headers=headers, params={"duplicates": "nope"}).status_code == 422
