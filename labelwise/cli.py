"""The `labelwise` command. Each command parses its options, calls `labelwise.core`, and prints.

`labelwise [DATABASE]` with no command runs `serve`. Mistakes print one `error:` line and exit 1.
"""

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from labelwise.core import importing, projects, users
from labelwise.core.errors import ImportRejected, Invalid, LabelwiseError, NotFound
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import User
from labelwise.store.session import make_engine, make_session_factory

app = typer.Typer(
    help="labelwise: self-hosted data labeling.", add_completion=False, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database maintenance.")
user_app = typer.Typer(help="Users and API tokens.")
project_app = typer.Typer(help="Projects.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(project_app, name="project")

err = Console(stderr=True)
out = Console()

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
def open_session(settings: Settings, *, migrate: bool = True):
    engine = make_engine(settings.resolved_database_url)
    try:
        if migrate:
            upgrade(engine)
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def acting_user(session, username: str | None) -> User:
    if username:
        return users.get_user_by_name(session, username)
    admin = session.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
    if admin is None:
        raise NotFound("no administrator exists yet; create one with 'labelwise user create NAME --admin'")
    return admin


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
    data_dir: DataDirOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed the demo and exit.")] = False,
) -> None:
    """Seed a demo project on SQLite in the data dir, then serve it."""
    from labelwise.core.demo import seed_demo

    base = settings_for(None, data_dir)
    settings = base.model_copy(update={"database_url": f"sqlite:///{base.data_dir / 'demo.db'}"})
    with open_session(settings) as session:
        login = seed_demo(session)
    out.print(f"Demo ready: http://{host}:{port}/  login [bold]{login.username}[/] / [bold]{login.password}[/]")
    out.print(f"Project {login.project_id}: http://{host}:{port}/app/projects/{login.project_id}/label")
    if not no_serve:
        _run_server(settings, host=host, port=port, workers=1)


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


@user_app.command("create")
def user_create(
    username: str,
    password: Annotated[
        Optional[str], typer.Option(help="Password; asked for when missing.", envvar="LABELWISE_NEW_PASSWORD")
    ] = None,
    email: Annotated[Optional[str], typer.Option(help="E-mail address.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session(settings_for(database, data_dir)) as session:
        user = users.create_user(session, username=username, password=password, email=email, is_admin=admin)
    out.print(f"created user {user.username} (id {user.id}{', admin' if admin else ''})")


@user_app.command("token")
def user_token(
    username: str,
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API token for a user and print it (shown once)."""
    with open_session(settings_for(database, data_dir)) as session:
        user = users.get_user_by_name(session, username)
        _, secret = users.issue_token(session, user, name=name)
    print(secret)


@project_app.command("create")
def project_create(
    name: str,
    schema: Annotated[Path, typer.Option("--schema", help="Label schema file (YAML or JSON).")],
    guidelines: Annotated[Optional[Path], typer.Option(help="Guidelines file (Markdown).")] = None,
    overlap: Annotated[int, typer.Option(min=1, help="Annotators per task.")] = 1,
    routing: Annotated[str, typer.Option(help="sequential, random, active_learning or uncertainty.")] = "sequential",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a project from a schema file."""
    source = _read_text(schema, "schema")
    notes = _read_text(guidelines, "guidelines") if guidelines else ""
    with open_session(settings_for(database, data_dir)) as session:
        project = projects.create_project(
            session, acting_user(session, actor), name=name, label_schema=source, guidelines=notes,
            settings={"overlap": overlap, "routing": routing},
        )
    out.print(f"created project {project.id}: {project.name}")


@app.command("import")
def import_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="JSON, JSONL, CSV or TSV file.")],
    format: Annotated[Optional[str], typer.Option(help="json, jsonl, csv or tsv; default: from the extension.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import tasks from a file (all or nothing)."""
    from labelwise.formats.registry import import_format, read_rows

    if not path.is_file():
        raise Invalid(f"no such file: {path}", field="path")
    fmt = import_format(name=format, filename=path.name)
    settings = settings_for(database, data_dir)
    with open_session(settings) as session, path.open("rb") as fp, _progress(DownloadColumn()) as progress:
        bar = progress.add_task(f"importing {path.name}", total=path.stat().st_size)
        rows = read_rows(_Tracked(fp, lambda n: progress.update(bar, completed=n)), fmt,
                         max_line_bytes=settings.max_line_bytes)
        summary = importing.import_tasks(
            session, acting_user(session, actor), project_id, rows, batch_size=settings.import_batch_size,
            max_errors=settings.max_import_errors,
        )
    out.print(f"imported {summary.imported} tasks ({summary.predictions} predictions, {summary.gold} gold)")


@app.command("export")
def export_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="Output file ('-' for standard output).")],
    format: Annotated[str, typer.Option(help="jsonl or csv.")] = "jsonl",
    include_predictions: Annotated[bool, typer.Option(help="Add model predictions.")] = False,
    only_labeled: Annotated[bool, typer.Option(help="Leave out tasks without annotations.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export tasks with their annotations."""
    from labelwise.core.exporting import ExportOptions, authorize_export, flat_record, iter_records
    from labelwise.core.stats import project_stats
    from labelwise.formats import delimited, jsonl

    if format not in ("jsonl", "csv"):
        raise Invalid(f"unknown export format '{format}'; expected jsonl or csv", field="format")
    options = ExportOptions(include_predictions=include_predictions, only_labeled=only_labeled)
    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        authorize_export(session, user, project_id)
        total = project_stats(session, user, project_id).tasks
        stream = sys.stdout if str(path) == "-" else path.open("w", encoding="utf-8", newline="")
        try:
            with _progress(MofNCompleteColumn(), quiet=stream is sys.stdout) as progress:
                bar = progress.add_task("exporting", total=total)
                writer = None
                for count, record in enumerate(iter_records(session, project_id, options), start=1):
                    if format == "csv":
                        row = flat_record(record)
                        writer = writer or delimited.RowWriter(stream, list(row))
                        writer.write(row)
                    else:
                        stream.write(jsonl.dumps(record) + "\n")
                    if count % 1000 == 0:
                        progress.update(bar, completed=count)
                progress.update(bar, completed=total)
        finally:
            if stream is not sys.stdout:
                stream.close()
    if str(path) != "-":
        out.print(f"exported {total} tasks to {path}")


@app.command()
def stats(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a project's progress as JSON."""
    from dataclasses import asdict

    from labelwise.core.stats import project_stats

    with open_session(settings_for(database, data_dir)) as session:
        result = project_stats(session, acting_user(session, actor), project_id)
    print(json.dumps(asdict(result), indent=2))


def main() -> None:
    """Entry point: `serve` is the default command, and user mistakes never print a traceback."""
    args = sys.argv[1:]
    commands = {"serve", "demo", "db", "user", "project", "import", "export", "stats"}
    if not args or (args[0] not in commands and not args[0].startswith("-")):
        args = ["serve", *args]
    try:
        app(args=args, prog_name="labelwise")
    except ImportRejected as exc:
        _fail(exc.message, *(f"  {error.message}" for error in exc.errors))
    except LabelwiseError as exc:
        _fail(exc.message)
    except OperationalError as exc:
        _fail(f"cannot use the database: {exc.orig}")


def _fail(message: str, *details: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    for line in details:
        print(line, file=sys.stderr)
    sys.exit(1)


def _run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # Worker processes build their own app from the environment, so hand the settings over there.
    os.environ["LABELWISE_DATABASE_URL"] = settings.resolved_database_url
    os.environ["LABELWISE_DATA_DIR"] = str(settings.data_dir)
    uvicorn.run("labelwise.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(f"no such {what} file: {path}", field=what) from None
    except UnicodeDecodeError:
        raise Invalid(f"the {what} file {path} is not UTF-8 text", field=what) from None


def _progress(counter, *, quiet: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), counter, TimeRemainingColumn(),
        console=err, disable=quiet or not err.is_terminal, transient=True,
    )


class _Tracked:
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
