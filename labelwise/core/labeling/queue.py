"""The labeling queue: which task an annotator gets next, leased so no one else takes the slot.

Correct across many server processes on SQLite or PostgreSQL without locks held in memory: a task's
`remaining` counter is claimed with one conditional UPDATE (`remaining > 0`), which the database
serialises per row, and the unique (task, user) assignment forbids serving anyone a task twice.
Leases that expire give their slot back the next time anyone asks the queue.

Gold tasks sit outside this counting (`remaining` 0): each caller is served each gold task at most once,
mixed in at the project's `gold_ratio`, and only gold while they qualify (see `core.review.gold`).
"""

import random
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.labeling import worker_gate
from labelwise.core.platform.access import Role
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.config import ProjectConfig, project_access
from labelwise.core.projects.projects import ProjectSettings
from labelwise.core.projects.queue_order import PAUSED_RANK
from labelwise.errors import Conflict, Forbidden, Invalid
from labelwise.store.models import Annotation, Assignment, GoldAnswer, Member, Task, User

CANDIDATES = 16
CLAIM_ATTEMPTS = 5
# Written as a literal so the planner can match the partial index `ix_tasks_queue` (WHERE remaining > 0);
# a bound parameter would hide the predicate from SQLite's and PostgreSQL's planners.
WANTS_ANNOTATORS = Task.remaining > literal_column("0")
# The index's second column bounds the scan, so the tasks of paused batches are never even read.
NOT_PAUSED = Task.queue_rank > literal_column(str(PAUSED_RANK))


@dataclass(frozen=True)
class Served:
    task: Task
    assignment: Assignment
    config: ProjectConfig
    role: Role
    # claimed from the queue, which never serves a task the caller holds an assignment (so an answer) for
    fresh: bool = False


MAX_HOLDING = 4


def next_task(session: Session, user: User, project_id: int, *, default_lease_seconds: int,
              holding: Collection[int] = ()) -> Served | None:
    """The caller's current lease if they hold one, else a newly leased task, else None (queue empty).

    `holding` names leased tasks the caller has already loaded: they are not served again, so a client can
    lease one task ahead (the labeling page shows it the moment the current answer is sent)."""
    if len(holding) > MAX_HOLDING:
        raise Invalid(f"'holding' may name at most {MAX_HOLDING} tasks", field="holding")
    access = project_access(session, user, project_id, Role.ANNOTATOR)
    project, role, settings = access.config, access.role, access.config.settings
    lease = timedelta(seconds=settings.lease_seconds or default_lease_seconds)
    now = utcnow()
    # a crowd worker is held to their link's rules and, on a batch's link, to that batch's tasks
    scope = worker_gate.admit(session, user, project_id, now) if user.is_external else None
    standing = _standing(session, project_id, user, settings, access.member_status)
    held = session.execute(
        select(Task, Assignment)
        .join(Assignment, Assignment.task_id == Task.id)
        .where(
            Assignment.project_id == project_id,
            Assignment.user_id == user.id,
            Assignment.status == "leased",
            Assignment.expires_at > now,
            *([Assignment.task_id.not_in(holding)] if holding else []),
        )
        .order_by(Assignment.id)
        .limit(1)
    ).first()
    if held is not None:
        return Served(held[0], held[1], project, role)
    release_expired(session, project_id, now)
    if standing == "qualifying":
        claimed = _claim_gold(session, user, project_id, now, now + lease)
        if claimed is None:
            raise Forbidden(
                f"you are qualifying for project {project_id}: answer {settings.qualification_gold} test tasks "
                "first, but none is left for you; ask a project manager to add gold tasks or to activate you"
            )
        return Served(*claimed, project, role)
    if settings.gold_ratio > 0 and _gold_due(session, user, project_id, settings.gold_ratio):
        claimed = _claim_gold(session, user, project_id, now, now + lease)
        if claimed is not None:
            return Served(*claimed, project, role)
    if settings.skipped_return == "after":
        due = now - timedelta(minutes=settings.skipped_return_minutes)
        claimed = _claim_skipped(session, user, project_id, now + lease, skipped_before=due)
        if claimed is not None:
            return Served(*claimed, project, role)
    for _ in range(CLAIM_ATTEMPTS):
        candidates = list(
            session.scalars(
                select(Task.id)
                .where(
                    Task.project_id == project_id,
                    WANTS_ANNOTATORS,
                    NOT_PAUSED,
                    ~exists().where(Assignment.task_id == Task.id, Assignment.user_id == user.id),
                    *_in_batch(scope),
                )
                .order_by(Task.queue_rank.desc(), Task.priority.desc(), Task.id)
                .limit(CANDIDATES)
            )
        )
        if not candidates:
            if settings.skipped_return == "end":
                claimed = _claim_skipped(session, user, project_id, now + lease, skipped_before=now)
                if claimed is not None:
                    return Served(*claimed, project, role)
            session.commit()
            return None
        claimed = _claim_one(session, candidates, user, project_id, now, now + lease)
        if claimed is not None:
            return Served(*claimed, project, role, fresh=True)
    session.commit()
    return None


