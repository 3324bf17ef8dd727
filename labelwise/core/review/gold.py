"""Gold questions: tasks with a known answer that measure annotators without telling them.

Managers mark a task gold (or promote a reviewed or adjudicated task's final label). Gold tasks
leave the normal queue (`remaining` 0) and are served by `core.labeling.queue` at the project's
`gold_ratio`, to each annotator at most once, looking like any other task.

An answer to a gold task is correct when every control of the gold answer is answered correctly:
choices, pairwise and ranking exactly; multiple choices and taxonomy paths as equal sets; spans
(exact match), boxes and polygons (IoU >= 0.5) when the F1 against the gold regions is at least
`REGION_F1_THRESHOLD`; numbers within 5 % (ratings exactly); free text when the edit similarity
(case and spacing ignored) is at least `TEXT_SIMILARITY_THRESHOLD`; anything else when equal with
region ids ignored. Accuracy comes with a Wilson score interval (Wilson 1927).

Qualification: a `qualifying` member answers only gold tasks until `qualification_gold` of them,
then becomes `active` at `qualification_accuracy` or better, `paused` otherwise. Automatic pause:
an active annotator whose accuracy over at least `min_gold_answers` gold answers (since a manager
last changed their status) falls under `min_gold_accuracy` is paused, told why, and managers are
alerted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.notifications import notify
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.core.review import consensus
from labelwise.core.review.controls import canonical
from labelwise.errors import Conflict, Invalid, NotFound
from labelwise.quality import box_f1, edit_similarity, polygon_f1, span_f1
from labelwise.quality.errors import QualityInputError
from labelwise.schema import (
    BoxesControl,
    ChoicesControl,
    LabelSchema,
    NumberControl,
    PolygonsControl,
    RatingControl,
    SpansControl,
    TaxonomyControl,
    TextControl,
    message_keyed,
    validate_result,
)
from labelwise.store.models import Annotation, Assignment, Event, GoldAnswer, Member, Project, Review, Task, User

REGION_F1_THRESHOLD = 0.8
TEXT_SIMILARITY_THRESHOLD = 0.8
NUMBER_REL_TOL = 0.05
STATUSES = ("active", "qualifying", "paused")


@dataclass(frozen=True)
class GoldAccuracy:
    answered: int
    correct: int
    accuracy: float | None
    low: float | None
    high: float | None


def wilson_interval(correct: int, n: int, *, z: float = 1.96) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion; (None, None) when there is nothing to estimate."""
    if n <= 0:
        return None, None
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_of(correct: int, answered: int) -> GoldAccuracy:
    low, high = wilson_interval(correct, answered)
    return GoldAccuracy(answered, correct, correct / answered if answered else None, low, high)


