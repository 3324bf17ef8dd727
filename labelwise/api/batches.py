"""Batches of a project's tasks: priority, deadline, overlap, pay and budget."""

from fastapi import APIRouter, Response

from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import BatchIn, BatchOut, BatchPatch, BatchProgressOut, BatchTasksIn, BatchTasksOut
from labelwise.core.labeling import batches
from labelwise.core.labeling.tasks import TaskFilter
from labelwise.errors import Invalid

router = APIRouter(tags=["batches"])

_FILTER_KEYS = {"status": "status", "external_id": "external_id", "q": "search", "annotator": "annotator_id",
                "has_predictions": "has_predictions", "gold": "is_gold", "duplicates": "duplicates",
                "duplicate_cluster": "duplicate_cluster", "label_error": "label_error", "batch": "batch_id"}


def _out(session, batch) -> BatchOut:
    out = BatchOut.model_validate(batch)
    out.progress = BatchProgressOut(**batches.progress(session, batch).__dict__)
    return out


@router.get("/projects/{project_id}/batches", response_model=list[BatchOut])
def list_batches(project_id: int, user: UserDep, session: SessionDep):
    return [_out(session, b) for b in batches.list_batches(session, user, project_id)]


@router.post("/projects/{project_id}/batches", response_model=BatchOut, status_code=201)
def create_batch(project_id: int, body: BatchIn, user: UserDep, session: SessionDep):
    return _out(session, batches.create_batch(session, user, project_id, **body.model_dump()))


@router.get("/batches/{batch_id}", response_model=BatchOut)
def read_batch(batch_id: int, user: UserDep, session: SessionDep):
    return _out(session, batches.get_batch(session, user, batch_id))


@router.patch("/batches/{batch_id}", response_model=BatchOut)
def update_batch(batch_id: int, body: BatchPatch, user: UserDep, session: SessionDep):
    return _out(session, batches.update_batch(session, user, batch_id, body.model_dump(exclude_unset=True)))


@router.delete("/batches/{batch_id}", status_code=204)
def delete_batch(batch_id: int, user: UserDep, session: SessionDep):
    batches.delete_batch(session, user, batch_id)
    return Response(status_code=204)


@router.post("/batches/{batch_id}/tasks", response_model=BatchTasksOut)
def add_tasks(batch_id: int, body: BatchTasksIn, user: UserDep, session: SessionDep):
    """Put tasks into the batch: by ids, by a task filter, or the tasks of one import."""
    changed = batches.add_tasks(session, user, batch_id, task_ids=body.task_ids, filters=_filter(body.filter),
                                from_import=body.from_import)
    return BatchTasksOut(changed=changed)


@router.post("/batches/{batch_id}/tasks/remove", response_model=BatchTasksOut)
def remove_tasks(batch_id: int, body: BatchTasksIn, user: UserDep, session: SessionDep):
    if body.task_ids is None:
        raise Invalid("give task_ids to remove", field="task_ids")
    return BatchTasksOut(changed=batches.remove_tasks(session, user, batch_id, body.task_ids))


def _filter(raw: dict | None) -> TaskFilter | None:
    if raw is None:
        return None
    unknown = set(raw) - set(_FILTER_KEYS)
    if unknown:
        raise Invalid(f"unknown filter '{min(unknown)}'; expected {', '.join(_FILTER_KEYS)}",
                      field=f"filter.{min(unknown)}")
    return TaskFilter(**{_FILTER_KEYS[k]: v for k, v in raw.items()})
