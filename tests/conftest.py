"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured), the app and clients.

Set LABELWISE_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres) to run every
database test on PostgreSQL too; the suite creates its own database there and drops it at the end.
"""

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from labelwise.app import create_app
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import Base
from labelwise.store.session import make_engine

PG_URL = os.environ.get("LABELWISE_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def _synchronous_followups():
    """Consensus, dynamic overlap and gold standing follow each answer at once (core.labeling.answer_hooks),
    so tests read them right after the answer; tests of the deferred catch-up switch this off."""
    from labelwise.core.labeling import answer_hooks

    answer_hooks.synchronous = True
    yield
    answer_hooks.synchronous = True


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2 at its production cost takes ~0.25 s a hash; tests create many users."""
    from argon2 import PasswordHasher

    from labelwise.core.accounts import security

    production = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = production
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("LABELWISE_TEST_DATABASE_URL is not set")
    name = f"labelwise_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """One migrated SQLite file; each test gets a copy, which is much faster than migrating again."""
    path = tmp_path_factory.mktemp("template") / "labelwise.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "labelwise.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as connection:
        _empty(connection)
    engine.dispose()
    return url


def _empty(connection) -> None:
    """Every table emptied, children first, and every sequence back at 1. On tables holding a test's few rows
    DELETE takes milliseconds where TRUNCATE of ~40 tables takes 0.3-2 s (it swaps each table's files)."""
    names = [table.name for table in reversed(Base.metadata.sorted_tables)]
    connection.execute(text("; ".join(f'DELETE FROM "{name}"' for name in names)))
    connection.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, lease_seconds=600)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture
def session(app):
    with app.state.session_factory() as session:
        yield session


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


class LiveServer:
    """A real uvicorn server on a free port, in a background thread of this process."""

    def __init__(self, app) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> "LiveServer":
        import time

        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID provider (node-oidc-provider) on a free port for the whole run; see tests/oidc/provider.py."""
    import tempfile
    from pathlib import Path

    from tests.oidc.provider import SCRIPT, OidcProvider, install

    root = install()
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=root))  # inside it, so node finds node_modules
    shutil.copy(SCRIPT, workdir / "provider.mjs")
    accounts = workdir / "accounts.json"
    accounts.write_text("{}")
    provider = OidcProvider(workdir, accounts).start()
    yield provider
    provider.stop()
    shutil.rmtree(workdir, ignore_errors=True)
