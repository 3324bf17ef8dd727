"""KITTI 3D object labels in as predictions: a detector's `label_2/<sweep>.txt` files, matched to the tasks
whose point-cloud frames carry the same file stem (the name the sweep was uploaded under).

Each file's cuboids become regions of the project's cuboids control on that task (with `frame` on a
sequence), and each task gets one prediction through `predictions.upload`, so they are checked against
the schema like any other prediction. All or nothing: a file that names no sweep of the project, or a
malformed line, is refused naming the file.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.assist import predictions
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.formats.kitti3d import read_kitti_labels, sweep_files
from labelwise.schema.cuboid_regions import frames_of
from labelwise.store.models import Task, User

MAX_FILES = 20_000
MAX_FILE_BYTES = 4 * 1024**2


def files_of_zip(content: bytes, name: str = "the upload") -> dict[str, str]:
    """The `.txt` files of a zip (any folder), by path; other entries are ignored."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise Invalid(f"{name}: not a readable zip archive ({exc})", field="file") from None
    out = {}
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir() and e.filename.lower().endswith(".txt")]
        if len(entries) > MAX_FILES:
            raise Invalid(f"{name}: {len(entries)} label files is over the {MAX_FILES} limit", field="file")
        for entry in entries:
            if entry.file_size > MAX_FILE_BYTES:
                raise Invalid(f"{name}: {entry.filename} is over {MAX_FILE_BYTES} bytes", field=entry.filename)
            try:
                out[entry.filename] = archive.read(entry).decode("utf-8")
            except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
                raise Invalid(f"{name}: {entry.filename} cannot be read as UTF-8 text ({exc})",
                              field=entry.filename) from None
    if not out:
        raise Invalid(f"{name}: holds no .txt label files", field="file")
    return out


def import_kitti(session: Session, user: User, project_id: int, files: Mapping[str, str], *,
                 control: str | None = None, model_version: str = "kitti") -> int:
    """Store one prediction per task that a label file names; returns how many."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    schema = project_schema(project)
    cuboid_controls = [n for n, s in schema.controls.items() if s.type == "cuboids"]
    if control is None:
        if not cuboid_controls:
            raise Invalid("the project's schema has no cuboids control to hold KITTI labels", field="control")
        control = cuboid_controls[0]
    elif control not in cuboid_controls:
        raise Invalid(f"'{control}' is not a cuboids control of this project", field="control")
    field = schema.objects[schema.controls[control].object].field
    # KITTI writes "Car", "Pedestrian": take the schema's spelling of a label when only the case differs
    spelled = {label.lower(): label for label in schema.controls[control].labels}
    where: dict[str, tuple[Task, int, bool]] = {}
    for task in session.scalars(select(Task).where(Task.project_id == project_id).order_by(Task.id)):
        record = {"id": task.id, "data": task.data, "meta": task.meta}
        sequence = frames_of((task.data or {}).get(field)) is not None
        for frame, stem in enumerate(sweep_files(record, field)):
            where.setdefault(stem, (task, frame, sequence))
    results: dict[int, list[dict]] = {}
    for path in sorted(files):
        stem = posixpath.splitext(posixpath.basename(path))[0]
        if stem not in where:
            raise Invalid(f"{path}: no point cloud of this project is named {stem} (by its uploaded file name); "
                          "nothing was imported", field=path)
        task, frame, sequence = where[stem]
        regions = results.setdefault(task.id, [])
        for k, cuboid in enumerate(read_kitti_labels(files[path], path)):
            cuboid["label"] = spelled.get(cuboid["label"].lower(), cuboid["label"])
            if cuboid["label"] not in schema.controls[control].labels and not schema.controls[control].labels_field:
                raise Invalid(f"{path}: label {cuboid['label']!r} is not one of control '{control}''s labels "
                              f"({', '.join(schema.controls[control].labels)}); nothing was imported", field=path)
            regions.append({"id": f"kitti-{stem}-{k}", **cuboid, **({"frame": frame} if sequence else {})})
    items = [{"task_id": task_id, "result": {control: regions}, "model_version": model_version}
             for task_id, regions in results.items()]
    if not items:
        raise Invalid("no label files to import", field="file")
    return predictions.upload(session, user, project_id, items)
