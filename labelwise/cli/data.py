"""Data in and out: `import`, `import-media`, `export`, `snapshot` and `stats`."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import DownloadColumn, TextColumn

from labelwise.cli._app import app, err, out
from labelwise.cli._shared import (
    ActorOption,
    Counted,
    DatabaseOption,
    DataDirOption,
    Tracked,
    acting_user,
    open_session,
    progress_bar,
    run_job_here,
    settings_for,
)
from labelwise.errors import Invalid
from labelwise.storage import make_storage

snapshot_app = typer.Typer(help="Dataset versions: create, list, export and diff snapshots.")


@app.command("import-labelstudio")
def import_labelstudio_command(
    url: Annotated[str, typer.Argument(help="The Label Studio address, e.g. http://localhost:8080.")],
    token: Annotated[str, typer.Option(help="A Label Studio access token (Account & Settings).",
                                       envvar="LABEL_STUDIO_TOKEN")],
    media: Annotated[bool, typer.Option(
        "--media/--no-media", help="Copy the files tasks show from Label Studio's own storage (uploads, local "
                                   "files); --no-media leaves their Label Studio URLs.")] = True,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Copy a whole Label Studio instance: projects (configs converted), users, tasks, annotations, predictions,
    and the media uploaded into it."""
    from labelwise.core.dataio.labelstudio_pull import pull
    from labelwise.core.media.media import MediaLimits

    def report(item) -> None:
        if item.error:
            err.print(f"project {item.source_id} {item.title!r}: failed: {item.error}", markup=False, soft_wrap=True)
        else:
            s = item.summary
            out.print(f"project {item.source_id} {item.title!r} -> {item.project_id}: {s.imported} tasks, "
                      f"{s.annotations} annotations, {s.predictions} predictions, {s.gold} gold, "
                      f"{s.out_of_range} flagged out of range, {len(item.warnings)} config warning(s)", markup=False,
                      soft_wrap=True)
        if item.media is not None:
            m = item.media
            out.print(f"  media: {m.files} files copied ({m.bytes} bytes; {m.stored} stored, {m.reused} already "
                      f"stored), {m.references} task references rewritten, {len(m.failures)} failed", markup=False,
                      soft_wrap=True)
            for failure in m.failures:
                err.print(f"  media failed: task {failure.task}: {failure.url}: {failure.reason}", markup=False,
                          highlight=False, soft_wrap=True)
        for warning in item.warnings:
            err.print(f"  warning: {warning}", markup=False, highlight=False, soft_wrap=True)

    settings = settings_for(database, data_dir)
    with open_session(settings) as session, progress_bar(TextColumn("{task.fields[done]}")) as progress:
        bar = progress.add_task("media", total=None, done="")

        def on_media(item, copy) -> None:
            progress.update(bar, description=f"project {item.source_id} media",
                            done=f"{copy.files} files, {copy.bytes} bytes, {len(copy.failures)} failed")

        pulled = pull(session, acting_user(session, actor), url, token, on_project=report, on_media=on_media,
                      storage=make_storage(settings) if media else None, limits=MediaLimits.from_settings(settings))
    done = [p for p in pulled if not p.error]
    copied = [p.media for p in done if p.media is not None]
    out.print(f"copied {len(done)} of {len(pulled)} projects, "
              f"{sum(p.summary.imported for p in done)} tasks, {sum(p.summary.annotations for p in done)} annotations"
              + (f", {sum(m.files for m in copied)} media files ({sum(m.bytes for m in copied)} bytes, "
                 f"{sum(len(m.failures) for m in copied)} failed)" if media else ""),
              markup=False, soft_wrap=True)
    if len(done) < len(pulled):
        raise typer.Exit(1)


