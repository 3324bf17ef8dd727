"""A YOLO dataset zip (`images/`, `labels/`, `data.yaml` or `classes.txt`) in: stored media tasks with their boxes.

The archive is unpacked by `media_import.collect_zip` (the one place that checks zips: traversal,
links, encryption, bombs) keeping its layout, read by `formats.yolo.read` (which names a bad label
line by file and line), and the images then go through `media_import.import_media` with their labels,
so storing, duplicate handling and the all-or-nothing cleanup are the media import's.

A zip with `labels/` and no `images/` (Label Studio's YOLO export) becomes tasks through
`importing.import_tasks`: each label file's image is that of a task already in the project whose image has
the same file name (without extension), else the name itself (`formats.yolo.read_labels`).
"""

import tempfile
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.assist import predictions
from labelwise.core.dataio.importing import import_tasks
from labelwise.core.dataio.media_import import Collected, MediaFile, MediaImportSummary, collect_zip, import_media
from labelwise.core.duplicates.import_duplicates import DuplicateMode
from labelwise.core.media.media import MediaLimits
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.formats import yolo
from labelwise.formats._images import image_object
from labelwise.formats.labels import INTO
from labelwise.schema import LabelSchema
from labelwise.storage import Storage
from labelwise.store.models import Task, User

LABEL_SUFFIXES = (".txt", ".yaml", ".yml")


def import_yolo_zip(
    session: Session,
    user: User,
    project_id: int,
    archive: Path | IO[bytes],
    *,
    storage: Storage,
    limits: MediaLimits,
    label: str = "upload.zip",
    into: str = "predictions",
    object_name: str | None = None,
    duplicates: DuplicateMode = "allow",
    model_version: str = "yolo",
    batch_size: int = 5000,
    max_errors: int = 50,
) -> MediaImportSummary:
    """Import a YOLO zip: each image under `images/` becomes a media task, its label file its boxes/polygons
    as predictions, annotations or gold (`into`). All or nothing."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if into not in INTO:
        raise Invalid(f"into must be one of {', '.join(INTO)}", field="into")
    schema = project_schema(project)
    with tempfile.TemporaryDirectory(prefix="labelwise-yolo-") as work:
        unpacked = Path(work) / "dataset"
        unpacked.mkdir()
        collected = Collected()
        collect_zip(archive, label, unpacked, collected, limits=limits, keep_paths=True, also=LABEL_SUFFIXES)
        root = _dataset_root(unpacked, label)
        if not (root / "images").is_dir():
            return _labels_only(session, user, project_id, root, schema, collected, object_name=object_name, into=into,
                                model_version=model_version, duplicates=duplicates, batch_size=batch_size,
                                max_errors=max_errors)
        prefix = root.relative_to(unpacked).as_posix()
        prefix = "" if prefix == "." else f"{prefix}/"
        files, labels = [], {}
        for row in yolo.read(root, schema=schema, image=object_name, into=into, model_version=model_version):
            value = row.value
            (field_value,) = value["data"].values()
            relative = field_value["src"]
            name = f"{label}/{prefix}images/{relative}"
            files.append(MediaFile(name, root / "images" / relative))
            labels[name] = {k: v for k, v in value.items() if k != "data"}
        if not files:
            raise Invalid(f"{label}: no images under images/", field="images")
        return import_media(session, user, project_id, files, storage=storage, limits=limits,
                            object_name=object_name, duplicates=duplicates, batch_size=batch_size,
                            max_errors=max_errors, ignored=collected.ignored, labels=labels)


def _dataset_root(unpacked: Path, label: str) -> Path:
    """The folder holding `images/` (or `labels/` alone): the archive's top, or its single top-level folder."""
    for folder in ("images", "labels"):
        if (unpacked / folder).is_dir():
            return unpacked
        tops = [p for p in unpacked.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX"))]
        if len(tops) == 1 and (tops[0] / folder).is_dir():
            return tops[0]
    raise Invalid(f"{label}: no images/ or labels/ folder at the top of the archive (YOLO needs labels/, and "
                  "images/ unless the project's tasks already show the images)", field="images")


def _labels_only(session: Session, user: User, project_id: int, root: Path, schema: LabelSchema, collected: Collected,
                 *, object_name: str | None, into: str, model_version: str, duplicates: DuplicateMode, batch_size: int,
                 max_errors: int) -> MediaImportSummary:
    """Label files without images: on the project's tasks showing images of those names (as predictions), or,
    when none does, as new tasks."""
    shown = _task_images(session, project_id, schema, object_name)
    names = [path.relative_to(root / "labels").with_suffix("").as_posix()
             for path in sorted((root / "labels").rglob("*.txt")) if path.is_file()]
    matched = [name for name in names if PurePosixPath(name).name in shown]
    if not matched:
        summary = import_tasks(session, user, project_id, yolo.read_labels(
            root, schema=schema, images={}, image=object_name, into=into, model_version=model_version),
            batch_size=batch_size, max_errors=max_errors, duplicates=duplicates,
            keep_out_of_range=True)  # another tool's export: a required control it has no column for is flagged
        return MediaImportSummary(imported=summary.imported, stored=0, reused=0, ignored=collected.ignored,
                                  duplicates_skipped=summary.duplicates_skipped,
                                  duplicates_flagged=summary.duplicates_flagged,
                                  near_duplicates=summary.near_duplicates, out_of_range=summary.out_of_range,
                                  predictions=summary.predictions)
    for name in names:
        task = shown.get(PurePosixPath(name).name)
        if task is None:
            raise Invalid(f"labels/{name}.txt: no task of this project shows an image named {PurePosixPath(name).name} "
                          f"(as one does for {matched[0]}); label files without images go onto the tasks showing "
                          "their images, or all become new tasks", field=f"labels/{name}.txt")
        value = task[1]
        if into != "predictions" or not (isinstance(value, dict) and value.get("width") and value.get("height")):
            raise Invalid(f"labels/{name}.txt: task {task[0]} shows this image; labels for a task already in the "
                          "project come in as its predictions (into=predictions), and need the image's width and "
                          "height in the task data", field=f"labels/{name}.txt")
    items = []
    for row in yolo.read_labels(root, schema=schema, images={k: v for k, (_, v) in shown.items()}, image=object_name,
                                into=into, model_version=model_version):
        for prediction in row.value.get("predictions") or ():
            items.append({"task_id": shown[PurePosixPath(row.value["external_id"]).name][0], **prediction})
    stored = predictions.upload(session, user, project_id, items) if items else 0
    return MediaImportSummary(imported=0, stored=0, reused=0, ignored=collected.ignored, predictions=stored,
                              out_of_range=0)


def _task_images(session: Session, project_id: int, schema: LabelSchema,
                 object_name: str | None) -> dict[str, tuple[int, Any]]:
    """(task id, image) of the project's tasks by file name without extension (the first task showing it): an
    uploaded file's own name (`meta.filename`), else the last part of its URL."""
    _, field = image_object(schema, object_name)
    images: dict[str, tuple[int, Any]] = {}
    rows = session.execute(select(Task.id, Task.data, Task.meta).where(Task.project_id == project_id).order_by(Task.id))
    for task_id, data, meta in rows:
        value = data.get(field) if isinstance(data, dict) else None
        name = meta.get("filename") if isinstance(meta, dict) else None
        if not isinstance(name, str):
            name = value.get("src") if isinstance(value, dict) else value
        if isinstance(name, str) and name:
            images.setdefault(PurePosixPath(urlsplit(name).path).stem, (task_id, value))
    return images
