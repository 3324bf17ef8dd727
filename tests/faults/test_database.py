"""PostgreSQL going away mid-load: requests in flight answer 503 with a message, never 500; the server recovers by
itself on the next request; every acknowledged annotation is stored, none twice.

Twice: the shared server dropping every connection of the test's database (pg_terminate_backend), and a
throw-away PostgreSQL the test starts itself (initdb, pg_ctl) restarted under the load.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, select, text

from labelwise.app import create_app
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import Annotation
from labelwise.store.session import make_engine, make_session_factory
from tests.conftest import LiveServer
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
    killed = []
    _label_through(session, live_server, lambda: killed.append(terminate_backends(database_url)), rounds=4)
    assert sum(killed) > 0


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own, in a temporary folder, on a free port."""

    def __init__(self, root) -> None:
        self.bin = _postgres_bin()
        self.data = root / "pgdata"
        self.sockets = root / "sockets"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> "ThrowawayPostgres":
        for folder in (self.data, self.sockets):
            folder.mkdir()
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres", "postgres")
        self._run(f"{self.bin}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "log"), "-o",
                  f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        return self

    def restart(self) -> None:
        # with its log file named again, or the new postmaster would hold our output pipes open
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "log"), "-m", "fast",
                  "restart")

    def stop(self) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")


def _postgres_bin() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(versions[-1]) if versions else None


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    if _postgres_bin() is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed here")
    root = Path(tempfile.mkdtemp(prefix="labelwise-pg-"))  # pytest's folders are closed to the postgres user
    try:
        server = ThrowawayPostgres(root).start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_server_rides_out_its_postgresql_restarting(throwaway_postgres, tmp_path):
    engine = make_engine(throwaway_postgres.url)
    upgrade(engine)
    app = create_app(Settings(data_dir=tmp_path, database_url=throwaway_postgres.url))
    server = LiveServer(app).start()
    try:
        with make_session_factory(engine)() as session:
            _label_through(session, server, throwaway_postgres.restart, rounds=1)
    finally:
        server.stop()
        app.state.engine.dispose()
        engine.dispose()


def _label_through(session, live_server, fault, *, rounds: int) -> None:
    """Six annotators label while `fault` strikes `rounds` times; then check what the issue asks."""
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
    for _ in range(rounds):
        time.sleep(0.7)
        fault()
    time.sleep(0.7)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert statuses[201] > 0, statuses
    print(f"statuses while the database went away: {dict(statuses)}")
    assert set(statuses) <= {200, 201, 503}, statuses  # 503 with a message; never 500 nor a cut-off answer
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=annotators[0].headers, timeout=30) as http:
        assert http.get(f"/projects/{project.id}/next").status_code == 200  # recovered by itself
    with live_server.app.state.session_factory() as check:
        stored = list(check.execute(select(Annotation.task_id, Annotation.user_id)
                                    .where(Annotation.project_id == project.id, Annotation.status == "submitted")))
    assert acknowledged <= set(stored)
    assert max(Counter(task_id for task_id, _ in stored).values()) == 1
