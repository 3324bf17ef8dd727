"""Sending an answer back to its author: it stops counting, the task is leased to them again, and what
they answered stays in the annotation's revisions (the history)."""

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import ProjectSettings
from labelwise.store.models import Annotation, AnnotationRevision, Assignment, Project, Task, User

RELABEL_LEASE_SECONDS = 7 * 24 * 3600


def send_back(session: Session, annotation: Annotation, project: Project, actor: User,
              result: dict | None = None) -> None:
    """Mark a submitted annotation for relabeling by its author (status `rejected`, as a reviewer's reject
    does). `result`, when given, replaces what is kept as its current answer (a split takes values out).
    Recomputing the consensus is left to the caller, which does it once for many answers."""
    lease = ProjectSettings.model_validate(project.settings).lease_seconds or 0
    now = utcnow()
    if annotation.status == "submitted":
        session.execute(update(Task).where(Task.id == annotation.task_id)
                        .values(annotation_count=Task.annotation_count - 1))
    annotation.status = "rejected"
    if result is not None:
        annotation.result = result
    annotation.revision += 1
    annotation.updated_at = now
    session.add(AnnotationRevision(
        annotation_id=annotation.id, revision=annotation.revision, status=annotation.status,
        result=annotation.result, lead_time_ms=annotation.lead_time_ms, author_id=actor.id, created_at=now,
        schema_version=project.schema_version, guidelines_version=project.guidelines_version,
    ))
    session.execute(
        update(Assignment)
        .where(Assignment.task_id == annotation.task_id, Assignment.user_id == annotation.user_id)
        .values(status="leased", expires_at=now + timedelta(seconds=max(lease, RELABEL_LEASE_SECONDS)))
    )
