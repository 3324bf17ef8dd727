# Over 400 lines: the aggregation rule of each control type beside the code that keeps consensus current.
"""Consensus: each task's aggregated answer and its confidence, kept current as answers change.

`aggregate` is the pure rule (one task's answers in, one result and confidence out); the rest
keeps `Task.consensus`/`Task.confidence` up to date inside the caller's transaction and adds an
annotator to tasks whose confidence stays low (dynamic overlap).

Per control type:
- choices (single) and pairwise: a vote weighted by skill. Each annotator is a "one-coin" voter
  who is right with probability `p` (their Dawid–Skene skill after a refit, `PRIOR_ACCURACY`
  before) and otherwise picks one of the other K-1 options at random; the consensus is the
  option with the highest posterior (uniform prior) and the confidence is that posterior. With
  equal skills this is the plain plurality vote (ties to the option listed first in the schema).
- choices (multiple) and taxonomy with `multiple: true`: the same yes/no posterior per option (per
  path); an option is chosen when its "yes" posterior exceeds 1/2; the control's confidence is the
  smallest posterior of any decision. An annotator who answered the task but not the control
  chose nothing. Single taxonomy: a single-choice vote over paths.
- spans (on text objects): `aggregate_spans` (position-wise majority); confidence is the mean over
  annotators of the exact-match span F1 between their spans and the consensus.
- boxes (unrotated, on images): `aggregate_boxes` (IoU clustering, median fusion, weighted by
  skill); confidence is the mean box F1 (IoU >= 0.5) of each annotator against the consensus.
- cuboids (on point clouds): the same, frame by frame, with `aggregate_cuboids` (exact 3D IoU,
  median centre and size, circular mean of angles); confidence is the mean cuboid F1 (IoU >= 0.5).
- number and rating: `aggregate_numbers` (median, snapped to the schema's integer/step grid);
  confidence is the share of answers within tolerance (5 % for numbers, exact for ratings).
- text: the medoid answer under edit similarity; confidence is its mean similarity to the others.
- every other control (polygons, keypoints, masks, segments, tracks, ranking, per-region text,
  rotated boxes, spans on paragraphs): the answer of the most skilled annotator (earliest on a
  tie); confidence is the share of annotators whose answer equals it (region ids ignored). When
  the schema has relations, the relations and the region controls they link come together from
  that one annotator, so region ids stay consistent.

The task's confidence is the smallest confidence of its required controls (of all answered
controls when none is required). A consensus that fails schema validation (e.g. a per-option vote
chose fewer options than `min`) is replaced by the most skilled annotator's whole answer. A gold
task's consensus is its gold answer and an adjudicated task's is the adjudicated result, both with
confidence 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform import webhook_outbox
from labelwise.core.projects.projects import project_schema
from labelwise.core.review.controls import canonical, choice_options
from labelwise.errors import Invalid
from labelwise.quality import (
    MatchScore,
    aggregate_boxes,
    aggregate_cuboids,
    aggregate_numbers,
    aggregate_spans,
    box_f1,
    cuboid_f1,
    span_f1,
    text_medoid,
)
from labelwise.schema import (
    BoxesControl,
    ChoicesControl,
    CuboidsControl,
    EditControl,
    ImageObject,
    LabelSchema,
    NumberControl,
    PairwiseControl,
    RankingControl,
    RatingControl,
    RegionControl,
    RelationsControl,
    SpansControl,
    TaxonomyControl,
    TextControl,
    TextObject,
    message_keyed,
    validate_result,
)
from labelwise.schema.dynamic import options_for
from labelwise.schema.html_text import html_text
from labelwise.store.models import Annotation, GoldAnswer, Member, Project, Task

PRIOR_ACCURACY = 0.7
"""An annotator's assumed accuracy until a refit (`review.skills`) has estimated their skill."""
SKILL_BOUNDS = (0.05, 0.99)
"""Skills are clipped here so one annotator can never make a posterior exactly 0 or 1."""
NUMBER_REL_TOL = 0.05
BOX_IOU = 0.5
REFIT_BATCH = 500


