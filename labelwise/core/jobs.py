"""Background jobs with progress any server process can read: so far, asynchronous imports.

A job row is created (status `queued`) in the request, then the work runs in a thread of this
process with its own session and sets `running`, progress, and finally `succeeded` (with the import
summary in `result`) or `failed` (with the error, bad rows included, in `error`).

Progress is written after every import batch. On PostgreSQL it goes to the job row through a second
connection. On SQLite that is impossible while the import's own transaction holds the single write
lock (the import is all-or-nothing, so it commits once at the end), so there progress goes to a
small file beside the database, `<data_dir>/jobs/<id>.json`, replaced atomically; every process
serving that SQLite file runs on the same machine and reads it there. Either way `get_job` returns
the current figures.
"""

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from labelwise.core.access import Role, authorize
from labelwise.core.clock import utcnow
from labelwise.core.errors import LabelwiseError, NotFound
from labelwise.store.models import Job, User

log = logging.getLogger(__name__)
KIND_IMPORT = "import"


@dataclass(frozen=True)
class JobView:
    id: int
    project_id: int
    kind: str
    status: str
    done: int
    total: int | None
    rows: int
    progress: float | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def create_job(session: Session, user: User, project_id: int, *, kind: str, total: int | None) -> Job:
    authorize(session, user, project_id, Role.MANAGER)
    now = utcnow()
    job = Job(project_id=project_id, kind=kind, status="queued", done=0, total=total, rows=0, created_by=user.id,
              created_at=now, updated_at=now)
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, user: User, job_id: int, *, progress_dir: Path) -> JobView:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    try:
        authorize(session, user, job.project_id, Role.MANAGER)
    except NotFound:
        raise NotFound(f"job {job_id} not found") from None
    done, rows, updated = job.done, job.rows, job.updated_at
    if job.status == "running":
        live = _read_sidecar(progress_dir, job.id)
        if live and live["done"] >= done:
            done, rows, updated = live["done"], live["rows"], datetime.fromisoformat(live["updated_at"])
    if job.status == "succeeded" and job.total:
        done = job.total
    progress = min(1.0, done / job.total) if job.total else (1.0 if job.status == "succeeded" else None)
    return JobView(job.id, job.project_id, job.kind, job.status, done, job.total, rows, progress, job.result,
                   job.error, job.created_at, updated, job.finished_at)


def run_in_thread(
    factory: sessionmaker[Session],
    job_id: int,
    user_id: int,
    work: Callable[[Session, User, Callable[[int, int], None]], Any],
    *,
    progress_dir: Path,
    cleanup: Callable[[], None] | None = None,
) -> threading.Thread:
    """Run `work(session, user, report)` in a daemon thread; `report(done, rows)` records progress."""
    thread = threading.Thread(target=_run, args=(factory, job_id, user_id, work, progress_dir, cleanup),
                              name=f"labelwise-job-{job_id}", daemon=True)
    thread.start()
    return thread


class TrackedReader:
    """A binary file that remembers how far it has been read, for byte progress."""

    def __init__(self, fp: IO[bytes]) -> None:
        self._fp = fp
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fp.read(size)
        self.position = max(self.position, self._fp.tell())
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self._fp.readline(size)
        self.position = max(self.position, self._fp.tell())
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)


def _run(factory, job_id, user_id, work, progress_dir: Path, cleanup) -> None:
    sqlite = factory.kw["bind"].dialect.name == "sqlite"
    try:
        with factory() as status_session:
            _set(status_session, job_id, status="running")
        with factory() as progress_session, factory() as session:
            user = session.get(User, user_id)

            def report(done: int, rows: int) -> None:
                if sqlite:
                    _write_sidecar(progress_dir, job_id, done, rows)
                else:
                    _set(progress_session, job_id, done=done, rows=rows)

            try:
                result = work(session, user, report)
            except LabelwiseError as exc:
                session.rollback()
                with factory() as status_session:
                    _set(status_session, job_id, status="failed", error=exc.to_dict(), finished_at=utcnow())
                return
            except Exception as exc:  # a bug or a lost database: say so on the job instead of dying silently
                log.exception("job %s failed", job_id)
                session.rollback()
                with factory() as status_session:
                    _set(status_session, job_id, status="failed", finished_at=utcnow(),
                         error={"message": f"the job failed unexpectedly: {type(exc).__name__}: {exc}"})
                return
        with factory() as status_session:
            summary = result.__dict__ if hasattr(result, "__dict__") else dict(result)
            _set(status_session, job_id, status="succeeded", result=json.loads(json.dumps(summary)),
                 rows=summary.get("imported", 0), finished_at=utcnow())
    finally:
        _remove_sidecar(progress_dir, job_id)
        if cleanup is not None:
            cleanup()


def _set(session: Session, job_id: int, **values: Any) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(updated_at=utcnow(), **values))
    session.commit()


def _sidecar(progress_dir: Path, job_id: int) -> Path:
    return progress_dir / f"{job_id}.json"


def _write_sidecar(progress_dir: Path, job_id: int, done: int, rows: int) -> None:
    progress_dir.mkdir(parents=True, exist_ok=True)
    path = _sidecar(progress_dir, job_id)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"done": done, "rows": rows, "updated_at": utcnow().isoformat()}))
    os.replace(temporary, path)


def _read_sidecar(progress_dir: Path, job_id: int) -> dict[str, Any] | None:
    try:
        return json.loads(_sidecar(progress_dir, job_id).read_text())
    except (OSError, ValueError):
        return None


def _remove_sidecar(progress_dir: Path, job_id: int) -> None:
    try:
        _sidecar(progress_dir, job_id).unlink()
    except OSError:
        pass
