# Over 400 lines: one all-or-nothing path for media (folders, uploads, zips, sequences) with its zip-bomb checks and blob clean-up.
"""Media files in, tasks out: a folder, uploaded files or zip archives become tasks with stored media.

Every file is validated first (`core.media.media.inspect_file`); only when all are good are the blobs
stored (content-addressed, so re-uploads cost nothing) and the task rows written through
`core.dataio.importing.import_tasks`, all or nothing. If that fails, the blobs this import added are deleted.
Zip archives are unpacked into a private temporary folder under names we choose, never the entries'
own, after refusing traversal, symlinks, encryption and bombs.
"""

import os
import zipfile
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labelwise.core.dataio import importing
from labelwise.core.duplicates.import_duplicates import DuplicateMode, check_mode
from labelwise.core.media.media import MediaInfo, MediaLimits, inspect_file, media_kind
from labelwise.core.media.signing import MEDIA_PATH
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import ImportRejected, Invalid, LabelwiseError, TooLarge
from labelwise.formats.rows import Row
from labelwise.storage import Storage, make_key
from labelwise.store.models import Project, Task, User

MEDIA_OBJECT_TYPES = ("image", "audio", "video", "pdf", "pointcloud", "dicom")
# Tiny entries (label files, headers) compress absurdly well; each may unpack to this much whatever its ratio.
RATIO_FLOOR = 64 * 1024
_COPY_CHUNK = 1024 * 1024
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class MediaFile:
    """A file to import: `name` is what users see (its path in the folder or zip), `path` where it is now."""

    name: str
    path: Path


@dataclass(frozen=True)
class MediaImportSummary:
    imported: int
    stored: int  # new blobs written
    reused: int  # blobs that were already stored (same bytes)
    ignored: tuple[str, ...] = ()  # files that are not media (first 50)
    duplicates_skipped: int = 0
    duplicates_flagged: int = 0
    near_duplicates: int = 0
    out_of_range: int | None = None  # YOLO labels without images: tasks whose regions stay percentages (flagged)
    predictions: int | None = None  # YOLO labels without images, on tasks already in the project


