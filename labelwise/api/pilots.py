"""Pilot rounds: start one, list them, comment on an item, the report, and two rounds compared."""

from typing import Any

from fastapi import APIRouter

from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import PilotCommentIn, PilotIn
from labelwise.core.iteration import pilots

router = APIRouter(tags=["pilots"])


@router.post("/projects/{project_id}/pilots", status_code=201)
def create_pilot(project_id: int, body: PilotIn, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """Every chosen annotator gets every pilot task leased to them (served before anything else)."""
    pilot = pilots.create_pilot(session, user, project_id, name=body.name, annotators=body.annotators,
                                task_ids=body.task_ids, sample=body.sample, lease_days=body.lease_days)
    return pilots.report(session, user, pilot.id)


@router.get("/projects/{project_id}/pilots")
def list_pilots(project_id: int, user: UserDep, session: SessionDep) -> list[dict[str, Any]]:
    return pilots.list_pilots(session, user, project_id)


@router.get("/pilots/{pilot_id}")
def pilot_report(pilot_id: int, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """Progress and, per control: agreement, confusion matrix, most confused pairs with their items,
    per-annotator deviation; and the annotators' comments."""
    return pilots.report(session, user, pilot_id)


@router.get("/pilots/{first_id}/compare/{second_id}")
def compare_pilots(first_id: int, second_id: int, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """Two pilots side by side (before and after a guideline change), per control."""
    return pilots.compare(session, user, first_id, second_id)


@router.post("/pilots/{pilot_id}/comments", status_code=201)
def comment(pilot_id: int, body: PilotCommentIn, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """A pilot annotator's note on one pilot item (what was unclear)."""
    row = pilots.add_comment(session, user, pilot_id, body.task_id, body.text)
    return {"id": row.id, "task_id": row.task_id, "text": row.text}