@dataclass(frozen=True)
class Answer:
    """One annotator's submitted result for a task, with their skill (None before a refit)."""

    user_id: int
    result: dict[str, Any]
    skill: float | None = None


@dataclass(frozen=True)
class Consensus:
    result: dict[str, Any] | None
    confidence: float | None
    controls: dict[str, float] = field(default_factory=dict)


def aggregate(schema: LabelSchema, data: dict[str, Any], answers: Sequence[Answer]) -> Consensus:
    """The consensus of one task's submitted answers (see the module docstring for the rules)."""
    if not answers:
        return Consensus(None, None)
    ranked = sorted(range(len(answers)), key=lambda i: (-_skill(answers[i].skill), i))
    anchor = answers[ranked[0]]
    linked = _linked_controls(schema)
    result: dict[str, Any] = {}
    confidences: dict[str, float] = {}
    for name, control in schema.controls.items():
        if name in linked:
            voters = [a for a in answers if a.result.get(name) is not None]
            if voters:
                value = anchor.result.get(name)
                confidences[name] = _share_equal(value, [a.result.get(name) for a in voters])
                if value is not None:
                    result[name] = value
            continue
        outcome = _aggregate_control(schema, data, name, control, answers, ranked)
        if outcome is None:
            continue
        value, confidence = outcome
        confidences[name] = float(confidence)
        if value is not None and value != []:
            result[name] = value
    if not confidences:
        return Consensus(None, None)
    try:
        result = validate_result(schema, data, result)
    except Invalid:
        result = dict(anchor.result)
    required = [c for n, c in confidences.items() if schema.controls[n].required]
    overall = min(required) if required else min(confidences.values())
    return Consensus(result or None, round(overall, 6), confidences)


def choice_posterior(votes: Sequence[tuple[Any, float | None]], options: Sequence[Any]) -> tuple[Any, float, np.ndarray]:
    """Winner, its posterior and all posteriors of a one-coin skill-weighted vote over `options`.

    `votes` are (option, skill) pairs; votes for an option not in `options` are ignored.
    """
    k = len(options)
    index = {option: i for i, option in enumerate(options)}
    if k == 1:
        return options[0], 1.0, np.ones(1)
    logits = np.zeros(k)
    for option, skill in votes:
        if option not in index:
            continue
        p = _skill(skill)
        wrong = (1.0 - p) / (k - 1)
        logits += math.log(wrong)
        logits[index[option]] += math.log(p) - math.log(wrong)
    post = np.exp(logits - logits.max())
    post /= post.sum()
    best = int(np.argmax(post))
    return options[best], float(post[best]), post


def recompute(session: Session, task: Task, project: Project) -> bool:
    """Refresh one task's consensus from its submitted answers; returns whether the task is gold."""
    gold_answer = session.get(GoldAnswer, task.id)
    if gold_answer is not None:
        task.consensus, task.confidence = gold_answer.result, 1.0
        return True
    if task.adjudicated_at is not None:
        return False
    rows = session.execute(
        select(Annotation.user_id, Annotation.result, Member.skill)
        .outerjoin(Member, (Member.project_id == Annotation.project_id) & (Member.user_id == Annotation.user_id))
        .where(Annotation.task_id == task.id, Annotation.status == "submitted")
        .order_by(Annotation.id)
    ).all()
    found = aggregate(project_schema(project), task.data, [Answer(u, r or {}, s) for u, r, s in rows])
    previous = task.consensus
    task.consensus, task.confidence = found.result, found.confidence
    _tell_webhooks(session, task, previous, "answers")
    return False


def _tell_webhooks(session: Session, task: Task, previous: dict[str, Any] | None, reason: str) -> None:
    """A `consensus.changed` webhook event when the task's consensus answer (not just its confidence) changed."""
    if task.consensus != previous and webhook_outbox.wants(session, task.project_id, "consensus.changed"):
        webhook_outbox.emit(session, task.project_id, "consensus.changed",
                            {"task_id": task.id, "consensus": task.consensus, "previous": previous,
                             "confidence": task.confidence, "reason": reason})


