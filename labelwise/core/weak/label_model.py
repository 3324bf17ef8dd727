"""The stored votes as a matrix: their analysis against human labels, and the label model whose
probabilistic labels become predictions with a model version (so they show as suggestions and export)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from labelwise.assist.models.text_classifier import TextClassifier
from labelwise.assist.weak import (
    DawidSkeneLabelModel,
    EnsembleLabelModel,
    MajorityVoteLabelModel,
    MatrixCompletionLabelModel,
    analyze_votes,
    conflicting_tasks,
)
from labelwise.core.assist.training import trainable_controls
from labelwise.core.platform import events, jobs
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import project_schema
from labelwise.core.weak.functions import single_choice_control
from labelwise.errors import Invalid
from labelwise.store.models import (
    Annotation,
    GoldAnswer,
    LabelingFunction,
    LabelingFunctionVote,
    ModelVersion,
    Prediction,
    Task,
    User,
)

MODELS = {
    "dawid_skene": DawidSkeneLabelModel,
    "matrix_completion": MatrixCompletionLabelModel,
    "majority_vote": MajorityVoteLabelModel,
    "ensemble": EnsembleLabelModel,  # the mean of Dawid–Skene's and majority vote's probabilities
}
DEFAULT_MODEL = "ensemble"  # chosen by benchmarks/weak_supervision.py; see labelwise.assist.weak
KIND_RUN = "weak.label_model"
PREDICTION_BATCH = 2000
Progress = Callable[[int, int], None]


def analysis(session: Session, user: User, project_id: int, *, control: str | None = None,
             conflicts: int = 20) -> dict[str, Any]:
    """Per-function coverage, overlap, conflict, polarity and accuracy on human/gold labels (Wilson
    interval, confusion matrix), set totals, and the tasks where the functions disagree most."""
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    name = single_choice_control(project_schema(project), control)
    classes = list(project_schema(project).controls[name].options)
    task_ids, functions, stale, votes = _matrix(session, project_id, name, classes)
    gold = _human_labels(session, project_id, name, task_ids, classes)
    result = analyze_votes(votes, gold=gold, n_classes=len(classes))
    rows = result.rows([f.name for f in functions])
    for row, f in zip(rows, functions):
        row["id"] = f.id
        row["polarity"] = [classes[c] for c in row["polarity"]]
    ranked = conflicting_tasks(votes, n_classes=len(classes), limit=conflicts)
    counts = np.stack([(votes == c).sum(axis=1) for c in range(len(classes))], axis=1) if votes.size else \
        np.zeros((len(task_ids), len(classes)), dtype=np.int64)
    minority = counts.sum(axis=1) - counts.max(axis=1, initial=0)
    # Tasks with at least k minority votes, for k = 1..max: the data browser's ?lf_conflict=k shows them.
    levels = [{"lf_conflict": k, "tasks": int((minority >= k).sum())} for k in range(1, int(minority.max(initial=0)) + 1)]
    return {"control": name, "labels": classes, "tasks": int(len(task_ids)),
            "labelled_tasks": result.n_labelled, "functions": rows, "stale": stale,
            "total_coverage": result.total_coverage, "total_overlap": result.total_overlap,
            "total_conflict": result.total_conflict, "conflict_levels": levels,
            "conflicting_tasks": [{"task_id": int(task_ids[i]), "minority_votes": k, "entropy": e}
                                  for i, k, e in ranked]}


def run(session: Session, user: User, project_id: int, *, control: str | None = None,
        model: str = DEFAULT_MODEL, model_version: str | None = None, end_model: bool = False,
        progress: Progress | None = None) -> dict[str, Any]:
    """Fit the label model on the current votes and store its labels as predictions for every task at
    least one function voted on, replacing earlier predictions of the same model version.

    With `end_model`, also train the built-in text classifier on those labels (the top label of each
    covered task, weighted by its probability), store it as the control's next model version, and store
    its predictions for every task, so the labels reach tasks no function votes on.

    `progress(done, total)` is called as predictions are written (units: tasks written, the label model's
    and, with `end_model`, the end model's); it may raise to stop, and nothing is committed before the end."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    name, model_version = _check_run(session, project, control, model, model_version)
    classes = list(project_schema(project).controls[name].options)
    task_ids, functions, stale, votes = _matrix(session, project_id, name, classes)
    if not functions:
        raise Invalid(f"no labeling function of control '{name}' has current votes; apply them first",
                      field="control")
    if model_version is None:
        digest = hashlib.sha256("".join(sorted(f.definition_hash for f in functions)).encode()).hexdigest()
        model_version = f"weak/{model}/{digest[:12]}"
    covered = (votes >= 0).any(axis=1)
    total = int(covered.sum()) + (len(task_ids) if end_model else 0)
    report = progress or (lambda done, total: None)
    report(0, total)
    fitted = MODELS[model]().fit(votes, n_classes=len(classes))
    probas = fitted.predict_proba(votes)
    session.execute(delete(Prediction).where(Prediction.project_id == project_id,
                                             Prediction.model_version == model_version))
    now = utcnow()
    rows = []
    for i in np.flatnonzero(covered):
        p = probas[i]
        best = int(np.argmax(p))
        rows.append({"task_id": int(task_ids[i]), "project_id": project_id, "model_version": model_version,
                     "result": {name: classes[best]}, "score": round(float(p[best]), 6),
                     "scores": {c: round(float(x), 6) for c, x in zip(classes, p)}, "created_at": now})
    for start in range(0, len(rows), PREDICTION_BATCH):
        session.execute(insert(Prediction), rows[start:start + PREDICTION_BATCH])
        report(min(start + PREDICTION_BATCH, len(rows)), total)
    summary = {"control": name, "model": model, "model_version": model_version, "predictions": len(rows),
               "tasks": int(len(task_ids)), "functions": [f.name for f in functions], "stale": stale,
               "class_balance": {c: round(float(x), 6) for c, x in zip(classes, fitted.class_balance_)},
               "estimated_accuracies": {f.name: round(float(a), 6)
                                        for f, a in zip(functions, fitted.accuracies_)}}
    if end_model:
        summary["end_model"] = _train_end_model(session, user, project, name, task_ids[covered],
                                                [r["result"][name] for r in rows], [r["score"] for r in rows],
                                                lambda done: report(len(rows) + done, total))
    events.record(session, actor=user, action="label_model.run", object_type="project", object_id=project_id,
                  project_id=project_id, after={k: summary[k] for k in ("model", "model_version", "predictions")})
    session.commit()
    return summary


def queue_run(session: Session, user: User, project_id: int, *, control: str | None = None,
              model: str = DEFAULT_MODEL, model_version: str | None = None, end_model: bool = False):
    """Queue `run` as a background job (kind `weak.label_model`) after checking its parameters, so a bad
    one is a 422 now rather than a failed job later; the job's result is `run`'s summary."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    name, model_version = _check_run(session, project, control, model, model_version)
    return jobs.enqueue(session, user, project_id, kind=KIND_RUN,
                        params={"control": name, "model": model, "model_version": model_version,
                                "end_model": bool(end_model)})


def run_job(ctx) -> dict[str, Any]:
    """The `weak.label_model` job handler: `run` with the job's parameters, reporting progress."""
    if ctx.user is None:
        raise Invalid("the user who queued this label model run no longer exists")
    p = ctx.params
    return run(ctx.session, ctx.user, ctx.project_id, control=p.get("control"), model=p.get("model", DEFAULT_MODEL),
               model_version=p.get("model_version"), end_model=bool(p.get("end_model")),
               progress=lambda done, total: ctx.progress(done, total=total, rows=done))


def _check_run(session: Session, project, control: str | None, model: str,
               model_version: str | None) -> tuple[str, str | None]:
    if model not in MODELS:
        raise Invalid(f"model must be one of {', '.join(MODELS)}", field="model")
    name = single_choice_control(project_schema(project), control)
    if model_version is not None and (not isinstance(model_version, str) or not 0 < len(model_version) <= 200):
        raise Invalid("model_version must be a string of 1-200 characters", field="model_version")
    return name, model_version


def _matrix(session: Session, project_id: int, control: str, classes: list[str]):
    """(task ids, functions with current votes, names of stale ones, vote matrix) for one control."""
    all_functions = session.scalars(select(LabelingFunction).where(
        LabelingFunction.project_id == project_id, LabelingFunction.control == control)
        .order_by(LabelingFunction.id)).all()
    functions = [f for f in all_functions if f.votes_hash == f.definition_hash]
    stale = [f.name for f in all_functions if f.votes_hash != f.definition_hash]
    task_ids = np.array(session.scalars(select(Task.id).where(Task.project_id == project_id)
                                        .order_by(Task.id)).all(), dtype=np.int64)
    votes = np.full((len(task_ids), len(functions)), -1, dtype=np.int64)
    if functions and len(task_ids):
        column = {f.id: j for j, f in enumerate(functions)}
        code = {c: i for i, c in enumerate(classes)}
        stmt = select(LabelingFunctionVote.function_id, LabelingFunctionVote.task_id, LabelingFunctionVote.label) \
            .where(LabelingFunctionVote.function_id.in_(list(column)))
        for function_id, task_id, label in session.execute(stmt).yield_per(20_000):
            row = np.searchsorted(task_ids, task_id)
            if label in code and row < len(task_ids) and task_ids[row] == task_id:
                votes[row, column[function_id]] = code[label]
    return task_ids, functions, stale, votes


def _human_labels(session: Session, project_id: int, control: str, task_ids: np.ndarray,
                  classes: list[str]) -> np.ndarray:
    """Per task: the gold answer's label if any, else the most common submitted human label, else -1."""
    code = {c: i for i, c in enumerate(classes)}
    label = Annotation.result[control].as_string()
    counts: dict[int, Counter] = defaultdict(Counter)
    for task_id, value in session.execute(select(Annotation.task_id, label).where(
            Annotation.project_id == project_id, Annotation.status == "submitted", label.in_(classes))):
        counts[task_id][value] += 1
    known = {t: code[c.most_common(1)[0][0]] for t, c in counts.items()}
    for task_id, result in session.execute(select(GoldAnswer.task_id, GoldAnswer.result)
                                           .where(GoldAnswer.project_id == project_id)):
        value = (result or {}).get(control)
        if value in code:
            known[task_id] = code[value]
    out = np.full(len(task_ids), -1, dtype=np.int64)
    for i, task_id in enumerate(task_ids.tolist()):
        out[i] = known.get(task_id, -1)
    return out


def _train_end_model(session: Session, user: User, project, control: str, task_ids: np.ndarray,
                     labels: list[str], weights: list[float], progress: Callable[[int], None]) -> dict[str, Any]:
    target = next((t for t in trainable_controls(session, user, project.id) if t.control == control), None)
    if target is None or target.object_type != "text":
        raise Invalid(f"the end model is the built-in text classifier; control '{control}' does not label text",
                      field="end_model")
    if len(set(labels)) < 2:
        raise Invalid("the end model needs the label model to give at least two different labels",
                      field="end_model")
    data_by_id = dict(session.execute(select(Task.id, Task.data).where(Task.project_id == project.id)).all())
    classifier = TextClassifier(field=target.field)
    classifier.fit([data_by_id[int(t)] for t in task_ids], labels, sample_weight=weights)
    version = (session.scalar(select(func.max(ModelVersion.version)).where(
        ModelVersion.project_id == project.id, ModelVersion.control == control)) or 0) + 1
    row = ModelVersion(project_id=project.id, control=control, version=version,
                       model_class=type(classifier).__name__, trained_on=len(labels),
                       metrics={"trained_on": "label model", "examples": len(labels)},
                       model=classifier.to_bytes(), created_by=user.id, created_at=utcnow())
    session.add(row)
    session.flush()
    ids = sorted(data_by_id)
    session.execute(delete(Prediction).where(Prediction.project_id == project.id,
                                             Prediction.model_version == row.name))
    now = utcnow()
    stored = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        items = classifier.to_predictions([data_by_id[i] for i in chunk], control=control)
        session.execute(insert(Prediction), [
            {"task_id": task_id, "project_id": project.id, "model_version": row.name, "result": item["result"],
             "score": item.get("score"), "scores": item.get("scores"), "created_at": now}
            for task_id, item in zip(chunk, items)])
        stored += len(chunk)
        progress(stored)
    return {"model_version": row.name, "version_id": row.id, "trained_on": len(labels), "predictions": stored}
