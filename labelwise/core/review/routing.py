"""What follows a changed answer: the task's consensus is recomputed, then either the author's gold
standing is re-checked (a gold task) or the task's dynamic overlap is adjusted (any other task).

It sits above `consensus` and `gold` (gold imports consensus, never the reverse)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.core.projects.projects import ProjectSettings
from labelwise.core.review import gold
from labelwise.core.review.consensus import recompute
from labelwise.store.models import Annotation, Assignment, Project, Task

__all__ = ["on_answer_changed"]


def on_answer_changed(session: Session, annotation: Annotation) -> None:
    """Recompute the task's consensus, adjust its dynamic overlap and re-check the author's gold
    standing. Runs inside the caller's transaction; never commits."""
    task = session.get(Task, annotation.task_id)
    project = session.get(Project, task.project_id)
    settings = ProjectSettings.model_validate(project.settings)
    is_gold = recompute(session, task, project)
    if is_gold:
        gold.after_gold_answer(session, project, settings, annotation.user_id)
    elif settings.effective_max_overlap > settings.overlap:  # dynamic overlap is on
        submitted = session.scalar(
            select(func.count()).select_from(Annotation)
            .where(Annotation.task_id == task.id, Annotation.status == "submitted")
        ) or 0
        _route(session, task, settings, submitted)


def _route(session: Session, task: Task, settings: ProjectSettings, submitted: int) -> None:
    """Dynamic overlap: one more slot for an unsure task that has its base overlap, none for a sure one."""
    if settings.effective_max_overlap <= settings.overlap or submitted < settings.overlap:
        return
    if task.adjudicated_at is not None:
        return
    unsure = task.confidence is not None and task.confidence < settings.confidence_target
    if unsure and submitted < settings.effective_max_overlap:
        pending = session.scalar(
            select(Assignment.id).where(Assignment.task_id == task.id, Assignment.status == "leased").limit(1)
        )
        if pending is None:
            session.execute(update(Task).where(Task.id == task.id, Task.remaining == 0).values(remaining=1))
    elif not unsure or submitted >= settings.effective_max_overlap:
        session.execute(update(Task).where(Task.id == task.id, Task.remaining > 0).values(remaining=0))
