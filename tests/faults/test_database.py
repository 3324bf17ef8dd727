"""PostgreSQL dropping every connection of the server mid-load (pg_terminate_backend on the test's database, as a
restart of the database would): requests in flight answer 503 with a message, never 500; the server recovers by
itself on the next request; every acknowledged annotation is stored, none twice.

(The shared PostgreSQL server is not ours to restart; terminating its backends is what a restart does to us.)
"""

import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import make_url, select, text

from labelwise.store.models import Annotation
from labelwise.store.session import make_engine
from tests.factories import add_member, add_tasks, make_project, make_user, texts

pytestmark = [pytest.mark.faults, pytest.mark.server, pytest.mark.timeout(120)]


def terminate_backends(database_url: str) -> int:
    name = make_url(database_url).database
    engine = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).scalar()
    engine.dispose()
    return killed


def test_the_server_rides_out_its_database_connections_being_dropped(session, live_server, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (set LABELWISE_TEST_DATABASE_URL)")
    manager = make_user(session, "manager")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(3000))
    annotators = [make_user(session, f"annotator{i}") for i in range(6)]
    for annotator in annotators:
        add_member(session, manager.user, project, annotator.user)
    session.close()
    statuses: Counter = Counter()
    acknowledged: set[tuple[int, int]] = set()
    stop = threading.Event()

    def label(caller) -> None:
        with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=caller.headers, timeout=30) as http:
            while not stop.is_set():
                try:
                    task = http.get(f"/projects/{project.id}/next")
                    statuses[task.status_code] += 1
                    if task.status_code != 200:
                        continue
                    task_id = task.json()["task"]["id"]
                    done = http.post(f"/tasks/{task_id}/annotations", json={"result": {"sentiment": "positive"}})
                    statuses[done.status_code] += 1
                    if done.status_code == 201:
                        acknowledged.add((task_id, caller.user.id))
                except httpx.HTTPError as error:  # the server cut the answer off: as bad as a 500
                    statuses[type(error).__name__] += 1

    threads = [threading.Thread(target=label, args=(a,)) for a in annotators]
    for thread in threads:
        thread.start()
    killed = 0
    for _ in range(4):
        time.sleep(0.7)
        killed += terminate_backends(database_url)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert killed > 0
    assert set(statuses) <= {200, 201, 503}, statuses  # 503 with a message; never 500 nor a cut-off answer
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=annotators[0].headers, timeout=30) as http:
        assert http.get(f"/projects/{project.id}/next").status_code == 200  # recovered by itself
    with live_server.app.state.session_factory() as check:
        stored = list(check.execute(select(Annotation.task_id, Annotation.user_id)
                                    .where(Annotation.project_id == project.id, Annotation.status == "submitted")))
    assert acknowledged <= set(stored)
    assert max(Counter(task_id for task_id, _ in stored).values()) == 1
