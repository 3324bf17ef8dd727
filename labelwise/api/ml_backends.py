"""ML backends of a project (add, list, change, remove, check) and pre-labeling through one of them."""

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.api.schemas import Timestamp
from labelwise.core.assist import backends, ocr, prelabel, train_backend
from labelwise.core.assist import jobs as builtin_jobs
from labelwise.core.platform import jobs

router = APIRouter(tags=["ml backends"])


class BackendIn(BaseModel):
    name: str = Field(description="Unique in the project.")
    url: str = Field(description="Base URL of the backend, e.g. http://127.0.0.1:9090")
    kind: str = Field("labelwise", description="'labelwise' (our protocol) or 'labelstudio' (a Label Studio ML backend).")
    auth_header: str | None = Field(None, description="Sent as the Authorization header; never shown back.")
    timeout_seconds: float = Field(30.0, description="How long to wait for each call.")
    enabled: bool = True
    label_config: str | None = Field(None, description="Label Studio XML for 'labelstudio' backends; default: "
                                                       "written from the project's schema.")


class BackendPatch(BaseModel):
    model_config = {"extra": "forbid"}
    name: str | None = None
    url: str | None = None
    kind: str | None = None
    auth_header: str | None = None
    timeout_seconds: float | None = None
    enabled: bool | None = None
    label_config: str | None = None


class BackendOut(BaseModel):
    id: int
    project_id: int
    name: str
    url: str
    kind: str
    has_auth: bool = Field(description="An Authorization header is set.")
    timeout_seconds: float
    enabled: bool
    label_config: str | None
    model_version: str | None = Field(description="The model version the backend last reported.")
    last_status: str | None = Field(description="'ok' or 'error' after the last check or pre-label.")
    last_error: str | None = Field(description="What went wrong last time, in words.")
    checked_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class PrelabelIn(BaseModel):
    backend_id: int | None = Field(None, description="Predict through this ML backend.")
    version_id: int | None = Field(None, description="Without backend_id: this built-in model version "
                                                     "(default: the latest).")
    batch_size: int = Field(32, description="Tasks per call to the backend.")
    all_tasks: bool = Field(False, description="Also predict tasks that already have annotations (backends).")


@router.get("/projects/{project_id}/ml-backends", response_model=list[BackendOut])
def list_backends(project_id: int, user: UserDep, session: SessionDep):
    """The project's ML backends."""
    return [v.__dict__ for v in backends.list_backends(session, user, project_id)]


@router.post("/projects/{project_id}/ml-backends", response_model=BackendOut, status_code=201, responses=errors(409))
def add_backend(project_id: int, body: BackendIn, user: UserDep, session: SessionDep):
    """Attach an ML backend to the project (managers)."""
    return backends.add_backend(session, user, project_id, **body.model_dump()).__dict__


@router.get("/ml-backends/{backend_id}", response_model=BackendOut)
def get_backend(backend_id: int, user: UserDep, session: SessionDep):
    return backends.view(backends.get_backend(session, user, backend_id)).__dict__


@router.patch("/ml-backends/{backend_id}", response_model=BackendOut, responses=errors(409))
def update_backend(backend_id: int, body: BackendPatch, user: UserDep, session: SessionDep):
    """Change some fields; send `auth_header: ""` to remove the header."""
    return backends.update_backend(session, user, backend_id, body.model_dump(exclude_unset=True)).__dict__


@router.delete("/ml-backends/{backend_id}", status_code=204)
def delete_backend(backend_id: int, user: UserDep, session: SessionDep) -> Response:
    backends.delete_backend(session, user, backend_id)
    return Response(status_code=204)


@router.post("/ml-backends/{backend_id}/check", response_model=BackendOut)
def check_backend(backend_id: int, user: UserDep, session: SessionDep):
    """Call the backend's health and setup now; `last_status` and `last_error` say how it went."""
    return backends.check_backend(session, user, backend_id).__dict__


@router.post("/projects/{project_id}/prelabel", status_code=202, response_model=JobOut,
             responses={202: {"description": "The pre-label job; follow it at GET /jobs/{id}"}})
def start_prelabel(project_id: int, body: PrelabelIn, request: Request, user: UserDep, session: SessionDep,
                   settings: SettingsDep):
    """Predict every unlabeled task through an ML backend or a built-in model version, as a job with progress
    and cancel."""
    if body.backend_id is None:
        job = builtin_jobs.queue_prelabel(session, user, project_id, version_id=body.version_id)
    else:
        job = prelabel.queue_prelabel(session, user, project_id, backend_id=body.backend_id,
                                      batch_size=body.batch_size, all_tasks=body.all_tasks)
    return _accepted(request, session, user, settings, job.id)


class OcrIn(BaseModel):
    model_config = {"extra": "forbid"}
    object: str | None = Field(None, description="The image or pdf object to read (default: the first with a boxes "
                                                 "control).")
    label: str | None = Field(None, description="Label of the boxes (default: the boxes control's first label).")
    level: Literal["lines", "words"] = Field("lines", description="One region per line of text, or per word.")
    all_tasks: bool = Field(False, description="Also read tasks that already have annotations.")


@router.post("/projects/{project_id}/ocr", status_code=202, response_model=JobOut, responses={
    202: {"description": "The OCR job; follow it at GET /jobs/{id}"}, **errors(403, 404, 422)})
def start_ocr(project_id: int, body: OcrIn, request: Request, user: UserDep, session: SessionDep,
              settings: SettingsDep):
    """Read the text of the project's images and PDF pages (OCR, or a PDF's own text layer) into predictions: a
    box per line or word with its text per region, under the model version `rapidocr-<version>`. A 422 says
    when the OCR engine (the `ocr` extra) is not installed or the schema has no boxes control to fill."""
    job = ocr.queue_ocr(session, user, project_id, object_name=body.object, label=body.label, level=body.level,
                        all_tasks=body.all_tasks)
    return _accepted(request, session, user, settings, job.id)


@router.post("/ml-backends/{backend_id}/train", status_code=202, response_model=JobOut,
             responses={202: {"description": "The training job; follow it at GET /jobs/{id}"}})
def train(backend_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Send the project's labeled tasks (consensus, else the latest annotation) to the backend to train on."""
    job = train_backend.queue_training(session, user, backend_id)
    return _accepted(request, session, user, settings, job.id)


def _accepted(request: Request, session, user, settings, job_id: int) -> JSONResponse:
    wake_runner(request)
    view = jobs.get_job(session, user, job_id, progress_dir=progress_dir(settings))
    return JSONResponse(job_out(view).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job_id}"})
