"""A real `labelwise serve` process that a test can kill -9 and start again on the same database and data folder."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from labelwise.store.session import make_engine, make_session_factory
from tests.conftest import BACKENDS



class ServerProcess:
    def __init__(self, database_url: str, data_dir, temp_dir) -> None:
        self.database_url = database_url
        self.env = {**os.environ, "LABELWISE_DATA_DIR": str(data_dir), "TMPDIR": str(temp_dir),
                    # a dead runner's job is recovered after this long without a heartbeat (PostgreSQL)
                    "LABELWISE_JOB_LEASE_SECONDS": "3", "LABELWISE_JOB_HEARTBEAT_SECONDS": "1"}
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "ServerProcess":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "labelwise", "serve", self.database_url, "--port", str(port)],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"server did not start: {self.process.stderr.read().decode()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9: no shutdown, no rollback, no cleanup."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def restart(self) -> "ServerProcess":
        self.kill()
        return self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, token: str, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {token}"},
                            timeout=timeout)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_database_url(request, tmp_path_factory) -> str:
    """One database per test module and backend, shared by its tests (each uses its own names), so that they
    can share one server: starting `labelwise serve` is the slow part of a kill test."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("faults") / "labelwise.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def server(shared_database_url, tmp_path_factory) -> Iterator[ServerProcess]:
    """A server a test may kill; whoever kills it starts it again, and the next test finds it running."""
    root = tmp_path_factory.mktemp("server")
    (root / "data").mkdir()
    (root / "tmp").mkdir()
    process = ServerProcess(shared_database_url, root / "data", root / "tmp").start()
    yield process
    process.stop()


@pytest.fixture
def db(server) -> Iterator:
    """A session factory on the server's database, for setting up and for looking at what was stored."""
    if server.process.poll() is not None:  # an earlier test failed between its kill and its restart
        server.start()
    engine = make_engine(server.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def wait_until(condition, timeout: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
