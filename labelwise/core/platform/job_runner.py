"""The one runner for all long work: claims queued jobs from the database and runs their kind's handler.

A handler is `handler(ctx: JobContext) -> dict | None`, registered by kind name (see
`labelwise.core.job_kinds`). It reports progress with `ctx.progress(done, total=..., rows=...)`, which
raises `Cancelled` once someone has asked the job to stop; raising a `LabelwiseError` fails the job with
that message; any other exception fails it with its type and text. What it returns becomes `result`.

Claiming is safe with any number of runners on PostgreSQL (`SELECT ... FOR UPDATE SKIP LOCKED`, then a
conditional UPDATE). On SQLite exactly one runner per database claims: it holds an exclusive lock on
`<data_dir>/jobs/runner.lock`, and the others wait for that lock (the operating system frees it when
its holder dies). While a job runs on PostgreSQL a heartbeat thread refreshes `heartbeat_at` and picks
up cancel requests; a `running` job whose heartbeat is older than the lease belongs to a dead process
and is marked failed by the next runner that looks (at start-up and then every lease). On SQLite the
lock is the heartbeat: whoever gets it knows every `running` job was left by a dead process.
"""

import fcntl
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from labelwise.core.platform import jobs
from labelwise.core.platform.clock import utcnow
from labelwise.errors import LabelwiseError
from labelwise.store.models import Job, User

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised from `JobContext.progress` when the job has been asked to stop."""


@dataclass
class JobContext:
    """What a handler gets: its job's parameters, a working session, the creator, and progress reporting."""

    job_id: int
    project_id: int
    kind: str
    params: dict[str, Any]
    attempt: int
    session: Session
    user: User | None
    session_factory: sessionmaker[Session]
    settings: Any
    storage: Any
    _report: Callable[[int, int | None, int | None], None] = field(repr=False)
    _cancelled: Callable[[], bool] = field(repr=False)

    def progress(self, done: int, *, total: int | None = None, rows: int | None = None) -> None:
        """Record progress (`done` of `total` units, `rows` written); raise `Cancelled` if asked to stop."""
        self._report(done, total, rows)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self._cancelled():
            raise Cancelled()


Handler = Callable[[JobContext], dict[str, Any] | None]


