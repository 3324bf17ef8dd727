"""Annotator skills for a single-choice control, estimated by the aggregation method the evidence favours.

A refit scores every candidate method on held-out evidence (`quality.choose_method`: accuracy on gold
tasks when there are enough, otherwise the likelihood of withheld answers), fits the winner on every
submitted answer, stores each member's skill and recomputes every task's consensus with those skills.
A manager can override the choice per control (`ProjectSettings.aggregation_methods`); the scores
are still computed and shown beside the override. Each refit is recorded as a `quality.refit` event
whose `after` holds the choice, the scores and the reason, which the Quality page reads back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.core.review.consensus import recompute_project
from labelwise.core.review.controls import canonical, choice_options, single_choice_control
from labelwise.errors import Invalid
from labelwise.quality import METHODS, QualityInputError, choose_method, encode, make_aggregator
from labelwise.store.models import Annotation, Event, GoldAnswer, Member, Project, User

FALLBACK_METHOD = "ds"
"""Fitted when the evidence cannot rank the methods (too little overlap and no gold)."""


@dataclass(frozen=True)
class RefitSummary:
    control: str | None
    labels: int
    annotators: int
    tasks_updated: int
    skills: dict[str, float]
    method: str | None = None
    chosen_by: str | None = None
    """`gold_accuracy`, `heldout_log_likelihood`, `override` or `fallback`."""
    reason: str | None = None
    scores: dict[str, dict[str, Any]] | None = None
    criterion: str | None = None
    """What `scores` measure: `gold_accuracy` or `heldout_log_likelihood`."""
    note: str | None = None


def refit(session: Session, user: User, project_id: int, *, control: str | None = None,
          method: str | None = None) -> RefitSummary:
    """Estimate skills for `control` with `method`, or with the project's override, or with the method the
    evidence picks; store them and recompute consensus. Commits once."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if method is not None and method not in METHODS:
        raise Invalid(f"method must be one of {', '.join(METHODS)}", field="method")
    name = single_choice_control(project_schema(project), control)
    override = method or ProjectSettings.model_validate(project.settings).aggregation_methods.get(name)
    rows = _answers(session, project, name)
    summary = _fit(session, project, name, rows, override) if rows else RefitSummary(
        name, 0, 0, 0, {}, note=f"no submitted answers for control '{name}' yet; skills not estimated")
    updated = recompute_project(session, project)
    summary = RefitSummary(**{**asdict(summary), "tasks_updated": updated})
    events.record(session, actor=user, action="quality.refit", object_type="project", object_id=project_id,
                  project_id=project_id, after={"control": name, "labels": summary.labels, "skills": summary.skills,
                                                "method": summary.method, "chosen_by": summary.chosen_by,
                                                "reason": summary.reason, "scores": summary.scores,
                                                "criterion": summary.criterion})
    session.commit()
    return summary


def last_refit(session: Session, project_id: int, control: str) -> dict[str, Any] | None:
    """The most recent refit of `control`: what was chosen, how, the candidates' scores and when."""
    for at, after in session.execute(
        select(Event.created_at, Event.after)
        .where(Event.project_id == project_id, Event.action == "quality.refit").order_by(Event.id.desc())
    ):
        if (after or {}).get("control") == control:
            return {**{k: after.get(k) for k in ("method", "chosen_by", "criterion", "reason", "scores", "labels")},
                    "at": _iso(at)}
    return None


def _answers(session: Session, project: Project, name: str) -> list[tuple[int, int, str]]:
    options = list(choice_options(project_schema(project).controls[name]))
    label = Annotation.result[name].as_string()
    return list(session.execute(
        select(Annotation.task_id, Annotation.user_id, label)
        .where(Annotation.project_id == project.id, Annotation.status == "submitted", label.in_(options))
    ).all())


def _fit(session: Session, project: Project, name: str, rows, override: str | None) -> RefitSummary:
    options = list(choice_options(project_schema(project).controls[name]))
    tasks, workers, labels = (np.array(column) for column in zip(*rows))
    coded = encode(tasks, workers, labels, label_ids=options)
    gold_tasks, gold_labels = _gold_codes(session, project, name, coded.task_ids, options)
    scores, reason, criterion, note = None, None, None, None
    try:
        choice = choose_method(coded.tasks, coded.workers, coded.labels, gold_tasks=gold_tasks,
                               gold_labels=gold_labels, **coded.sizes)
    except QualityInputError as exc:
        chosen, chosen_by = override or FALLBACK_METHOD, "override" if override else "fallback"
        reason = f"the methods could not be compared: {exc}"
    else:
        scores = {k: _finite(asdict(v)) for k, v in choice.scores.items()}
        chosen, chosen_by = (override, "override") if override else (choice.method, choice.criterion)
        reason, criterion = choice.reason, choice.criterion
    try:
        model = make_aggregator(chosen).fit(coded.tasks, coded.workers, coded.labels, **coded.sizes)
    except QualityInputError as exc:
        return RefitSummary(name, len(rows), 0, 0, {}, chosen, chosen_by, reason, scores, criterion,
                            note=f"skills not estimated: {exc}")
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(coded.worker_ids))).all())
    skills: dict[str, float] = {}
    for worker, skill in zip(coded.worker_ids, model.skills_.tolist()):
        session.execute(update(Member).where(Member.project_id == project.id, Member.user_id == int(worker))
                        .values(skill=round(float(skill), 6)))
        skills[names.get(int(worker), str(worker))] = round(float(skill), 6)
    return RefitSummary(name, len(rows), len(skills), 0, skills, chosen, chosen_by, reason, scores, criterion, note)


def _gold_codes(session: Session, project: Project, name: str, task_ids: list, options: list):
    """Gold answers of `control` as (task codes, label codes), only for tasks that have answers."""
    code_of_task = {task_id: i for i, task_id in enumerate(task_ids)}
    code_of_label = {canonical(option): i for i, option in enumerate(options)}
    pairs = [(code_of_task[task_id], code_of_label[canonical((result or {}).get(name))])
             for task_id, result in session.execute(
                 select(GoldAnswer.task_id, GoldAnswer.result).where(GoldAnswer.project_id == project.id))
             if task_id in code_of_task and canonical((result or {}).get(name)) in code_of_label]
    if not pairs:
        return None, None
    gold_tasks, gold_labels = zip(*pairs)
    return np.array(gold_tasks), np.array(gold_labels)


def _finite(score: dict[str, Any]) -> dict[str, Any]:
    """NaN (a method that could not be fitted) as null, which JSON columns and responses can hold."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in score.items()}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
