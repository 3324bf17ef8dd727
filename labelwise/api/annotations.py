"""Annotations: submit, read, edit (a new revision) and their history."""


from fastapi import APIRouter

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, SettingsDep, UserDep
from labelwise.api.schemas import (
    AnnotatedHolding,
    AnnotatedNext,
    AnnotationIn,
    AnnotationOut,
    AnsweredNextOut,
    RevisionOut,
)
from labelwise.api.views import annotation_out, answered_next, json_response
from labelwise.core.labeling import annotations

router = APIRouter(tags=["annotations"])


@router.post("/tasks/{task_id}/annotations", response_model=AnnotationOut | AnsweredNextOut, status_code=201, responses=errors(409))
def submit(task_id: int, body: AnnotationIn, user: UserDep, session: SessionDep, settings: SettingsDep,
           next: AnnotatedNext = False, holding: AnnotatedHolding = []):
    """Store the caller's answer: the annotation, or with `next=true` `{"annotation", "next", "next_refused"}`."""
    annotation = annotations.submit(session, user, task_id, result=body.result, lead_time_ms=body.lead_time_ms)
    if not next:
        return json_response(annotation_out(annotation), 201)
    return json_response(answered_next(session, user, annotation, default_lease_seconds=settings.lease_seconds,
                                       holding=holding), 201)


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut)
def read(annotation_id: int, user: UserDep, session: SessionDep):
    return annotations.get_annotation(session, user, annotation_id)


@router.patch("/annotations/{annotation_id}", response_model=AnnotationOut)
def edit(annotation_id: int, body: AnnotationIn, user: UserDep, session: SessionDep):
    return annotations.edit(session, user, annotation_id, result=body.result, lead_time_ms=body.lead_time_ms)


@router.get("/annotations/{annotation_id}/revisions", response_model=list[RevisionOut])
def history(annotation_id: int, user: UserDep, session: SessionDep):
    return annotations.revisions(session, user, annotation_id)
