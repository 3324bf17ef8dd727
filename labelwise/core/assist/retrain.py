"""Retrain every N labels: after each submitted answer, queue a `train` job when the project's
`retrain_every` says it is time. Kept apart from the training code so that the labeling path imports
only this (and the job queue), not the models."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.platform import jobs
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import LabelwiseError
from labelwise.store.models import Annotation, Job, Project, User

KIND_TRAIN = "train"
KIND_PRELABEL = "prelabel"


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
    labeled = labeled_tasks(session, project_id)
    since = (last.params or {}).get("labeled", 0) if last is not None else 0
    if labeled - since < every:
        return None
    creator = session.get(User, project.created_by)
    try:
        return jobs.enqueue(session, creator, project_id, kind=KIND_TRAIN,
                            params={"control": None, "prelabel": True, "labeled": labeled})
    except LabelwiseError:
        return None


def labeled_tasks(session: Session, project_id: int) -> int:
    """Tasks of the project with at least one submitted answer."""
    return session.scalar(select(func.count(func.distinct(Annotation.task_id))).where(
        Annotation.project_id == project_id, Annotation.status == "submitted")) or 0
