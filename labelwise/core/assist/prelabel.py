"""The `prelabel` job kind: predict every unlabeled task of a project through one of its ML backends
(with `backend_id` in its parameters; otherwise through a stored built-in model version, see
`labelwise.core.assist.jobs`).

Tasks go to the backend in batches; each batch's predictions are validated against the project's
schema and committed with the backend's model version, then progress is reported (so a cancel keeps
the batches already stored). Tasks that already hold a prediction of the same model version are
skipped, so a retry after a failure carries on where the last attempt stopped. A backend that fails
or answers something unusable fails the job with a message naming the backend and the task; labeling
goes on untouched either way.
"""

import time
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from labelwise.core.assist import jobs as builtin_jobs
from labelwise.core.assist.backends import client_for, label_config_for, record_outcome
from labelwise.core.assist.ml_client import BackendError, TaskIn
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, LabelwiseError, NotFound
from labelwise.schema import validate_result
from labelwise.store.models import Job, MlBackend, Prediction, Project, Task, User

KIND_PRELABEL = builtin_jobs.KIND_PRELABEL
MAX_BATCH = 1000


def queue_prelabel(session: Session, user: User, project_id: int, *, backend_id: int, batch_size: int = 32,
                   all_tasks: bool = False) -> Job:
    """Queue a pre-label job; `all_tasks` also predicts tasks that already have annotations."""
    authorize(session, user, project_id, Role.MANAGER)
    backend = session.get(MlBackend, backend_id)
    if backend is None or backend.project_id != project_id:
        raise NotFound(f"ML backend {backend_id} not found in project {project_id}", field="backend_id")
    if not backend.enabled:
        raise Invalid(f"the ML backend '{backend.name}' is disabled; enable it first", field="backend_id")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
        raise Invalid(f"batch_size must be from 1 to {MAX_BATCH}", field="batch_size")
    total = session.scalar(select(func.count()).select_from(_candidates(project_id, all_tasks=all_tasks)))
    return jobs.enqueue(session, user, project_id, kind=KIND_PRELABEL, total=total,
                        params={"backend_id": backend_id, "batch_size": batch_size, "all_tasks": all_tasks})


def run_prelabel(ctx: JobContext) -> dict[str, Any]:
    if ctx.params.get("backend_id") is None:
        return builtin_jobs.run_prelabel(ctx)
    return _run_through_backend(ctx)


def _run_through_backend(ctx: JobContext) -> dict[str, Any]:
    session = ctx.session
    backend = session.get(MlBackend, ctx.params["backend_id"])
    if backend is None:
        raise LabelwiseError("the ML backend of this job has been removed from the project")
    project = session.get(Project, ctx.project_id)
    schema = project_schema(project)
    config = label_config_for(backend, project)
    started = time.monotonic()
    stored = empty = done = 0
    with client_for(backend) as client:
        try:
            version = client.setup(project_id=project.id, schema=schema, label_config=config)
            candidates = _candidates(project.id, all_tasks=ctx.params.get("all_tasks", False), skip_version=version)
            total = session.scalar(select(func.count()).select_from(candidates))
            ctx.progress(0, total=total)
            last_id = 0
            while True:
                batch = session.execute(select(candidates.c.id, candidates.c.data).where(candidates.c.id > last_id)
                                        .order_by(candidates.c.id).limit(ctx.params["batch_size"])).all()
                if not batch:
                    break
                last_id = batch[-1].id
                answered, predictions = client.predict([TaskIn(row.id, row.data) for row in batch],
                                                       project_id=project.id, schema=schema, label_config=config)
                version = answered or version or backend.name
                rows = []
                for row, prediction in zip(batch, predictions):
                    if prediction.result in ({}, None):
                        empty += 1  # the model had nothing to suggest for this task
                        continue
                    rows.append(_row(schema, backend, row, prediction, version, project.id))
                if rows:
                    session.execute(insert(Prediction), rows)
                session.commit()
                stored += len(rows)
                done += len(batch)
                ctx.progress(done, total=max(total, done), rows=stored)
        except BackendError as exc:
            session.rollback()
            record_outcome(session, backend, error=exc.message)
            raise
    record_outcome(session, backend, model_version=version)
    summary = {"predicted": stored, "empty": empty, "tasks": done, "model_version": version,
               "backend": backend.name, "seconds": round(time.monotonic() - started, 3)}
    events.record(session, actor=ctx.user, action="predictions.generated", object_type="project",
                  object_id=project.id, project_id=project.id, after=summary)
    session.commit()
    return summary


def _candidates(project_id: int, *, all_tasks: bool, skip_version: str | None = None):
    stmt = select(Task.id, Task.data).where(Task.project_id == project_id)
    if not all_tasks:
        stmt = stmt.where(Task.annotation_count == 0)
    if skip_version is not None:
        stmt = stmt.where(~exists().where(Prediction.task_id == Task.id, Prediction.model_version == skip_version))
    return stmt.subquery()


def _row(schema, backend: MlBackend, row, prediction, version: str, project_id: int) -> dict[str, Any]:
    who = f"the ML backend '{backend.name}' at {backend.url}"
    if not isinstance(prediction.result, dict):
        raise BackendError(f"{who} answered a 'result' for task {row.id} that is not an object")
    try:
        result = validate_result(schema, row.data, prediction.result)
    except Invalid as exc:
        raise BackendError(f"{who} predicted a result that does not fit the project's schema: task {row.id}: "
                           f"{exc.message}") from None
    score, scores = prediction.score, prediction.scores
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise BackendError(f"{who} answered a 'score' for task {row.id} that is not a number")
    if scores is not None and not isinstance(scores, dict):
        raise BackendError(f"{who} answered 'scores' for task {row.id} that are not an object of label to score")
    return {"task_id": row.id, "project_id": project_id, "created_at": utcnow(), "result": result,
            "score": score, "scores": scores, "model_version": version}
