"""Label-error detection for a project: which human labels are likely wrong, and what they should be.

The human labels are the tasks' consensus on one single-choice control (gold and adjudicated answers
included). The model families for the object type (`labelwise.assist.models.families`) are
cross-validated over those tasks on the same folds and their probabilities averaged, and confident
learning (`labelwise.assist.label_errors`) flags the tasks whose label disagrees with confident
out-of-sample predictions. A run replaces the project's stored flags and records its
settings and timing in its audit event (`label_errors.detected`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from labelwise.assist.crossval import cross_val_mean_proba
from labelwise.assist.label_errors import ConfidentLearning
from labelwise.assist.models.choose import supports
from labelwise.assist.models.families import detector_models
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.schema import ChoicesControl, LabelSchema
from labelwise.store.models import Event, Job, LabelErrorFlag, Task, User

DETECTED = "label_errors.detected"
KIND_DETECT = "label_errors.detect"
MIN_LABELED = 10


@dataclass(frozen=True)
class Flag:
    task_id: int
    given: str
    suspected: str
    score: float


@dataclass(frozen=True)
class FlagPage:
    flags: list[Flag]
    total: int
    run: dict[str, Any]  # control, labeled, flagged, folds, seconds of the last run ({} if none)


def detect(session: Session, user: User, project_id: int, *, control: str | None = None, folds: int = 5,
           seed: int = 0, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run detection on the project's labeled tasks, store the flags in place of the last run's and
    commit once; returns the run's summary. `progress(done, total)` is called after each fold of each model."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    schema = project_schema(project)
    name = _control(schema, control)
    spec = schema.controls[name]
    target = schema.objects[spec.object]
    options = [str(o) for o in spec.options]
    labeled, codes = _labeled(session, project_id, name, options)
    start = time.perf_counter()
    models = detector_models(target.type, field=target.field, seed=seed, rows=len(labeled))
    probs = cross_val_mean_proba(models, [d for _, d, _ in labeled], codes, n_folds=folds, n_classes=len(options),
                                 seed=seed, on_fold=progress)
    found = ConfidentLearning().fit(codes, probs)
    seconds = round(time.perf_counter() - start, 3)
    now = utcnow()
    session.execute(delete(LabelErrorFlag).where(LabelErrorFlag.project_id == project_id))
    flags = [{"task_id": labeled[i][0], "project_id": project_id, "control": name, "given": labeled[i][2],
              "suspected": options[found.suspected_labels_[i]], "score": float(found.scores_[i]), "created_at": now}
             for i in found.ranked_]
    if flags:
        session.execute(insert(LabelErrorFlag), flags)
    summary = {"control": name, "labeled": len(labeled), "flagged": len(flags), "folds": folds,
               "models": len(models), "filter": found.filter_by, "seconds": seconds}
    events.record(session, actor=user, action=DETECTED, object_type="project", object_id=project_id,
                  project_id=project_id, after=summary)
    session.commit()
    return summary


def list_flags(session: Session, user: User, project_id: int, *, offset: int = 0, limit: int = 100) -> FlagPage:
    """The stored flags, most likely wrong first, a page at a time."""
    authorize(session, user, project_id, Role.REVIEWER)
    where = LabelErrorFlag.project_id == project_id
    total = session.scalar(select(func.count()).select_from(LabelErrorFlag).where(where)) or 0
    rows = session.execute(
        select(LabelErrorFlag.task_id, LabelErrorFlag.given, LabelErrorFlag.suspected, LabelErrorFlag.score)
        .where(where).order_by(LabelErrorFlag.score, LabelErrorFlag.task_id).offset(offset).limit(limit)
    ).all()
    return FlagPage([Flag(r.task_id, r.given, r.suspected, r.score) for r in rows], total, last_run(session, project_id))


def flags_for(session: Session, project_id: int, task_ids: list[int]) -> dict[int, Flag]:
    """The stored flags of these tasks, by task id (for the task list and task view)."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(LabelErrorFlag.task_id, LabelErrorFlag.given, LabelErrorFlag.suspected, LabelErrorFlag.score)
        .where(LabelErrorFlag.project_id == project_id, LabelErrorFlag.task_id.in_(task_ids))
    ).all()
    return {r.task_id: Flag(r.task_id, r.given, r.suspected, r.score) for r in rows}


def last_run(session: Session, project_id: int) -> dict[str, Any]:
    after = session.scalar(
        select(Event.after).where(Event.project_id == project_id, Event.action == DETECTED)
        .order_by(Event.id.desc()).limit(1)
    )
    return dict(after or {})


def _labeled(session: Session, project_id: int, name: str,
             options: list[str]) -> tuple[list[tuple[int, Any, str]], np.ndarray]:
    """The tasks with a usable consensus on `name` and their label codes; 422 when too few to check."""
    rows = session.execute(
        select(Task.id, Task.data, Task.consensus)
        .where(Task.project_id == project_id, Task.consensus.is_not(None)).order_by(Task.id)
    ).all()
    labeled = [(r.id, r.data, str(r.consensus[name])) for r in rows
               if isinstance(r.consensus, dict) and str(r.consensus.get(name)) in options]
    codes = np.array([options.index(label) for _, _, label in labeled], dtype=np.int64)
    if len(labeled) < MIN_LABELED or len(np.unique(codes)) < 2:
        raise Invalid(f"label-error detection needs at least {MIN_LABELED} labeled tasks with two different "
                      f"'{name}' labels; this project has {len(labeled)}", field="control")
    return labeled, codes


def _control(schema: LabelSchema, control: str | None) -> str:
    """The single-choice control to check: the one named, or the first (required first) a built-in model
    can learn."""
    def usable(name: str) -> bool:
        spec = schema.controls[name]
        return (isinstance(spec, ChoicesControl) and not spec.multiple
                and supports(schema.objects[spec.object].type, "choices"))

    if control is not None:
        if control not in schema.controls:
            raise Invalid(f"unknown control '{control}'; the schema's controls are: {', '.join(schema.controls)}",
                          field="control")
        if not usable(control):
            raise Invalid(f"control '{control}' is not a single-choice control over text or a table",
                          field="control")
        return control
    candidates = [n for n in schema.controls if usable(n)]
    if not candidates:
        raise Invalid("this project has no single-choice control over text or a table to check", field="control")
    required = [n for n in candidates if getattr(schema.controls[n], "required", False)]
    return (required or candidates)[0]


def queue_detect(session: Session, user: User, project_id: int, *, control: str | None = None, folds: int = 5,
                 seed: int = 0) -> Job:
    """Queue a `label_errors.detect` job (managers); an unknown or unusable control is refused here."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    schema = project_schema(project)
    name = _control(schema, control)
    _labeled(session, project_id, name, [str(o) for o in schema.controls[name].options])
    return jobs.enqueue(session, user, project_id, kind=KIND_DETECT,
                        params={"control": control, "folds": folds, "seed": seed})


def run_detect(ctx: JobContext) -> dict[str, Any]:
    """The job handler: progress is cross-validation folds done (of every model family); a cancelled run keeps the last run's flags."""
    if ctx.user is None:
        raise Invalid("the user who queued this detection no longer exists")
    return detect(ctx.session, ctx.user, ctx.project_id, control=ctx.params.get("control"),
                  folds=int(ctx.params.get("folds", 5)), seed=int(ctx.params.get("seed", 0)),
                  progress=lambda done, total: ctx.progress(done, total=total))
