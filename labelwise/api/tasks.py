"""Tasks: import, listing, one task, the caller's next task, and skipping."""

import tempfile
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from labelwise.api.deps import SessionDep, SessionFactoryDep, SettingsDep, UserDep
from labelwise.api.schemas import (
    AnnotationOut,
    ImportOut,
    NextTaskOut,
    PredictionsOut,
    SkipIn,
    TaskDetailOut,
    TaskOut,
    TaskPageOut,
)
from labelwise.api.views import blind_fields, task_detail
from labelwise.core import annotations, importing, predictions, queue
from labelwise.core.access import Role, authorize, role_in
from labelwise.core.errors import TooLarge
from labelwise.core.gold import answered_by
from labelwise.core.tasks import TaskFilter, get_task, list_tasks
from labelwise.formats.registry import import_format, read_rows

router = APIRouter(tags=["tasks"])
SPOOL_IN_MEMORY = 1024 * 1024


@router.post("/projects/{project_id}/import", response_model=ImportOut, status_code=201)
async def import_tasks(
    project_id: int,
    request: Request,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    factory: SessionFactoryDep,
    format: Annotated[str | None, Query(description="json, jsonl, csv or tsv; default: from Content-Type")] = None,
):
    """Import tasks from the request body (a JSON array, JSON Lines, CSV or TSV). All or nothing."""
    await run_in_threadpool(authorize, session, user, project_id, Role.MANAGER)
    fmt = import_format(name=format, media_type=request.headers.get("content-type"))
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_upload_bytes:
                raise TooLarge(f"the upload is over the {settings.max_upload_bytes} byte limit; split it")
            spool.write(chunk)
        spool.seek(0)

        def run() -> importing.ImportSummary:
            with factory() as import_session:
                rows = read_rows(spool, fmt, max_line_bytes=settings.max_line_bytes)
                return importing.import_tasks(
                    import_session, user, project_id, rows, batch_size=settings.import_batch_size,
                    max_errors=settings.max_import_errors,
                )

        summary = await run_in_threadpool(run)
    return ImportOut(**summary.__dict__)


@router.get("/projects/{project_id}/tasks", response_model=TaskPageOut)
def tasks_page(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    sort: str = "id",
    status: Literal["unlabeled", "labeled", "complete", "incomplete"] | None = None,
    external_id: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring search in the task data.")] = None,
    annotator: int | None = None,
    has_predictions: bool | None = None,
    gold: bool | None = None,
):
    filters = TaskFilter(status=status, external_id=external_id, search=q, annotator_id=annotator,
                         has_predictions=has_predictions, is_gold=gold)
    page = list_tasks(session, user, project_id, filters=filters, sort=sort, after=after, limit=limit)
    items = [TaskOut.model_validate(t) for t in page.tasks]
    if role_in(session, user, project_id) == Role.ANNOTATOR:
        answered = answered_by(session, user.id, [t.id for t in items])
        items = [item.model_copy(update=blind_fields(int(item.id in answered))) for item in items]
    return TaskPageOut(items=items, next=page.next_cursor)


@router.get("/projects/{project_id}/next", response_model=NextTaskOut, responses={204: {"description": "No task left"}})
def next_task(project_id: int, user: UserDep, session: SessionDep, settings: SettingsDep):
    """The caller's next task, leased to them; 204 when the queue has nothing left for them."""
    served = queue.next_task(session, user, project_id, default_lease_seconds=settings.lease_seconds)
    if served is None:
        return Response(status_code=204)
    task, assignment = served
    return NextTaskOut(task=task_detail(get_task(session, user, task.id)), lease_expires_at=assignment.expires_at)


@router.get("/tasks/{task_id}", response_model=TaskDetailOut)
def read_task(task_id: int, user: UserDep, session: SessionDep):
    return task_detail(get_task(session, user, task_id))


@router.post("/tasks/{task_id}/skip", response_model=AnnotationOut, status_code=201)
def skip_task(task_id: int, user: UserDep, session: SessionDep, body: SkipIn | None = None):
    annotation = annotations.skip(session, user, task_id, lead_time_ms=body.lead_time_ms if body else None)
    return AnnotationOut.model_validate(annotation)


@router.post("/projects/{project_id}/predictions", response_model=PredictionsOut, status_code=201)
def upload_predictions(project_id: int, user: UserDep, session: SessionDep, items: list[dict]):
    """Upload model predictions: `[{"task_id" or "external_id", "result", "model_version", "score"}]`."""
    return PredictionsOut(created=predictions.upload(session, user, project_id, items))
