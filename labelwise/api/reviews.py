"""Reviews of annotations and the reviewer's queue."""

from fastapi import APIRouter, Response

from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import (
    AnnotationOut,
    LabelErrorOut,
    ReviewIn,
    ReviewOut,
    ReviewOutcomeOut,
    TaskDetailOut,
)
from labelwise.api.views import task_detail
from labelwise.core.labeling.tasks import get_task
from labelwise.core.review import label_errors, reviews

router = APIRouter(tags=["reviews"])


@router.post("/annotations/{annotation_id}/reviews", response_model=ReviewOutcomeOut, status_code=201)
def review_annotation(annotation_id: int, body: ReviewIn, user: UserDep, session: SessionDep, settings: SettingsDep):
    """Accept, reject with a comment (the task goes back to its annotator), or fix with a corrected result."""
    outcome = reviews.review(
        session, user, annotation_id, verdict=body.verdict, comment=body.comment, result=body.result,
        default_lease_seconds=settings.lease_seconds,
    )
    return ReviewOutcomeOut(review=ReviewOut.model_validate(outcome.review),
                            annotation=AnnotationOut.model_validate(outcome.annotation))


@router.get("/projects/{project_id}/review/next", response_model=TaskDetailOut,
            responses={204: {"description": "Nothing awaits review"}})
def next_review(project_id: int, user: UserDep, session: SessionDep):
    """The next task with an annotation nobody has reviewed, with every annotation on it."""
    task_id = reviews.next_for_review(session, user, project_id)
    if task_id is None:
        return Response(status_code=204)
    out = task_detail(get_task(session, user, task_id))
    flag = label_errors.flags_for(session, project_id, [task_id]).get(task_id)
    if flag is not None:
        out.label_error = LabelErrorOut(given=flag.given, suspected=flag.suspected, score=flag.score)
    return out
