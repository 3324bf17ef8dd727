"""Built-in models: a project's model versions with their cross-validated metrics, and jobs that train
a new version (then pre-label) or pre-label with an existing one."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.api.schemas import Timestamp
from labelwise.core.assist import autolabel, suggestions, training
from labelwise.core.assist import jobs as assist_jobs
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
    created_at: Timestamp


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


class SuggestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prediction_id: int = Field(description="The prediction shown with the task as a suggestion.")
    accepted: bool = Field(description="The annotator accepted it into the editor (they may have edited it after).")


class SuggestionOut(BaseModel):
    annotation_id: int
    model_version: str
    outcome: str = Field(description="accepted (unchanged), edited (accepted, then changed) or rejected.")


class SuggestionVersionOut(BaseModel):
    model_version: str
    shown: int = Field(description="Submitted answers whose task showed this version's suggestion.")
    accepted: int = Field(description="Accepted and submitted unchanged.")
    edited: int = Field(description="Accepted, then changed before submitting.")
    rejected: int = Field(description="Answered without accepting it.")
    accepted_share: float = Field(description="(accepted + edited) / shown.")
    mean_lead_time_ms: float | None = Field(description="Mean time to answer a task that showed the suggestion.")
    time_saved_ms: float | None = Field(description="mean_lead_time_ms_without minus mean_lead_time_ms.")


class SuggestionSummaryOut(BaseModel):
    versions: list[SuggestionVersionOut]
    mean_lead_time_ms_without: float | None = Field(description="Mean time to answer without a suggestion.")


@router.post("/annotations/{annotation_id}/suggestion", response_model=SuggestionOut)
def record_suggestion(annotation_id: int, body: SuggestionIn, user: UserDep, session: SessionDep):
    """Record what your submitted annotation did with the suggestion shown (the outcome is computed by
    comparing the answer with the prediction)."""
    row = suggestions.record(session, user, annotation_id, prediction_id=body.prediction_id, accepted=body.accepted)
    return SuggestionOut(annotation_id=row.annotation_id, model_version=row.model_version, outcome=row.outcome)


@router.get("/projects/{project_id}/suggestions", response_model=SuggestionSummaryOut)
def suggestion_summary(project_id: int, user: UserDep, session: SessionDep):
    """Per model version (managers): suggestions shown, accepted, edited, rejected and the time they save."""
    return suggestions.summary(session, user, project_id)


class AutoLabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control: str | None = Field(default=None, description="Single-choice control (default: the first learnable).")


@router.post("/projects/{project_id}/auto-labels", response_model=JobOut, status_code=202)
def auto_label(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
               body: AutoLabelIn | None = None):
    """Queue an `autolabel` job (managers): with the newest model version, pick the confidence threshold that
    meets the project's `auto_label_precision` on the human-labeled tasks (cross-validated, one-sided 95 %
    bound), auto-label the unanswered tasks above it (a source of their own), and route a random
    `verification_share` of them to humans first."""
    job = autolabel.queue_autolabel(session, user, project_id, control=(body or AutoLabelIn()).control)
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))


@router.get("/projects/{project_id}/auto-labels")
def auto_label_summary(project_id: int, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """How many tasks carry an auto-label, the last run (threshold, calibration precision and bound), and the
    precision achieved so far on the verification sample's human answers, with a 95 % interval."""
    return autolabel.summary(session, user, project_id)
