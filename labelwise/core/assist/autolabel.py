"""Automated labeling of a project: the `autolabel` job kind.

The newest model version of a single-choice control is judged on the human-labeled tasks by
cross-validation (out-of-sample confidences, so the judgement is not flattered by the training fit);
`labelwise.assist.automation.ThresholdSelector` picks the confidence threshold whose one-sided 95 %
lower bound on precision meets the project's `auto_label_precision`. Every task without a submitted
answer whose confidence clears it gets an `AutoLabel` row: a source of its own, never an annotation,
exported only when asked. A random `verification_share` of them (at least one) goes to the front of the
queue for humans; the others go to its back. Their human answers give the precision actually achieved.
A run replaces the last run's auto-labels.
"""

import math
from typing import Any

import numpy as np
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, undefer

from labelwise.assist.automation import ThresholdSelector, achieved_precision, verification_sample
from labelwise.assist.crossval import cross_val_pred_proba
from labelwise.assist.models import load_model, model_for, training_set
from labelwise.core.assist import training
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobContext
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Annotation, AutoLabel, Event, Job, ModelVersion, Project, Task, User

KIND_AUTOLABEL = "autolabel"
RAN = "auto_labels.created"
VERIFY_PRIORITY = 2.0  # above any routing's priority (they are in [0, 1]): served first
AUTO_PRIORITY = -1.0  # below any: served once nothing else is left


def queue_autolabel(session: Session, user: User, project_id: int, *, control: str | None = None) -> Job:
    """Queue an auto-label run (managers); a project without a usable control or model version is a 422/404 now."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    target = _target(project, control)
    _newest_version(session, project_id, target.control)
    return jobs.enqueue(session, user, project_id, kind=KIND_AUTOLABEL, params={"control": target.control})


def run_autolabel(ctx: JobContext) -> dict[str, Any]:
    if ctx.user is None:
        raise Invalid("the user who queued this auto-label run no longer exists")
    return auto_label(ctx.session, ctx.user, ctx.project_id, control=ctx.params.get("control"),
                      progress=lambda done, total: ctx.progress(done, total=total))


def auto_label(session: Session, user: User, project_id: int, *, control: str | None = None, seed: int = 0,
               progress=None) -> dict[str, Any]:
    """Calibrate, pick the threshold, store the auto-labels and the verification sample; commit once."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    settings = ProjectSettings.model_validate(project.settings)
    target = _target(project, control)
    version = _newest_version(session, project_id, target.control)
    report = progress or (lambda done, total: None)
    data, labels = training_set(training._labeled(session, project_id, target.control), target.control)
    model = load_model(version.model)
    options = sorted({str(c) for c in model.classes_} | {str(label) for label in labels})
    codes = np.array([options.index(str(label)) for label in labels], dtype=np.int64)
    if len(codes) < 10 or len(np.unique(codes)) < 2:
        raise Invalid(f"automated labeling needs at least 10 human-labeled tasks with two different "
                      f"'{target.control}' labels to calibrate on; this project has {len(codes)}", field="control")
    report(0, 3)
    proba = cross_val_pred_proba(model_for(target.object_type, "choices", field=target.field), data, codes,
                                 n_classes=len(options), seed=seed)
    selector = ThresholdSelector(target_precision=settings.auto_label_precision).fit(
        proba.max(axis=1), proba.argmax(axis=1) == codes)
    report(1, 3)
    pool = session.execute(select(Task.id, Task.data).where(
        Task.project_id == project_id,
        ~exists().where(Annotation.task_id == Task.id, Annotation.status == "submitted"),
    ).order_by(Task.id)).all()
    pool_proba = model.predict_proba([d for _, d in pool]) if pool else np.zeros((0, len(model.classes_)))
    confidence = pool_proba.max(axis=1) if len(pool) else np.zeros(0)
    auto = np.flatnonzero(selector.predict(confidence)) if len(pool) else np.zeros(0, dtype=np.int64)
    size = min(len(auto), max(1, math.ceil(settings.verification_share * len(auto)))) if len(auto) else 0
    verify = set(verification_sample(auto, size, seed=seed).tolist()) if size else set()
    report(2, 3)
    now = utcnow()
    session.execute(delete(AutoLabel).where(AutoLabel.project_id == project_id))
    rows = [{"task_id": pool[i][0], "project_id": project_id, "control": target.control,
             "label": str(model.classes_[int(pool_proba[i].argmax())]), "confidence": float(confidence[i]),
             "model_version": version.name, "threshold": float(selector.threshold_), "verify": i in verify,
             "created_at": now} for i in auto.tolist()]
    if rows:
        session.execute(insert(AutoLabel), rows)
        session.execute(update(Task), [{"id": r["task_id"], "priority": VERIFY_PRIORITY if r["verify"]
                                        else AUTO_PRIORITY} for r in rows])
    summary = {"control": target.control, "model_version": version.name,
               "target_precision": settings.auto_label_precision,
               "threshold": None if not np.isfinite(selector.threshold_) else float(selector.threshold_),
               "calibration_tasks": len(codes), "calibration_precision": _finite(selector.precision_),
               "calibration_lower_bound": _finite(selector.lower_bound_), "pool": len(pool),
               "auto_labeled": len(rows), "verification_sample": len(verify)}
    events.record(session, actor=user, action=RAN, object_type="project", object_id=project_id,
                  project_id=project_id, after=summary)
    session.commit()
    report(3, 3)
    return summary


