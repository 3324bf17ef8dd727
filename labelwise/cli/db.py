"""`labelwise db`: migrate, back up, restore and check the database."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from labelwise.cli._app import out
from labelwise.cli._shared import DatabaseOption, DataDirOption, fail, settings_for
from labelwise.settings import Settings
from labelwise.store import backup
from labelwise.store.migrate import RevisionState, state, upgrade
from labelwise.store.session import make_engine

db_app = typer.Typer(help="Database maintenance.")


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Apply all database migrations."""
    settings = settings_for(database, data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    out.print("database is up to date")


@db_app.command("backup")
def db_backup(
    to: Annotated[Optional[Path], typer.Option("--to", help="The backup file; default: <data dir>/backups/"
                                               "labelwise-backup-<UTC time>.db (PostgreSQL: .dump).")] = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Copy the database to a file, safely while the server runs (SQLite's online backup API; PostgreSQL: pg_dump)."""
    settings = settings_for(database, data_dir)
    url = settings.resolved_database_url
    target = backup.backup(url, to or backup.default_target(settings.data_dir, url))
    out.print(f"backed up to {target}")


@db_app.command("restore")
def db_restore(
    source: Annotated[Path, typer.Argument(help="A file written by 'labelwise db backup'.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking.")] = False,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Replace the SQLite database with a backup (stop the server first); for PostgreSQL print the pg_restore command."""
    settings = settings_for(database, data_dir)
    url = settings.resolved_database_url
    if not backup.is_sqlite(url):
        out.print("Stop the server, then restore with:\n  " + " ".join(backup.pg_restore_command(url, source)))
        return
    if not yes:
        typer.confirm(f"Replace {url} with {source}?", abort=True)
    backup.restore(url, source)
    engine = make_engine(url)
    try:
        revision = state(engine)
    finally:
        engine.dispose()
    note = f"; {len(revision.pending)} migration(s) will be applied at the next start" if revision.pending else ""
    out.print(f"restored {source} (revision {revision.current}){note}")


@db_app.command("current")
def db_current(database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Print the database's migration revision and whether migrations are pending."""
    revision = _revision_state(settings_for(database, data_dir))
    pending = f"{len(revision.pending)} migration(s) pending" if revision.pending else "up to date"
    print(f"{revision.current or 'empty'} (code's newest: {revision.head}; {pending})")


@db_app.command("check")
def db_check(database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Check the database: migrations applied and (SQLite) its integrity. Exits 1 when something needs doing."""
    settings = settings_for(database, data_dir)
    result = backup.integrity(settings.resolved_database_url)
    if result != "ok":
        fail(f"the database is damaged: {result}; restore a backup with 'labelwise db restore'")
    revision = _revision_state(settings)
    if revision.pending:
        fail(f"{len(revision.pending)} migration(s) pending ({', '.join(revision.pending)}); "
              "run 'labelwise db upgrade'")
    out.print(f"database ok (revision {revision.current})")


def _revision_state(settings: Settings) -> RevisionState:
    engine = make_engine(settings.resolved_database_url)
    try:
        return state(engine)
    finally:
        engine.dispose()