# --- per control ---------------------------------------------------------------------------------


def _aggregate_control(schema, data, name, control, answers, ranked, *, keyed=True) -> tuple[Any, float] | None:
    if keyed and message_keyed(schema, control):
        return _by_message(schema, data, name, control, answers, ranked)
    voters = [a for a in answers if a.result.get(name) is not None]
    per_region = getattr(control, "per_region", False)  # answers keyed by each annotator's own regions
    if per_region or isinstance(control, RankingControl) and control.buckets:
        pass
    elif isinstance(control, (ChoicesControl, PairwiseControl)) and not getattr(control, "multiple", False):
        if not voters:
            return None
        options = options_for(control, data) if isinstance(control, ChoicesControl) else choice_options(control)
        winner, confidence, _ = choice_posterior([(a.result[name], a.skill) for a in voters], options)
        return winner, confidence
    elif isinstance(control, ChoicesControl):
        return _per_option(options_for(control, data), [(set(a.result.get(name) or ()), a.skill) for a in answers])
    elif isinstance(control, TaxonomyControl):
        if not voters:
            return None
        if not control.multiple:
            paths = [tuple(a.result[name][0]) for a in voters if a.result[name]]
            if not paths:
                return None
            choices = list(dict.fromkeys(paths)) + [None] * max(_taxonomy_size(control.options) - len(set(paths)), 0)
            winner, confidence, _ = choice_posterior(
                [(tuple(a.result[name][0]), a.skill) for a in voters if a.result[name]], choices)
            return [list(winner)], confidence
        every = list(dict.fromkeys(tuple(p) for a in voters for p in a.result[name]))
        chosen, confidence = _per_option(every, [({tuple(p) for p in a.result.get(name) or ()}, a.skill)
                                                 for a in answers])
        return [list(p) for p in chosen], confidence
    if isinstance(control, SpansControl) and isinstance(schema.objects[control.object], TextObject):
        text = data.get(schema.objects[control.object].field)
        if isinstance(text, str) and schema.objects[control.object].html:
            text = html_text(text)
        if isinstance(text, str):
            return _spans(name, control, text, answers)
    if isinstance(control, BoxesControl) and isinstance(schema.objects[control.object], ImageObject):
        if all(not box.get("rotation") for a in answers for box in a.result.get(name) or ()):
            return _boxes(name, answers)
    if isinstance(control, CuboidsControl):
        return _cuboids(name, control, answers)
    if isinstance(control, (NumberControl, RatingControl)) and not per_region:
        if not voters:
            return None
        return _number(control, [a.result[name] for a in voters])
    if isinstance(control, EditControl) or (isinstance(control, TextControl) and not control.per_region):
        if not voters:
            return None
        choice = text_medoid([a.result[name] for a in voters])
        return choice.text, choice.confidence
    if not voters:
        return None
    best = next(answers[i] for i in ranked if answers[i].result.get(name) is not None)
    return best.result[name], _share_equal(best.result[name], [a.result[name] for a in voters])


def _by_message(schema, data, name, control, answers, ranked) -> tuple[dict, float] | None:
    """Answers keyed by chat message: each message aggregated as the plain control would, from the answers
    that rated it; the confidence is the lowest of the messages'."""
    keys = sorted({key for a in answers for key in (a.result.get(name) or {})}, key=int)
    if not keys:
        return None
    out: dict[str, Any] = {}
    confidence = 1.0
    for key in keys:
        per_key = [Answer(a.user_id, {name: (a.result.get(name) or {}).get(key)}, a.skill) for a in answers]
        outcome = _aggregate_control(schema, data, name, control, per_key, ranked, keyed=False)
        if outcome is not None and outcome[0] not in (None, [], ""):
            out[key] = outcome[0]
            confidence = min(confidence, outcome[1])
    return (out, confidence) if out else None