def summary(session: Session, user: User, project_id: int) -> dict[str, Any]:
    """The last run, how many tasks carry an auto-label, and the precision achieved on the verification
    sample so far (human answers to those tasks against their auto-label, with a 95 % interval)."""
    authorize(session, user, project_id, Role.REVIEWER)
    rows = session.execute(select(AutoLabel.task_id, AutoLabel.control, AutoLabel.label)
                           .where(AutoLabel.project_id == project_id, AutoLabel.verify.is_(True))).all()
    answers: dict[int, Any] = {}
    if rows:
        for task_id, result in session.execute(
                select(Annotation.task_id, Annotation.result)
                .where(Annotation.task_id.in_([r.task_id for r in rows]), Annotation.status == "submitted")
                .order_by(Annotation.updated_at, Annotation.id)):
            answers[task_id] = result
    checked = [str((answers[r.task_id] or {}).get(r.control)) == r.label for r in rows if r.task_id in answers]
    achieved = None
    if checked:
        estimate = achieved_precision(np.array(checked, dtype=bool))
        achieved = {"checked": len(checked), "correct": int(sum(checked)), "precision": estimate.precision,
                    "low": estimate.low, "high": estimate.high}
    count = session.scalar(select(func.count()).select_from(AutoLabel).where(AutoLabel.project_id == project_id))
    last = session.scalar(select(Event.after).where(Event.project_id == project_id, Event.action == RAN)
                          .order_by(Event.id.desc()).limit(1))
    return {"auto_labeled": count, "verification_sample": len(rows), "verified": achieved, "last_run": last}


def _target(project: Project, control: str | None) -> training.TrainableControl:
    candidates = [c for c in training._trainable(project_schema(project))
                  if c.control_type == "choices" and not c.multiple]
    if control is not None:
        candidates = [c for c in candidates if c.control == control]
    if not candidates:
        raise Invalid("automated labeling needs a single-choice control over text or a table"
                      + (f"; '{control}' is not one" if control else ""), field="control")
    return candidates[0]


def _newest_version(session: Session, project_id: int, control: str) -> ModelVersion:
    row = session.scalars(select(ModelVersion).options(undefer(ModelVersion.model))
                          .where(ModelVersion.project_id == project_id, ModelVersion.control == control)
                          .order_by(ModelVersion.id.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"no model version for '{control}' yet; train one first")
    return row


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