def _in_batch(scope: tuple[int, int] | None) -> list:
    if scope is None:
        return []
    batch_id, rank = scope  # the rank first: the index range holds only that batch's rank
    return [Task.queue_rank == rank, Task.batch_id == batch_id]


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
        give_back_slot(session, task_id)
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
    """Free one slot of a task; gold tasks have none (they are served outside the overlap)."""
    session.execute(
        update(Task)
        .where(Task.id == task_id, ~exists().where(GoldAnswer.task_id == Task.id))
        .values(remaining=Task.remaining + 1)
    )


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
        # RETURNING hands the claimed row back, so serving it costs no second SELECT
        task = session.scalars(
            update(Task).where(Task.id == task_id, Task.remaining > 0).values(remaining=Task.remaining - 1)
            .returning(Task)
        ).first()
        if task is None:
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
        return task, assignment
    session.rollback()
    return None


def _claim_skipped(
    session: Session, user: User, project_id: int, expires_at: datetime, *, skipped_before: datetime
) -> tuple[Task, Assignment] | None:
    """Lease again a task the caller skipped before `skipped_before`, the longest-skipped first.

    The slot the skip gave back is claimed like any other (someone else may have taken it meanwhile), and
    the caller's own assignment row turns from `skipped` back to `leased`; their skipped annotation is
    what a submit then turns into a submitted one.
    """
    rows = session.scalars(
        select(Assignment)
        .join(Annotation, (Annotation.task_id == Assignment.task_id) & (Annotation.user_id == Assignment.user_id))
        .where(
            Assignment.project_id == project_id,
            Assignment.user_id == user.id,
            # skipped, or served again after a skip and left until the lease expired
            Assignment.status.in_(("skipped", "expired")),
            Annotation.status == "skipped",
            Annotation.updated_at <= skipped_before,
        )
        .order_by(Annotation.updated_at, Assignment.id)
        .limit(CANDIDATES)
    ).all()
    for assignment in rows:
        taken = session.execute(
            update(Task).where(Task.id == assignment.task_id, Task.remaining > 0, NOT_PAUSED)
            .values(remaining=Task.remaining - 1)
        ).rowcount
        if taken != 1:
            continue
        leased = session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.status.in_(("skipped", "expired")))
            .values(status="leased", expires_at=expires_at)
        ).rowcount
        if leased != 1:  # the same caller took it back from another process a moment ago
            session.rollback()
            return None
        session.commit()
        session.refresh(assignment)
        return session.get(Task, assignment.task_id), assignment
    session.rollback()
    return None


def _standing(session: Session, project_id: int, user: User, settings: ProjectSettings, status: str | None) -> str:
    """The caller's status in the project; a paused member is refused with the reason, never an empty queue."""
    if status is None:  # a site admin who is not a member
        return "active"
    if status == "paused":
        reason = session.scalar(select(Member.status_reason).where(Member.project_id == project_id,
                                                                   Member.user_id == user.id))
        reason = reason or "a manager paused your work"
        raise Forbidden(f"you are paused in project {project_id}: {reason}. A project manager can resume you.")
    if status == "qualifying" and settings.qualification_gold == 0:
        return "active"  # qualification was switched off
    return status


def _gold_due(session: Session, user: User, project_id: int, ratio: float) -> bool:
    """Whether this request should be a gold task, so that about `ratio` of what the caller is served is gold.

    Randomised rounding of the running quota: never a fixed pattern an annotator could learn, and the share
    served never drifts more than one task from the target.
    """
    served, gold = session.execute(
        select(func.count(Assignment.id), func.count(GoldAnswer.task_id))
        .select_from(Assignment)
        .outerjoin(GoldAnswer, GoldAnswer.task_id == Assignment.task_id)
        .where(Assignment.project_id == project_id, Assignment.user_id == user.id)
    ).one()
    return gold < ratio * (served + 1) - random.random() + 1e-9


def _claim_gold(
    session: Session, user: User, project_id: int, now: datetime, expires_at: datetime
) -> tuple[Task, Assignment] | None:
    """Lease a gold task the caller has never been served; gold tasks ignore overlap and `remaining`."""
    for _ in range(CLAIM_ATTEMPTS):
        task_id = session.scalar(
            select(GoldAnswer.task_id)
            .where(
                GoldAnswer.project_id == project_id,
                ~exists().where(Assignment.task_id == GoldAnswer.task_id, Assignment.user_id == user.id),
            )
            .order_by(func.random())
            .limit(1)
        )
        if task_id is None:
            session.commit()
            return None
        assignment = Assignment(task_id=task_id, project_id=project_id, user_id=user.id, status="leased",
                                expires_at=expires_at, created_at=now)
        session.add(assignment)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return session.get(Task, task_id), assignment
    return None