class JobRunner:
    """Claims and runs jobs one at a time; `start()` runs it in a daemon thread, `run_once()` in the caller."""

    def __init__(self, factory: sessionmaker[Session], *, handlers: dict[str, Handler], settings: Any, storage: Any,
                 name: str | None = None) -> None:
        self.factory = factory
        self.handlers = handlers
        self.settings = settings
        self.storage = storage
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.progress_dir = Path(settings.data_dir) / "jobs"
        self.sqlite = factory.kw["bind"].dialect.name == "sqlite"
        self.poll_seconds = settings.job_poll_seconds
        self.heartbeat_seconds = settings.job_heartbeat_seconds
        self.lease = timedelta(seconds=settings.job_lease_seconds)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: Any = None
        self._last_recovery: float | None = None

    # -- the loop ---------------------------------------------------------------------------------------

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run_forever, name=f"labelwise-jobs-{self.name}", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10) -> None:
        """Ask the loop to end after the job it is running (if any), and wait for it."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self._release_lock()

    def request_stop(self) -> None:
        """Ask the loop to end after the job it is running; safe from a signal handler."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Look for work now instead of at the next poll (called after a job is queued in this process)."""
        self._wake.set()

    def run_forever(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    ran = self.run_once()
                except Exception:  # a lost database must not kill the runner; try again after a pause
                    log.exception("job runner %s: claiming failed", self.name)
                    ran = False
                if not ran:
                    self._wake.wait(self.poll_seconds)
                    self._wake.clear()
        finally:
            self._release_lock()

    def run_once(self) -> bool:
        """Recover dead jobs when due, then claim and run one job; False when there was nothing to do."""
        if not self.is_claimer():
            return False
        if self._last_recovery is None or time.monotonic() - self._last_recovery >= self.lease.total_seconds():
            self.recover()
        job = self.claim()
        if job is None:
            return False
        self.execute(job)
        return True

    def run_job(self, job_id: int) -> bool:
        """Claim and run this one job now, in the caller (the CLI runs what it queued this way); False when
        another runner holds the SQLite lock or has already claimed it (then that runner runs it)."""
        if not self.is_claimer():
            return False
        job = self.claim(job_id=job_id)
        if job is None:
            return False
        self.execute(job)
        return True

    # -- claiming ---------------------------------------------------------------------------------------

    def is_claimer(self) -> bool:
        """On SQLite only the holder of the runner lock claims; taking the lock recovers left-over jobs."""
        if not self.sqlite or self._lock_file is not None:
            return True
        self.progress_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.progress_dir / "runner.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        self.recover(everything_running=True)
        return True

    def claim(self, *, job_id: int | None = None) -> Job | None:
        """Claim the oldest queued job of a kind this runner has (or exactly `job_id`, if still queued)."""
        kinds = list(self.handlers)
        now = utcnow()
        values = {"status": "running", "attempts": Job.attempts + 1, "worker": self.name, "heartbeat_at": now,
                  "started_at": now, "updated_at": now, "cancel_requested": False}
        with self.factory() as session:
            pick = select(Job.id).where(Job.status == "queued", Job.kind.in_(kinds)).order_by(Job.id).limit(1)
            if job_id is not None:
                pick = pick.where(Job.id == job_id)
            if self.sqlite:
                # One statement, so no other writer can slip between the choice and the claim.
                claimed = session.scalar(update(Job).where(Job.id == pick.scalar_subquery(), Job.status == "queued")
                                        .values(**values).returning(Job.id))
            else:
                claimed = session.scalar(pick.with_for_update(skip_locked=True))
                if claimed is not None:
                    session.execute(update(Job).where(Job.id == claimed).values(**values))
            session.commit()
            if claimed is None:
                return None
            job = session.get(Job, claimed)
            session.expunge(job)
            return job

    def recover(self, *, everything_running: bool = False) -> int:
        """Mark failed the `running` jobs whose process died: heartbeat older than the lease (or, for the
        SQLite lock holder, every running job). Returns how many."""
        self._last_recovery = time.monotonic()
        now = utcnow()
        conditions = [Job.status == "running"]
        if not everything_running:
            conditions.append(or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - self.lease))
        with self.factory() as session:
            ids = list(session.scalars(select(Job.id).where(*conditions)))
            if not ids:
                return 0
            message = ("the process running this job stopped before it finished (no heartbeat since its lease "
                       "expired); retry it to run it again")
            count = session.execute(
                update(Job).where(*conditions, Job.id.in_(ids)).values(status="failed", finished_at=now, updated_at=now,
                                                   error={"message": message})
            ).rowcount
            for job in session.scalars(select(Job).where(Job.id.in_(ids), Job.status == "failed",
                                                         Job.finished_at == now)):
                jobs.job_finished(session, job)
            session.commit()
        for job_id in ids:
            jobs.clear_signals(self.progress_dir, job_id)
        if count:
            log.warning("job runner %s: marked %d abandoned job(s) failed: %s", self.name, count, ids)
        return count

    # -- running ----------------------------------------------------------------------------------------

    def execute(self, job: Job) -> None:
        handler = self.handlers[job.kind]  # claim() takes only kinds this runner has
        live = _Live(self, job.id)
        live.start()
        try:
            with self.factory() as session:
                user = session.get(User, job.created_by) if job.created_by is not None else None
                ctx = JobContext(job.id, job.project_id, job.kind, dict(job.params or {}), job.attempts, session, user,
                                 self.factory, self.settings, self.storage, live.report, live.cancelled)
                try:
                    ctx.check_cancelled()
                    result = handler(ctx)
                except Cancelled:
                    session.rollback()
                    self._finish(job.id, status="cancelled", error={"message": "cancelled while running; what it had not "
                                                                               "committed yet was rolled back"})
                except LabelwiseError as exc:
                    session.rollback()
                    self._finish(job.id, status="failed", error=exc.to_dict())
                except Exception as exc:  # a bug or a lost database: say so on the job instead of dying silently
                    log.exception("job %s (%s) failed", job.id, job.kind)
                    session.rollback()
                    self._finish(job.id, status="failed",
                                 error={"message": f"the job failed unexpectedly: {type(exc).__name__}: {exc}"})
                else:
                    summary = json.loads(json.dumps(result or {}, default=str))
                    done, rows, total = live.figures()
                    self._finish(job.id, status="succeeded", result=summary, done=done, rows=rows, total=total)
        finally:
            live.stop()
            jobs.clear_signals(self.progress_dir, job.id)

    def _finish(self, job_id: int, *, status: str, **values: Any) -> None:
        now = utcnow()
        with self.factory() as session:
            # Only while it is still ours: a runner that lost its lease must not overwrite the recovery.
            finished = session.execute(
                update(Job).where(Job.id == job_id, Job.status == "running", Job.worker == self.name)
                .values(status=status, finished_at=now, updated_at=now, heartbeat_at=now,
                        **{k: v for k, v in values.items() if v is not None})
            ).rowcount
            if finished:
                jobs.job_finished(session, session.get(Job, job_id))
            session.commit()

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            finally:
                self._lock_file.close()
                self._lock_file = None


