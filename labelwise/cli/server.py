"""Run the product: `serve` (the default command), `demo`, and `worker` processes for background jobs."""

import os
from typing import Annotated, Optional

import typer

from labelwise.cli._app import app, err, out
from labelwise.cli._shared import DatabaseOption, DataDirOption, open_session, settings_for
from labelwise.settings import Settings
from labelwise.storage import make_storage
from labelwise.store import backup
from labelwise.store.migrate import RevisionState, state, upgrade
from labelwise.store.session import make_engine, make_session_factory


@app.command()
def serve(
    database: Annotated[Optional[str], typer.Argument(help="SQLite file or SQLAlchemy URL.")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes; they share nothing but the database.")] = 1,
    data_dir: DataDirOption = None,
) -> None:
    """Run the web app and API (migrating the database first)."""
    settings = settings_for(database, data_dir)
    _run_server(settings, host=host, port=port, workers=workers)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed the demo and exit.")] = False,
) -> None:
    """Seed a demo user and project into the database every other command uses, then serve it."""
    from labelwise.core.dataio.demo import seed_demo
    from labelwise.storage.factory import make_storage

    settings = settings_for(database, data_dir)
    with open_session(settings, create=True) as session:
        login = seed_demo(session, storage=make_storage(settings))
    out.print(f"Demo ready: http://{host}:{port}/  login [bold]{login.username}[/] / [bold]{login.password}[/]")
    out.print(f"Database: {settings.resolved_database_url} (every labelwise command uses it by default)")
    out.print(f"Project {login.project_id}: http://{host}:{port}/app/projects/{login.project_id}/label")
    if not no_serve:
        _run_server(settings, host=host, port=port, workers=1)


@app.command()
def worker(
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    burst: Annotated[bool, typer.Option("--burst", help="Exit once no queued job is left.")] = False,
) -> None:
    """Run background jobs (imports, pre-labels, ...) and send webhooks until stopped; start as many as you like on PostgreSQL.

    SIGTERM or Ctrl-C lets the running job finish first. On SQLite one runner claims at a time."""
    import signal

    from labelwise.core.job_kinds import default_handlers
    from labelwise.core.platform.job_runner import JobRunner
    from labelwise.core.webhooks.delivery import WebhookDispatcher
    from labelwise.storage import make_storage

    settings = settings_for(database, data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        runner = JobRunner(factory, handlers=default_handlers(), settings=settings, storage=make_storage(settings))
        dispatcher = WebhookDispatcher(factory, settings=settings)
        if burst:
            ran = 0
            while runner.run_once():
                ran += 1
            runner.stop()
            sent = dispatcher.deliver_due()
            dispatcher.stop()
            err.print(f"ran {ran} job(s), attempted {sent} webhook delivery(ies)")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: (runner.request_stop(), dispatcher.request_stop()))
        err.print(f"worker {runner.name}: waiting for jobs ({', '.join(runner.handlers)}) and webhook deliveries")
        dispatcher.start()
        try:
            runner.run_forever()
        finally:
            dispatcher.stop()
    finally:
        engine.dispose()



def _run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    make_storage(settings)  # a misconfigured or missing storage backend is one error line, before anything else
    engine = make_engine(settings.resolved_database_url)
    try:
        revision = state(engine)
        if revision.current is not None and revision.pending:  # an existing database about to change
            _backup_before_migrating(settings, revision)
        upgrade(engine)
    finally:
        engine.dispose()
    # Worker processes build their own app from the environment, so hand the settings over there.
    os.environ["LABELWISE_DATABASE_URL"] = settings.resolved_database_url
    os.environ["LABELWISE_DATA_DIR"] = str(settings.data_dir)
    uvicorn.run("labelwise.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False)


def _backup_before_migrating(settings: Settings, revision: RevisionState) -> None:
    url = settings.resolved_database_url
    target = backup.default_target(settings.data_dir, url, label=f"before-{revision.pending[-1]}")
    try:
        backup.backup(url, target)
    except backup.BackupError as exc:
        if backup.is_sqlite(url):
            raise  # no migration without a way back
        err.print(f"warning: no automatic backup before migrating: {exc}")
        return
    err.print(f"applying {len(revision.pending)} migration(s); backed up the database to {target} first")