def _per_option(options: Sequence[Any], selections: Sequence[tuple[set, float | None]]) -> tuple[list, float]:
    chosen, confidence = [], 1.0
    for option in options:
        _, _, post = choice_posterior([(option in picked, skill) for picked, skill in selections], (False, True))
        if post[1] > 0.5:
            chosen.append(option)
        confidence = min(confidence, float(post.max()))
    return chosen, confidence


def _spans(name: str, control: SpansControl, text: str, answers: Sequence[Answer]) -> tuple[list, float]:
    marked = [[(s["start"], s["end"], s["label"]) for s in a.result.get(name) or ()] for a in answers]
    found = aggregate_spans(marked, length=len(text))
    spans = [{"id": f"{name}-{i + 1}", "start": s.start, "end": s.end, "label": s.label} for i, s in enumerate(found)]
    consensus = [(s.start, s.end, s.label) for s in found]
    return spans, float(np.mean([span_f1(m, consensus).f1 for m in marked]))


def _boxes(name: str, answers: Sequence[Answer]) -> tuple[list, float]:
    drawn = [a.result.get(name) or [] for a in answers]
    corners = [[(b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]) for b in boxes] for boxes in drawn]
    weights = np.array([_skill(a.skill) for a in answers])
    fused = aggregate_boxes(corners, labels=[[b["label"] for b in boxes] for boxes in drawn], iou_threshold=BOX_IOU,
                            weights=weights)
    fused.sort(key=lambda f: (f.box[1], f.box[0]))
    out = [{"id": f"{name}-{i + 1}", "x": f.box[0], "y": f.box[1], "width": f.box[2] - f.box[0],
            "height": f.box[3] - f.box[1], "rotation": 0, "label": f.label} for i, f in enumerate(fused)]
    consensus = [(b["x"], b["y"], b["width"], b["height"], b["label"]) for b in out]
    scores = [box_f1([(b["x"], b["y"], b["width"], b["height"], b["label"]) for b in boxes], consensus,
                     iou_threshold=BOX_IOU).f1 for boxes in drawn]
    return out, float(np.mean(scores))


_CUBOID = ("x", "y", "z", "length", "width", "height", "yaw")


def _cuboids(name: str, control: CuboidsControl, answers: Sequence[Answer]) -> tuple[list, float] | None:
    drawn = [a.result.get(name) or [] for a in answers]
    if not any(drawn):
        return None
    keys = _CUBOID + (("pitch", "roll") if control.pitch_roll else ())
    weights = np.array([_skill(a.skill) for a in answers])
    out: list[dict] = []
    frames = sorted({c.get("frame", 0) for cuboids in drawn for c in cuboids})
    scores = [MatchScore(0, 0, 0) for _ in drawn]
    for frame in frames:
        here = [[c for c in cuboids if c.get("frame", 0) == frame] for cuboids in drawn]
        fused = aggregate_cuboids([[[c.get(k, 0.0) for k in keys] for c in cs] for cs in here],
                                  labels=[[c["label"] for c in cs] for cs in here], iou_threshold=BOX_IOU,
                                  weights=weights)
        fused.sort(key=lambda f: f.cuboid[:3])
        frame_out = []
        for f in fused:
            region = {"id": f"{name}-{len(out) + len(frame_out) + 1}", "label": f.label,
                      **{k: round(v, 4) for k, v in zip(keys, f.cuboid)}}
            if any("frame" in c for cs in here for c in cs):
                region["frame"] = frame
            frame_out.append(region)
        consensus = [([r[k] for k in keys], r["label"]) for r in frame_out]
        for a, cs in enumerate(here):
            scores[a] = scores[a] + cuboid_f1([([c.get(k, 0.0) for k in keys], c["label"]) for c in cs], consensus,
                                              iou_threshold=BOX_IOU)
        out.extend(frame_out)
    return out, float(np.mean([s.f1 for s in scores]))


