"""Built-in models: a project's model versions with their cross-validated metrics, and jobs that train
a new version (then pre-label) or pre-label with an existing one."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.core.assist import jobs as assist_jobs
from labelwise.core.assist import training
from labelwise.core.platform import jobs

router = APIRouter(tags=["models"])


class ModelVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    control: str = Field(description="The control the model answers.")
    version: int = Field(description="1, 2, ... per control.")
    name: str = Field(description="The model_version its predictions carry, e.g. builtin-sentiment-v3.")
    model_class: str = Field(description="TextClassifier, TabularClassifier or SpanTagger.")
    trained_on: int = Field(description="Labeled tasks it was fitted on.")
    metrics: dict[str, Any] | None = Field(
        description="k-fold cross-validated accuracy and F1 (see `metric` for what they mean); null when there "
                    "were too few labels to hold any out.")
    created_by: int | None
    created_at: datetime


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control: str | None = Field(default=None, description="Control to learn; default the first one a model can learn.")
    prelabel: bool = Field(default=True, description="Pre-label the unlabeled tasks with the new version.")


@router.get("/projects/{project_id}/model-versions", response_model=list[ModelVersionOut])
def list_model_versions(project_id: int, user: UserDep, session: SessionDep):
    """The project's model versions, newest first."""
    return training.list_versions(session, user, project_id)


@router.post("/projects/{project_id}/model-versions", response_model=JobOut, status_code=202)
def train_model(project_id: int, body: TrainIn, request: Request, user: UserDep, session: SessionDep,
                settings: SettingsDep):
    """Queue a `train` job (managers): fit a new version on the labeled tasks, then pre-label the rest."""
    job = assist_jobs.queue_train(session, user, project_id, control=body.control, prelabel=body.prelabel)
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))


@router.post("/projects/{project_id}/model-versions/{version_id}/prelabel", response_model=JobOut,
             status_code=202)
def prelabel(project_id: int, version_id: int, request: Request, user: UserDep, session: SessionDep,
             settings: SettingsDep):
    """Queue a `prelabel` job (managers): predict every task without a submitted annotation."""
    job = assist_jobs.queue_prelabel(session, user, project_id, version_id=version_id)
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))
