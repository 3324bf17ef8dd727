"""Quality control over HTTP: the quality report, skill refit, gold tasks, adjudication, member standing
and notifications."""

from typing import Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import TaskOut, Timestamp
from labelwise.core.labeling import answer_hooks
from labelwise.core.platform import notifications
from labelwise.core.platform.clock import utcnow
from labelwise.core.review import adjudication, control_quality, gold, quality_report, skills
from labelwise.quality import MethodName

router = APIRouter(tags=["quality"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResultIn(_In):
    result: dict[str, Any] = Field(description="A result object keyed by control name, checked against the schema.")


class RefitIn(_In):
    control: str | None = Field(default=None, description="Single-choice control; default: the first required one.")
    method: MethodName | None = Field(default=None, description="Aggregation method to fit; default: the project's "
                                  "override for the control, else the method the held-out evidence picks.")


class MethodScoreOut(BaseModel):
    method: str
    value: float | None = Field(description="Null when the method could not be fitted (see error).")
    low: float | None
    high: float | None
    n: int
    error: str | None = None


class RefitOut(BaseModel):
    control: str | None
    labels: int
    annotators: int
    tasks_updated: int
    skills: dict[str, float] = Field(description="Skill (expected accuracy) per username under the fitted method.")
    method: MethodName | None = Field(default=None, description="The aggregation method fitted.")
    chosen_by: Literal["gold_accuracy", "heldout_log_likelihood", "override", "fallback"] | None = None
    reason: str | None = Field(default=None, description="Why the evidence favours the method, in words.")
    scores: dict[str, MethodScoreOut] | None = Field(
        default=None, description="Every candidate's score, as `criterion` says.")
    criterion: Literal["gold_accuracy", "heldout_log_likelihood"] | None = Field(
        default=None, description="What the scores measure: accuracy on gold tasks, or the mean log-likelihood of "
                                  "withheld answers (closer to 0 is better).")
    note: str | None = None


class GoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    task_id: int
    project_id: int
    result: dict[str, Any]
    created_by: int | None
    created_at: Timestamp


class StatusIn(_In):
    status: Literal["active", "paused", "qualifying"]
    reason: str | None = Field(default=None, max_length=2000)


class MemberStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    project_id: int
    user_id: int
    role: str
    status: str
    status_reason: str | None
    skill: float | None


class AnswerOut(BaseModel):
    annotation_id: int
    user_id: int
    username: str
    result: dict[str, Any] | None
    lead_time_ms: int | None
    updated_at: Timestamp


class DisputedOut(BaseModel):
    task: TaskOut
    disagreement: float = Field(description="1 - consensus confidence.")
    answers: list[AnswerOut]


class DecisionOut(BaseModel):
    task_id: int
    decided_by: str | None
    decided_at: Timestamp
    result: dict[str, Any] | None
    provenance: dict[str, Any] | None = Field(description="Per control: the annotations whose answer it equals "
                                              "(`from`), or per region the annotation it was taken from; "
                                              "`edited` when it differs from every answer.")


class DisputedPageOut(BaseModel):
    items: list[DisputedOut]
    next: str | None = Field(description="Pass as `after=` for the next page; null on the last page.")


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    project_id: int | None
    user_id: int | None = Field(description="Null for an alert to the project's managers.")
    kind: str
    message: str
    created_at: Timestamp
    read_at: Timestamp | None


@router.get("/projects/{project_id}/quality")
def project_quality(project_id: int, user: UserDep, session: SessionDep,
                    control: str | None = Query(None, description="Single-choice control to measure.")) -> dict[str, Any]:
    """Agreement (overall, per label, per annotator pair), annotator table, confusion with consensus, and
    quality per day. Undefined numbers are null and `notes` says why. `freshness` says how current the
    consensus and gold figures are: tasks whose new answers wait for the catch-up, and since when."""
    report = quality_report.quality_report(session, user, project_id, control=control)
    fresh = answer_hooks.freshness(session, project_id)
    report["freshness"] = {
        "pending_tasks": fresh.pending_tasks,
        "oldest_pending_at": _utc(fresh.oldest_pending_at),
        "computed_at": _utc(utcnow()),
    }
    return report


def _utc(value) -> str | None:
    return None if value is None else value.isoformat() + "Z"


@router.get("/projects/{project_id}/quality/controls")
def controls_quality(project_id: int, user: UserDep, session: SessionDep) -> dict[str, Any]:
    """Agreement for every control with the measure its type calls for (category match and α, option-set Jaccard,
    span/box/polygon/cuboid F1, edit similarity, absolute difference for numbers), per annotator and per day."""
    return control_quality.controls_overview(session, user, project_id)


@router.post("/projects/{project_id}/quality/refit", response_model=RefitOut)
def refit(project_id: int, user: UserDep, session: SessionDep, body: RefitIn | None = None):
    """Pick the aggregation method by held-out evidence (or the given/overridden one), fit it on a single-choice
    control, store each member's skill, recompute every consensus."""
    summary = skills.refit(session, user, project_id, control=body.control if body else None,
                           method=body.method if body else None)
    return RefitOut(**summary.__dict__)


@router.put("/tasks/{task_id}/gold", response_model=GoldOut)
def set_gold(task_id: int, body: ResultIn, user: UserDep, session: SessionDep):
    return gold.set_gold(session, user, task_id, body.result)


@router.delete("/tasks/{task_id}/gold", status_code=204)
def remove_gold(task_id: int, user: UserDep, session: SessionDep):
    gold.remove_gold(session, user, task_id)
    return Response(status_code=204)


@router.post("/tasks/{task_id}/gold/promote", response_model=GoldOut, status_code=201, responses=errors(409))
def promote_gold(task_id: int, user: UserDep, session: SessionDep):
    """Make the task's reviewed (accepted or fixed) or adjudicated label its gold answer."""
    return gold.promote(session, user, task_id)


@router.get("/projects/{project_id}/adjudication", response_model=DisputedPageOut)
def adjudication_queue(project_id: int, user: UserDep, session: SessionDep,
                       limit: int = Query(20, ge=1, le=200), after: str | None = None):
    """Tasks with two or more answers, most disagreement first, each with every answer side by side."""
    page = adjudication.adjudication_queue(session, user, project_id, limit=limit, after=after)
    return DisputedPageOut(
        items=[DisputedOut(task=TaskOut.model_validate(item.task), disagreement=item.disagreement,
                           answers=[AnswerOut(**a) for a in item.answers]) for item in page.items],
        next=page.next_cursor,
    )


@router.post("/tasks/{task_id}/adjudicate", response_model=TaskOut, responses=errors(409))
def adjudicate(task_id: int, body: ResultIn, user: UserDep, session: SessionDep):
    """The reviewer's decision becomes the task's final label (consensus with confidence 1)."""
    return adjudication.adjudicate(session, user, task_id, result=body.result)


@router.get("/tasks/{task_id}/adjudication", response_model=DecisionOut)
def last_decision(task_id: int, user: UserDep, session: SessionDep):
    """The task's latest adjudication decision with its provenance (which annotator each part came from)."""
    return adjudication.last_decision(session, user, task_id)


@router.patch("/projects/{project_id}/members/{user_id}", response_model=MemberStatusOut, tags=["projects"])
def set_member_status(project_id: int, user_id: int, body: StatusIn, user: UserDep, session: SessionDep):
    """Set a member's standing: resume a paused annotator (`active`), pause one, or ask for qualification."""
    return gold.set_member_status(session, user, project_id, user_id, body.status, reason=body.reason)


@router.get("/notifications", response_model=list[NotificationOut], tags=["notifications"])
def list_notifications(user: UserDep, session: SessionDep, unread: bool = False,
                       limit: int = Query(100, ge=1, le=500)):
    """The caller's notifications and the alerts of projects they manage, newest first."""
    return notifications.list_notifications(session, user, unread_only=unread, limit=limit)


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut, tags=["notifications"])
def read_notification(notification_id: int, user: UserDep, session: SessionDep):
    return notifications.mark_read(session, user, notification_id)
