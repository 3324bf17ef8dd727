"""Engine and session factory for SQLite (the embedded default) and PostgreSQL."""

import json
import threading
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Keep non-ASCII text readable in the stored JSON, so substring search matches what people type.
_json_serializer = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets WAL, a long busy timeout and foreign keys, so that several
    server processes can share one file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=_json_serializer
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        json_serializer=_json_serializer,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    _install_write_gate(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _install_write_gate(engine: Engine) -> None:
    """Let one thread per process write at a time; the others wait on a Python lock.

    SQLite allows one writer. A second writer from the same process would otherwise be parked by SQLite's
    busy handler, which sleeps in steps of up to 100 ms however soon the lock frees: under 16 concurrent
    annotators that sleeping, not the work, made the slowest requests. The gate is taken at the first write
    of a transaction and let go when the connection returns to the pool (after commit or rollback).
    """
    gate = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if conn.info.get("write_gate") or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if not gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise TimeoutError("the database stayed busy with other writes for too long; try again")
        conn.info["write_gate"] = True

    @event.listens_for(engine.pool, "checkin")
    def _release(_dbapi_connection, record) -> None:
        if record is not None and record.info.pop("write_gate", False):
            gate.release()
