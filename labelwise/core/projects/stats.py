"""Project progress in numbers: tasks by state, annotations by status, work per annotator."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import ProjectSettings
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
    per_day: list[dict]
    remaining_annotations: int
    eta_seconds: float | None


PER_DAY_WINDOW = timedelta(days=30)
RATE_WINDOW = timedelta(days=7)
MIN_RATE_SPAN = timedelta(hours=1)


def project_stats(session: Session, user: User, project_id: int) -> ProjectStats:
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    overlap = ProjectSettings.model_validate(project.settings).overlap
    in_project = Task.project_id == project_id
    total, labeled, complete, counted = session.execute(
        select(
            func.count(),
            func.count().filter(Task.annotation_count > 0),
            func.count().filter(Task.annotation_count >= overlap),
            func.coalesce(
                func.sum(case((Task.annotation_count < overlap, Task.annotation_count), else_=overlap)), 0
            ),
        ).where(in_project)
    ).one()
    remaining = total * overlap - int(counted)
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
        per_day=_per_day(session, project_id),
        remaining_annotations=remaining,
        eta_seconds=_eta_seconds(session, project_id, remaining),
    )


def _per_day(session: Session, project_id: int) -> list[dict]:
    day = func.date(Annotation.created_at)
    stmt = (
        select(day, func.count())
        .where(
            Annotation.project_id == project_id,
            Annotation.status == "submitted",
            Annotation.created_at >= utcnow() - PER_DAY_WINDOW,
        )
        .group_by(day)
        .order_by(day)
    )
    return [{"date": str(date), "submitted": count} for date, count in session.execute(stmt)]


def _eta_seconds(session: Session, project_id: int, remaining: int) -> float | None:
    """Remaining annotations over the recent rate (last week, measured over at least an hour)."""
    if remaining == 0:
        return 0.0
    now = utcnow()
    count, first = session.execute(
        select(func.count(), func.min(Annotation.created_at)).where(
            Annotation.project_id == project_id,
            Annotation.status == "submitted",
            Annotation.created_at >= now - RATE_WINDOW,
        )
    ).one()
    if not count:
        return None
    span = max(now - first, MIN_RATE_SPAN).total_seconds()
    return round(remaining / (count / span), 1)


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
