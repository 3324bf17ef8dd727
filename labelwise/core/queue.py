"""The labeling queue: which task an annotator gets next, leased so no one else takes the slot.

Correct across many server processes on SQLite or PostgreSQL without locks held in memory: a task's
`remaining` counter is claimed with one conditional UPDATE (`remaining > 0`), which the database
serialises per row, and the unique (task, user) assignment forbids serving anyone a task twice.
Leases that expire give their slot back the next time anyone asks the queue.
"""

from datetime import datetime, timedelta

from sqlalchemy import case, exists, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.access import Role, authorize
from labelwise.core.clock import utcnow
from labelwise.core.errors import Conflict
from labelwise.core.projects import ProjectSettings
from labelwise.store.models import Assignment, Task, User

CANDIDATES = 16
CLAIM_ATTEMPTS = 5
# Written as a literal so the planner can match the partial index `ix_tasks_queue` (WHERE remaining > 0);
# a bound parameter would hide the predicate from SQLite's and PostgreSQL's planners.
WANTS_ANNOTATORS = Task.remaining > literal_column("0")


def next_task(session: Session, user: User, project_id: int, *, default_lease_seconds: int) -> tuple[Task, Assignment] | None:
    """The caller's current lease if they hold one, else a newly leased task, else None (queue empty)."""
    project, _ = authorize(session, user, project_id, Role.ANNOTATOR)
    settings = ProjectSettings.model_validate(project.settings)
    lease = timedelta(seconds=settings.lease_seconds or default_lease_seconds)
    now = utcnow()
    held = session.execute(
        select(Task, Assignment)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Assignment.project_id == project_id,
            Assignment.user_id == user.id,
            Assignment.status == "leased",
            Assignment.expires_at > now,
        )
        .order_by(Assignment.id)
        .limit(1)
    ).first()
    if held is not None:
        return held[0], held[1]
    release_expired(session, project_id, now)
    for _ in range(CLAIM_ATTEMPTS):
        candidates = list(
            session.scalars(
                select(Task.id)
                .where(
                    Task.project_id == project_id,
                    WANTS_ANNOTATORS,
                    ~exists().where(Assignment.task_id == Task.id, Assignment.user_id == user.id),
                )
                .order_by(Task.priority.desc(), Task.id)
                .limit(CANDIDATES)
            )
        )
        if not candidates:
            session.commit()
            return None
        claimed = _claim_one(session, candidates, user, project_id, now, now + lease)
        if claimed is not None:
            return claimed
    session.commit()
    return None


def release_expired(session: Session, project_id: int, now: datetime) -> int:
    """Turn expired leases into `expired` and give their slots back. Returns how many were released."""
    expired_exists = session.scalar(
        select(Assignment.id)
        .where(Assignment.project_id == project_id, Assignment.status == "leased", Assignment.expires_at <= now)
        .limit(1)
    )
    if expired_exists is None:
        return 0
    task_ids = list(
        session.scalars(
            update(Assignment)
            .where(Assignment.project_id == project_id, Assignment.status == "leased", Assignment.expires_at <= now)
            .values(status="expired")
            .returning(Assignment.task_id)
        )
    )
    for task_id in task_ids:
        session.execute(update(Task).where(Task.id == task_id).values(remaining=Task.remaining + 1))
    session.commit()
    return len(task_ids)


def take_slot(session: Session, task_id: int) -> None:
    """Count one more annotator on a task served outside the queue (never below zero)."""
    session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(remaining=case((Task.remaining > 0, Task.remaining - 1), else_=0))
    )


def give_back_slot(session: Session, task_id: int) -> None:
    session.execute(update(Task).where(Task.id == task_id).values(remaining=Task.remaining + 1))


def skip(session: Session, assignment: Assignment) -> None:
    """Mark a lease skipped and free its slot for someone else; the caller commits."""
    if assignment.status == "done":
        raise Conflict("this task is already annotated; edit the annotation instead of skipping")
    if assignment.status == "leased":
        give_back_slot(session, assignment.task_id)
    assignment.status = "skipped"


def _claim_one(
    session: Session, candidates: list[int], user: User, project_id: int, now: datetime, expires_at: datetime
) -> tuple[Task, Assignment] | None:
    for task_id in candidates:
        taken = session.execute(
            update(Task).where(Task.id == task_id, Task.remaining > 0).values(remaining=Task.remaining - 1)
        ).rowcount
        if taken != 1:
            continue
        assignment = Assignment(
            task_id=task_id, project_id=project_id, user_id=user.id, status="leased", expires_at=expires_at,
            created_at=now,
        )
        session.add(assignment)
        try:
            session.commit()
        except IntegrityError:  # the same user claimed this task from another process a moment ago
            session.rollback()
            return None
        return session.get(Task, task_id), assignment
    session.rollback()
    return None
