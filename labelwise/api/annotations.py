"""Annotations: submit, read, edit (a new revision) and their history."""

from fastapi import APIRouter

from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import AnnotationIn, AnnotationOut, RevisionOut
from labelwise.core.labeling import annotations

router = APIRouter(tags=["annotations"])


@router.post("/tasks/{task_id}/annotations", response_model=AnnotationOut, status_code=201)
def submit(task_id: int, body: AnnotationIn, user: UserDep, session: SessionDep):
    return annotations.submit(session, user, task_id, result=body.result, lead_time_ms=body.lead_time_ms)


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut)
def read(annotation_id: int, user: UserDep, session: SessionDep):
    return annotations.get_annotation(session, user, annotation_id)


@router.patch("/annotations/{annotation_id}", response_model=AnnotationOut)
def edit(annotation_id: int, body: AnnotationIn, user: UserDep, session: SessionDep):
    return annotations.edit(session, user, annotation_id, result=body.result, lead_time_ms=body.lead_time_ms)


@router.get("/annotations/{annotation_id}/revisions", response_model=list[RevisionOut])
def history(annotation_id: int, user: UserDep, session: SessionDep):
    return annotations.revisions(session, user, annotation_id)
