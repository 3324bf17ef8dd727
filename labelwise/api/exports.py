"""Exports of a project's tasks in every registered format: row formats stream as they are read, file
formats are written to a temporary file in a worker thread and then streamed (and deleted)."""

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from labelwise.api.contract import file_download
from labelwise.api.deps import SessionDep, SessionFactoryDep, UserDep
from labelwise.core.dataio.exporting import ExportOptions, authorize_export, export_options, iter_records, records_for, write_export
from labelwise.core.projects.projects import project_schema
from labelwise.formats import exporters

router = APIRouter(tags=["export"])
CHUNK = 256 * 1024
FORMAT_HELP = "One of: " + ", ".join(exporters.EXPORTERS)
EXPORT_FILE = file_download([e["media_type"] for e in exporters.describe()] + ["application/zip"],
                            "The export file, in the media type of its format (a zip when split)")


@router.get("/export-formats")
def export_formats(user: UserDep) -> list[dict]:
    """The export formats, with their media type and file extension."""
    return exporters.describe()


@router.get("/projects/{project_id}/export", response_class=Response, responses=EXPORT_FILE)
async def export(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    factory: SessionFactoryDep,
    format: Annotated[str, Query(description=FORMAT_HELP)] = "jsonl",
    source: Annotated[str, Query(description="consensus (with confidence), first, or all annotations")] = "consensus",
    status: Annotated[str | None, Query(description="Annotation statuses, comma-separated: submitted, skipped, rejected")] = None,
    accepted_only: Annotated[bool, Query(description="Only annotations whose latest review accepted (or fixed) them.")] = False,
    since: Annotated[str | None, Query(description="Annotations updated at or after this ISO time.")] = None,
    until: Annotated[str | None, Query(description="Annotations updated before this ISO time.")] = None,
    annotator: Annotated[str | None, Query(description="Only this annotator's annotations (username or id).")] = None,
    label: Annotated[str | None, Query(description="Only tasks whose final label includes this label.")] = None,
    split: Annotated[str | None, Query(description="'true' or train,validation,test ratios (80,10,10).")] = None,
    split_seed: str = "",
    include_predictions: Annotated[bool | None, Query(description="Default: on for labelstudio, off otherwise.")] = None,
    include_skipped: bool = False,
    only_labeled: Annotated[bool, Query(description="Leave out tasks without annotations.")] = False,
    schema_version: Annotated[int | None, Query(ge=1, description="Only answers made under this label schema "
                                                "version.")] = None,
    guidelines_version: Annotated[int | None, Query(ge=1, description="Only answers made under this guidelines "
                                                    "version.")] = None,
):
    """A project export in any registered format, filtered and optionally split train/validation/test."""
    exporters.get(format)
    options = export_options(
        source=source, status=status, accepted_only=accepted_only, since=since, until=until, annotator=annotator,
        label=label, split=split, split_seed=split_seed, include_skipped=include_skipped, only_labeled=only_labeled,
        schema_version=schema_version, guidelines_version=guidelines_version,
        include_predictions=format == "labelstudio" if include_predictions is None else include_predictions,
    )
    project = await run_in_threadpool(authorize_export, session, user, project_id, options)
    schema = project_schema(project)
    name = exporters.file_name(f"project-{project.id}", format, split=bool(options.split))
    media = exporters.media_type(format, split=bool(options.split))
    if exporters.get(format).rows:
        return StreamingResponse(_stream_rows(factory, project_id, options, format, schema), media_type=media,
                                 headers=_disposition(name))

    def write(fp: IO[bytes]) -> None:
        with factory() as export_session:
            write_export(format, records_for(export_session, project_id, options), fp, schema=schema,
                         source=options.source, split=bool(options.split))

    return await file_response(write, media, name)


async def file_response(write: Callable[[IO[bytes]], None], media_type: str, filename: str) -> StreamingResponse:
    """Run `write` on a temporary file in a worker thread, then stream the file and delete it.

    Errors (a schema the format cannot express, a missing optional library) surface before the
    response starts, so they become a proper 4xx instead of a truncated download.
    """
    fd, path = tempfile.mkstemp(prefix="labelwise-export-")
    try:
        with os.fdopen(fd, "wb") as fp:
            await run_in_threadpool(write, fp)
        size = os.path.getsize(path)
    except BaseException:
        os.unlink(path)
        raise
    headers = {**_disposition(filename), "Content-Length": str(size)}
    return StreamingResponse(_stream_file(path), media_type=media_type, headers=headers)


def _stream_file(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fp:
            while chunk := fp.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _stream_rows(factory: sessionmaker[Session], project_id: int, options: ExportOptions, fmt: str, schema) -> Iterator[bytes]:
    with factory() as session:
        yield from exporters.stream(fmt, iter_records(session, project_id, options), schema=schema, source=options.source)


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
