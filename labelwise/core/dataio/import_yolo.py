"""A YOLO dataset zip (`images/`, `labels/`, `data.yaml` or `classes.txt`) in: stored media tasks with their boxes.

The archive is unpacked by `media_import.collect_zip` (the one place that checks zips: traversal,
links, encryption, bombs) keeping its layout, read by `formats.yolo.read` (which names a bad label
line by file and line), and the images then go through `media_import.import_media` with their labels,
so storing, duplicate handling and the all-or-nothing cleanup are the media import's.
"""

import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from labelwise.core.dataio.media_import import Collected, MediaFile, MediaImportSummary, collect_zip, import_media
from labelwise.core.duplicates.import_duplicates import DuplicateMode
from labelwise.core.media.media import MediaLimits
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.formats import yolo
from labelwise.formats.labels import INTO
from labelwise.storage import Storage
from labelwise.store.models import User

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
    """The folder holding `images/`: the archive's top, or its single top-level folder."""
    if (unpacked / "images").is_dir():
        return unpacked
    tops = [p for p in unpacked.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX"))]
    if len(tops) == 1 and (tops[0] / "images").is_dir():
        return tops[0]
    raise Invalid(f"{label}: no images/ folder at the top of the archive (YOLO needs images/ and labels/)",
                  field="images")
