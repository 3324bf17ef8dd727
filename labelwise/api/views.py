"""Response bodies assembled from core views."""

from labelwise.api.schemas import AnnotationOut, PredictionOut, ReviewOut, TaskDetailOut, TaskOut
from labelwise.core.accounts.access import Role
from labelwise.core.labeling.tasks import TaskView


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
