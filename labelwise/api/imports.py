"""Imports: tasks from the request body in any registered format (synchronous, or as a job with progress),
jobs, and projects created from a Label Studio XML labeling config."""

import hashlib
import os
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwise.api.deps import ProjectCreatorDep, SessionDep, SessionFactoryDep, SettingsDep, UserDep, bounded_body
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.api.schemas import ImportOut, ProjectOut
from labelwise.core.dataio import import_job
from labelwise.core.dataio.import_files import import_file
from labelwise.core.duplicates.import_duplicates import DuplicateMode
from labelwise.core.platform import jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import create_project
from labelwise.errors import Invalid
from labelwise.formats import labelstudio_config
from labelwise.formats.labels import INTO
from labelwise.formats.registry import READERS, import_format

router = APIRouter(tags=["import"])
SPOOL_IN_MEMORY = 1024 * 1024
FORMAT_HELP = f"One of {', '.join(READERS)}; default: from Content-Type. COCO and Label Studio need it."
# Read by the route itself under its own limit (deps.bounded_body), not the general body limit.
UPLOAD_PATH = "/projects/{project_id}/import"


class LabelStudioProjectIn(BaseModel):
    name: str
    label_config_xml: str = Field(description="A Label Studio <View> labeling config.")
    description: str = ""
    guidelines: str = ""
    settings: dict[str, Any] | None = None


class LabelStudioProjectOut(BaseModel):
    project: ProjectOut
    warnings: list[str] = Field(description="What the config had that could not be converted.")


_TEXT = {"schema": {"type": "string"}}
# Read from the raw body as it streams in (no model), so documented here: the format follows the Content-Type.
IMPORT_BODY = {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    "application/jsonl": _TEXT, "text/csv": _TEXT, "text/tab-separated-values": _TEXT,
    "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
}}


@router.post(UPLOAD_PATH, response_model=ImportOut, status_code=201,
             response_model_exclude_defaults=True,  # the annotation counts appear when there were any
             responses={202: {"model": JobOut, "description": "With async=true: the job to poll"}},
             openapi_extra={"requestBody": IMPORT_BODY})
async def import_tasks(
    project_id: int,
    request: Request,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    format: Annotated[str | None, Query(description=FORMAT_HELP)] = None,
    into: Annotated[str, Query(description="What labels in COCO, CoNLL or Parquet become: predictions, "
                                           "annotations or gold.")] = "predictions",
    image_root: Annotated[str, Query(description="COCO: prefix for image file names, e.g. "
                                                 "https://example.com/images/ or /media/...")] = "",
    duplicates: Annotated[DuplicateMode, Query(description="Rows whose exact content is already in the project "
                                                            "(or earlier in this import): allow, skip or flag.")] = "allow",
    run_async: Annotated[bool, Query(alias="async", description="Answer 202 with a job at once; poll "
                                                                "GET /jobs/{id} for progress.")] = False,
):
    """Import tasks from the request body. All or nothing; bad rows are reported by line or entry."""
    await run_in_threadpool(authorize, session, user, project_id, Role.MANAGER)
    fmt = import_format(name=format, media_type=request.headers.get("content-type"))
    if into not in INTO:
        raise Invalid(f"into must be one of {', '.join(INTO)}, not '{into}'", field="into")
    options = {"into": into, "image_root": image_root, "max_line_bytes": settings.max_line_bytes, "batch_size": settings.import_batch_size,
               "max_errors": settings.max_import_errors, "duplicates": duplicates}
    if run_async:
        return await _start_job(request, user, session, settings, project_id, fmt, options)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        await _receive(request, spool, settings.max_upload_bytes)
        spool.seek(0)

        def run():
            with factory() as import_session:
                return import_file(import_session, user, project_id, spool, fmt, **options)

        summary = await run_in_threadpool(run)
    return ImportOut(**summary.__dict__)


@router.post("/projects/from-labelstudio", response_model=LabelStudioProjectOut, status_code=201)
def create_from_labelstudio(body: LabelStudioProjectIn, user: ProjectCreatorDep, session: SessionDep):
    """Create a project from a Label Studio XML labeling config; `warnings` lists what could not be kept."""
    schema, warnings = labelstudio_config.convert(body.label_config_xml)
    project = create_project(session, user, name=body.name, label_schema=schema, description=body.description,
                             guidelines=body.guidelines, settings=body.settings)
    out = ProjectOut.model_validate(project)
    out.role = Role.MANAGER.label
    return LabelStudioProjectOut(project=out, warnings=warnings)


async def _start_job(request, user, session, settings, project_id: int, fmt: str, options: dict) -> JSONResponse:
    fd, path = tempfile.mkstemp(prefix="labelwise-import-")
    try:
        with os.fdopen(fd, "wb") as spool:
            digest = hashlib.sha256()
            size = await _receive(request, spool, settings.max_upload_bytes, digest=digest)
        storage = request.app.state.storage
        key = await run_in_threadpool(import_job.store_upload, storage, project_id, path, digest.hexdigest())
    finally:
        os.unlink(path)
    job = await run_in_threadpool(import_job.queue_import, session, user, project_id, upload=key, size=size,
                                  fmt=fmt, options=options)
    wake_runner(request)
    view = await run_in_threadpool(jobs.get_job, session, user, job.id, progress_dir=progress_dir(settings))
    return JSONResponse(job_out(view).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job.id}"})


async def _receive(request: Request, fp, limit: int, *, digest=None) -> int:
    size = 0
    async for chunk in bounded_body(request, limit):
        size += len(chunk)
        fp.write(chunk)
        if digest is not None:
            digest.update(chunk)
    return size
