"""Exports: every task of a project with its annotations, read in id order one batch at a time.

Memory stays flat however large the project: a batch of tasks and their annotations is read, turned
into records, written out, and dropped before the next batch.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.access import Role, authorize
from labelwise.store.models import Annotation, Prediction, Project, Task, User

BATCH = 1000


@dataclass(frozen=True)
class ExportOptions:
    include_predictions: bool = False
    include_skipped: bool = False
    only_labeled: bool = False


def authorize_export(session: Session, user: User, project_id: int) -> Project:
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    return project


def iter_records(session: Session, project_id: int, options: ExportOptions = ExportOptions()) -> Iterator[dict[str, Any]]:
    """Export records in task-id order. The caller has already authorised the export."""
    usernames: dict[int, str] = {}
    last_id = 0
    while True:
        stmt = select(Task).where(Task.project_id == project_id, Task.id > last_id)
        if options.only_labeled:
            stmt = stmt.where(Task.annotation_count > 0)
        tasks = list(session.scalars(stmt.order_by(Task.id).limit(BATCH)))
        if not tasks:
            return
        ids = [t.id for t in tasks]
        annotations = _annotations_by_task(session, ids, options.include_skipped)
        predictions = _predictions_by_task(session, ids) if options.include_predictions else {}
        _learn_usernames(session, usernames, annotations)
        for task in tasks:
            record = {
                "id": task.id,
                "external_id": task.external_id,
                "data": task.data,
                "meta": task.meta,
                "annotations": [_annotation_record(a, usernames) for a in annotations.get(task.id, ())],
                "consensus": task.consensus,
                "confidence": task.confidence,
            }
            if options.include_predictions:
                record["predictions"] = [
                    {"model_version": p.model_version, "result": p.result, "score": p.score, "scores": p.scores}
                    for p in predictions.get(task.id, ())
                ]
            yield record
        last_id = tasks[-1].id
        session.expunge_all()


def flat_record(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: task fields at the top level, nested values left for the writer to encode as JSON."""
    row: dict[str, Any] = {"id": record["id"], "external_id": record["external_id"]}
    for key, value in record["data"].items():
        row[f"data.{key}"] = value
    row["annotations"] = record["annotations"]
    row["consensus"] = record["consensus"]
    row["confidence"] = record["confidence"]
    return row


def _annotations_by_task(session: Session, ids: list[int], include_skipped: bool) -> dict[int, list[Annotation]]:
    stmt = select(Annotation).where(Annotation.task_id.in_(ids))
    if not include_skipped:
        stmt = stmt.where(Annotation.status == "submitted")
    grouped: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in session.scalars(stmt.order_by(Annotation.id)):
        grouped[annotation.task_id].append(annotation)
    return grouped


def _predictions_by_task(session: Session, ids: list[int]) -> dict[int, list[Prediction]]:
    grouped: dict[int, list[Prediction]] = defaultdict(list)
    for prediction in session.scalars(select(Prediction).where(Prediction.task_id.in_(ids)).order_by(Prediction.id)):
        grouped[prediction.task_id].append(prediction)
    return grouped


def _learn_usernames(session: Session, usernames: dict[int, str], annotations: dict[int, list[Annotation]]) -> None:
    unknown = {a.user_id for group in annotations.values() for a in group} - usernames.keys()
    if unknown:
        rows = session.execute(select(User.id, User.username).where(User.id.in_(unknown)))
        usernames.update({user_id: name for user_id, name in rows})


def _annotation_record(annotation: Annotation, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "id": annotation.id,
        "user": usernames.get(annotation.user_id),
        "status": annotation.status,
        "result": annotation.result,
        "lead_time_ms": annotation.lead_time_ms,
        "revision": annotation.revision,
        "created_at": annotation.created_at.isoformat(),
        "updated_at": annotation.updated_at.isoformat(),
    }
