"""Importing a file in any registered format: the core service hands the reader the project's schema."""

from collections.abc import Callable
from typing import IO

from sqlalchemy.orm import Session

from labelwise.core.dataio import importing
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.formats.registry import read_rows
from labelwise.store.models import User

# Exports of other tools whose regions past the media's bounds are real data, kept and flagged (Label Studio's
# COCO and VOC exports carry its boxes as drawn, past the image's edge too).
KEEPS_OUT_OF_RANGE = ("labelstudio", "labelstudio_min", "labelstudio_csv", "labelstudio_tsv", "coco", "voc")


def import_file(
    session: Session,
    user: User,
    project_id: int,
    fp: IO[bytes],
    fmt: str,
    *,
    into: str = "predictions",
    image_root: str = "",
    max_line_bytes: int = 16 * 1024**2,
    batch_size: int = 5000,
    max_errors: int = 50,
    on_batch: Callable[[int], None] | None = None,
    duplicates: str = "allow",
) -> importing.ImportSummary:
    """Read `fp` as `fmt` and import it all or nothing (see `importing.import_tasks`)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    rows = read_rows(fp, fmt, max_line_bytes=max_line_bytes, schema=project_schema(project), into=into,
                     image_root=image_root)
    return importing.import_tasks(session, user, project_id, rows, batch_size=batch_size, max_errors=max_errors,
                                  on_batch=on_batch, duplicates=duplicates,
                                  keep_out_of_range=fmt in KEEPS_OUT_OF_RANGE)
