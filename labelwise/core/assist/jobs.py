"""The `train` and `prelabel` job kinds: model training and pre-labeling run by the job runner.

A `train` job fits and stores a model version and, unless `prelabel` is false in its parameters,
goes on to pre-label every task without a submitted annotation with it (with progress; cancelling
keeps the batches already stored). A `prelabel` job does the second half for a given version.
`maybe_retrain`, called after each submitted answer, queues a train job every `retrain_every` labels.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.assist import training
from labelwise.core.platform import jobs
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import LabelwiseError
from labelwise.store.models import Annotation, Job, Project, User

KIND_TRAIN = "train"
KIND_PRELABEL = "prelabel"


def queue_train(session: Session, user: User, project_id: int, *, control: str | None = None,
                prelabel: bool = True) -> Job:
    return jobs.enqueue(session, user, project_id, kind=KIND_TRAIN,
                        params={"control": control, "prelabel": prelabel, "labeled": _labeled_tasks(session, project_id)})


def maybe_retrain(session: Session, project_id: int) -> Job | None:
    """Queue a `train` job when the project's `retrain_every` is set and that many more tasks have a
    submitted answer than when the last train job was queued, unless one is queued or running.
    The job runs as the project's creator; nothing is queued if they are gone or no longer manage it."""
    project = session.get(Project, project_id)
    every = ProjectSettings.model_validate(project.settings).retrain_every if project is not None else None
    if not every or project.created_by is None:
        return None
    last = session.scalars(select(Job).where(Job.project_id == project_id, Job.kind == KIND_TRAIN)
                           .order_by(Job.id.desc()).limit(1)).first()
    if last is not None and last.status in ("queued", "running"):
        return None
    labeled = _labeled_tasks(session, project_id)
    since = (last.params or {}).get("labeled", 0) if last is not None else 0
    if labeled - since < every:
        return None
    creator = session.get(User, project.created_by)
    try:
        return queue_train(session, creator, project_id)
    except LabelwiseError:
        return None


def _labeled_tasks(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count(func.distinct(Annotation.task_id))).where(
        Annotation.project_id == project_id, Annotation.status == "submitted")) or 0


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
