"""Response bodies assembled from core views."""

from sqlalchemy.orm import Session

from labelwise.api.schemas import (
    AnnotationOut,
    AnsweredNextOut,
    NextTaskOut,
    PredictionOut,
    ReviewOut,
    TaskDetailOut,
    TaskOut,
)
from labelwise.core.labeling import queue
from labelwise.core.labeling.tasks import TaskView, describe_task
from labelwise.core.platform.access import Role
from labelwise.errors import Forbidden, TooManyRequests
from labelwise.store.models import Annotation, User


def blind_fields(own_answers: int) -> dict:
    """What an annotator may see of a task's aggregate state: no consensus, and only their own answer
    counted, so other annotators' work and gold tasks (answered by everyone) stay invisible."""
    return {"consensus": None, "confidence": None, "annotation_count": own_answers}


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
    return TaskDetailOut(
        **base,
        annotations=annotations,
        predictions=[PredictionOut.model_validate(p) for p in view.predictions],
        gold=view.gold.result if view.gold else None,
    )


def next_out(session: Session, user: User, served: queue.Served) -> NextTaskOut:
    view = describe_task(session, user, served.task, served.project, served.role, unanswered=served.fresh)
    return NextTaskOut(task=task_detail(view), lease_expires_at=served.assignment.expires_at)


def answered_next(session: Session, user: User, annotation: Annotation, *, default_lease_seconds: int,
                  holding: list[int]) -> AnsweredNextOut:
    """The stored answer plus the caller's next lease. The answer is committed already, so a refusal to serve
    more (paused, qualifying without gold left) is reported beside it rather than as an error status that
    would make a client retry a submit that succeeded."""
    answer = AnnotationOut.model_validate(annotation)
    try:
        served = queue.next_task(session, user, annotation.project_id, default_lease_seconds=default_lease_seconds,
                                 holding=holding)
    except (Forbidden, TooManyRequests) as refused:  # a worker link's quota or rate limit
        return AnsweredNextOut(annotation=answer, next=None, next_refused=str(refused))
    return AnsweredNextOut(annotation=answer, next=None if served is None else next_out(session, user, served))
