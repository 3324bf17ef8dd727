"""Submitting, editing and skipping annotations. Every change adds an immutable revision."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.assist import retrain
from labelwise.core.labeling import answer_hooks, batches, queue, worker_gate
from labelwise.core.platform import events, webhook_outbox
from labelwise.core.platform.access import Role, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.config import project_access
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.errors import Conflict, Forbidden, Invalid, NotFound
from labelwise.schema import validate_result
from labelwise.store.models import Annotation, AnnotationRevision, Assignment, Batch, Event, Project, Task, User

MAX_LEAD_TIME_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class StoredAnswer:
    """A freshly stored first answer, as the lean path wrote it (the columns of `Annotation`, no ORM object)."""

    id: int
    task_id: int
    project_id: int
    user_id: int
    status: str
    result: dict[str, Any] | None
    lead_time_ms: int | None
    revision: int
    created_at: datetime
    updated_at: datetime
    schema_version: int
    guidelines_version: int
    username: str | None = None
    review: None = None


def submit(
    session: Session,
    user: User,
    task_id: int,
    *,
    result: dict[str, Any],
    lead_time_ms: int | None = None,
) -> Annotation | StoredAnswer:
    """The caller's answer to a task. Answering a task they skipped, or whose annotation a reviewer
    rejected, adds a revision to that annotation."""
    stored = _submit_leased(session, user, task_id, result, lead_time_ms)
    if stored is not None:
        return stored
    task, _role, assignment, existing = _load_for_work(session, user, task_id)
    values = checked_result(session, task, result)
    lead_time_ms = _checked_lead_time(lead_time_ms)
    if existing is not None:
        if existing.status == "submitted":
            raise Conflict(f"you already annotated task {task_id}; edit that annotation (PATCH) instead")
        _resubmit(session, existing, user, values, lead_time_ms, action="annotation.submitted")
        session.commit()
        retrain.maybe_retrain(session, task.project_id)
        return existing
    _count_slot(session, task_id, assignment, user)
    now = utcnow()
    annotation = Annotation(
        task_id=task_id, project_id=task.project_id, user_id=user.id, status="submitted", result=values,
        lead_time_ms=lead_time_ms, revision=1, created_at=now, updated_at=now, **_versions(session, task),
    )
    session.add(annotation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"you already annotated task {task_id}; edit that annotation (PATCH) instead") from None
    add_revision(session, annotation, user)
    _count_answer(session, task, lead_time_ms)
    if user.is_external:
        worker_gate.count_answer(session, user)
    events.record(session, actor=user, action="annotation.submitted", object_type="annotation",
                  object_id=annotation.id, project_id=task.project_id,
                  after={"task_id": task_id, "result": values, "lead_time_ms": lead_time_ms})
    session.commit()
    retrain.maybe_retrain(session, task.project_id)
    return annotation


def _submit_leased(session: Session, user: User, task_id: int, result: Any,
                   lead_time_ms: Any) -> StoredAnswer | None:
    """The common case in a handful of Core statements: a first answer to a task leased to the caller, in a
    project without webhooks, from a member who is not a crowd worker. None: take the general path."""
    row = session.execute(
        select(Task.project_id, Task.data, Task.batch_id, Assignment.id, Assignment.status, Annotation.id)
        .select_from(Task)
        .outerjoin(Assignment, and_(Assignment.task_id == Task.id, Assignment.user_id == user.id))
        .outerjoin(Annotation, and_(Annotation.task_id == Task.id, Annotation.user_id == user.id))
        .where(Task.id == task_id)
    ).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    project_id, data, batch_id, assignment_id, assignment_status, annotation_id = row
    access = project_access(session, user, project_id, what=f"task {task_id}")
    if assignment_status != "leased" or annotation_id is not None or user.is_external or access.has_webhooks:
        return None
    if not isinstance(result, dict):
        raise Invalid("'result' must be an object keyed by control name", field="result")
    config = access.config
    values = config.validate(data, result)
    lead_time_ms = _checked_lead_time(lead_time_ms)
    done = session.execute(
        update(Assignment).where(Assignment.id == assignment_id, Assignment.status == "leased").values(status="done")
    ).rowcount
    if done != 1:  # the lease changed under us (another request of the caller's): the general path decides
        session.rollback()
        return None
    now = utcnow()
    versions = {"schema_version": config.schema_version, "guidelines_version": config.guidelines_version}
    try:
        annotation_id = session.scalar(
            insert(Annotation).values(task_id=task_id, project_id=project_id, user_id=user.id, status="submitted",
                                      result=values, lead_time_ms=lead_time_ms, revision=1, created_at=now,
                                      updated_at=now, **versions)
            .returning(Annotation.id)
        )
    except IntegrityError:
        session.rollback()
        raise Conflict(f"you already annotated task {task_id}; edit that annotation (PATCH) instead") from None
    session.execute(insert(AnnotationRevision).values(
        annotation_id=annotation_id, revision=1, status="submitted", result=values, lead_time_ms=lead_time_ms,
        author_id=user.id, created_at=now, **versions))
    session.execute(update(Task).where(Task.id == task_id).values(annotation_count=Task.annotation_count + 1))
    if batch_id is not None:
        batches.charge(session, batch_id, lead_time_ms)
    session.execute(insert(Event).values(
        project_id=project_id, actor_id=user.id, action="annotation.submitted", object_type="annotation",
        object_id=str(annotation_id), before=None, created_at=now,
        after={"task_id": task_id, "result": values, "lead_time_ms": lead_time_ms}))
    stored = StoredAnswer(annotation_id, task_id, project_id, user.id, "submitted", values, lead_time_ms, 1, now, now,
                          config.schema_version, config.guidelines_version)
    answer_hooks.answer_changed(session, stored)
    session.commit()
    if config.settings.retrain_every:
        retrain.maybe_retrain(session, project_id)
    return stored


def skip(session: Session, user: User, task_id: int, *, lead_time_ms: int | None = None) -> Annotation:
    """Record that the caller skipped the task and give its slot to someone else. A skipped task that came
    back to the caller (the project's `skipped_return`) can be skipped again: a new revision, a new skip time."""
    task, _role, assignment, existing = _load_for_work(session, user, task_id)
    if existing is not None and existing.status != "skipped":
        raise Conflict(f"you already answered task {task_id}; it can no longer be skipped")
    now = utcnow()
    if existing is not None:
        if assignment is None or assignment.status != "leased":
            raise Conflict(f"you already skipped task {task_id}")
        queue.skip(session, assignment)
        existing.revision += 1
        stamp(session, existing)
        existing.lead_time_ms = _checked_lead_time(lead_time_ms)
        existing.updated_at = now
        add_revision(session, existing, user)
        events.record(session, actor=user, action="annotation.skipped", object_type="annotation",
                      object_id=existing.id, project_id=task.project_id, after={"task_id": task_id})
        session.commit()
        return existing
    if assignment is None:
        assignment = Assignment(task_id=task_id, project_id=task.project_id, user_id=user.id, status="skipped",
                                expires_at=now, created_at=now)
        session.add(assignment)
    else:
        queue.skip(session, assignment)
    annotation = Annotation(
        task_id=task_id, project_id=task.project_id, user_id=user.id, status="skipped", result=None,
        lead_time_ms=_checked_lead_time(lead_time_ms), revision=1, created_at=now, updated_at=now,
        **_versions(session, task),
    )
    session.add(annotation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"you already answered task {task_id}") from None
    add_revision(session, annotation, user)
    events.record(session, actor=user, action="annotation.skipped", object_type="annotation",
                  object_id=annotation.id, project_id=task.project_id, after={"task_id": task_id})
    session.commit()
    return annotation


def edit(
    session: Session,
    user: User,
    annotation_id: int,
    *,
    result: dict[str, Any],
    lead_time_ms: int | None = None,
) -> Annotation:
    """A new revision of the caller's own annotation. A skipped or rejected one becomes submitted again."""
    annotation = session.get(Annotation, annotation_id)
    _, role = authorize_row(session, user, annotation, f"annotation {annotation_id}", Role.ANNOTATOR)
    if annotation.user_id != user.id:
        if role == Role.ANNOTATOR:
            raise NotFound(f"annotation {annotation_id} not found")
        raise Forbidden("only the author edits an annotation; reviewers fix it through a review")
    task = session.get(Task, annotation.task_id)
    values = checked_result(session, task, result)
    _resubmit(session, annotation, user, values, _checked_lead_time(lead_time_ms), action="annotation.edited")
    session.commit()
    return annotation


def get_annotation(session: Session, user: User, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    _, role = authorize_row(session, user, annotation, f"annotation {annotation_id}", Role.ANNOTATOR)
    if role == Role.ANNOTATOR and annotation.user_id != user.id:
        raise NotFound(f"annotation {annotation_id} not found")
    return annotation


def revisions(session: Session, user: User, annotation_id: int) -> list[AnnotationRevision]:
    annotation = get_annotation(session, user, annotation_id)
    stmt = select(AnnotationRevision).where(AnnotationRevision.annotation_id == annotation.id)
    return list(session.scalars(stmt.order_by(AnnotationRevision.revision)))


def _resubmit(
    session: Session, annotation: Annotation, user: User, values: dict[str, Any], lead_time_ms: int | None, *,
    action: str,
) -> None:
    """Add a submitted revision; an answer that did not count (skipped, rejected) starts counting again."""
    before = {"status": annotation.status, "result": annotation.result, "revision": annotation.revision}
    if annotation.status != "submitted":
        assignment = session.scalar(
            select(Assignment).where(Assignment.task_id == annotation.task_id, Assignment.user_id == user.id)
        )
        _count_slot(session, annotation.task_id, assignment, user)
        _count_answer(session, session.get(Task, annotation.task_id), lead_time_ms)
        if user.is_external:
            worker_gate.count_answer(session, user)
    annotation.status = "submitted"
    annotation.result = values
    annotation.lead_time_ms = lead_time_ms
    annotation.revision += 1
    stamp(session, annotation)
    annotation.updated_at = utcnow()
    add_revision(session, annotation, user)
    events.record(session, actor=user, action=action, object_type="annotation", object_id=annotation.id,
                  project_id=annotation.project_id, before=before,
                  after={"task_id": annotation.task_id, "status": "submitted", "result": values,
                         "revision": annotation.revision})


def _load_for_work(
    session: Session, user: User, task_id: int
) -> tuple[Task, Role, Assignment | None, Annotation | None]:
    """The task, the caller's role, their assignment and their annotation of it, if any. Annotators may only
    work on tasks served to them."""
    task = session.get(Task, task_id)
    _, role = authorize_row(session, user, task, f"task {task_id}", Role.ANNOTATOR)
    # every annotation is written beside its assignment, so one outer join answers both in the common case
    row = session.execute(
        select(Assignment, Annotation)
        .outerjoin(Annotation, (Annotation.task_id == Assignment.task_id) & (Annotation.user_id == Assignment.user_id))
        .where(Assignment.task_id == task_id, Assignment.user_id == user.id)
    ).first()
    if row is None:
        if role == Role.ANNOTATOR:
            raise NotFound(f"task {task_id} not found")
        existing = session.scalar(
            select(Annotation).where(Annotation.task_id == task_id, Annotation.user_id == user.id)
        )
        return task, role, None, existing
    return task, role, row[0], row[1]


def _count_answer(session: Session, task: Task, lead_time_ms: int | None) -> None:
    """One more answer counts on the task and is charged to its batch. For webhooks: the answer that reaches
    the overlap completes the task, and when that was the batch's last incomplete task, the batch."""
    counted = update(Task).where(Task.id == task.id).values(annotation_count=Task.annotation_count + 1)
    wanted = webhook_outbox.wants(session, task.project_id, "task.completed") or (
        task.batch_id is not None and webhook_outbox.wants(session, task.project_id, "batch.completed"))
    if not wanted:
        session.execute(counted)
        if task.batch_id is not None:
            batches.charge(session, task.batch_id, lead_time_ms)
        return
    count = session.scalar(counted.returning(Task.annotation_count))
    batch = session.get(Batch, task.batch_id) if task.batch_id is not None else None
    if batch is not None:
        batches.charge(session, batch.id, lead_time_ms)  # its row lock orders concurrent answers on PostgreSQL
    overlap = batch.overlap if batch is not None and batch.overlap is not None else \
        ProjectSettings.model_validate(session.get(Project, task.project_id).settings).overlap
    if count != overlap:
        return
    webhook_outbox.emit(session, task.project_id, "task.completed",
                        {"task_id": task.id, "batch_id": task.batch_id, "annotations": count, "overlap": overlap})
    if batch is not None and webhook_outbox.wants(session, task.project_id, "batch.completed"):
        done = batches.progress(session, batch)
        if done.tasks and done.complete == done.tasks:
            webhook_outbox.emit(session, task.project_id, "batch.completed",
                                {"batch_id": batch.id, "name": batch.name, "tasks": done.tasks,
                                 "submitted": done.submitted, "spent": batch.spent, "budget": batch.budget})


def _count_slot(session: Session, task_id: int, assignment: Assignment | None, user: User) -> None:
    """Mark the caller's assignment done. A lease already holds its slot; anything else takes one now."""
    if assignment is None:
        now = utcnow()
        session.add(Assignment(task_id=task_id, project_id=session.get(Task, task_id).project_id, user_id=user.id,
                               status="done", expires_at=now, created_at=now))
        queue.take_slot(session, task_id)
        return
    if assignment.status != "leased":
        queue.take_slot(session, task_id)
    assignment.status = "done"


def checked_result(session: Session, task: Task, result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise Invalid("'result' must be an object keyed by control name", field="result")
    schema = project_schema(session.get(Project, task.project_id))
    return validate_result(schema, task.data, result)


def _checked_lead_time(lead_time_ms: Any) -> int | None:
    if lead_time_ms is None:
        return None
    if isinstance(lead_time_ms, bool) or not isinstance(lead_time_ms, int) or not 0 <= lead_time_ms <= MAX_LEAD_TIME_MS:
        raise Invalid(f"'lead_time_ms' must be a whole number of milliseconds from 0 to {MAX_LEAD_TIME_MS}",
                      field="lead_time_ms")
    return lead_time_ms


def add_revision(session: Session, annotation: Annotation, author: User) -> None:
    """Record a revision; every change of an answer passes here, so the task's consensus follows it."""
    session.add(
        AnnotationRevision(
            annotation_id=annotation.id, revision=annotation.revision, status=annotation.status,
            result=annotation.result, lead_time_ms=annotation.lead_time_ms, author_id=author.id,
            created_at=annotation.updated_at, schema_version=annotation.schema_version,
            guidelines_version=annotation.guidelines_version,
        )
    )
    answer_hooks.answer_changed(session, annotation)


def stamp(session: Session, annotation: Annotation) -> None:
    """Record on a changed answer the schema and guidelines versions it is now made under."""
    project = session.get(Project, annotation.project_id)
    annotation.schema_version, annotation.guidelines_version = project.schema_version, project.guidelines_version


def _versions(session: Session, task: Task) -> dict[str, int]:
    project = session.get(Project, task.project_id)  # loaded already by the role check
    return {"schema_version": project.schema_version, "guidelines_version": project.guidelines_version}
