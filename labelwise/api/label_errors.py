"""Label errors: run confident learning over a project's human labels, and list the flagged tasks."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.jobs import JobOut, job_out, progress_dir, wake_runner
from labelwise.core.platform import jobs
from labelwise.core.review import label_errors

router = APIRouter(tags=["label errors"])


class DetectIn(BaseModel):
    control: str | None = Field(None, description="Single-choice control to check (default: the first one a "
                                                   "built-in model can learn, required controls first).")
    folds: int = Field(5, ge=2, le=20, description="Cross-validation folds.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed of the fold assignment.")


class FlagOut(BaseModel):
    task_id: int
    given: str = Field(description="The task's human label when the run looked at it.")
    suspected: str = Field(description="The most likely other option.")
    score: float = Field(description="Label-quality score in [0, 1]; lower is more likely wrong.")


class FlagsOut(BaseModel):
    flags: list[FlagOut]
    total: int = Field(description="Flagged tasks, before paging.")
    control: str | None = Field(None, description="The last run's control (null: never run).")
    labeled: int = Field(0, description="Labeled tasks the last run checked.")
    folds: int | None = None
    models: int | None = Field(None, description="Model families whose probabilities the last run averaged.")
    filter: str | None = Field(None, description="The confident-learning rule used.")
    seconds: float = Field(0.0, description="How long the last run took.")


@router.post("/projects/{project_id}/label-errors", response_model=JobOut, status_code=202)
def detect_label_errors(project_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep,
                        body: DetectIn | None = None):
    """Queue a `label_errors.detect` job (managers): cross-validate the model families for the object type on
    the project's labeled tasks (progress: folds done, of every model), flag likely label errors by confident
    learning on their mean probabilities and store them in place of the last run's. A project it cannot check is a 422 now. `GET .../label-errors` lists the flags once the
    job has succeeded."""
    options = body or DetectIn()
    job = label_errors.queue_detect(session, user, project_id, control=options.control, folds=options.folds,
                                    seed=options.seed)
    wake_runner(request)
    return job_out(jobs.get_job(session, user, job.id, progress_dir=progress_dir(settings)))


@router.get("/projects/{project_id}/label-errors", response_model=FlagsOut)
def list_label_errors(project_id: int, user: UserDep, session: SessionDep,
                      offset: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    """The stored flags of the last run, most likely wrong first, with the suspected label."""
    return _out(label_errors.list_flags(session, user, project_id, offset=offset, limit=limit))


def _out(page: label_errors.FlagPage) -> FlagsOut:
    return FlagsOut(flags=[FlagOut(**f.__dict__) for f in page.flags], total=page.total,
                    **{k: v for k, v in page.run.items() if k in FlagsOut.model_fields and k not in ("flags", "total")})
