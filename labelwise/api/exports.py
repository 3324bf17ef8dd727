"""Exports of a project's tasks in every registered format.

`GET .../export` answers at once: row formats stream as they are read, file formats are written to a
temporary file in a worker thread and then streamed (and deleted). `POST .../exports` queues an `export`
job instead (progress, cancel, a worker may run it), whose file `GET /jobs/{id}/file` downloads."""

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from labelwise.api.contract import errors, file_download
from labelwise.api.deps import SessionDep, SessionFactoryDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.core.dataio import export_job
from labelwise.core.dataio.exporting import (
    ExportOptions,
    authorize_export,
    export_options,
    iter_records,
    records_for,
    write_export,
)
from labelwise.core.platform import jobs
from labelwise.core.projects.projects import project_schema
from labelwise.errors import NotFound
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
    request: Request,
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
    include_auto_labels: Annotated[bool, Query(description="Add auto-labels (`auto_label`) and each label's "
                                               "`label_source` (human or auto), apart from the human labels.")] = False,
):
    """A project export in any registered format, filtered and optionally split train/validation/test."""
    exporters.get(format)
    options = export_options(
        source=source, status=status, accepted_only=accepted_only, since=since, until=until, annotator=annotator,
        label=label, split=split, split_seed=split_seed, include_skipped=include_skipped, only_labeled=only_labeled,
        schema_version=schema_version, guidelines_version=guidelines_version, include_auto_labels=include_auto_labels,
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
                         source=options.source, split=bool(options.split), storage=request.app.state.storage)

    return await file_response(write, media, name)


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field("jsonl", description=FORMAT_HELP)
    source: str = Field("consensus", description="consensus (with confidence), first, or all annotations")
    status: str | None = Field(None, description="Annotation statuses, comma-separated: submitted, skipped, rejected")
    accepted_only: bool = False
    since: str | None = None
    until: str | None = None
    annotator: str | None = None
    label: str | None = None
    split: str | None = Field(None, description="'true' or train,validation,test ratios (80,10,10).")
    split_seed: str = ""
    include_predictions: bool | None = Field(None, description="Default: on for labelstudio, off otherwise.")
    include_skipped: bool = False
    only_labeled: bool = False
    schema_version: int | None = Field(None, ge=1)
    guidelines_version: int | None = Field(None, ge=1)
    include_auto_labels: bool = Field(False, description="Add auto-labels (their own key, never mixed in).")


@router.post("/projects/{project_id}/exports", response_model=JobOut, status_code=202)
def queue_export(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
                 body: ExportIn | None = None):
    """Queue an `export` job (managers) with the same options as `GET .../export`: it writes the file in the
    background with progress and cancel; `GET /jobs/{id}/file` downloads it once the job has succeeded."""
    body = body or ExportIn()
    options = body.model_dump(exclude={"format"}, exclude_defaults=True)
    if body.include_predictions is None:
        options["include_predictions"] = body.format == "labelstudio"
    job = export_job.queue_export(session, user, project_id, fmt=body.format, options=options)
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))


@router.get("/jobs/{job_id}/file", response_class=Response, responses={**EXPORT_FILE, **errors(404, 409)})
def export_job_file(job_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep):
    """The file an `export` job wrote (managers of its project); 409 until the job has succeeded."""
    found = export_job.export_file(session, user, job_id, progress_dir=progress_dir(settings))
    storage = request.app.state.storage
    if not storage.exists(found["file"]):
        raise NotFound(f"the file of export job {job_id} is no longer stored; run the export again")
    headers = {**_disposition(found["filename"]), "Content-Length": str(found["size"])}
    return StreamingResponse(storage.stream(found["file"]), media_type=found["media_type"], headers=headers)


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
