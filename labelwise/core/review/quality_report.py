"""The quality report of a project: agreement, annotator table, confusion with consensus, quality over time.

Agreement is measured on one single-choice (or pairwise) control, by default the first required one:
- percent agreement, Krippendorff's alpha (nominal) with a 95 % item-bootstrap interval, and Fleiss'
  kappa when every item with two or more answers has the same number of them;
- per label, the positive specific agreement PSA_c = sum_i n_ic (n_ic - 1) / sum_i n_ic (m_i - 1) over
  items with m_i >= 2 answers (n_ic of them for label c): the chance that, given one annotator chose c,
  another annotator of the same item did too (Uebersax 1982, generalised to many raters);
- pairwise Cohen's kappa between annotators (a heat map: names, matrix, items shared).
Every number that has no defined value (fewer than two annotators, no shared item, nothing answered) is
null, and `notes` says why: JSON cannot hold NaN and a report never fails on degenerate data.

The annotator table gives submitted answers, throughput per active hour (answers / distinct clock hours
with at least one answer), median time per task, gold accuracy with its Wilson interval, agreement
with consensus (share of answers equal to the task's consensus, over tasks with two or more answers),
the Dawid–Skene skill from the last refit, and status. Confusion matrices compare each annotator's
answers with the consensus on those same tasks. Quality over time is per day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.core.review import gold
from labelwise.core.review.controls import choice_options, single_choice_control
from labelwise.core.review.skills import last_refit
from labelwise.errors import Invalid
from labelwise.quality import (
    QualityInputError,
    bootstrap_ci,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen_kappa,
    percent_agreement,
)
from labelwise.schema import message_keyed
from labelwise.store.models import Annotation, Member, Task, User

N_RESAMPLES = 500


def quality_report(session: Session, user: User, project_id: int, *, control: str | None = None,
                   n_resamples: int = N_RESAMPLES, seed: int = 0) -> dict[str, Any]:
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    schema = project_schema(project)
    notes: list[str] = []
    try:
        name = single_choice_control(schema, control)
    except Invalid:
        if control is not None:
            raise
        name = None
        notes.append("the schema has no single-choice control, so there is no categorical agreement to report")
    labels = list(choice_options(schema.controls[name])) if name else []
    columns = [Annotation.task_id, Annotation.user_id, Annotation.updated_at, Annotation.lead_time_ms]
    if name:
        columns.append(Annotation.result[name].as_string())
    rows = session.execute(
        select(*columns).where(Annotation.project_id == project_id, Annotation.status == "submitted")
    ).all()
    members = session.execute(
        select(Member.user_id, User.username, Member.role, Member.status, Member.status_reason, Member.skill)
        .join(User, User.id == Member.user_id).where(Member.project_id == project_id)
    ).all()
    names = {m.user_id: m.username for m in members}
    missing = {uid for _, uid, *_ in rows} - names.keys()
    if missing:  # answers by people no longer members
        names.update(dict(session.execute(select(User.id, User.username).where(User.id.in_(missing))).all()))
    outcomes = gold.gold_outcomes(session, project)
    if not rows:
        notes.append("no submitted answers yet")

    categorical = _categorical(rows, labels, notes) if name else None
    consensus_labels = _consensus_labels(session, project_id, name, labels) if name else {}
    report = {
        "project_id": project_id,
        "control": name,
        "labels": labels,
        "controls": [n for n, c in schema.controls.items()
                     if n == name or (_is_single_choice(c) and not message_keyed(schema, c))],
        "n_tasks_answered": len({r[0] for r in rows}),
        "n_answers": len(rows),
        "n_annotators": len({r[1] for r in rows}),
        "agreement": _agreement(categorical, labels, names, notes, n_resamples, seed),
        "annotators": _annotator_table(rows, members, names, outcomes, categorical, consensus_labels),
        "confusion": _confusion(categorical, consensus_labels, labels, names),
        "over_time": _over_time(categorical, consensus_labels, outcomes),
        "method": last_refit(session, project_id, name) if name else None,
        "method_override": ProjectSettings.model_validate(project.settings).aggregation_methods.get(name),
        "notes": notes,
    }
    return report


# --- pieces ---------------------------------------------------------------------------------------


def _categorical(rows, labels: list[str], notes: list[str]) -> dict[str, np.ndarray]:
    index = {label: i for i, label in enumerate(labels)}
    kept = [(t, u, index[lab], when) for t, u, when, _, lab in rows if lab in index]
    outside = sum(1 for *_, lab in rows if lab is not None and lab not in index)
    if outside:
        notes.append(f"{outside} answer(s) use labels that are not in the schema (removed options?) and are left out")
    if not kept:
        return {"items": np.empty(0, np.int64), "raters": np.empty(0, np.int64), "values": np.empty(0, np.int64),
                "when": []}
    items, raters, values, when = zip(*kept)
    return {"items": np.array(items), "raters": np.array(raters), "values": np.array(values), "when": list(when)}


def _agreement(data, labels, names, notes, n_resamples, seed) -> dict[str, Any]:
    out: dict[str, Any] = {"percent": None, "krippendorff_alpha": None, "fleiss_kappa": None, "per_label": [],
                           "pairwise": None}
    if data is None:
        return out
    items, raters, values = data["items"], data["raters"], data["values"]
    k = len(labels)
    per_item = np.bincount(items) if len(items) else np.empty(0, np.int64)
    pairable = per_item[items] >= 2 if len(items) else np.empty(0, bool)
    if not pairable.any():
        notes.append("agreement needs items answered by at least two annotators; there are none yet")
    else:
        if len(np.unique(values[pairable])) == 1:
            notes.append("every answer on shared items is the same label, so agreement is trivially 1")
        out["percent"] = _safe(lambda: percent_agreement(items, raters, values, n_categories=k), notes, "percent agreement")
        ci = _safe(lambda: bootstrap_ci(krippendorff_alpha, items, raters, values, n_resamples=n_resamples,
                                        seed=seed, n_categories=k), notes, "Krippendorff's alpha")
        if ci is not None:
            out["krippendorff_alpha"] = {"estimate": _num(ci.estimate), "low": _num(ci.low), "high": _num(ci.high),
                                         "confidence": ci.confidence, "n_resamples": ci.n_resamples}
        sizes = np.unique(per_item[per_item >= 2])
        if len(sizes) == 1:
            out["fleiss_kappa"] = _safe(lambda: fleiss_kappa(items[pairable], raters[pairable], values[pairable],
                                                             n_categories=k), notes, "Fleiss' kappa")
        else:
            notes.append("Fleiss' kappa needs the same number of answers on every shared item; "
                         f"here items have {', '.join(str(s) for s in sizes)}")
        counts = np.zeros((len(per_item), k))
        np.add.at(counts, (items[pairable], values[pairable]), 1.0)
        m = counts.sum(axis=1)
        for c, label in enumerate(labels):
            denominator = float((counts[:, c] * (m - 1)).sum())
            agree = float((counts[:, c] * (counts[:, c] - 1)).sum())
            out["per_label"].append({"label": label, "answers": int(counts[:, c].sum()),
                                     "specific_agreement": _num(agree / denominator) if denominator else None})
        if any(row["specific_agreement"] is None for row in out["per_label"]):
            notes.append("specific agreement is null for labels nobody chose on a shared item")
    if len(np.unique(raters)) < 2:
        notes.append("pairwise kappa needs at least two annotators")
        return out
    try:
        pairs = pairwise_cohen_kappa(items, raters, values, n_categories=k)
    except QualityInputError as exc:
        notes.append(f"pairwise kappa: {exc}")
        return out
    if np.isnan(pairs.matrix).any():
        notes.append("pairwise kappa is null for annotators who share no item")
    out["pairwise"] = {
        "annotators": [names.get(int(r), str(r)) for r in pairs.raters],
        "user_ids": [int(r) for r in pairs.raters],
        "matrix": [[_num(x) for x in row] for row in pairs.matrix.tolist()],
        "n_shared": pairs.n_shared.tolist(),
        "mean": _num(pairs.mean),
    }
    return out


def _annotator_table(rows, members, names, outcomes, data, consensus_labels) -> list[dict[str, Any]]:
    by_user: dict[int, list] = defaultdict(list)
    for row in rows:
        by_user[row[1]].append(row)
    gold_by_user: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for uid, _, correct in outcomes:
        gold_by_user[uid][0] += 1
        gold_by_user[uid][1] += correct
    agree = _agreement_with_consensus(data, consensus_labels)
    info = {m.user_id: m for m in members}
    people = sorted(set(by_user) | {m.user_id for m in members if m.role == "annotator"},
                    key=lambda uid: names.get(uid, ""))
    table = []
    for uid in people:
        answers = by_user.get(uid, [])
        hours = {(when.date(), when.hour) for _, _, when, *_ in answers}
        times = sorted(t for _, _, _, t, *_ in answers if t is not None)
        answered, correct = gold_by_user.get(uid, (0, 0))
        accuracy = gold.accuracy_of(correct, answered)
        member = info.get(uid)
        hits, total = agree.get(uid, (0, 0))
        table.append({
            "user_id": uid,
            "username": names.get(uid, str(uid)),
            "role": member.role if member else None,
            "status": member.status if member else None,
            "status_reason": member.status_reason if member else None,
            "submitted": len(answers),
            "active_hours": len(hours),
            "throughput_per_hour": _num(len(answers) / len(hours)) if hours else None,
            "median_lead_time_ms": _num(float(np.median(times))) if times else None,
            "gold": {"answered": answered, "correct": correct, "accuracy": _num(accuracy.accuracy),
                     "low": _num(accuracy.low), "high": _num(accuracy.high)},
            "agreement_with_consensus": _num(hits / total) if total else None,
            "compared_with_consensus": total,
            "skill": _num(member.skill) if member and member.skill is not None else None,
        })
    return table


def _agreement_with_consensus(data, consensus_labels) -> dict[int, tuple[int, int]]:
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for item, rater, value in _compared(data, consensus_labels):
        out[rater][0] += value == consensus_labels[item]
        out[rater][1] += 1
    return {uid: (hits, total) for uid, (hits, total) in out.items()}


def _compared(data, consensus_labels):
    """(item, rater, value) on tasks with a consensus label and two or more answers."""
    if data is None or not len(data["items"]):
        return []
    per_item = np.bincount(data["items"])
    return [(int(i), int(r), int(v)) for i, r, v in zip(data["items"], data["raters"], data["values"])
            if per_item[i] >= 2 and int(i) in consensus_labels]


def _confusion(data, consensus_labels, labels, names) -> dict[str, Any]:
    k = len(labels)
    overall = np.zeros((k, k), dtype=np.int64)
    per: dict[int, np.ndarray] = {}
    for item, rater, value in _compared(data, consensus_labels):
        overall[value, consensus_labels[item]] += 1
        per.setdefault(rater, np.zeros((k, k), dtype=np.int64))[value, consensus_labels[item]] += 1
    return {
        "labels": labels,
        "rows": "annotator's answer",
        "columns": "consensus",
        "overall": overall.tolist(),
        "per_annotator": [{"user_id": uid, "username": names.get(uid, str(uid)), "matrix": m.tolist()}
                          for uid, m in sorted(per.items(), key=lambda kv: names.get(kv[0], ""))],
    }


def _over_time(data, consensus_labels, outcomes) -> list[dict[str, Any]]:
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    if data is not None and len(data["items"]):
        per_item = np.bincount(data["items"])
        for item, value, when in zip(data["items"].tolist(), data["values"].tolist(), data["when"]):
            if per_item[item] >= 2 and item in consensus_labels:
                day = days[when.date().isoformat()]
                day[0] += value == consensus_labels[item]
                day[1] += 1
    for _, when, correct in outcomes:
        day = days[when.date().isoformat()]
        day[2] += correct
        day[3] += 1
    return [
        {"period": date, "compared": total, "agreement_with_consensus": _num(hits / total) if total else None,
         "gold_answered": answered, "gold_accuracy": _num(right / answered) if answered else None}
        for date, (hits, total, right, answered) in sorted(days.items())
    ]


def _consensus_labels(session: Session, project_id: int, name: str, labels: list[str]) -> dict[int, int]:
    """Task id -> label code of the consensus answer of control `name` (tasks without one left out)."""
    index = {label: i for i, label in enumerate(labels)}
    label = Task.consensus[name].as_string()
    rows = session.execute(select(Task.id, label).where(Task.project_id == project_id, label.is_not(None))).all()
    return {task_id: index[value] for task_id, value in rows if value in index}


def _is_single_choice(control) -> bool:
    from labelwise.schema import ChoicesControl, PairwiseControl

    return isinstance(control, (ChoicesControl, PairwiseControl)) and not getattr(control, "multiple", False)


def _safe(compute, notes: list[str], what: str):
    try:
        value = compute()
    except QualityInputError as exc:
        notes.append(f"{what}: {exc}")
        return None
    return _num(value) if isinstance(value, float) else value


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None
