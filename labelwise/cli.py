# Over 400 lines: the whole typer command tree, each command a thin wrapper; split per sub-app into a cli/ package when it grows on.
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
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from labelwise.core.accounts import users
from labelwise.core.dataio import importing
from labelwise.core.projects import projects
from labelwise.errors import ImportRejected, Invalid, LabelwiseError, NotFound
from labelwise.schema import parse_schema
from labelwise.settings import Settings
from labelwise.storage import StorageError, make_storage
from labelwise.store import backup
from labelwise.store.migrate import DatabaseTooNew, RevisionState, state, upgrade
from labelwise.store.models import User
from labelwise.store.session import make_engine, make_session_factory

app = typer.Typer(
    help="labelwise: self-hosted data labeling.", add_completion=False, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database maintenance.")
user_app = typer.Typer(help="Users and API tokens.")
project_app = typer.Typer(help="Projects.")
snapshot_app = typer.Typer(help="Dataset versions: create, list, export and diff snapshots.")
jobs_app = typer.Typer(help="Background jobs: list, show (and follow), cancel and retry.")
weak_app = typer.Typer(help="Weak supervision: labeling functions, their votes and analysis, the label model.")
backend_app = typer.Typer(help="ML backends of a project: add, list, check.")
model_app = typer.Typer(help="Built-in models: train a version, list versions with their metrics, pre-label.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(project_app, name="project")
app.add_typer(snapshot_app, name="snapshot")
app.add_typer(jobs_app, name="jobs")
app.add_typer(weak_app, name="weak")
app.add_typer(backend_app, name="backend")
app.add_typer(model_app, name="model")

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

    settings = settings_for(database, data_dir)
    with open_session(settings, create=True) as session:
        login = seed_demo(session)
    out.print(f"Demo ready: http://{host}:{port}/  login [bold]{login.username}[/] / [bold]{login.password}[/]")
    out.print(f"Database: {settings.resolved_database_url} (every labelwise command uses it by default)")
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
        _fail(f"the database is damaged: {result}; restore a backup with 'labelwise db restore'")
    revision = _revision_state(settings)
    if revision.pending:
        _fail(f"{len(revision.pending)} migration(s) pending ({', '.join(revision.pending)}); "
              "run 'labelwise db upgrade'")
    out.print(f"database ok (revision {revision.current})")


def _revision_state(settings: Settings) -> RevisionState:
    engine = make_engine(settings.resolved_database_url)
    try:
        return state(engine)
    finally:
        engine.dispose()


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
    with open_session(settings_for(database, data_dir), create=True) as session:
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
    try:
        parse_schema(source)
    except Invalid as exc:
        raise Invalid(f"{schema}: {exc.message}", field=exc.field, line=exc.line) from None
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
    path: Annotated[Path, typer.Argument(help="The file to import.")],
    format: Annotated[Optional[str], typer.Option(
        help="json, jsonl, csv, tsv, parquet, labelstudio, coco or conll; default: from the extension.")] = None,
    into: Annotated[str, typer.Option(help="COCO/CoNLL/Parquet labels become predictions, annotations or gold.")] = "predictions",
    image_root: Annotated[str, typer.Option(help="COCO: prefix for image file names (a URL or /media/ path).")] = "",
    duplicates: Annotated[str, typer.Option(help="Rows whose exact content is already there: allow, skip or flag.")] = "allow",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import tasks from a file (all or nothing)."""
    from labelwise.core.dataio.import_files import import_file
    from labelwise.formats.registry import import_format

    if not path.is_file():
        raise Invalid(f"no such file: {path}", field="path")
    fmt = import_format(name=format, filename=path.name)
    settings = settings_for(database, data_dir)
    with open_session(settings) as session, path.open("rb") as fp, _progress(DownloadColumn()) as progress:
        bar = progress.add_task(f"importing {path.name}", total=path.stat().st_size)
        summary = import_file(
            session, acting_user(session, actor), project_id, _Tracked(fp, lambda n: progress.update(bar, completed=n)),
            fmt, into=into, image_root=image_root, max_line_bytes=settings.max_line_bytes,
            batch_size=settings.import_batch_size, max_errors=settings.max_import_errors, duplicates=duplicates,
        )
    out.print(f"imported {summary.imported} tasks ({summary.predictions} predictions, {summary.gold} gold"
              f"{f', {summary.annotations} annotations' if summary.annotations else ''})")
    if summary.annotations_by_importer:
        out.print(f"{summary.annotations_by_importer} annotations are stored as yours: their users are not project "
                  f"members ({', '.join(summary.unknown_users) or 'unnamed'})")
    if summary.annotations_as_predictions:
        out.print(f"{summary.annotations_as_predictions} extra annotations by one person on a task became predictions")
    if summary.duplicates_skipped or summary.duplicates_flagged:
        verb = "skipped" if summary.duplicates_skipped else "flagged"
        out.print(f"{summary.duplicates_skipped or summary.duplicates_flagged} duplicate rows {verb} "
                  f"({summary.near_duplicates} of them near duplicates)")


@app.command("import-media")
def import_media_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="A folder of media files, a zip of them, or one media file.")],
    object: Annotated[Optional[str], typer.Option("--object", help="Schema object receiving the media.")] = None,
    duplicates: Annotated[str, typer.Option(help="allow, skip or flag exact and near duplicates.")] = "allow",
    format: Annotated[str, typer.Option(help="media (every file a task) or yolo (a zip with images/, labels/ "
                                             "and data.yaml or classes.txt).")] = "media",
    into: Annotated[str, typer.Option(help="yolo: labels become predictions, annotations or gold.")] = "predictions",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import images, audio or video as tasks, storing the media (all or nothing); or a YOLO dataset zip."""
    import tempfile

    from labelwise.core.dataio import import_yolo
    from labelwise.core.duplicates.import_duplicates import check_mode
    from labelwise.core.dataio import media_import
    from labelwise.core.media.media import MediaLimits
    from labelwise.storage import make_storage

    check_mode(duplicates)
    settings = settings_for(database, data_dir)
    limits = MediaLimits.from_settings(settings)
    collected = media_import.Collected()
    if format not in ("media", "yolo"):
        raise Invalid(f"unknown format '{format}'; expected media or yolo", field="format")
    if format == "yolo":
        if not (path.is_file() and path.suffix.lower() == ".zip"):
            raise Invalid(f"{path}: --format yolo takes a .zip file", field="path")
        with open_session(settings) as session:
            summary = import_yolo.import_yolo_zip(
                session, acting_user(session, actor), project_id, path, label=path.name,
                storage=make_storage(settings), limits=limits, into=into, object_name=object, duplicates=duplicates,
                batch_size=settings.import_batch_size, max_errors=settings.max_import_errors)
        out.print(f"imported {summary.imported} YOLO images as tasks ({summary.stored} files stored, "
                  f"{summary.reused} already stored), labels as {into}")
        return
    with tempfile.TemporaryDirectory(prefix="labelwise-media-") as work, open_session(settings) as session:
        if path.is_dir():
            media_import.collect_folder(path, collected, limits=limits)
        elif path.is_file() and path.suffix.lower() == ".zip":
            media_import.collect_zip(path, path.name, Path(work), collected, limits=limits)
        elif path.is_file():
            collected.files.append(media_import.MediaFile(path.name, path))
        else:
            raise Invalid(f"no such file or folder: {path}", field="path")
        err.print(f"checking and storing {len(collected.files)} media files")
        summary = media_import.import_media(
            session, acting_user(session, actor), project_id, collected.files, storage=make_storage(settings),
            limits=limits, object_name=object, duplicates=duplicates, batch_size=settings.import_batch_size,
            max_errors=settings.max_import_errors, ignored=collected.ignored,
        )
    extra = f", {summary.duplicates_skipped} duplicates skipped" if summary.duplicates_skipped else ""
    extra += f", {summary.duplicates_flagged} duplicates flagged" if summary.duplicates_flagged else ""
    out.print(f"imported {summary.imported} media tasks ({summary.stored} files stored, {summary.reused} already "
              f"stored, {len(collected.ignored)} not media{extra})")


@app.command("export")
def export_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="Output file ('-' for standard output, row formats only).")],
    format: Annotated[str, typer.Option(help="jsonl, csv, jsonl-minimal, csv-minimal, coco, voc, yolo, conll, "
                                             "spacy, parquet or labelstudio.")] = "jsonl",
    source: Annotated[str, typer.Option(help="consensus (with confidence), first, or all annotations.")] = "consensus",
    status: Annotated[Optional[str], typer.Option(help="Annotation statuses, comma-separated.")] = None,
    accepted_only: Annotated[bool, typer.Option(help="Only annotations a reviewer accepted.")] = False,
    since: Annotated[Optional[str], typer.Option(help="Annotations updated at or after (ISO date/time).")] = None,
    until: Annotated[Optional[str], typer.Option(help="Annotations updated before (ISO date/time).")] = None,
    annotator: Annotated[Optional[str], typer.Option(help="Only this annotator's annotations.")] = None,
    label: Annotated[Optional[str], typer.Option(help="Only tasks whose final label includes this label.")] = None,
    split: Annotated[Optional[str], typer.Option(help="'true' or train,validation,test ratios such as 80,10,10.")] = None,
    split_seed: Annotated[str, typer.Option(help="Seed for an independent split.")] = "",
    include_predictions: Annotated[Optional[bool], typer.Option(
        "--include-predictions/--no-predictions", help="Add model predictions (default: only for labelstudio).")] = None,
    only_labeled: Annotated[bool, typer.Option(help="Leave out tasks without annotations.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export tasks with their labels in any format, filtered and optionally split."""
    from labelwise.core.dataio.exporting import authorize_export, export_options, records_for
    from labelwise.core.projects.projects import project_schema
    from labelwise.formats import exporters

    exporter = exporters.get(format)
    options = export_options(
        source=source, status=status, accepted_only=accepted_only, since=since, until=until, annotator=annotator,
        label=label, split=split, split_seed=split_seed, only_labeled=only_labeled,
        include_predictions=format == "labelstudio" if include_predictions is None else include_predictions,
    )
    to_stdout = str(path) == "-"
    if to_stdout and not exporter.rows:
        raise Invalid(f"{format} is a file format; give a file name instead of '-'", field="path")
    with open_session(settings_for(database, data_dir)) as session:
        project = authorize_export(session, acting_user(session, actor), project_id, options)
        schema = project_schema(project)
        counted = _Counted(records_for(session, project_id, options))
        with _progress(MofNCompleteColumn(), quiet=to_stdout) as progress:
            bar = progress.add_task("exporting", total=None)
            counted.report = lambda n: progress.update(bar, completed=n)
            if to_stdout:
                for chunk in exporters.stream(format, counted(None), schema=schema, source=options.source):
                    sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                return
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("wb") as fp:
                    exporters.write(format, counted, fp, schema=schema, source=options.source, split=bool(options.split))
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
    out.print(f"exported {counted.count} task records to {path}")


@snapshot_app.command("create")
def snapshot_create(
    project_id: int,
    name: str,
    source: Annotated[str, typer.Option(help="consensus (or adjudicated), first, or all annotations.")] = "consensus",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Freeze a project's tasks and final labels as a named, content-hashed version."""
    from labelwise.core.dataio import snapshots

    with open_session(settings_for(database, data_dir)) as session:
        view = snapshots.create_snapshot(session, acting_user(session, actor), project_id, name=name, source=source)
    out.print(f"snapshot {view.id} '{view.name}': {view.item_count} tasks, {view.labeled_count} labeled, "
              f"sha256 {view.content_hash}")


@snapshot_app.command("list")
def snapshot_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                  data_dir: DataDirOption = None) -> None:
    """List a project's snapshots as JSON lines: id, name, hash, time, author, counts."""
    from labelwise.core.dataio import snapshots

    with open_session(settings_for(database, data_dir)) as session:
        views = snapshots.list_snapshots(session, acting_user(session, actor), project_id)
    for view in views:
        print(json.dumps({**view.__dict__, "created_at": view.created_at.isoformat()}))


@snapshot_app.command("export")
def snapshot_export(
    snapshot_id: int,
    path: Annotated[Path, typer.Argument(help="Output file.")],
    format: Annotated[str, typer.Option(help="Any export format (see 'labelwise export --help').")] = "jsonl",
    split: Annotated[Optional[str], typer.Option(help="'true' or train,validation,test ratios.")] = None,
    split_seed: Annotated[str, typer.Option(help="Seed for an independent split.")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export a snapshot; the same snapshot and options always give the same bytes."""
    from labelwise.core.dataio import snapshots
    from labelwise.core.dataio.exporting import export_options
    from labelwise.formats import exporters

    exporters.get(format)
    ratios = export_options(split=split).split
    with open_session(settings_for(database, data_dir)) as session:
        snapshot, schema = snapshots.snapshot_schema(session, acting_user(session, actor), snapshot_id)

        def records_for(part):
            for record in snapshots.iter_snapshot_records(session, snapshot, schema, split=ratios, split_seed=split_seed):
                if part is None or record.get("split") == part:
                    yield record

        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as fp:
                exporters.write(format, records_for, fp, schema=schema, source=snapshots.export_source(snapshot),
                                split=bool(ratios))
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    out.print(f"exported snapshot {snapshot_id} to {path}")


@snapshot_app.command("diff")
def snapshot_diff(
    a: int,
    b: int,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Task ids listed per kind.")] = 100,
    after: Annotated[int, typer.Option(min=0, help="Continue after this task id.")] = 0,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Tasks added, removed and relabeled from snapshot A to snapshot B, as JSON."""
    from labelwise.core.dataio import snapshots

    with open_session(settings_for(database, data_dir)) as session:
        page = snapshots.diff(session, acting_user(session, actor), a, b, limit=limit, after=after)
    print(json.dumps(page.__dict__, indent=2))


@app.command()
def stats(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a project's progress as JSON."""
    from dataclasses import asdict

    from labelwise.core.projects.stats import project_stats

    with open_session(settings_for(database, data_dir)) as session:
        result = project_stats(session, acting_user(session, actor), project_id)
    print(json.dumps(asdict(result), indent=2))


@app.command("label-errors")
def label_errors_command(
    project_id: int,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    control: Annotated[str | None, typer.Option(help="Single-choice control to check (default: the first usable).")] = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Cross-validation folds.")] = 5,
    limit: Annotated[int, typer.Option(min=1, help="Flags to print, most likely wrong first.")] = 20,
) -> None:
    """Find likely label errors (cross-validation + confident learning), store them, print the worst as JSON."""
    from dataclasses import asdict

    from labelwise.core.review import label_errors

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        summary = label_errors.detect(session, user, project_id, control=control, folds=folds)
        page = label_errors.list_flags(session, user, project_id, limit=limit)
    print(json.dumps({**summary, "flags": [asdict(f) for f in page.flags]}, indent=2))


@app.command()
def worker(
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    burst: Annotated[bool, typer.Option("--burst", help="Exit once no queued job is left.")] = False,
) -> None:
    """Run background jobs (imports, pre-labels, ...) until stopped; start as many as you like on PostgreSQL.

    SIGTERM or Ctrl-C lets the running job finish first. On SQLite one runner claims at a time."""
    import signal

    from labelwise.core.job_kinds import default_handlers
    from labelwise.core.platform.job_runner import JobRunner
    from labelwise.storage import make_storage

    settings = settings_for(database, data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        runner = JobRunner(make_session_factory(engine), handlers=default_handlers(), settings=settings,
                           storage=make_storage(settings))
        if burst:
            ran = 0
            while runner.run_once():
                ran += 1
            runner.stop()
            err.print(f"ran {ran} job(s)")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: runner.request_stop())
        err.print(f"worker {runner.name}: waiting for jobs ({', '.join(runner.handlers)})")
        runner.run_forever()
    finally:
        engine.dispose()


@jobs_app.command("list")
def jobs_list(
    project_id: int,
    status: Annotated[Optional[str], typer.Option(help="Only jobs with this status.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List a project's jobs, newest first, as JSON lines."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        views = jobs.list_jobs(session, acting_user(session, actor), project_id, status=status,
                               progress_dir=settings.data_dir / "jobs")
    for view in views:
        print(json.dumps(_job_json(view)))


@jobs_app.command("show")
def jobs_show(
    job_id: int,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Show a progress bar until the job ends.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print a job as JSON; with --follow, wait for it with a progress bar (exit 1 if it fails)."""
    import time

    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        user = acting_user(session, actor)
        view = jobs.get_job(session, user, job_id, progress_dir=settings.data_dir / "jobs")
        if follow:
            with _progress(MofNCompleteColumn()) as bar:
                task = bar.add_task(f"job {job_id} ({view.kind})", total=view.total)
                while view.status in ("queued", "running"):
                    bar.update(task, completed=view.done, total=view.total)
                    time.sleep(0.5)
                    session.expire_all()
                    view = jobs.get_job(session, user, job_id, progress_dir=settings.data_dir / "jobs")
    print(json.dumps(_job_json(view), indent=2))
    if follow and view.status != "succeeded":
        _fail(f"job {job_id} {view.status}: {(view.error or {}).get('message', '')}")


@jobs_app.command("cancel")
def jobs_cancel(job_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                data_dir: DataDirOption = None) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        view = jobs.cancel_job(session, acting_user(session, actor), job_id, progress_dir=settings.data_dir / "jobs")
    out.print(f"job {job_id}: {'cancel requested' if view.status == 'running' else view.status}")


@jobs_app.command("retry")
def jobs_retry(job_id: int, actor: ActorOption = None, database: DatabaseOption = None,
               data_dir: DataDirOption = None) -> None:
    """Queue a failed or cancelled job again."""
    from labelwise.core.platform import jobs

    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        view = jobs.retry_job(session, acting_user(session, actor), job_id, progress_dir=settings.data_dir / "jobs")
    out.print(f"job {job_id}: {view.status} (attempt {view.attempts + 1})")


@weak_app.command("list")
def weak_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
              data_dir: DataDirOption = None) -> None:
    """List a project's labeling functions as JSON lines."""
    from labelwise.core.weak import functions

    with open_session(settings_for(database, data_dir)) as session:
        rows = functions.list_functions(session, acting_user(session, actor), project_id)
        for row in rows:
            print(json.dumps({"id": row.id, "name": row.name, "kind": row.kind, "control": row.control,
                              "definition": row.definition,
                              "votes_current": row.votes_hash == row.definition_hash}))


@weak_app.command("add")
def weak_add(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="A JSON file: one labeling function object, or a list of them.")],
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add labeling functions from a JSON file ({name, kind, label, ...options} each)."""
    from labelwise.core.weak import functions

    try:
        definitions = json.loads(_read_text(path, "labeling functions"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path} is not valid JSON: {exc}") from None
    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        for definition in definitions if isinstance(definitions, list) else [definitions]:
            row = functions.create(session, user, project_id, definition)
            out.print(f"labeling function {row.id} '{row.name}' ({row.kind}) added")


@weak_app.command("apply")
def weak_apply(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
               data_dir: DataDirOption = None) -> None:
    """Compute the votes of every rule that changed or misses new tasks; print the report as JSON."""
    from labelwise.core.weak import functions

    with open_session(settings_for(database, data_dir)) as session:
        report = functions.apply(session, acting_user(session, actor), project_id)
    print(json.dumps(report))


@weak_app.command("analyze")
def weak_analyze(
    project_id: int,
    control: Annotated[Optional[str], typer.Option(help="Single-choice control; default: the first.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print each function's coverage, overlap, conflict, and accuracy on human labels (95% interval)."""
    from labelwise.core.weak import label_model

    with open_session(settings_for(database, data_dir)) as session:
        report = label_model.analysis(session, acting_user(session, actor), project_id, control=control)
    out.print(f"control '{report['control']}': {report['tasks']} tasks, {report['labelled_tasks']} with human "
              f"labels, total coverage {report['total_coverage']:.1%}")
    for row in report["functions"]:
        acc = "n/a" if row["accuracy"] is None else (
            f"{row['accuracy']:.3f} [{row['accuracy_interval'][0]:.3f}, {row['accuracy_interval'][1]:.3f}]")
        out.print(f"  {row['name']}: coverage {row['coverage']:.1%}, overlap {row['overlap']:.1%}, "
                  f"conflict {row['conflict']:.1%}, accuracy {acc} on {row['n_votes']}")


@weak_app.command("run")
def weak_run(
    project_id: int,
    model: Annotated[str, typer.Option(help="dawid_skene, matrix_completion or majority_vote.")] = "dawid_skene",
    control: Annotated[Optional[str], typer.Option(help="Single-choice control; default: the first.")] = None,
    model_version: Annotated[Optional[str], typer.Option(help="Default: weak/<model>/<functions' hash>.")] = None,
    end_model: Annotated[bool, typer.Option(help="Also train the built-in text classifier on the label model's "
                                                 "labels and store its predictions for every task.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Fit the label model on the current votes and store its labels as predictions."""
    from labelwise.core.weak import label_model

    with open_session(settings_for(database, data_dir)) as session:
        summary = label_model.run(session, acting_user(session, actor), project_id, control=control, model=model,
                                  model_version=model_version, end_model=end_model)
    out.print(f"{summary['predictions']} predictions stored as model version {summary['model_version']}")
    if "end_model" in summary:
        end = summary["end_model"]
        out.print(f"end model trained on {end['trained_on']} tasks: {end['predictions']} predictions stored as "
                  f"model version {end['model_version']}")


@backend_app.command("add")
def backend_add(
    project_id: int,
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help="labelwise (our protocol) or labelstudio (a Label Studio ML backend).")] = "labelwise",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each call.")] = 30.0,
    auth_header: Annotated[Optional[str], typer.Option(help="Sent as the Authorization header.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Attach an ML backend to a project, then check it (health and setup)."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        added = backends.add_backend(session, user, project_id, name=name, url=url, kind=kind,
                                     timeout_seconds=timeout, auth_header=auth_header)
        view = backends.check_backend(session, user, added.id)
    out.print(f"ML backend {view.id} '{view.name}': {view.last_status}"
              + (f", model version {view.model_version}" if view.model_version else "")
              + (f" ({view.last_error})" if view.last_error else ""))


@backend_app.command("list")
def backend_list(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                 data_dir: DataDirOption = None) -> None:
    """List a project's ML backends as JSON lines."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        views = backends.list_backends(session, acting_user(session, actor), project_id)
    for view in views:
        print(json.dumps(_job_json(view)))


@backend_app.command("check")
def backend_check(backend_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                  data_dir: DataDirOption = None) -> None:
    """Call a backend's health and setup now (exit 1 when it fails)."""
    from labelwise.core.assist import backends

    with open_session(settings_for(database, data_dir)) as session:
        view = backends.check_backend(session, acting_user(session, actor), backend_id)
    if view.last_status != "ok":
        _fail(view.last_error or "the backend check failed")
    out.print(f"ML backend {view.id} '{view.name}': ok, model version {view.model_version}")


@model_app.command("train")
def model_train(
    project_id: int,
    control: Annotated[Optional[str], typer.Option(help="Control to learn; default: the first a model can learn.")] = None,
    prelabel: Annotated[bool, typer.Option("--prelabel/--no-prelabel",
                                           help="Pre-label the unlabeled tasks with the new version.")] = True,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train a new model version here (not in a runner), print it as JSON, then pre-label with a progress bar."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        err.print(f"training on the labeled tasks of project {project_id}…")
        version = training.train(session, user, project_id, control=control)
        print(json.dumps(_version_json(version)))
        if prelabel:
            stored = _prelabel_with_bar(session, user, project_id, version)
            out.print(f"{stored} predictions stored as model version {version.name}")
        training.reorder_queue(session, project_id, version)


@model_app.command("versions")
def model_versions(project_id: int, actor: ActorOption = None, database: DatabaseOption = None,
                   data_dir: DataDirOption = None) -> None:
    """List a project's model versions, newest first, as JSON lines (with cross-validated metrics)."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        for version in training.list_versions(session, acting_user(session, actor), project_id):
            print(json.dumps(_version_json(version)))


@model_app.command("prelabel")
def model_prelabel(
    project_id: int,
    version_id: Annotated[Optional[int], typer.Argument(help="Model version id; default: the newest.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Predict every task without a submitted answer with a model version, with a progress bar."""
    from labelwise.core.assist import training

    with open_session(settings_for(database, data_dir)) as session:
        user = acting_user(session, actor)
        versions = training.list_versions(session, user, project_id)
        if version_id is None and not versions:
            raise Invalid(f"project {project_id} has no model version yet: run `labelwise model train {project_id}`")
        version = training.get_version(session, user, project_id, version_id) if version_id else versions[0]
        stored = _prelabel_with_bar(session, user, project_id, version)
    out.print(f"{stored} predictions stored as model version {version.name}")


def _prelabel_with_bar(session, user: User, project_id: int, version) -> int:
    from labelwise.core.assist import training

    with _progress(MofNCompleteColumn()) as progress:
        bar = progress.add_task(f"pre-labeling with {version.name}", total=None)
        return training.prelabel(session, user, project_id, version_id=version.id,
                                 progress=lambda done, total: progress.update(bar, completed=done, total=total))


def _version_json(version) -> dict:
    return {"id": version.id, "name": version.name, "control": version.control, "version": version.version,
            "model_class": version.model_class, "trained_on": version.trained_on, "metrics": version.metrics,
            "created_at": version.created_at.isoformat()}


@app.command()
def prelabel(
    project_id: int,
    backend: Annotated[int, typer.Option(help="The ML backend id (see `labelwise backend list`).")],
    batch_size: Annotated[int, typer.Option(help="Tasks per call to the backend.")] = 32,
    all_tasks: Annotated[bool, typer.Option("--all-tasks", help="Also predict tasks that have annotations.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Queue a pre-label job (a runner or `labelwise worker` runs it); follow it with `jobs show ID -f`."""
    from labelwise.core.assist import prelabel as prelabeling

    with open_session(settings_for(database, data_dir)) as session:
        job = prelabeling.queue_prelabel(session, acting_user(session, actor), project_id, backend_id=backend,
                                         batch_size=batch_size, all_tasks=all_tasks)
    out.print(f"job {job.id}: pre-labeling up to {job.total} tasks")


def main() -> None:
    """Entry point: `serve` is the default command, and user mistakes never print a traceback."""
    args = sys.argv[1:]
    commands = {"serve", "demo", "db", "user", "project", "import", "import-media", "export", "stats", "snapshot",
                "jobs", "worker", "weak", "backend", "prelabel", "model", "label-errors"}
    if not args or (args[0] not in commands and not args[0].startswith("-")):
        args = ["serve", *args]
    try:
        app(args=args, prog_name="labelwise")
    except ImportRejected as exc:
        _fail(exc.message, *(f"  {error.message}" for error in exc.errors))
    except LabelwiseError as exc:
        _fail(exc.message)
    except (DatabaseTooNew, backup.BackupError, StorageError) as exc:
        _fail(str(exc))
    except DatabaseError as exc:
        _fail(f"cannot use the database: {exc.orig}")


def _fail(message: str, *details: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    for line in details:
        print(line, file=sys.stderr)
    sys.exit(1)


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


class _Counted:
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


def _job_json(view) -> dict:  # a job's or a backend's view as JSON
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in view.__dict__.items()}
