"""The `train` and `prelabel` job kinds: model training and pre-labeling run by the job runner.

A `train` job fits and stores a model version and, unless `prelabel` is false in its parameters,
goes on to pre-label every task without a submitted annotation with it (with progress; cancelling
keeps the batches already stored). A `prelabel` job does the second half for a given version.
"""

from typing import Any

from sqlalchemy.orm import Session

from labelwise.core.assist import training
from labelwise.core.assist.retrain import KIND_PRELABEL, KIND_TRAIN, labeled_tasks
from labelwise.core.platform import jobs
from labelwise.core.platform.job_runner import JobContext
from labelwise.errors import LabelwiseError
from labelwise.store.models import Job, User


def queue_train(session: Session, user: User, project_id: int, *, control: str | None = None,
                prelabel: bool = True) -> Job:
    return jobs.enqueue(session, user, project_id, kind=KIND_TRAIN,
                        params={"control": control, "prelabel": prelabel, "labeled": labeled_tasks(session, project_id)})


def queue_prelabel(session: Session, user: User, project_id: int, *, version_id: int | None = None) -> Job:
    """Queue a pre-label with `version_id` (default: the newest version at run time)."""
    if version_id is not None:
        training.get_version(session, user, project_id, version_id)
    return jobs.enqueue(session, user, project_id, kind=KIND_PRELABEL, params={"version_id": version_id})


def run_train(ctx: JobContext) -> dict[str, Any]:
    user = _creator(ctx)
    version = training.train(ctx.session, user, ctx.project_id, control=ctx.params.get("control"))
    result: dict[str, Any] = {"version_id": version.id, "model_version": version.name,
                              "trained_on": version.trained_on, "metrics": version.metrics}
    if ctx.params.get("prelabel", True):
        result["predictions"] = training.prelabel(ctx.session, user, ctx.project_id, version_id=version.id,
                                                  progress=lambda done, total: ctx.progress(done, total=total))
    result["reordered"] = training.reorder_queue(ctx.session, ctx.project_id, version)
    return result


def run_prelabel(ctx: JobContext) -> dict[str, Any]:
    user = _creator(ctx)
    stored = training.prelabel(ctx.session, user, ctx.project_id, version_id=ctx.params.get("version_id"),
                               progress=lambda done, total: ctx.progress(done, total=total))
    return {"predictions": stored}


def _creator(ctx: JobContext) -> User:
    if ctx.user is None:
        raise LabelwiseError("the user who queued this job no longer exists")
    return ctx.user
