"""Imports: tasks from the request body in any registered format (synchronous, or as a job with progress),
jobs, and projects created from a Label Studio XML labeling config."""

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from labelwise.api.deps import SessionDep, SessionFactoryDep, SettingsDep, UserDep, bounded_body
from labelwise.api.schemas import ImportOut, ProjectOut
from labelwise.core import jobs
from labelwise.core.access import Role, authorize
from labelwise.core.errors import Invalid
from labelwise.core.import_duplicates import DuplicateMode
from labelwise.core.import_files import import_file
from labelwise.core.projects import create_project
from labelwise.formats import labelstudio_config
from labelwise.formats.labels import INTO
from labelwise.formats.registry import READERS, import_format

router = APIRouter(tags=["import"])
SPOOL_IN_MEMORY = 1024 * 1024
FORMAT_HELP = f"One of {', '.join(READERS)}; default: from Content-Type. COCO and Label Studio need it."
# Read by the route itself under its own limit (deps.bounded_body), not the general body limit.
UPLOAD_PATH = "/projects/{project_id}/import"


class JobOut(BaseModel):
    id: int
    project_id: int
    kind: str
    status: str = Field(description="queued, running, succeeded or failed")
    done: int = Field(description="Bytes of the upload read so far.")
    total: int | None = Field(description="Bytes in the upload.")
    rows: int = Field(description="Tasks written so far (not yet committed while running: all or nothing).")
    progress: float | None = Field(description="done / total, from 0 to 1.")
    result: dict[str, Any] | None = Field(description="The import summary once succeeded.")
    error: dict[str, Any] | None = Field(description="The error (with bad rows by line) once failed.")
    created_at: Any
    updated_at: Any
    finished_at: Any


class LabelStudioProjectIn(BaseModel):
    name: str
    label_config_xml: str = Field(description="A Label Studio <View> labeling config.")
    description: str = ""
    guidelines: str = ""
    settings: dict[str, Any] | None = None


class LabelStudioProjectOut(BaseModel):
    project: ProjectOut
    warnings: list[str] = Field(description="What the config had that could not be converted.")


@router.post(UPLOAD_PATH, response_model=ImportOut, status_code=201,
             response_model_exclude_defaults=True,  # the annotation counts appear when there were any
             responses={202: {"model": JobOut, "description": "With async=true: the job to poll"}})
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
        return await _start_job(request, user, session, settings, factory, project_id, fmt, options)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        await _receive(request, spool, settings.max_upload_bytes)
        spool.seek(0)

        def run():
            with factory() as import_session:
                return import_file(import_session, user, project_id, spool, fmt, **options)

        summary = await run_in_threadpool(run)
    return ImportOut(**summary.__dict__)


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: int, user: UserDep, session: SessionDep, settings: SettingsDep):
    """A job's status and progress (managers of its project)."""
    return jobs.get_job(session, user, job_id, progress_dir=_progress_dir(settings)).__dict__


@router.post("/projects/from-labelstudio", response_model=LabelStudioProjectOut, status_code=201)
def create_from_labelstudio(body: LabelStudioProjectIn, user: UserDep, session: SessionDep):
    """Create a project from a Label Studio XML labeling config; `warnings` lists what could not be kept."""
    schema, warnings = labelstudio_config.convert(body.label_config_xml)
    project = create_project(session, user, name=body.name, label_schema=schema, description=body.description,
                             guidelines=body.guidelines, settings=body.settings)
    out = ProjectOut.model_validate(project)
    out.role = Role.MANAGER.label
    return LabelStudioProjectOut(project=out, warnings=warnings)


async def _start_job(request, user, session, settings, factory, project_id: int, fmt: str, options: dict) -> JSONResponse:
    fd, path = tempfile.mkstemp(prefix="labelwise-import-")
    try:
        with os.fdopen(fd, "wb") as spool:
            size = await _receive(request, spool, settings.max_upload_bytes)
        job = await run_in_threadpool(jobs.create_job, session, user, project_id, kind=jobs.KIND_IMPORT, total=size)
    except BaseException:
        os.unlink(path)
        raise

    def work(job_session, job_user, report):
        with open(path, "rb") as raw:
            tracked = jobs.TrackedReader(raw)
            return import_file(job_session, job_user, project_id, tracked, fmt,
                               on_batch=lambda rows: report(tracked.position, rows), **options)

    jobs.run_in_thread(factory, job.id, user.id, work, progress_dir=_progress_dir(settings),
                       cleanup=lambda: os.path.exists(path) and os.unlink(path))
    view = await run_in_threadpool(jobs.get_job, session, user, job.id, progress_dir=_progress_dir(settings))
    return JSONResponse(JobOut(**view.__dict__).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job.id}"})


async def _receive(request: Request, fp, limit: int) -> int:
    size = 0
    async for chunk in bounded_body(request, limit):
        size += len(chunk)
        fp.write(chunk)
    return size


def _progress_dir(settings) -> Path:
    return Path(settings.data_dir) / "jobs"
