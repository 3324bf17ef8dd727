"""Tasks: listing, one task, the caller's next task, and skipping."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import (
    AnnotatedHolding,
    AnnotatedNext,
    AnnotationOut,
    AnsweredNextOut,
    DuplicateOfOut,
    LabelErrorOut,
    NextTaskOut,
    PredictionsOut,
    SkipIn,
    TaskDetailOut,
    TaskOut,
    TaskPageOut,
)
from labelwise.api.views import (
    annotation_out,
    answered_next,
    auto_label_out,
    blind_fields,
    json_response,
    next_out,
    task_detail,
)
from labelwise.core.assist import kitti_predictions, predictions
from labelwise.core.duplicates import duplicate_clusters
from labelwise.core.labeling import annotations, documents, queue, volume_labels
from labelwise.core.labeling.tasks import TaskFilter, auto_labels_for, get_task, list_tasks
from labelwise.core.platform.access import Role, role_in
from labelwise.core.review import label_errors
from labelwise.core.review.gold import answered_by

router = APIRouter(tags=["tasks"])


@router.get("/projects/{project_id}/tasks", response_model=TaskPageOut)
def tasks_page(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    sort: str = "id",
    status: Literal["unlabeled", "labeled", "complete", "incomplete", "skipped"] | None = None,
    external_id: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring search in the task data.")] = None,
    annotator: int | None = None,
    has_predictions: bool | None = None,
    gold: bool | None = None,
    duplicates: Annotated[bool | None, Query(description="Only tasks in (true) or outside (false) a stored "
                                              "duplicate cluster (see /duplicates/scan and duplicates=flag).")] = None,
    duplicate_cluster: Annotated[int | None, Query(description="Only the members of this duplicate cluster.")] = None,
    label_error: Annotated[bool | None, Query(description="Only tasks the last label-error detection flagged "
                                                "(true) or did not (false); reviewers and managers.")] = None,
    lf_conflict: Annotated[int | None, Query(ge=1, description="Only tasks where at least this many current "
                                             "labeling-function votes disagree with the label most of them vote "
                                             "(see the labeling-function analysis); reviewers and managers.")] = None,
    schema_version: Annotated[int | None, Query(ge=1, description="Only tasks with an answer made under this label "
                                                "schema version; reviewers and managers.")] = None,
    guidelines_version: Annotated[int | None, Query(ge=1, description="Only tasks with an answer made under this "
                                                    "guidelines version; reviewers and managers.")] = None,
    batch: Annotated[int | None, Query(description="Only the tasks of this batch.")] = None,
    auto_labeled: Annotated[bool | None, Query(description="Only tasks the last auto-label run labeled (true) or "
                                                 "did not (false); reviewers and managers.")] = None,
):
    filters = TaskFilter(status=status, external_id=external_id, search=q, annotator_id=annotator,
                         has_predictions=has_predictions, is_gold=gold,
                         duplicates=duplicates, duplicate_cluster=duplicate_cluster, label_error=label_error,
                         auto_labeled=auto_labeled, lf_conflict=lf_conflict, schema_version=schema_version,
                         guidelines_version=guidelines_version, batch_id=batch)
    page = list_tasks(session, user, project_id, filters=filters, sort=sort, after=after, limit=limit)
    items = [TaskOut.model_validate(t) for t in page.tasks]
    if role_in(session, user, project_id) == Role.ANNOTATOR:
        answered = answered_by(session, user.id, [t.id for t in items])
        items = [item.model_copy(update=blind_fields(int(item.id in answered))) for item in items]
    else:
        found = duplicate_clusters.memberships(session, project_id, [t.id for t in items])
        items = [item.model_copy(update={"duplicate_of": _duplicate_of(found[item.id])}) if item.id in found else item
                 for item in items]
        flagged = label_errors.flags_for(session, project_id, [t.id for t in items])
        items = [item.model_copy(update={"label_error": _label_error(flagged[item.id])}) if item.id in flagged
                 else item for item in items]
        auto = auto_labels_for(session, [t.id for t in items])
        items = [item.model_copy(update={"auto_label": auto_label_out(auto[item.id])}) if item.id in auto
                 else item for item in items]
    return TaskPageOut(items=items, next=page.next_cursor)


@router.get("/projects/{project_id}/next", response_model=NextTaskOut, responses={204: {"description": "No task left"}})
def next_task(project_id: int, user: UserDep, session: SessionDep, settings: SettingsDep,
              holding: AnnotatedHolding = []):
    """The caller's next task, leased to them; 204 when the queue has nothing left for them."""
    served = queue.next_task(session, user, project_id, default_lease_seconds=settings.lease_seconds, holding=holding)
    if served is None:
        return Response(status_code=204)
    return json_response(next_out(session, user, served))


@router.get("/tasks/{task_id}/documents/{object_name}", responses=errors(404, 422))
def read_task_document(task_id: int, object_name: str, request: Request, user: UserDep, session: SessionDep,
                       settings: SettingsDep) -> dict:
    """The task's PDF in `object_name` as `{"src", "pages", "page_sizes"}`, whose pages and text layer read through
    `<src>/pages/...`. A PDF given by URL or `s3://` is fetched by the server on first use and stored with the
    project's media; the task keeps its reference. 422 names a reference that cannot be read or is not a PDF."""
    return documents.task_document(session, user, task_id, object_name, storage=request.app.state.storage,
                                   settings=settings)