def _number(control: NumberControl | RatingControl, values: list[float]) -> tuple[float, float]:
    exact = isinstance(control, RatingControl)
    x = np.asarray(values, dtype=float)
    value = float(aggregate_numbers(np.zeros(len(x), dtype=np.intp), x).values[0])
    if exact or getattr(control, "integer", False):
        value = int(math.floor(value + 0.5))
    elif control.step:
        base = control.min or 0.0
        value = round(base + round((value - base) / control.step) * control.step, 10)
    # Agreement with the value actually stored (after snapping), not with the raw median.
    tolerance = 0.0 if exact else NUMBER_REL_TOL * abs(value)
    return value, float(np.mean(np.abs(x - value) <= tolerance + 1e-12))


def _share_equal(value: Any, values: Sequence[Any]) -> float:
    if not values:
        return 1.0
    key = canonical(value)
    return sum(canonical(v) == key for v in values) / len(values)


def _linked_controls(schema: LabelSchema) -> set[str]:
    linked: set[str] = set()
    for name, control in schema.controls.items():
        if isinstance(control, RelationsControl):
            linked.add(name)
            targets = control.controls or [n for n, c in schema.controls.items() if isinstance(c, RegionControl)]
            linked.update(targets)
        if getattr(control, "per_region", False) and control.regions_of:
            linked.update({name, *control.region_controls()})
    return linked


def _taxonomy_size(nodes) -> int:
    return sum(1 + _taxonomy_size(node.children) for node in nodes)


def _skill(skill: float | None) -> float:
    p = PRIOR_ACCURACY if skill is None or not math.isfinite(skill) else skill
    return min(max(p, SKILL_BOUNDS[0]), SKILL_BOUNDS[1])


# --- batch recompute ------------------------------------------------------------------------------


def recompute_tasks(session: Session, project: Project, task_ids: Sequence[int]) -> int:
    """Refresh the consensus of many tasks at once (an import that brought answers); never commits."""
    updated = 0
    for start in range(0, len(task_ids), REFIT_BATCH):
        ids = list(task_ids[start:start + REFIT_BATCH])
        tasks = list(session.scalars(select(Task).where(Task.id.in_(ids)).order_by(Task.id)))
        updated += _recompute_batch(session, project, tasks, _skills(session, project))
    return updated


def recompute_project(session: Session, project: Project) -> int:
    """Refresh every task's consensus, in batches (after members' skills changed); never commits."""
    skills = _skills(session, project)
    last_id, updated = 0, 0
    while True:
        tasks = list(session.scalars(
            select(Task).where(Task.project_id == project.id, Task.id > last_id).order_by(Task.id).limit(REFIT_BATCH)
        ))
        if not tasks:
            return updated
        updated += _recompute_batch(session, project, tasks, skills)
        last_id = tasks[-1].id


def _skills(session: Session, project: Project) -> dict[int, float | None]:
    return dict(session.execute(select(Member.user_id, Member.skill).where(Member.project_id == project.id)).all())


def _recompute_batch(session: Session, project: Project, tasks: list[Task], skills: dict[int, float | None]) -> int:
    schema = project_schema(project)
    ids = [t.id for t in tasks]
    gold = dict(session.execute(select(GoldAnswer.task_id, GoldAnswer.result).where(GoldAnswer.task_id.in_(ids))).all())
    answers: dict[int, list[Answer]] = {}
    for task_id, user_id, result in session.execute(
        select(Annotation.task_id, Annotation.user_id, Annotation.result)
        .where(Annotation.task_id.in_(ids), Annotation.status == "submitted").order_by(Annotation.id)
    ):
        answers.setdefault(task_id, []).append(Answer(user_id, result or {}, skills.get(user_id)))
    for task in tasks:
        previous = task.consensus
        if task.id in gold:
            task.consensus, task.confidence = gold[task.id], 1.0
        elif task.adjudicated_at is None:
            found = aggregate(schema, task.data, answers.get(task.id, []))
            task.consensus, task.confidence = found.result, found.confidence
        _tell_webhooks(session, task, previous, "recomputed")
    session.flush()
    for task in tasks:
        session.expunge(task)
    return len(tasks)
