"""Weak supervision over HTTP: labeling functions (CRUD, live preview, apply, client votes), their analysis,
and the label model run that stores its labels as predictions."""

from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.api.schemas import Timestamp
from labelwise.core.platform import jobs
from labelwise.core.weak import functions, label_model, plugin_functions

router = APIRouter(tags=["weak supervision"])

FUNCTION_EXAMPLE = {"name": "mentions_http", "kind": "keywords", "label": "spam", "keywords": ["http"],
                    "mode": "substring"}
FunctionBody = Body(description="`{name, kind, label, control?, ...options}`. Kinds: `keywords` "
                    "(keywords, field, mode word|substring, case_sensitive), `regex` (pattern, field, "
                    "case_sensitive), `condition` (field, op, value, measure value|length|words), `predictions` "
                    "(model_version, min_score: a model's stored predictions vote), `python` (function: an "
                    "installed `module:name`, see GET /labeling-functions/python), `project` (project_id, "
                    "source_control, match external_id|content_hash: another project's final labels), `client` (votes uploaded "
                    "by the SDK).", examples=[FUNCTION_EXAMPLE])


class FunctionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    project_id: int
    name: str
    kind: str
    control: str
    definition: dict[str, Any]
    definition_hash: str
    votes_current: bool = Field(description="True when the stored votes were computed for this definition.")
    created_at: Timestamp
    updated_at: Timestamp


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: int
    label: str | None = Field(description="null abstains.")


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    control: str | None = None
    model: Literal["dawid_skene", "matrix_completion", "majority_vote", "ensemble"] = label_model.DEFAULT_MODEL
    model_version: str | None = Field(default=None, description="Default: weak/<model>/<hash of the functions>.")
    end_model: bool = Field(default=False, description="Also train the built-in text classifier on the label "
                            "model's labels (weighted by confidence), store it as a model version and its "
                            "predictions for every task.")


def _out(row) -> FunctionOut:
    return FunctionOut(id=row.id, project_id=row.project_id, name=row.name, kind=row.kind, control=row.control,
                       definition=row.definition, definition_hash=row.definition_hash,
                       votes_current=row.votes_hash == row.definition_hash, created_at=row.created_at,
                       updated_at=row.updated_at)


def _installed(settings) -> plugin_functions.Registry:
    return plugin_functions.registry(settings.labeling_function_modules)


@router.get("/labeling-functions/python")
def installed_python_functions(user: UserDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """The Python labeling functions the administrator installed (LABELWISE_LABELING_FUNCTION_MODULES), for
    functions of kind `python`: `[{"function": "module:name", "description"}]`."""
    return plugin_functions.describe(_installed(settings))


@router.get("/projects/{project_id}/labeling-functions", response_model=list[FunctionOut])
def list_functions(project_id: int, user: UserDep, session: SessionDep):
    return [_out(f) for f in functions.list_functions(session, user, project_id)]


@router.post("/projects/{project_id}/labeling-functions", response_model=FunctionOut, status_code=201, responses=errors(409))
def create_function(project_id: int, user: UserDep, session: SessionDep, settings: SettingsDep,
                    body: dict[str, Any] = FunctionBody):
    """Add a labeling function. A bad rule (invalid regex, a label outside the schema) is a 422 naming the field."""
    return _out(functions.create(session, user, project_id, body, installed=_installed(settings)))


@router.put("/projects/{project_id}/labeling-functions/{function_id}", response_model=FunctionOut, responses=errors(409))
def update_function(project_id: int, function_id: int, user: UserDep, session: SessionDep, settings: SettingsDep,
                    body: dict[str, Any] = FunctionBody):
    return _out(functions.update(session, user, project_id, function_id, body, installed=_installed(settings)))


@router.delete("/projects/{project_id}/labeling-functions/{function_id}", status_code=204)
def delete_function(project_id: int, function_id: int, user: UserDep, session: SessionDep):
    functions.remove(session, user, project_id, function_id)
    return Response(status_code=204)


@router.post("/projects/{project_id}/labeling-functions/preview")
def preview_function(project_id: int, user: UserDep, session: SessionDep, settings: SettingsDep,
                     body: dict[str, Any] = FunctionBody,
                     sample: int = Query(functions.PREVIEW_SAMPLE, ge=1, le=20_000)) -> dict[str, Any]:
    """Coverage of an unsaved rule on a random `sample` of tasks (seeded per project, so stable while typing), and a few tasks it votes on (nothing is stored)."""
    return functions.preview(session, user, project_id, body, sample=sample, installed=_installed(settings))


@router.post("/projects/{project_id}/labeling-functions/apply",
             responses={202: {"model": JobOut, "description": "With async=true: the job to poll"}})
def apply_functions(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
                    run_async: bool = Query(False, alias="async", description="Answer 202 with a background job "
                                            "at once; poll GET /jobs/{id} for the report.")) -> Any:
    """Compute the votes of every rule whose definition changed (or that misses new tasks). A rule that fails
    is listed under `failed` and keeps its old votes; the others are still applied."""
    if not run_async:
        return functions.apply(session, user, project_id, installed=_installed(settings))
    job = functions.queue_apply(session, user, project_id)
    wake_runner(request)
    view = jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings))
    return JSONResponse(job_out(view).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job.id}"})


@router.put("/projects/{project_id}/labeling-functions/{function_id}/votes")
def upload_votes(project_id: int, function_id: int, items: list[VoteIn], user: UserDep, session: SessionDep,
                 replace: bool = Query(True, description="Drop all earlier votes first; false replaces only "
                                                         "the listed tasks' votes (send batches).")
                 ) -> dict[str, int]:
    """Store a `client` function's votes (computed by the SDK): `[{"task_id", "label"}]`."""
    count = functions.upload_votes(session, user, project_id, function_id, [i.model_dump() for i in items],
                                   replace=replace)
    return {"votes": count}


@router.get("/projects/{project_id}/labeling-functions/analysis")
def analysis(project_id: int, user: UserDep, session: SessionDep,
             control: str | None = Query(None, description="Single-choice control; default: the first."),
             conflicts: int = Query(20, ge=0, le=1000)) -> dict[str, Any]:
    """Per function: coverage, overlap, conflict, polarity, accuracy on human and gold labels with a Wilson
    95% interval, confusion matrix; totals; the tasks where the functions conflict most."""
    return label_model.analysis(session, user, project_id, control=control, conflicts=conflicts)


@router.post("/projects/{project_id}/label-model",
             responses={202: {"model": JobOut, "description": "With async=true: the job to poll"}})
def run_label_model(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
                    body: RunIn | None = None,
                    run_async: bool = Query(False, alias="async", description="Answer 202 with a background job "
                                            "(kind `weak.label_model`) at once; poll GET /jobs/{id} for its progress "
                                            "and the summary under `result`, cancel with POST /jobs/{id}/cancel.")
                    ) -> Any:
    """Fit the label model on the current votes; store its labels as predictions (one model version)."""
    body = body or RunIn()
    if not run_async:
        return label_model.run(session, user, project_id, control=body.control, model=body.model,
                               model_version=body.model_version, end_model=body.end_model)
    job = label_model.queue_run(session, user, project_id, control=body.control, model=body.model,
                                model_version=body.model_version, end_model=body.end_model)
    wake_runner(request)
    view = jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings))
    return JSONResponse(job_out(view).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job.id}"})
