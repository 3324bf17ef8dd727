"""kill -9 of the server while 16 annotators label at overlap 2 through the one-round-trip loop
(submit?next=true), then a restart: every acknowledged answer is stored, every lease the dead server handed out
comes back (to its holder, or to the queue once it expires), the project completes with exactly `overlap`
answers by distinct people on every task, and the answers' follow-ups (consensus, off the write transaction)
are all caught up by the new process."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from labelwise.store.models import Annotation, AnswerFollowup, Assignment, Task
from tests.factories import add_member, add_tasks, make_project, make_user, texts
from tests.faults.conftest import unique, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]
ANNOTATORS = 16
OVERLAP = 2
TASKS = 120
LEASE_SECONDS = 5  # the shortest a project may set: leases the dead server handed out expire soon


def test_kill_mid_load_keeps_acknowledged_answers_and_recovers_every_lease(server, db):
    with db() as session:
        manager = make_user(session, unique("manager"))
        project = make_project(session, manager.user, settings={"overlap": OVERLAP, "lease_seconds": LEASE_SECONDS})
        add_tasks(session, manager.user, project, texts(TASKS))
        people = []
        for i in range(ANNOTATORS):
            caller = make_user(session, unique(f"annotator{i}"))
            add_member(session, manager.user, project, caller.user)
            people.append((caller.user.id, caller.token))
        project_id = project.id
    acknowledged: set[tuple[int, int]] = set()
    statuses: Counter = Counter()
    stop = threading.Event()
    answer = {"result": {"sentiment": "positive"}}

    def label(user_id: int, token: str, *, until_done: bool) -> None:
        with server.client(token, timeout=30) as http:
            task = None
            while not stop.is_set():
                try:
                    if task is None:
                        got = http.get(f"/projects/{project_id}/next")
                        statuses[got.status_code] += 1
                        if got.status_code == 204:
                            if not until_done or complete(db, project_id):
                                return
                            time.sleep(0.5)  # slots held by the dead server's leases come back as they expire
                            continue
                        task = got.json()["task"]["id"]
                    sent = http.post(f"/tasks/{task}/annotations", params={"next": "true"}, json=answer)
                    statuses[sent.status_code] += 1
                    if sent.status_code == 201:
                        acknowledged.add((task, user_id))
                        served = sent.json()["next"]
                        task = served and served["task"]["id"]
                    else:
                        task = None
                except httpx.HTTPError:
                    if not until_done:
                        return
                    task = None

    with ThreadPoolExecutor(ANNOTATORS) as pool:
        futures = [pool.submit(label, user_id, token, until_done=False) for user_id, token in people]
        wait_until(lambda: len(acknowledged) >= TASKS // 2, what="answers to flow")
        server.kill()
        stop.set()
        for future in futures:
            future.result()
    assert not [code for code in statuses if code >= 500], statuses
    stored = submitted(db, project_id)
    assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)[:10]}"
    with db() as session:
        held = session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.project_id == project_id, Assignment.status == "leased"))
    assert held > 0, "no lease was open at the kill; nothing about recovering them was tested"

    # a quarter of the annotators come back; the others' leases must expire and return their slots
    server.start()
    stop.clear()
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(label, user_id, token, until_done=True) for user_id, token in people[:4]]:
            future.result()
    assert not [code for code in statuses if code >= 500], statuses
    stored = submitted(db, project_id)
    assert acknowledged <= stored
    per_task = Counter(task_id for task_id, _ in stored)
    assert len(per_task) == TASKS and set(per_task.values()) == {OVERLAP}, Counter(per_task.values())
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.project_id == project_id, Assignment.status == "leased")) == 0
        assert session.scalar(select(func.max(Task.remaining)).where(Task.project_id == project_id)) == 0
        assert session.scalar(select(func.count()).select_from(Task).where(
            Task.project_id == project_id, Task.annotation_count != OVERLAP)) == 0
    # consensus follows every answer, including those whose follow-up the kill interrupted
    wait_until(lambda: pending(db, project_id) == 0, what="the follow-ups to be caught up")
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Task).where(
            Task.project_id == project_id, Task.consensus.is_(None))) == 0


def submitted(db, project_id: int) -> set[tuple[int, int]]:
    with db() as session:
        return set(session.execute(select(Annotation.task_id, Annotation.user_id).where(
            Annotation.project_id == project_id, Annotation.status == "submitted")))


def complete(db, project_id: int) -> bool:
    with db() as session:
        return not session.scalar(select(func.count()).select_from(Task).where(
            Task.project_id == project_id, Task.annotation_count < OVERLAP))


def pending(db, project_id: int) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(AnswerFollowup)
                              .where(AnswerFollowup.project_id == project_id))