def answer_is_correct(schema: LabelSchema, data: dict[str, Any], gold: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Whether `answer` gets every control of the `gold` result right (rules in the module docstring)."""
    for name, expected in gold.items():
        control = schema.controls.get(name)
        if control is None:
            continue  # the control was removed from the schema since the gold answer was set
        if message_keyed(schema, control):
            given = answer.get(name) or {}
            if not isinstance(expected, dict) or not isinstance(given, dict):
                return False
            if any(not _control_correct(control, value, given.get(key)) for key, value in expected.items()):
                return False  # every message the gold answer speaks about, answered alike
        elif not _control_correct(control, expected, answer.get(name)):
            return False
    return True


def set_gold(session: Session, user: User, task_id: int, result: Any) -> GoldAnswer:
    """Mark a task gold with `result` (validated against the schema), or change its gold answer."""
    task, project = _task_for_manager(session, user, task_id)
    if not isinstance(result, dict) or not result:
        raise Invalid("a gold answer is a non-empty result object keyed by control name", field="result")
    values = validate_result(project_schema(project), task.data, result)
    return _store(session, user, task, values, action="task.gold_set")


def promote(session: Session, user: User, task_id: int) -> GoldAnswer:
    """Make a task's final label its gold answer: the adjudicated result, else the latest accepted or fixed annotation."""
    task, _ = _task_for_manager(session, user, task_id)
    if task.adjudicated_at is not None and task.consensus:
        final = task.consensus
    else:
        final = session.scalar(
            select(Annotation.result)
            .join(Review, Review.annotation_id == Annotation.id)
            .where(Annotation.task_id == task_id, Annotation.status == "submitted", Review.verdict.in_(("accept", "fix")))
            .order_by(Review.id.desc())
            .limit(1)
        )
    if not final:
        raise Conflict(f"task {task_id} has no accepted, fixed or adjudicated label to promote; "
                       "review or adjudicate it first, or set its gold answer with PUT")
    return _store(session, user, task, final, action="task.gold_promoted")


def remove_gold(session: Session, user: User, task_id: int) -> None:
    """Turn a gold task back into an ordinary one: it rejoins the queue up to the project's overlap."""
    task, project = _task_for_manager(session, user, task_id)
    row = session.get(GoldAnswer, task_id)
    if row is None:
        raise NotFound(f"task {task_id} is not gold")
    before = {"result": row.result}
    session.delete(row)
    session.flush()
    settings = ProjectSettings.model_validate(project.settings)
    submitted = session.scalar(select(func.count()).select_from(Annotation)
                               .where(Annotation.task_id == task_id, Annotation.status == "submitted")) or 0
    task.remaining = max(settings.overlap - submitted, 0)
    consensus.recompute(session, task, project)
    events.record(session, actor=user, action="task.gold_removed", object_type="task", object_id=task_id,
                  project_id=project.id, before=before)
    session.commit()


def gold_outcomes(
    session: Session, project: Project, *, user_id: int | None = None, since: datetime | None = None
) -> list[tuple[int, datetime, bool]]:
    """(annotator, when, correct) for every submitted answer to a gold task of the project."""
    schema = project_schema(project)
    stmt = (
        select(Annotation.user_id, Annotation.updated_at, Annotation.result, GoldAnswer.result, Task.data)
        .join(GoldAnswer, GoldAnswer.task_id == Annotation.task_id)
        .join(Task, Task.id == Annotation.task_id)
        .where(Annotation.project_id == project.id, Annotation.status == "submitted")
    )
    if user_id is not None:
        stmt = stmt.where(Annotation.user_id == user_id)
    if since is not None:
        stmt = stmt.where(Annotation.updated_at >= since)
    return [(uid, when, answer_is_correct(schema, data, gold, answer or {}))
            for uid, when, answer, gold, data in session.execute(stmt)]


def gold_accuracy(session: Session, project: Project, *, user_id: int | None = None,
                  since: datetime | None = None) -> dict[int, GoldAccuracy]:
    counts: dict[int, list[int]] = {}
    for uid, _, correct in gold_outcomes(session, project, user_id=user_id, since=since):
        tally = counts.setdefault(uid, [0, 0])
        tally[0] += 1
        tally[1] += correct
    return {uid: accuracy_of(right, answered) for uid, (answered, right) in counts.items()}


def after_gold_answer(session: Session, project: Project, settings: ProjectSettings, user_id: int) -> None:
    """Qualification and automatic pause, checked whenever an annotator's gold answer changes."""
    member = session.get(Member, (project.id, user_id))
    if member is None or member.role != Role.ANNOTATOR.label:
        return
    if member.status == "qualifying" and settings.qualification_gold > 0:
        score = gold_accuracy(session, project, user_id=user_id).get(user_id) or accuracy_of(0, 0)
        if score.answered < settings.qualification_gold:
            return
        if score.accuracy >= settings.qualification_accuracy:
            member.status, member.status_reason = "active", None
            notify(session, project_id=project.id, user_id=user_id, kind="qualified",
                   message=f"You passed the qualification of project '{project.name}' and can start labeling.")
            events.record(session, actor=None, action="member.qualified", object_type="member", object_id=user_id,
                          project_id=project.id, after={"correct": score.correct, "answered": score.answered})
        else:
            _pause(session, project, member, kind="qualification_failed",
                   reason=f"qualification not passed: {score.correct} of {score.answered} gold answers correct "
                          f"({score.accuracy:.0%}); {settings.qualification_accuracy:.0%} is required")
    elif member.status == "active" and settings.min_gold_accuracy is not None:
        since = _status_changed_at(session, project.id, user_id)
        score = gold_accuracy(session, project, user_id=user_id, since=since).get(user_id)
        if score and score.answered >= settings.min_gold_answers and score.accuracy < settings.min_gold_accuracy:
            _pause(session, project, member, kind="paused",
                   reason=f"gold accuracy {score.accuracy:.0%} ({score.correct} of {score.answered}) is below "
                          f"the project's minimum of {settings.min_gold_accuracy:.0%}")


def set_member_status(session: Session, user: User, project_id: int, member_id: int, status: str,
                      *, reason: str | None = None) -> Member:
    """A manager sets a member's standing (e.g. resumes a paused annotator). Commits."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if status not in STATUSES:
        raise Invalid(f"unknown status '{status}'; expected one of {', '.join(STATUSES)}", field="status")
    member = session.get(Member, (project_id, member_id))
    if member is None:
        raise NotFound(f"user {member_id} is not a member of project {project_id}")
    before = {"status": member.status, "reason": member.status_reason}
    member.status = status
    member.status_reason = (reason or "set by a manager") if status == "paused" else None
    if status == "paused":
        _end_leases(session, project_id, member_id)
    elif before["status"] == "paused":
        notify(session, project_id=project_id, user_id=member_id, kind="resumed",
               message=f"A manager resumed your work in project '{project.name}'.")
    events.record(session, actor=user, action="member.status", object_type="member", object_id=member_id,
                  project_id=project_id, before=before, after={"status": status, "reason": member.status_reason})
    session.commit()
    return member


# --- helpers --------------------------------------------------------------------------------------


def _control_correct(control, expected: Any, given: Any) -> bool:
    if given is None:
        return expected in (None, [], "")
    try:
        if isinstance(control, ChoicesControl) and control.multiple:
            return set(expected) == set(given)
        if isinstance(control, TaxonomyControl):
            return {tuple(p) for p in expected} == {tuple(p) for p in given}
        if isinstance(control, SpansControl):
            def spans(v):
                return [(s["start"], s["end"], s["label"]) for s in v]
            return span_f1(spans(expected), spans(given)).f1 >= REGION_F1_THRESHOLD
        if isinstance(control, BoxesControl):
            def boxes(v):
                return [(b["x"], b["y"], b["width"], b["height"], b.get("rotation", 0), b["label"]) for b in v]
            return box_f1(boxes(expected), boxes(given)).f1 >= REGION_F1_THRESHOLD
        if isinstance(control, PolygonsControl):
            def shapes(v):
                return [(p["points"], p["label"]) for p in v]
            return polygon_f1(shapes(expected), shapes(given)).f1 >= REGION_F1_THRESHOLD
        if isinstance(control, RatingControl):
            return expected == given
        if isinstance(control, NumberControl):
            return abs(given - expected) <= NUMBER_REL_TOL * abs(expected) + 1e-12
        if isinstance(control, TextControl) and isinstance(expected, str) and isinstance(given, str):
            return edit_similarity(expected, given, ignore_case=True,
                                   normalize_whitespace=True) >= TEXT_SIMILARITY_THRESHOLD
    except (KeyError, TypeError, QualityInputError):
        return False
    return canonical(expected) == canonical(given)


def _store(session: Session, user: User, task: Task, result: dict[str, Any], *, action: str) -> GoldAnswer:
    row = session.get(GoldAnswer, task.id)
    before = {"result": row.result} if row else None
    if row is None:
        row = GoldAnswer(task_id=task.id, project_id=task.project_id, result=result, created_by=user.id,
                         created_at=utcnow())
        session.add(row)
    else:
        row.result = result
    # Gold tasks are served outside the overlap (core.labeling.queue), so they leave the normal queue.
    task.remaining = 0
    task.consensus, task.confidence = result, 1.0
    events.record(session, actor=user, action=action, object_type="task", object_id=task.id,
                  project_id=task.project_id, before=before, after={"result": result})
    session.commit()
    return row


def _task_for_manager(session: Session, user: User, task_id: int) -> tuple[Task, Project]:
    task = session.get(Task, task_id)
    project, _ = authorize_row(session, user, task, f"task {task_id}", Role.MANAGER)
    return task, project


def _pause(session: Session, project: Project, member: Member, *, kind: str, reason: str) -> None:
    member.status, member.status_reason = "paused", reason
    _end_leases(session, project.id, member.user_id)
    name = session.scalar(select(User.username).where(User.id == member.user_id))
    notify(session, project_id=project.id, user_id=member.user_id, kind=kind,
           message=f"Your work in project '{project.name}' is paused: {reason}. A manager can resume you.")
    notify(session, project_id=project.id, user_id=None, kind="annotator_paused",
           message=f"{name} was paused in project '{project.name}': {reason}.")
    events.record(session, actor=None, action="member.paused", object_type="member", object_id=member.user_id,
                  project_id=project.id, after={"status": "paused", "reason": reason})


def _end_leases(session: Session, project_id: int, user_id: int) -> None:
    """Let the member's open leases expire now, so the queue gives their slots to others."""
    session.execute(
        update(Assignment)
        .where(Assignment.project_id == project_id, Assignment.user_id == user_id, Assignment.status == "leased")
        .values(expires_at=utcnow())
    )


def _status_changed_at(session: Session, project_id: int, user_id: int) -> datetime | None:
    """When a manager last set this member's status: accuracy for the automatic pause counts from there."""
    return session.scalar(
        select(func.max(Event.created_at))
        .where(Event.project_id == project_id, Event.action == "member.status", Event.object_id == str(user_id))
    )


def answered_by(session: Session, user_id: int, task_ids: list[int]) -> set[int]:
    """Which of these tasks the user has a submitted answer on; annotators' task listings show only that,
    so a gold task (answered by everyone) looks like any other."""
    if not task_ids:
        return set()
    return set(session.scalars(
        select(Annotation.task_id)
        .where(Annotation.user_id == user_id, Annotation.task_id.in_(task_ids), Annotation.status == "submitted")
    ))
