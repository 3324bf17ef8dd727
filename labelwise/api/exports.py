"""Streamed exports of a project's tasks and annotations."""

import io
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from labelwise.api.deps import SessionDep, SessionFactoryDep, UserDep
from labelwise.core.exporting import ExportOptions, authorize_export, flat_record, iter_records
from labelwise.formats import delimited, jsonl

router = APIRouter(tags=["export"])
CHUNK = 256 * 1024
MEDIA = {"jsonl": "application/jsonl", "csv": "text/csv; charset=utf-8"}


@router.get("/projects/{project_id}/export")
def export(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    factory: SessionFactoryDep,
    format: Literal["jsonl", "csv"] = "jsonl",
    include_predictions: bool = False,
    include_skipped: bool = False,
    only_labeled: Annotated[bool, Query(description="Leave out tasks without annotations.")] = False,
):
    """Every task with its annotations, streamed: JSON Lines (one task per line) or CSV."""
    project = authorize_export(session, user, project_id)
    options = ExportOptions(include_predictions=include_predictions, include_skipped=include_skipped,
                            only_labeled=only_labeled)
    return StreamingResponse(
        _stream(factory, project_id, options, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="project-{project.id}.{format}"'},
    )


def _stream(factory: sessionmaker[Session], project_id: int, options: ExportOptions, fmt: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    csv_writer: delimited.RowWriter | None = None
    with factory() as session:
        for record in iter_records(session, project_id, options):
            if fmt == "csv":
                row = flat_record(record)
                csv_writer = csv_writer or delimited.RowWriter(buffer, list(row))
                csv_writer.write(row)
            else:
                buffer.write(jsonl.dumps(record))
                buffer.write("\n")
            if buffer.tell() >= CHUNK:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
