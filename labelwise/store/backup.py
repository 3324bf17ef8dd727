"""Database backups: SQLite through its online backup API (safe while the server runs), PostgreSQL through
pg_dump / pg_restore, which this module runs when they are on PATH and otherwise explains."""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    """A backup or restore could not be made; the message says what to do."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def default_target(data_dir: Path, url: str, *, label: str = "backup") -> Path:
    """`<data_dir>/backups/labelwise-<label>-<UTC time>.<db|dump>`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    suffix = ".db" if is_sqlite(url) else ".dump"
    return Path(data_dir) / "backups" / f"labelwise-{label}-{stamp}{suffix}"


def backup(url: str, target: Path) -> Path:
    """Copy the database at `url` to `target` (a new file); returns `target`."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        source = _sqlite_file(url)
        with closing(_connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not on PATH. Back up PostgreSQL with: " + " ".join(pg_dump_command(url, target)))
    _run([pg_dump, *pg_dump_command(url, target)[1:]])
    return target


def restore(url: str, source: Path) -> None:
    """Replace the SQLite database at `url` with the backup `source` (page by page, under SQLite's lock)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not is_sqlite(url):
        raise BackupError("restore PostgreSQL with pg_restore while the server is stopped: "
                          + " ".join(pg_restore_command(url, source)))
    with closing(_connect(source)) as src:
        try:
            tables = {row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database ({exc})") from None
        if "alembic_version" not in tables:
            raise BackupError(f"{source} is not a labelwise database (it has no alembic_version table)")
        with closing(sqlite3.connect(_sqlite_file(url))) as dst:
            src.backup(dst)


def integrity(url: str) -> str:
    """SQLite's `PRAGMA integrity_check` result ('ok' when sound); PostgreSQL checks itself."""
    if not is_sqlite(url):
        return "ok"
    try:
        with closing(_connect(_sqlite_file(url))) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:  # damaged beyond what the check can walk
        return str(exc)
    return "; ".join(str(row[0]) for row in rows)


def pg_dump_command(url: str, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", f"--file={target}", _libpq_url(url)]


def pg_restore_command(url: str, source: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}", str(source)]


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    path = Path(database)
    if not path.is_file():
        raise BackupError(f"no database at {path}")
    return path


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")
