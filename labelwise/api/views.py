"""Response bodies assembled from core views."""

from labelwise.api.schemas import AnnotationOut, PredictionOut, ReviewOut, TaskDetailOut, TaskOut
from labelwise.core.tasks import TaskView


def task_detail(view: TaskView) -> TaskDetailOut:
    base = TaskOut.model_validate(view.task).model_dump()
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