@app.command("import")
def import_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="The file to import.")],
    format: Annotated[Optional[str], typer.Option(
        help="json, jsonl, csv, tsv, parquet, labelstudio, coco, conll or chat; default: from the extension.")] = None,
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
    with open_session(settings) as session, path.open("rb") as fp, progress_bar(DownloadColumn()) as progress:
        bar = progress.add_task(f"importing {path.name}", total=path.stat().st_size)
        summary = import_file(
            session, acting_user(session, actor), project_id, Tracked(fp, lambda n: progress.update(bar, completed=n)),
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
    if summary.out_of_range:
        out.print(f"{summary.out_of_range} tasks flagged: values out of range or Label Studio items kept as written "
                  "(each task lists them in meta.out_of_range)")
    if summary.duplicates_skipped or summary.duplicates_flagged:
        verb = "skipped" if summary.duplicates_skipped else "flagged"
        out.print(f"{summary.duplicates_skipped or summary.duplicates_flagged} duplicate rows {verb} "
                  f"({summary.near_duplicates} of them near duplicates)")


@app.command("import-media")
def import_media_command(
    project_id: int,
    path: Annotated[Path, typer.Argument(help="A folder of media files, a zip of them, or one media file; with "
                                              "--format dicom a folder or zip of one DICOM series, or a NIfTI file.")],
    object: Annotated[Optional[str], typer.Option("--object", help="Schema object receiving the media.")] = None,
    duplicates: Annotated[str, typer.Option(help="allow, skip or flag exact and near duplicates.")] = "allow",
    format: Annotated[str, typer.Option(help="media (every file a task), yolo (a zip with images/, labels/ "
                                             "and data.yaml or classes.txt) or dicom (one volume task).")] = "media",
    deidentify: Annotated[bool, typer.Option(help="dicom: apply the DICOM basic confidentiality profile.")] = True,
    into: Annotated[str, typer.Option(help="yolo: labels become predictions, annotations or gold.")] = "predictions",
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import images, audio or video as tasks, storing the media (all or nothing); or a YOLO dataset zip."""
    import tempfile

    from labelwise.core.dataio import import_yolo, media_import
    from labelwise.core.duplicates.import_duplicates import check_mode
    from labelwise.core.media.media import MediaLimits

    check_mode(duplicates)
    settings = settings_for(database, data_dir)
    limits = MediaLimits.from_settings(settings)
    collected = media_import.Collected()
    if format not in ("media", "yolo", "dicom"):
        raise Invalid(f"unknown format '{format}'; expected media, yolo or dicom", field="format")
    if format == "dicom":
        _import_volume(project_id, path, object, duplicates, deidentify, actor, settings, limits)
        return
    if format == "yolo":
        if not (path.is_file() and path.suffix.lower() == ".zip"):
            raise Invalid(f"{path}: --format yolo takes a .zip file", field="path")
        with open_session(settings) as session:
            summary = import_yolo.import_yolo_zip(
                session, acting_user(session, actor), project_id, path, label=path.name,
                storage=make_storage(settings), limits=limits, into=into, object_name=object, duplicates=duplicates,
                batch_size=settings.import_batch_size, max_errors=settings.max_import_errors)
        out.print(f"imported {summary.imported} YOLO images as tasks ({summary.stored} files stored, "
                  f"{summary.reused} already stored), labels as {into}"
                  + (f"; {summary.predictions} predictions on tasks already here" if summary.predictions else "")
                  + (f"; {summary.out_of_range} tasks flagged: no image size, regions kept as percentages"
                     if summary.out_of_range else ""))
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


def _import_volume(project_id, path: Path, object_name, duplicates, deidentify, actor, settings, limits) -> None:
    from labelwise.core.dataio import import_volumes, media_import

    if path.is_dir():
        files = tuple(media_import.MediaFile(item.relative_to(path).as_posix(), item) for item in sorted(path.rglob("*"))
                      if item.is_file() and not item.is_symlink() and not item.name.startswith("."))
        source = import_volumes.VolumeSource(path.name, files=files)
    elif path.is_file():
        source = import_volumes.VolumeSource(path.name, path)
    else:
        raise Invalid(f"no such file or folder: {path}", field="path")
    with open_session(settings) as session:
        done = import_volumes.import_volumes(
            session, acting_user(session, actor), project_id, [source], storage=make_storage(settings), limits=limits,
            object_name=object_name, deidentify=deidentify, duplicates=duplicates,
            batch_size=settings.import_batch_size, max_errors=settings.max_import_errors)
    report = done.deidentification.get(source.name)
    changed = sum(item["count"] for item in report["attributes"]) if report else 0
    out.print(f"imported {done.media.imported} volume task(s) from {path.name}"
              + (f"; de-identified: {changed} attribute values changed, {report['private_tags_removed']} private "
                 "tags removed" if report else "; not de-identified"))


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
    schema_version: Annotated[Optional[int], typer.Option(help="Only answers made under this schema version.")] = None,
    guidelines_version: Annotated[Optional[int], typer.Option(
        help="Only answers made under this guidelines version.")] = None,
    include_auto_labels: Annotated[bool, typer.Option(
        help="Add auto-labels and each label's source (label_source: human or auto), never mixed into the human "
             "labels.")] = False,
    actor: ActorOption = None,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export tasks with their labels in any format, filtered and optionally split."""
    from labelwise.core.dataio import export_job
    from labelwise.core.dataio.exporting import authorize_export, export_options, records_for
    from labelwise.core.projects.projects import project_schema
    from labelwise.formats import exporters

    exporter = exporters.get(format)
    options = export_options(
        source=source, status=status, accepted_only=accepted_only, since=since, until=until, annotator=annotator,
        label=label, split=split, split_seed=split_seed, only_labeled=only_labeled,
        schema_version=schema_version, guidelines_version=guidelines_version, include_auto_labels=include_auto_labels,
        include_predictions=format == "labelstudio" if include_predictions is None else include_predictions,
    )
    to_stdout = str(path) == "-"
    if to_stdout and not exporter.rows:
        raise Invalid(f"{format} is a file format; give a file name instead of '-'", field="path")
    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        user = acting_user(session, actor)
        if not to_stdout:
            # A file: an `export` job, run here with a progress bar (and listed on the project's jobs page).
            given = {"source": source, "status": status, "accepted_only": accepted_only, "since": since,
                     "until": until, "annotator": annotator, "label": label, "split": split,
                     "split_seed": split_seed, "only_labeled": only_labeled, "schema_version": schema_version,
                     "guidelines_version": guidelines_version, "include_predictions": options.include_predictions,
                     "include_auto_labels": include_auto_labels}
            job = export_job.queue_export(session, user, project_id, fmt=format,
                                          options={k: v for k, v in given.items() if v not in (None, "", False)})
            view = run_job_here(settings, session, user, job.id, "exporting")
            _copy_stored(make_storage(settings), view.result["file"], path)
            out.print(f"exported {view.result['records']} task records to {path}")
            return
        project = authorize_export(session, user, project_id, options)
        schema = project_schema(project)
        counted = Counted(records_for(session, project_id, options))
        for chunk in exporters.stream(format, counted(None), schema=schema, source=options.source):
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()


def _copy_stored(storage, key: str, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as fp:
            for chunk in storage.stream(key):
                fp.write(chunk)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


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
    from labelwise.core.dataio.exporting import export_options, write_export
    from labelwise.formats import exporters

    exporters.get(format)
    ratios = export_options(split=split).split
    settings = settings_for(database, data_dir)
    with open_session(settings) as session:
        snapshot, schema = snapshots.snapshot_schema(session, acting_user(session, actor), snapshot_id)

        def records_for(part):
            for record in snapshots.iter_snapshot_records(session, snapshot, schema, split=ratios, split_seed=split_seed):
                if part is None or record.get("split") == part:
                    yield record

        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as fp:
                write_export(format, records_for, fp, schema=schema, source=snapshots.export_source(snapshot),
                             split=bool(ratios), storage=make_storage(settings))
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
