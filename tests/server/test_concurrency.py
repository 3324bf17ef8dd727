"""16 annotators against `labelwise serve --workers 4` over real HTTP: nothing lost, nothing doubled.

Nothing the queue relies on may live in one process's memory: the four workers share only the database.
"""

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from labelwise.store.models import Annotation, Task
from tests.factories import add_member, add_tasks, make_project, make_user, texts

pytestmark = pytest.mark.server

ANNOTATORS = 16
TASKS = 1000
OVERLAP = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server_processes(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "LABELWISE_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "labelwise", "serve", database_url, "--workers", "4", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def label_until_empty(url: str, token: str, project_id: int) -> Counter:
    statuses: Counter = Counter()
    with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        while True:
            response = http.get(f"/projects/{project_id}/next")
            statuses[response.status_code] += 1
            if response.status_code != 200:
                return statuses
            task = response.json()["task"]
            label = ["positive", "negative", "neutral"][task["id"] % 3]
            submitted = http.post(f"/tasks/{task['id']}/annotations", json={"result": {"sentiment": label}})
            statuses[submitted.status_code] += 1


def test_sixteen_annotators_four_workers_overlap_two(session, server_processes):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, settings={"overlap": OVERLAP})
    add_tasks(session, manager.user, project, texts(TASKS))
    annotators = [make_user(session, f"annotator{i}") for i in range(ANNOTATORS)]
    for annotator in annotators:
        add_member(session, manager.user, project, annotator.user)

    started = time.monotonic()
    with ThreadPoolExecutor(ANNOTATORS) as pool:
        results = list(pool.map(lambda a: label_until_empty(server_processes, a.token, project.id), annotators))
    elapsed = time.monotonic() - started
    statuses = sum(results, Counter())
    print(f"\n{ANNOTATORS} annotators, {TASKS} tasks x {OVERLAP}: {elapsed:.1f} s, statuses {dict(statuses)}")

    assert set(statuses) <= {200, 201, 204}, statuses
    assert statuses[201] == TASKS * OVERLAP
    assert statuses[204] == ANNOTATORS
    session.expire_all()
    per_task = session.execute(
        select(Annotation.task_id, func.count(), func.count(func.distinct(Annotation.user_id)))
        .where(Annotation.project_id == project.id, Annotation.status == "submitted")
        .group_by(Annotation.task_id)
    ).all()
    assert len(per_task) == TASKS
    assert all(count == OVERLAP and people == OVERLAP for _, count, people in per_task)
    counts = session.scalars(select(Task.annotation_count).where(Task.project_id == project.id)).all()
    assert set(counts) == {OVERLAP}
    remaining = session.scalars(select(Task.remaining).where(Task.project_id == project.id)).all()
    assert set(remaining) == {0}
