"""kill -9 of the server in the middle of an import, of labeling, of a snapshot and of an export; then a restart.

Each ends with every acknowledged write present, nothing half-stored (an import is all or nothing, a snapshot
complete or absent), nothing doubled, no job left running, and the server serving.
"""

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from labelwise.store.models import Annotation, Snapshot, SnapshotItem, Task
from tests.factories import add_member, add_tasks, make_project, make_user, texts
from tests.faults.conftest import unique, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]
ROWS = 60_000


def tasks_in(db, project_id: int) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id))


def in_background(call) -> tuple[threading.Thread, dict]:
    """Run `call` in a thread; its answer (or the error the kill caused) lands in the returned dict."""
    outcome: dict = {}

    def run():
        try:
            outcome["response"] = call()
        except httpx.HTTPError as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def jsonl(rows: int) -> bytes:
    return "".join(json.dumps({"text": f"row {i} " + "lorem ipsum " * 6}) + "\n" for i in range(rows)).encode()


@pytest.fixture
def manager(db):
    with db() as session:
        caller = make_user(session, unique("manager"))
        project = make_project(session, caller.user)
        return caller.token, project.id


def test_kill_during_an_import_stores_all_or_nothing(server, db, manager):
    token, project_id = manager
    body = jsonl(ROWS)
    with server.client(token) as http:
        thread, outcome = in_background(lambda: http.post(
            f"/projects/{project_id}/import", content=body, headers={"Content-Type": "application/jsonl"}))
        time.sleep(1.5)
        server.kill()
        thread.join(30)
    assert "response" not in outcome, "the import finished before the kill; nothing was tested (make it bigger)"
    stored = tasks_in(db, project_id)
    assert stored in (0, ROWS)  # ROWS: killed after the commit, before the answer
    server.start()
    with server.client(token) as http:  # and imports again
        assert http.post(f"/projects/{project_id}/import", content=jsonl(10),
                         headers={"Content-Type": "application/jsonl"}).status_code == 201
    assert tasks_in(db, project_id) == stored + 10


def test_kill_during_an_async_import_fails_its_job_which_a_retry_completes(server, db, manager):
    token, project_id = manager
    with server.client(token) as http:
        job = http.post(f"/projects/{project_id}/import", params={"async": "true"}, content=jsonl(ROWS // 3),
                        headers={"Content-Type": "application/jsonl"}).json()
        wait_until(lambda: http.get(f"/jobs/{job['id']}").json()["done"] > 0, what="the import to start")
        server.kill()
    assert tasks_in(db, project_id) == 0
    server.start()
    with server.client(token) as http:
        view = wait_until(lambda: (v := http.get(f"/jobs/{job['id']}").json())["status"] != "running" and v,
                          timeout=30, what="the dead job to be recovered")
        assert view["status"] == "failed" and "stopped" in view["error"]["message"]
        assert http.post(f"/jobs/{job['id']}/retry").status_code == 200  # the upload was kept for this
        wait_until(lambda: http.get(f"/jobs/{job['id']}").json()["status"] == "succeeded", timeout=120,
                   what="the retried import")
    assert tasks_in(db, project_id) == ROWS // 3


def test_kill_during_labeling_keeps_every_acknowledged_annotation(server, db):
    annotators = 16
    with db() as session:
        manager = make_user(session, unique("manager"))
        project = make_project(session, manager.user)
        add_tasks(session, manager.user, project, texts(2000))
        tokens = []
        for i in range(annotators):
            caller = make_user(session, unique(f"annotator{i}"))
            add_member(session, manager.user, project, caller.user)
            tokens.append((caller.user.id, caller.token))
    acknowledged: set[tuple[int, int]] = set()
    stop = threading.Event()

    def label(user_id: int, token: str) -> None:
        with server.client(token, timeout=30) as http:
            while not stop.is_set():
                try:
                    task = http.get(f"/projects/{project.id}/next")
                    if task.status_code != 200:
                        return
                    task_id = task.json()["task"]["id"]
                    if http.post(f"/tasks/{task_id}/annotations",
                                 json={"result": {"sentiment": "positive"}}).status_code == 201:
                        acknowledged.add((task_id, user_id))
                except httpx.HTTPError:
                    return

    with ThreadPoolExecutor(annotators) as pool:
        futures = [pool.submit(label, user_id, token) for user_id, token in tokens]
        wait_until(lambda: len(acknowledged) >= 100, what="annotations to flow")
        server.kill()
        stop.set()
        for future in futures:
            future.result()
    with db() as session:
        stored = set(session.execute(select(Annotation.task_id, Annotation.user_id)
                                     .where(Annotation.project_id == project.id, Annotation.status == "submitted")))
        per_task = Counter(task_id for task_id, _ in stored)
    assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:10]}"
    assert max(per_task.values()) == 1  # overlap 1: no task answered twice
    server.start()
    user_id, token = tokens[0]
    with server.client(token) as http:
        task = http.get(f"/projects/{project.id}/next")
        assert task.status_code == 200
        assert http.post(f"/tasks/{task.json()['task']['id']}/annotations",
                         json={"result": {"sentiment": "negative"}}).status_code == 201


def test_kill_during_a_snapshot_leaves_it_complete_or_absent(server, db, manager):
    token, project_id = manager
    with server.client(token) as http:
        assert http.post(f"/projects/{project_id}/import", content=jsonl(ROWS // 2),
                         headers={"Content-Type": "application/jsonl"}).status_code == 201
        thread, outcome = in_background(lambda: http.post(f"/projects/{project_id}/snapshots", json={"name": "v1"}))
        time.sleep(0.7)
        server.kill()
        thread.join(30)
    assert "response" not in outcome, "the snapshot finished before the kill; nothing was tested (make it bigger)"
    with db() as session:
        for snapshot in session.scalars(select(Snapshot).where(Snapshot.project_id == project_id)):
            items = session.scalar(select(func.count()).select_from(SnapshotItem)
                                   .where(SnapshotItem.snapshot_id == snapshot.id))
            assert snapshot.item_count == items == ROWS // 2 and snapshot.content_hash
    server.start()
    with server.client(token) as http:
        made = http.post(f"/projects/{project_id}/snapshots", json={"name": "v1"})
        assert made.status_code in (201, 409)  # 409: the one before the kill had committed
        assert [s["item_count"] for s in http.get(f"/projects/{project_id}/snapshots").json()] == [ROWS // 2]


def test_kill_during_an_export_and_the_next_export_is_whole(server, db, manager):
    token, project_id = manager
    with server.client(token) as http:
        assert http.post(f"/projects/{project_id}/import", content=jsonl(ROWS // 2),
                         headers={"Content-Type": "application/jsonl"}).status_code == 201
        thread, outcome = in_background(lambda: http.get(f"/projects/{project_id}/export", params={"format": "csv"}))
        time.sleep(0.5)
        server.kill()
        thread.join(30)
    assert "response" not in outcome, "the export finished before the kill; nothing was tested (make it bigger)"
    server.start()
    with server.client(token) as http:
        export = http.get(f"/projects/{project_id}/export", params={"format": "jsonl"})
        assert export.status_code == 200
        assert len(export.text.splitlines()) == ROWS // 2
    assert tasks_in(db, project_id) == ROWS // 2
