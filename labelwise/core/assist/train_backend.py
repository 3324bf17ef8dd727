"""The `train_backend` job kind: send a project's labeled tasks to an ML backend's train route.

Each labeled task goes with its final label: the consensus when there is one, else its latest
submitted annotation. The backend answers when it has trained; its new model version is kept on the
backend and the answer becomes the job's result.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.assist.backends import client_for, get_backend, label_config_for, record_outcome
from labelwise.core.assist.ml_client import BackendError, Labeled
from labelwise.core.platform import jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, LabelwiseError
from labelwise.store.models import Annotation, Job, MlBackend, Project, Task, User

KIND_TRAIN_BACKEND = "train_backend"


def queue_training(session: Session, user: User, backend_id: int) -> Job:
    backend = get_backend(session, user, backend_id)
    authorize(session, user, backend.project_id, Role.MANAGER)
    if not backend.enabled:
        raise Invalid(f"the ML backend '{backend.name}' is disabled; enable it first", field="backend_id")
    return jobs.enqueue(session, user, backend.project_id, kind=KIND_TRAIN_BACKEND, params={"backend_id": backend_id})


def run_training(ctx: JobContext) -> dict[str, Any]:
    session = ctx.session
    backend = session.get(MlBackend, ctx.params["backend_id"])
    if backend is None:
        raise LabelwiseError("the ML backend of this job has been removed from the project")
    project = session.get(Project, ctx.project_id)
    labeled = labeled_tasks(session, project.id)
    if not labeled:
        raise Invalid("the project has no labeled tasks to train on yet")
    ctx.progress(0, total=len(labeled))
    with client_for(backend) as client:
        try:
            answer = client.train(labeled, project_id=project.id, schema=project_schema(project),
                                  label_config=label_config_for(backend, project))
        except BackendError as exc:
            record_outcome(session, backend, error=exc.message)
            raise
    version = answer.get("model_version")
    record_outcome(session, backend, model_version=str(version)[:200] if version is not None else None)
    ctx.progress(len(labeled), rows=len(labeled))
    return {"trained_on": len(labeled), "backend": backend.name, "answer": answer}


def labeled_tasks(session: Session, project_id: int) -> list[Labeled]:
    rows = session.execute(select(Task.id, Task.data, Task.consensus)
                           .where(Task.project_id == project_id, Task.annotation_count > 0).order_by(Task.id)).all()
    latest: dict[int, dict] = {}
    for task_id, result in session.execute(
            select(Annotation.task_id, Annotation.result)
            .where(Annotation.project_id == project_id, Annotation.status == "submitted")
            .order_by(Annotation.task_id, Annotation.updated_at)):
        if result:
            latest[task_id] = result
    out = []
    for task_id, data, consensus in rows:
        result = consensus if consensus else latest.get(task_id)
        if result:
            out.append(Labeled(task_id, data, result))
    return out
