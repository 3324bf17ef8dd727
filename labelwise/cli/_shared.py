
"""What every command shares: the database and actor options, opening a session, progress bars."""

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select
from sqlalchemy.engine import make_url

from labelwise.cli._app import err
from labelwise.core.accounts import users
from labelwise.errors import Conflict, Invalid, NotFound
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import User
from labelwise.store.session import make_engine, make_session_factory

DatabaseOption = Annotated[
    Optional[str],
    typer.Option("--database", "-d", help="SQLite file or SQLAlchemy URL; default: LABELWISE_DATABASE_URL or the data dir."),
]
DataDirOption = Annotated[Optional[Path], typer.Option("--data-dir", help="Folder for the database and media.")]
ActorOption = Annotated[
    Optional[str], typer.Option("--as", help="Act as this user (default: the first administrator).")
]


def settings_for(database: str | None = None, data_dir: Path | None = None) -> Settings:
    overrides: dict = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database:
        overrides["database_url"] = database if "://" in database else f"sqlite:///{Path(database).resolve()}"
    return Settings(**overrides)


@contextmanager
def open_session(settings: Settings, *, migrate: bool = True, create: bool = False):
    """A session on the settings' database, migrated first. Only `create` commands (demo, user create) may
    start a new SQLite file; the others stop with an error rather than work on a new, empty database."""
    missing = _missing_sqlite_file(settings.resolved_database_url)
    if missing and not create:
        raise NotFound(f"no database at {missing}; run 'labelwise demo' or 'labelwise user create NAME --admin' "
                       "first, or pass --database")
    engine = make_engine(settings.resolved_database_url)
    try:
        if migrate:
            upgrade(engine)
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _missing_sqlite_file(database_url: str) -> str | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return None if Path(url.database).exists() else url.database


def acting_user(session, username: str | None) -> User:
    if username:
        return users.get_user_by_name(session, username)
    admin = session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    if admin is None:
        raise NotFound("no administrator exists yet; create one with 'labelwise user create NAME --admin'")
    return admin




def run_job_here(settings: Settings, session, user: User, job_id: int, description: str):
    """Run a job this command has just queued, here, and follow it with a progress bar until it ends;
    returns its final view. A runner of a serving process that already holds this SQLite database's
    runner lock (or a worker that claims it first) runs it instead, and this only follows. Ctrl-C asks
    the job to stop and waits for it to say so. A job that does not succeed exits with its message."""
    import threading
    import time

    from rich.progress import MofNCompleteColumn

    from labelwise.core.job_kinds import default_handlers
    from labelwise.core.platform import jobs
    from labelwise.core.platform.job_runner import JobRunner
    from labelwise.storage import make_storage

    progress_dir = settings.data_dir / "jobs"
    runner = JobRunner(make_session_factory(session.get_bind()), handlers=default_handlers(), settings=settings,
                       storage=make_storage(settings), name=None)
    worker = threading.Thread(target=runner.run_job, args=(job_id,), name=f"labelwise-cli-job-{job_id}", daemon=True)
    worker.start()
    view = jobs.get_job(session, user, job_id, progress_dir=progress_dir)
    try:
        with progress_bar(MofNCompleteColumn()) as bar:
            task = bar.add_task(description, total=view.total)
            while True:
                try:
                    while view.status in ("queued", "running"):
                        bar.update(task, completed=view.done, total=view.total)
                        time.sleep(0.1)
                        session.expire_all()
                        view = jobs.get_job(session, user, job_id, progress_dir=progress_dir)
                    break
                except KeyboardInterrupt:
                    err.print(f"job {job_id}: asking it to stop…")
                    try:
                        jobs.cancel_job(session, user, job_id, progress_dir=progress_dir)
                    except Conflict:  # it ended meanwhile
                        pass
    finally:
        worker.join()
        runner.stop()
    if view.status != "succeeded":
        fail(f"job {job_id} ({view.kind}) {view.status}: {(view.error or {}).get('message', '')}")
    return view


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(f"no such {what} file: {path}", field=what) from None
    except UnicodeDecodeError:
        raise Invalid(f"the {what} file {path} is not UTF-8 text", field=what) from None


def progress_bar(counter, *, quiet: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), counter, TimeRemainingColumn(),
        console=err, disable=quiet or not err.is_terminal, transient=True,
    )


class Counted:
    """A `records_for` that counts the records it hands out and reports every thousand."""

    def __init__(self, records_for) -> None:
        self._records_for = records_for
        self.count = 0
        self.report = lambda n: None

    def __call__(self, part):
        for record in self._records_for(part):
            self.count += 1
            if self.count % 1000 == 0:
                self.report(self.count)
            yield record


class Tracked:
    """A binary file wrapper that reports how far reading has got, for the import progress bar."""

    STEP = 1024 * 1024

    def __init__(self, fp, report) -> None:
        self._fp = fp
        self._report = report
        self._reported = 0

    def readline(self, size: int = -1) -> bytes:
        return self._seen(self._fp.readline(size))

    def read(self, size: int = -1) -> bytes:
        return self._seen(self._fp.read(size))

    def _seen(self, data: bytes) -> bytes:
        position = self._fp.tell()
        if position - self._reported >= self.STEP or not data:
            self._reported = position
            self._report(position)
        return data

    def __getattr__(self, name):
        return getattr(self._fp, name)


def job_json(view) -> dict:  # a job's or a backend's view as JSON
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in view.__dict__.items()}


def fail(message: str, *details: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    for line in details:
        print(line, file=sys.stderr)
    sys.exit(1)
