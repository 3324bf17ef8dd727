"""Background jobs as rows: queue one, read its progress, list a project's, cancel one, retry one.

A job is queued here (status `queued`) and run by a `JobRunner` (labelwise.core.platform.job_runner) in the
server process or in `labelwise worker` processes, which moves it to `running` and then to
`succeeded`, `failed` (with a message in `error`) or `cancelled`.

Live signals while a job runs (progress, a cancel request) go to the job row on PostgreSQL. On SQLite
they cannot: a running import holds the single write lock until its one commit (imports are all or
nothing), and every other write waits for it. There they go to small files beside the database,
`<data_dir>/jobs/<id>.json` (progress, replaced atomically) and `<id>.cancel`; every process serving a
SQLite file runs on the same machine and reads them there.
"""

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import webhook_outbox
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Conflict
from labelwise.store.models import Job, User

KIND_IMPORT = "import"
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")


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
    params: dict[str, Any] | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    cancel_requested: bool
    worker: str | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def enqueue(session: Session, user: User, project_id: int, *, kind: str, params: dict[str, Any] | None = None,
            total: int | None = None, role: Role = Role.MANAGER) -> Job:
    """Queue a job of `kind` on the project (the user needs `role` there); a runner picks it up."""
    authorize(session, user, project_id, role)
    now = utcnow()
    job = Job(project_id=project_id, kind=kind, status="queued", done=0, total=total, rows=0, params=params,
              attempts=0, cancel_requested=False, created_by=user.id, created_at=now, updated_at=now)
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, user: User, job_id: int, *, progress_dir: Path) -> JobView:
    return view(_authorized(session, user, job_id), progress_dir=progress_dir)


def list_jobs(session: Session, user: User, project_id: int, *, progress_dir: Path, status: str | None = None,
              kind: str | None = None, limit: int = 100) -> list[JobView]:
    """The project's jobs, newest first (managers of the project)."""
    authorize(session, user, project_id, Role.MANAGER)
    stmt = select(Job).where(Job.project_id == project_id)
    if status:
        stmt = stmt.where(Job.status == status)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    jobs = session.scalars(stmt.order_by(Job.id.desc()).limit(max(1, min(limit, 1000))))
    return [view(job, progress_dir=progress_dir) for job in jobs]


def cancel_job(session: Session, user: User, job_id: int, *, progress_dir: Path) -> JobView:
    """Cancel a queued job at once; ask a running one to stop (it stops at its next progress report)."""
    job = _authorized(session, user, job_id)
    if job.status == "queued":
        now = utcnow()
        cancelled = session.execute(
            update(Job).where(Job.id == job.id, Job.status == "queued")
            .values(status="cancelled", finished_at=now, updated_at=now,
                    error={"message": f"cancelled by {user.username} before it started"})
        ).rowcount
        if cancelled:
            session.refresh(job)
            job_finished(session, job)
            session.commit()
            return view(job, progress_dir=progress_dir)
        session.commit()
        session.refresh(job)
    if job.status != "running":
        raise Conflict(f"job {job.id} has already {job.status}; only queued or running jobs can be cancelled")
    if is_sqlite(session):
        _write(cancel_marker(progress_dir, job.id), user.username)
    else:
        session.execute(update(Job).where(Job.id == job.id, Job.status == "running")
                        .values(cancel_requested=True, updated_at=utcnow()))
        session.commit()
        session.refresh(job)
    return view(job, progress_dir=progress_dir)


def retry_job(session: Session, user: User, job_id: int, *, progress_dir: Path) -> JobView:
    """Queue a failed or cancelled job again as a new attempt, with the same parameters."""
    job = _authorized(session, user, job_id)
    retried = session.execute(
        update(Job).where(Job.id == job.id, Job.status.in_(("failed", "cancelled")))
        .values(status="queued", done=0, rows=0, result=None, error=None, cancel_requested=False, worker=None,
                heartbeat_at=None, started_at=None, finished_at=None, updated_at=utcnow())
    ).rowcount
    session.commit()
    session.refresh(job)
    if not retried:
        raise Conflict(f"job {job.id} is {job.status}; only failed or cancelled jobs can be retried")
    clear_signals(progress_dir, job.id)
    return view(job, progress_dir=progress_dir)


def view(job: Job, *, progress_dir: Path) -> JobView:
    done, rows, updated = job.done, job.rows, job.updated_at
    cancel_requested, live = job.cancel_requested, None
    if job.status == "running":
        live = read_progress(progress_dir, job.id)
        if live and live["done"] >= done:
            done, rows, updated = live["done"], live["rows"], datetime.fromisoformat(live["updated_at"])
        cancel_requested = cancel_requested or cancel_marker(progress_dir, job.id).exists()
    total = job.total
    if job.status == "running" and live and live.get("total") is not None:
        total = live["total"]
    if job.status == "succeeded" and total:
        done = total
    progress = min(1.0, done / total) if total else (1.0 if job.status == "succeeded" else None)
    return JobView(job.id, job.project_id, job.kind, job.status, done, total, rows, progress, job.params, job.result,
                   job.error, job.attempts, cancel_requested, job.worker, job.created_by, job.created_at, updated,
                   job.started_at, job.finished_at)


def job_finished(session: Session, job: Job) -> None:
    """Queue the `job.finished` webhook event of a job that has just ended (in the caller's transaction)."""
    webhook_outbox.emit(session, job.project_id, "job.finished",
                        {"job_id": job.id, "kind": job.kind, "status": job.status, "result": job.result,
                         "error": job.error, "attempts": job.attempts,
                         "finished_at": job.finished_at.isoformat() + "Z" if job.finished_at else None})


def count_by_status(session: Session, project_id: int) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).where(Job.project_id == project_id).group_by(Job.status))
    return {status: n for status, n in rows}


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


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def progress_file(progress_dir: Path, job_id: int) -> Path:
    return progress_dir / f"{job_id}.json"


def cancel_marker(progress_dir: Path, job_id: int) -> Path:
    return progress_dir / f"{job_id}.cancel"


def write_progress(progress_dir: Path, job_id: int, *, done: int, rows: int, total: int | None) -> None:
    _write(progress_file(progress_dir, job_id),
           json.dumps({"done": done, "rows": rows, "total": total, "updated_at": utcnow().isoformat()}))


def read_progress(progress_dir: Path, job_id: int) -> dict[str, Any] | None:
    try:
        return json.loads(progress_file(progress_dir, job_id).read_text())
    except (OSError, ValueError):
        return None


def clear_signals(progress_dir: Path, job_id: int) -> None:
    for path in (progress_file(progress_dir, job_id), cancel_marker(progress_dir, job_id)):
        try:
            path.unlink()
        except OSError:
            pass


def _write(path: Path, text: str) -> None:
    """Write atomically; the temporary file is unique, since a job's progress and its cancel marker are written
    from different threads of one process at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    os.replace(temporary, path)


def _authorized(session: Session, user: User, job_id: int) -> Job:
    job = session.get(Job, job_id)
    authorize_row(session, user, job, f"job {job_id}", Role.MANAGER)
    return job