@router.get("/tasks/{task_id}/volumes/{object_name}/labels", response_class=Response, responses={
    200: {"description": "DICOM SEG (application/dicom) or NIfTI (application/octet-stream)",
          "content": {"application/dicom": {}, "application/octet-stream": {}}}, **errors(404, 422)})
def read_volume_labels(task_id: int, object_name: str, request: Request, user: UserDep, session: SessionDep,
                       format: Annotated[Literal["seg", "nifti"], Query(
                           description="seg: DICOM Segmentation (highdicom) on the stored series; nifti: .nii "
                                       "on the source grid and affine.")] = "seg",
                       annotation: Annotated[int | None, Query(
                           description="An annotation id; default the consensus, else the first submitted.")] = None):
    """The masks of a task's dicom object as one label volume, one segment (SEG) or value (NIfTI) per label."""
    data, name = volume_labels.task_labels(session, user, task_id, object_name, format,
                                           storage=request.app.state.storage, annotation_id=annotation)
    return Response(data, media_type="application/dicom" if format == "seg" else "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/tasks/{task_id}/volumes/{object_name}/agreement", responses=errors(404, 422))
def read_volume_agreement(task_id: int, object_name: str, user: UserDep, session: SessionDep) -> dict:
    """Agreement between the task's annotators on the masks of a dicom object: for every pair of submitted
    annotations, Dice and the 95th-percentile Hausdorff distance in mm per structure (label), and their means.
    A structure one side left empty has no finite distance (null). Reviewers and managers."""
    return volume_labels.task_agreement(session, user, task_id, object_name)


@router.get("/tasks/{task_id}", response_model=TaskDetailOut)
def read_task(task_id: int, user: UserDep, session: SessionDep):
    view = get_task(session, user, task_id)
    out = task_detail(view)
    if view.role >= Role.REVIEWER:
        found = duplicate_clusters.memberships(session, view.task.project_id, [task_id], with_others=True)
        out.duplicate_of = _duplicate_of(found.get(task_id, []))
        flag = label_errors.flags_for(session, view.task.project_id, [task_id]).get(task_id)
        out.label_error = _label_error(flag) if flag else None
    return out


def _label_error(flag: label_errors.Flag) -> LabelErrorOut:
    return LabelErrorOut(given=flag.given, suspected=flag.suspected, score=flag.score)


def _duplicate_of(found: list[duplicate_clusters.Membership]) -> list[DuplicateOfOut]:
    return [DuplicateOfOut(cluster_id=m.id, kind=m.kind, similarity=m.similarity, size=m.size, others=m.others)
            for m in found]


@router.post("/tasks/{task_id}/skip", response_model=AnnotationOut | AnsweredNextOut, status_code=201, responses=errors(409))
def skip_task(task_id: int, user: UserDep, session: SessionDep, settings: SettingsDep, body: SkipIn | None = None,
              next: AnnotatedNext = False, holding: AnnotatedHolding = []):
    """Skip the task; with `next=true` the response also carries the caller's next leased task."""
    annotation = annotations.skip(session, user, task_id, lead_time_ms=body.lead_time_ms if body else None)
    if not next:
        return json_response(annotation_out(annotation), 201)
    return json_response(answered_next(session, user, annotation, default_lease_seconds=settings.lease_seconds,
                                       holding=holding), 201)


@router.post("/projects/{project_id}/predictions/kitti", response_model=PredictionsOut, status_code=201,
             responses=errors(404, 422), openapi_extra={"requestBody": {"content": {
                 "application/zip": {"schema": {"type": "string", "format": "binary"}},
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                 "description": "A zip of KITTI label files (label_2/<sweep>.txt), named as the uploaded sweeps."}})
async def upload_kitti_predictions(
    project_id: int, request: Request, user: UserDep, session: SessionDep,
    control: Annotated[str | None, Query(description="The cuboids control (default: the first).")] = None,
    model_version: Annotated[str, Query(min_length=1, max_length=200)] = "kitti",
):
    """KITTI 3D object labels (a detector's output) as predictions: each file's cuboids go to the task whose
    point-cloud frame was uploaded under the same file stem, converted to the sweep's frame. All or nothing."""
    files = kitti_predictions.files_of_zip(await request.body())
    created = await run_in_threadpool(kitti_predictions.import_kitti, session, user, project_id, files,
                                      control=control, model_version=model_version)
    return PredictionsOut(created=created)


@router.post("/projects/{project_id}/predictions", response_model=PredictionsOut, status_code=201)
def upload_predictions(project_id: int, user: UserDep, session: SessionDep, items: list[dict]):
    """Upload model predictions: `[{"task_id" or "external_id", "result", "model_version", "score"}]`."""
    return PredictionsOut(created=predictions.upload(session, user, project_id, items))
