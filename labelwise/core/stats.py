"""Project progress in numbers: tasks by state, annotations by status, work per annotator."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.access import Role, authorize
from labelwise.core.projects import ProjectSettings
from labelwise.store.models import Annotation, Prediction, Task, User


@dataclass(frozen=True)
class AnnotatorStats:
    user_id: int
    username: str
    submitted: int
    skipped: int
    median_lead_time_ms: float | None


@dataclass(frozen=True)
class ProjectStats:
    tasks: int
    unlabeled: int
    labeled: int
    complete: int
    annotations_submitted: int
    annotations_skipped: int
    predictions: int
    progress: float
    annotators: list[AnnotatorStats]


def project_stats(session: Session, user: User, project_id: int) -> ProjectStats:
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    overlap = ProjectSettings.model_validate(project.settings).overlap
    in_project = Task.project_id == project_id
    total, labeled, complete = session.execute(
        select(
            func.count(),
            func.count().filter(Task.annotation_count > 0),
            func.count().filter(Task.annotation_count >= overlap),
        ).where(in_project)
    ).one()
    per_user = session.execute(
        select(
            Annotation.user_id,
            User.username,
            func.count().filter(Annotation.status == "submitted"),
            func.count().filter(Annotation.status == "skipped"),
        )
        .join(User, User.id == Annotation.user_id)
        .where(Annotation.project_id == project_id)
        .group_by(Annotation.user_id, User.username)
        .order_by(User.username)
    ).all()
    annotators = [
        AnnotatorStats(uid, name, submitted, skipped, _median_lead_time(session, project_id, uid))
        for uid, name, submitted, skipped in per_user
    ]
    predictions = session.scalar(select(func.count()).select_from(Prediction).where(Prediction.project_id == project_id))
    return ProjectStats(
        tasks=total,
        unlabeled=total - labeled,
        labeled=labeled,
        complete=complete,
        annotations_submitted=sum(a.submitted for a in annotators),
        annotations_skipped=sum(a.skipped for a in annotators),
        predictions=predictions or 0,
        progress=round(complete / total, 6) if total else 0.0,
        annotators=annotators,
    )


def _median_lead_time(session: Session, project_id: int, user_id: int) -> float | None:
    stmt = select(Annotation.lead_time_ms).where(
        Annotation.project_id == project_id,
        Annotation.user_id == user_id,
        Annotation.status == "submitted",
        Annotation.lead_time_ms.is_not(None),
    )
    times = sorted(session.scalars(stmt))
    if not times:
        return None
    middle = len(times) // 2
    return float(times[middle]) if len(times) % 2 else (times[middle - 1] + times[middle]) / 2
