"""Background jobs: list a project's, read one, cancel one, retry one (managers of the project)."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import Timestamp
from labelwise.core.platform import jobs

router = APIRouter(tags=["jobs"])


class JobOut(BaseModel):
    id: int
    project_id: int
    kind: str = Field(description="import, prelabel, ...: what the job does.")
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    done: int = Field(description="Units of work done so far (bytes for an import, tasks for a pre-label).")
    total: int | None = Field(description="Units of work in all, when known.")
    rows: int = Field(description="Rows written so far (an import commits them all at the end).")
    progress: float | None = Field(description="done / total, from 0 to 1.")
    params: dict[str, Any] | None = Field(description="What the job was asked to do.")
    result: dict[str, Any] | None = Field(description="The job's summary once succeeded.")
    error: dict[str, Any] | None = Field(description="Why it failed or was cancelled (an import's bad rows by line).")
    attempts: int = Field(description="How many times a runner has started it (a retry adds one).")
    cancel_requested: bool = Field(description="Someone asked the running job to stop.")
    worker: str | None = Field(description="The runner that claimed it (host:pid:...).")
    created_by: int | None
    created_at: Timestamp
    updated_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None


def job_out(view: jobs.JobView) -> JobOut:
    return JobOut(**view.__dict__)


def progress_dir(settings) -> Path:
    return Path(settings.data_dir) / "jobs"


def wake_runner(request: Request) -> None:
    """Let this process's runner (if it has one) claim the new job now instead of at its next poll."""
    runner = getattr(request.app.state, "job_runner", None)
    if runner is not None:
        runner.wake()


@router.get("/projects/{project_id}/jobs", response_model=list[JobOut])
def list_jobs(project_id: int, user: UserDep, session: SessionDep, settings: SettingsDep,
              status: Annotated[str | None, Query(description="Only jobs with this status.")] = None,
              kind: Annotated[str | None, Query(description="Only jobs of this kind.")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    """The project's jobs, newest first."""
    return [job_out(v) for v in jobs.list_jobs(session, user, project_id, progress_dir=progress_dir(settings),
                                               status=status, kind=kind, limit=limit)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: int, user: UserDep, session: SessionDep, settings: SettingsDep):
    """A job's status and progress."""
    return job_out(jobs.get_job(session, user, job_id, progress_dir=progress_dir(settings)))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, responses=errors(409))
def cancel_job(job_id: int, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Cancel a queued job, or ask a running one to stop at its next step (409 when already finished)."""
    return job_out(jobs.cancel_job(session, user, job_id, progress_dir=progress_dir(settings)))


@router.post("/jobs/{job_id}/retry", response_model=JobOut, responses=errors(409))
def retry_job(job_id: int, request: Request, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Queue a failed or cancelled job again, as a new attempt (409 otherwise)."""
    view = jobs.retry_job(session, user, job_id, progress_dir=progress_dir(settings))
    wake_runner(request)
    return job_out(view)