class MediaRejected(ImportRejected):
    """Bad media files: nothing was imported, and `errors` names each file."""

    def __init__(self, errors: list[LabelwiseError], *, stopped_early: bool) -> None:
        listed = "; ".join(error.message for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        Invalid.__init__(self, f"nothing was imported: {len(errors)} bad file(s): {listed}{more}",
                         field=errors[0].field)
        self.errors = errors


@dataclass
class Collected:
    """Files gathered from uploads, folders and archives, plus what was passed over."""

    files: list[MediaFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    total_bytes: int = 0

    def ignore(self, name: str) -> None:
        if len(self.ignored) < 50:
            self.ignored.append(name)


def collect_folder(root: Path, collected: Collected, *, limits: MediaLimits) -> None:
    """Every media file under `root` (sorted, symlinks not followed), named by its path relative to `root`."""
    for directory, folders, names in os.walk(root, followlinks=False):
        folders.sort()
        for name in sorted(names):
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if _is_junk(relative):
                continue
            if path.is_symlink() or not path.is_file() or media_kind(name) is None:
                collected.ignore(relative)
                continue
            tally_bytes(collected, relative, path.stat().st_size, limits)
            collected.files.append(MediaFile(relative, path))


def collect_zip(source: Path | IO[bytes], label: str, workdir: Path, collected: Collected, *,
                limits: MediaLimits, keep_paths: bool = False, also: tuple[str, ...] = (),
                every_file: bool = False) -> None:
    """Unpack the media files of a zip archive into `workdir`, refusing anything unsafe (raises `Invalid`).

    `also` names further suffixes to unpack (e.g. YOLO's `.txt` labels); those are not listed in
    `collected.files`. With `keep_paths` entries keep their (checked) relative paths under `workdir`,
    for formats whose layout carries meaning; otherwise they get names we choose. With `every_file` all
    entries are unpacked and listed whatever their suffix (a DICOM series, whose files often have none).
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Invalid(f"{label}: not a readable zip archive ({exc})", field=label) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise Invalid(f"{label}: {len(entries)} entries is over the {limits.max_zip_entries} entry limit",
                          field=label)
        # The whole archive may unpack to `max_zip_ratio` times its size (and never past max_unzipped_bytes).
        # Headers can lie, so the budget is spent on the bytes actually written (see _extract).
        archive_size = archive.fp.seek(0, os.SEEK_END) if archive.fp is not None else 0
        budget = _Budget(min(limits.max_unzipped_bytes, max(limits.max_zip_ratio * archive_size, RATIO_FLOOR)),
                         label)
        declared = sum(entry.file_size for entry in entries)
        if entries and (declared > budget.left or collected.total_bytes + declared > limits.max_total_bytes):
            largest = max(entries, key=lambda entry: entry.file_size).filename
            raise Invalid(f"{label}: would unpack to {declared} bytes (largest entry '{largest}'), over its "
                          f"{min(budget.left, limits.max_total_bytes)} byte limit (a zip bomb?)", field=label)
        for index, entry in enumerate(entries):
            name = _safe_entry_name(entry, label)
            if entry.is_dir():
                continue
            if _is_junk(name):  # macOS forks, thumbnails, dot files: not worth a mention
                continue
            extra = PurePosixPath(name).suffix.lower() in also
            if media_kind(name) is None and not extra and not every_file:
                collected.ignore(f"{label}/{name}")
                continue
            where = f"{label}: entry '{name}'"
            if entry.flag_bits & 0x1:
                raise Invalid(f"{where} is encrypted", field=name)
            if entry.file_size > limits.max_file_bytes:
                raise Invalid(f"{where} is {entry.file_size} bytes, over the {limits.max_file_bytes} byte limit "
                              "per media file", field=name)
            entry_limit = min(limits.max_file_bytes, max(limits.max_zip_ratio * entry.compress_size, RATIO_FLOOR))
            if entry.file_size > entry_limit:
                raise Invalid(f"{where} expands {entry.file_size // max(entry.compress_size, 1)}x, over the "
                              f"{limits.max_zip_ratio}x limit (a zip bomb?)", field=name)
            if keep_paths:
                target = (workdir / name).resolve()
                if not target.is_relative_to(workdir.resolve()):  # already refused above; never trust one check
                    raise Invalid(f"{where} points outside the archive (path traversal)", field=name)
                if target.exists():
                    raise Invalid(f"{where} appears twice in the archive", field=name)
                target.parent.mkdir(parents=True, exist_ok=True)
            else:
                target = workdir / f"zip-{id(collected)}-{index:06d}{PurePosixPath(name).suffix.lower()}"
            written = _extract(archive, entry, target, where, min(entry_limit, entry.file_size), budget)
            tally_bytes(collected, f"{label}/{name}", written, limits)
            if not extra:
                collected.files.append(MediaFile(f"{label}/{name}" if label else name, target))


def import_media(
    session: Session,
    user: User,
    project_id: int,
    files: Iterable[MediaFile],
    *,
    storage: Storage,
    limits: MediaLimits,
    object_name: str | None = None,
    duplicates: DuplicateMode = "allow",
    batch_size: int = 5000,
    max_errors: int = 50,
    ignored: Iterable[str] = (),
    labels: Mapping[str, dict[str, Any]] | None = None,
    sequence: bool = False,
    meta: Mapping[str, dict[str, Any]] | None = None,
) -> MediaImportSummary:
    """Validate, store and import media files as tasks, all or nothing.

    `labels` maps a file's name to more of its import row (external_id, predictions, annotations),
    which is how label formats over media (YOLO) come in through this one path. With `sequence` the
    point-cloud files become the frames of one task, in the order of their names (a LIDAR sequence).
    `meta` maps a file's name to more of its task meta (a volume's de-identification report).
    """
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    check_mode(duplicates)
    targets = _media_fields(project_schema(project), object_name)
    files, ignored = list(files), list(ignored)
    if "pointcloud" not in targets:
        # .bin and .ply are common names for other things: without a pointcloud object they are passed over
        # (as files that are not media are), not refused
        ignored.extend(item.name for item in files if media_kind(item.name) == "pointcloud")
        files = [item for item in files if media_kind(item.name) != "pointcloud"]
    if not files:
        raise Invalid("no media files to import (accepted: images, audio, video, PDF and point clouds by extension)",
                      field="files")
    inspected: list[tuple[MediaFile, MediaInfo]] = []
    errors: list[LabelwiseError] = []
    for item in files:
        try:
            info = inspect_file(item.path, item.name, limits=limits)
            if info.kind not in targets:
                raise Invalid(f"{item.name}: the project's schema has no {info.kind} object to show it",
                              field=item.name)
            inspected.append((item, info))
        except Invalid as exc:
            errors.append(exc)
            if len(errors) >= max_errors:
                break
    if errors:
        raise MediaRejected(errors, stopped_early=len(errors) >= max_errors)
    added: list[str] = []
    try:
        rows, reused, frames = [], [], []
        for line, (item, info) in enumerate(inspected, start=1):
            key = make_key(project_id, info.sha256, info.ext)
            if storage.put_file(key, item.path, content_type=info.content_type):
                added.append(key)
            else:
                reused.append((key, item, info))
            if sequence and info.kind == "pointcloud":
                frames.append((key, item, info))
                continue
            row = _row(key, item, info, targets[info.kind])
            if labels and item.name in labels:
                row.update({k: v for k, v in labels[item.name].items() if k not in ("data", "meta")})
            if meta and item.name in meta:
                row["meta"].update(meta[item.name])
            rows.append(Row(line, row))
        if frames:
            rows.append(Row(len(rows) + 1, _sequence_row(frames, targets["pointcloud"])))
        # From here to the commit, no failing import can delete a blob (see delete_unreferenced); one that
        # did so between our put_file and now is undone by storing the bytes again.
        _lock_blobs(session, project_id)
        for key, item, info in reused:
            if not storage.exists(key):
                storage.put_file(key, item.path, content_type=info.content_type)
        result = importing.import_tasks(session, user, project_id, rows, batch_size=batch_size,
                                        max_errors=max_errors, duplicates=duplicates)
    except BaseException:
        session.rollback()
        with suppress(Exception):  # the import's own error is the one to report; a left blob only costs space
            delete_unreferenced(session, storage, project_id, added)
        raise
    return MediaImportSummary(
        imported=result.imported, stored=len(added), reused=len(inspected) - len(added), ignored=tuple(ignored[:50]),
        duplicates_skipped=result.duplicates_skipped, duplicates_flagged=result.duplicates_flagged,
        near_duplicates=result.near_duplicates,
    )


def _lock_blobs(session: Session, project_id: int) -> None:
    """Serialise blob deletion with the imports that reference blobs, until commit or rollback: the project
    row's lock on PostgreSQL, the database write lock on SQLite (which has no row locks)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Project).where(Project.id == project_id).values(name=Project.name))
    else:
        session.execute(select(Project.id).where(Project.id == project_id).with_for_update())


def delete_unreferenced(session: Session, storage: Storage, project_id: int, keys: list[str]) -> None:
    """Delete the blobs a failed import stored, except those a task now references: blobs are content-addressed,
    so a concurrent import of the same bytes may have committed tasks that use them."""
    if not keys:
        return
    try:
        _lock_blobs(session, project_id)
        shas = {key.rsplit("/", 1)[-1].split(".", 1)[0]: key for key in keys}
        sha = Task.meta["media"]["sha256"].as_string()
        used = set(session.scalars(select(sha).where(Task.project_id == project_id, sha.in_(list(shas)))))
        # the frames of point-cloud sequences (rare; read only on this failure path)
        frames = Task.meta["frame_sha256"]
        for listed in session.scalars(select(frames).where(Task.project_id == project_id, frames.is_not(None))):
            used.update(listed if isinstance(listed, list) else ())
        for digest, key in shas.items():
            if digest not in used:
                storage.delete(key)
    finally:
        session.rollback()


def media_src(key: str) -> str:
    return MEDIA_PATH + key


def _row(key: str, item: MediaFile, info: MediaInfo, field_name: str) -> dict[str, Any]:
    media: dict[str, Any] = {"sha256": info.sha256, "bytes": info.size, "content_type": info.content_type}
    if info.phash:
        media["phash"] = info.phash
    return {"data": {field_name: {"src": media_src(key), **info.fields}},
            "meta": {"filename": item.name, "media": media}}


def _sequence_row(frames: list[tuple[str, MediaFile, MediaInfo]], field_name: str) -> dict[str, Any]:
    """One task whose point-cloud object is the sequence of these sweeps, ordered by file name."""
    frames = sorted(frames, key=lambda frame: frame[1].name)
    first = frames[0][2]
    return {"data": {field_name: {"frames": [{"src": media_src(key), "name": PurePosixPath(item.name).name,
                                              **info.fields} for key, item, info in frames]}},
            "meta": {"filename": frames[0][1].name, "frames": [item.name for _, item, _ in frames],
                     # the first frame's blob stands for the task where blobs are matched to tasks
                     "media": {"sha256": first.sha256, "bytes": sum(i.size for _, _, i in frames),
                               "content_type": first.content_type},
                     "frame_sha256": [info.sha256 for _, _, info in frames]}}


def _media_fields(schema, object_name: str | None) -> dict[str, str]:
    """Which task-data field receives each media kind."""
    media = {name: spec for name, spec in schema.objects.items() if spec.type in MEDIA_OBJECT_TYPES}
    if object_name is not None:
        if object_name not in media:
            raise Invalid(f"'{object_name}' is not an image, audio, video, pdf or pointcloud object of this project's "
                          "schema",
                          field="object")
        return {media[object_name].type: media[object_name].field}
    if not media:
        raise Invalid("the project's schema shows no image, audio, video, pdf or pointcloud object to import media into",
                      field="object")
    others = [name for name, spec in schema.objects.items() if spec.type not in MEDIA_OBJECT_TYPES]
    if others:
        raise Invalid(f"the schema also shows {', '.join(others)}, which a media file cannot fill; "
                      "import rows (JSON/CSV) that reference the media instead", field="object")
    targets: dict[str, str] = {}
    for kind in MEDIA_OBJECT_TYPES:
        names = [name for name, spec in media.items() if spec.type == kind]
        if len(names) > 1:
            raise Invalid(f"the schema has several {kind} objects ({', '.join(names)}); pass object=", field="object")
        if names:
            targets[kind] = media[names[0]].field
    return targets


def _safe_entry_name(entry: zipfile.ZipInfo, label: str) -> str:
    raw = entry.orig_filename if hasattr(entry, "orig_filename") else entry.filename
    name = raw.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if (not name or name.startswith("/") or "\x00" in name or ".." in parts
            or (len(name) > 1 and name[1] == ":")):
        raise Invalid(f"{label}: entry '{raw}' points outside the archive (path traversal); nothing was imported",
                      field=raw)
    mode = entry.external_attr >> 16
    if entry.create_system == 3 and (mode & 0o170000) == 0o120000:
        raise Invalid(f"{label}: entry '{raw}' is a symbolic link; links are not accepted", field=raw)
    return name


class _Budget:
    """Bytes an archive may still unpack to, spent as they are written."""

    def __init__(self, left: int, label: str) -> None:
        self.left = left
        self.label = label

    def spend(self, size: int, field: str) -> None:
        self.left -= size
        if self.left < 0:
            raise Invalid(f"{self.label}: unpacks to more than its compressed size allows (a zip bomb?); "
                          "nothing was imported", field=field)


def _extract(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, target: Path, where: str, limit: int,
             budget: _Budget) -> int:
    """Unpack one entry, counting the bytes as they come: never more than `limit` (its checked declared size)."""
    written = 0
    try:
        with archive.open(entry) as source, open(target, "xb") as out:
            while chunk := source.read(_COPY_CHUNK):
                written += len(chunk)
                if written > limit:  # a header that lies
                    raise Invalid(f"{where} holds more than it declares (a zip bomb?)", field=entry.filename)
                budget.spend(len(chunk), entry.filename)
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno is not None:  # our disk (full, read-only), not the archive
            raise
        raise Invalid(f"{where} cannot be unpacked ({exc})", field=entry.filename) from None
    except Invalid:
        target.unlink(missing_ok=True)
        raise
    return written


def tally_bytes(collected: Collected, name: str, size: int, limits: MediaLimits) -> None:
    collected.total_bytes += size
    if collected.total_bytes > limits.max_total_bytes:
        raise Invalid(f"{name}: the files add up to more than {limits.max_total_bytes} bytes", field=name)


def _is_junk(name: str) -> bool:
    base = PurePosixPath(name).name
    return name.startswith(_JUNK[0]) or base in _JUNK or base.startswith(".")



def copy_upload(source: IO[bytes], target: Path, *, limit: int, name: str) -> int:
    """Copy an uploaded file to `target`, refusing more than `limit` bytes."""
    written = 0
    with open(target, "xb") as out:
        while chunk := source.read(_COPY_CHUNK):
            written += len(chunk)
            if written > limit:
                raise TooLarge(f"{name}: over the {limit} byte limit per media file", field=name)
            out.write(chunk)
    return written