class _Live:
    """A running job's progress and cancel signals, and (on PostgreSQL) its heartbeat thread."""

    def __init__(self, runner: JobRunner, job_id: int) -> None:
        self.runner = runner
        self.job_id = job_id
        self.done, self.rows, self.total = 0, 0, None
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._dirty = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.runner.sqlite:
            self._thread = threading.Thread(target=self._beat, name=f"labelwise-job-{self.job_id}-heartbeat",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def figures(self) -> tuple[int, int, int | None]:
        return self.done, self.rows, self.total

    def report(self, done: int, total: int | None, rows: int | None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if rows is not None:
            self.rows = rows
        if self.runner.sqlite:
            jobs.write_progress(self.runner.progress_dir, self.job_id, done=self.done, rows=self.rows, total=self.total)
        else:
            self._dirty.set()  # the heartbeat thread writes it within half a second

    def cancelled(self) -> bool:
        if self.runner.sqlite:
            return jobs.cancel_marker(self.runner.progress_dir, self.job_id).exists()
        return self._cancel.is_set()

    def _beat(self) -> None:
        """Every half second: write new progress and look for a cancel request; every heartbeat: beat."""
        last_beat = time.monotonic()
        while not self._stop.wait(min(0.5, self.runner.heartbeat_seconds)):
            beat = time.monotonic() - last_beat >= self.runner.heartbeat_seconds
            try:
                self._write_row(beat=beat)
            except Exception:  # the database blinked; the next round tries again
                log.exception("job %s: heartbeat failed", self.job_id)
                continue
            if beat:
                last_beat = time.monotonic()

    def _write_row(self, *, beat: bool) -> None:
        values: dict[str, Any] = {}
        if self._dirty.is_set():
            self._dirty.clear()
            values.update(done=self.done, rows=self.rows, updated_at=utcnow())
            if self.total is not None:
                values["total"] = self.total
        if beat:
            values["heartbeat_at"] = utcnow()
        with self.runner.factory() as session:
            if values:
                session.execute(update(Job).where(Job.id == self.job_id, Job.worker == self.runner.name)
                                .values(**values))
            if session.scalar(select(Job.cancel_requested).where(Job.id == self.job_id)):
                self._cancel.set()
            session.commit()
