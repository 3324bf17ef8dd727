"""Response bodies assembled from core views."""

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from labelwise.api.schemas import (
    AnnotationOut,
    AutoLabelOut,
    NextTaskOut,
    PredictionOut,
    ReviewOut,
    TaskDetailOut,
    TaskOut,
)
from labelwise.core.labeling import queue
from labelwise.core.labeling.tasks import TaskView, describe_task, draft_version, visible_predictions
from labelwise.core.platform.access import Role
from labelwise.errors import Forbidden, TooManyRequests
from labelwise.store.models import Annotation, AutoLabel, User


def blind_fields(own_answers: int) -> dict:
    """What an annotator may see of a task's aggregate state: no consensus, and only their own answer
    counted, so other annotators' work and gold tasks (answered by everyone) stay invisible."""
    return {"consensus": None, "confidence": None, "annotation_count": own_answers}


def auto_label_out(row: AutoLabel, *, blind: bool = False) -> AutoLabelOut:
    return AutoLabelOut(control=row.control, label=None if blind else row.label,
                        confidence=None if blind else row.confidence, model_version=row.model_version,
                        verify=row.verify)


def task_detail(view: TaskView) -> TaskDetailOut:
    base = TaskOut.model_validate(view.task).model_dump()
    if view.role == Role.ANNOTATOR:
        base.update(blind_fields(sum(a.status == "submitted" for a in view.annotations)))
    annotations = []
    for annotation in view.annotations:
        out = AnnotationOut.model_validate(annotation)
        out.username = view.usernames.get(annotation.user_id)
        if annotation.id in view.reviews:
            out.review = ReviewOut.model_validate(view.reviews[annotation.id])
        annotations.append(out)
    if view.auto_label is not None:
        base["auto_label"] = auto_label_out(view.auto_label, blind=view.role == Role.ANNOTATOR)
    return TaskDetailOut(
        **base,
        annotations=annotations,
        predictions=[PredictionOut.model_validate(p).model_copy(update={"yours": p.model_version == view.own_draft})
                     for p in view.predictions],
        gold=view.gold.result if view.gold else None,
    )


def next_out(session: Session, user: User, served: queue.Served) -> dict[str, Any]:
    """The body of a served task (NextTaskOut's shape), ready for `json_response`. A task just claimed by an
    annotator is written straight from its row: there is nothing else they may see of it yet."""
    task = served.task
    if served.fresh and served.role == Role.ANNOTATOR:
        own_draft = draft_version(user.username)
        predictions = [PredictionOut.model_validate(p).model_copy(update={"yours": p.model_version == own_draft})
                       .model_dump(mode="json") for p in visible_predictions(
                           session, user, task.id, served.role, served.config.settings.show_predictions)]
        body = {"id": task.id, "project_id": task.project_id, "external_id": task.external_id, "data": task.data,
                "meta": task.meta, "content_hash": task.content_hash, **blind_fields(0), "batch_id": task.batch_id,
                "created_at": task.created_at, "duplicate_of": [], "label_error": None, "annotations": [],
                "predictions": predictions, "gold": None}
        auto = session.get(AutoLabel, task.id)  # a verification check: say so, not what the model said
        body["auto_label"] = auto_label_out(auto, blind=True).model_dump(mode="json") if auto is not None else None
        return {"task": body, "lease_expires_at": served.assignment.expires_at}
    view = describe_task(session, user, task, served.config.settings, served.role, unanswered=served.fresh)
    return NextTaskOut(task=task_detail(view), lease_expires_at=served.assignment.expires_at).model_dump(mode="json")


ANNOTATION_FIELDS = ("id", "task_id", "user_id", "username", "status", "result", "lead_time_ms", "revision",
                     "created_at", "updated_at", "schema_version", "guidelines_version", "review")


def annotation_out(annotation: Any) -> dict[str, Any]:
    """AnnotationOut's shape of a stored answer without a validation pass; an ORM row may carry a review."""
    if isinstance(annotation, Annotation):
        return AnnotationOut.model_validate(annotation).model_dump(mode="json")
    return {name: getattr(annotation, name) for name in ANNOTATION_FIELDS}


def json_response(body: Any, status_code: int = 200) -> Response:
    """Serialise a body of plain values once (times as RFC 3339 UTC, as the response models write them)."""
    return Response(json.dumps(body, default=_encode, separators=(",", ":"), ensure_ascii=False),
                    status_code=status_code, media_type="application/json")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def answered_next(session: Session, user: User, annotation: Annotation, *, default_lease_seconds: int,
                  holding: list[int]) -> dict[str, Any]:
    """The stored answer plus the caller's next lease. The answer is committed already, so a refusal to serve
    more (paused, qualifying without gold left) is reported beside it rather than as an error status that
    would make a client retry a submit that succeeded."""
    answer = annotation_out(annotation)
    try:
        served = queue.next_task(session, user, annotation.project_id, default_lease_seconds=default_lease_seconds,
                                 holding=holding)
    except (Forbidden, TooManyRequests) as refused:  # a worker link's quota or rate limit
        return {"annotation": answer, "next": None, "next_refused": str(refused)}
    return {"annotation": answer, "next": None if served is None else next_out(session, user, served),
            "next_refused": None}
