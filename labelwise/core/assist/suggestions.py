"""What annotators do with model suggestions, and what the suggestions save, per model version.

The labeling page reports, after a submit, which prediction it showed and whether the annotator accepted
it; the outcome (accepted unchanged, accepted then edited, or rejected) is decided here by comparing the
stored answer with the prediction. The summary sets each version's mean lead time against the project's
answers given without a suggestion.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Annotation, Prediction, SuggestionOutcome, User

OUTCOMES = ("accepted", "edited", "rejected")


def record(session: Session, user: User, annotation_id: int, *, prediction_id: int,
           accepted: bool) -> SuggestionOutcome:
    """Record what the caller's submitted `annotation_id` did with prediction `prediction_id` (shown with
    its task). Recording again replaces the outcome. Commits."""
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.user_id != user.id or annotation.status != "submitted":
        raise NotFound(f"no submitted annotation {annotation_id} of yours")
    authorize(session, user, annotation.project_id, Role.ANNOTATOR)
    prediction = session.get(Prediction, prediction_id)
    if prediction is None or prediction.task_id != annotation.task_id:
        raise Invalid(f"prediction {prediction_id} is not a prediction of task {annotation.task_id}",
                      field="prediction_id")
    if not accepted:
        outcome = "rejected"
    else:
        outcome = "accepted" if _agrees(annotation.result or {}, prediction.result) else "edited"
    row = session.get(SuggestionOutcome, annotation_id) or SuggestionOutcome(annotation_id=annotation_id)
    row.project_id = annotation.project_id
    row.prediction_id = prediction.id
    row.model_version = prediction.model_version
    row.outcome = outcome
    row.created_at = utcnow()
    session.add(row)
    session.commit()
    return row


def summary(session: Session, user: User, project_id: int) -> dict[str, Any]:
    """Per model version: suggestions shown, accepted unchanged, accepted with edits, rejected, the
    accepted share and the mean lead time; plus the mean lead time of answers given without one."""
    authorize(session, user, project_id, Role.MANAGER)
    rows = session.execute(
        select(SuggestionOutcome.model_version, SuggestionOutcome.outcome, func.count(),
               func.avg(Annotation.lead_time_ms), func.count(Annotation.lead_time_ms))
        .join(Annotation, Annotation.id == SuggestionOutcome.annotation_id)
        .where(SuggestionOutcome.project_id == project_id)
        .group_by(SuggestionOutcome.model_version, SuggestionOutcome.outcome)
    ).all()
    without = session.scalar(
        select(func.avg(Annotation.lead_time_ms)).where(
            Annotation.project_id == project_id, Annotation.status == "submitted",
            ~select(SuggestionOutcome.annotation_id)
            .where(SuggestionOutcome.annotation_id == Annotation.id).exists()))
    versions: dict[str, dict[str, Any]] = {}
    for name, outcome, count, mean, timed in rows:
        entry = versions.setdefault(name, {"model_version": name, "shown": 0, **{o: 0 for o in OUTCOMES},
                                           "_lead": 0.0, "_timed": 0})
        entry["shown"] += count
        entry[outcome] += count
        if mean is not None:
            entry["_lead"] += float(mean) * timed
            entry["_timed"] += timed
    out = []
    for entry in sorted(versions.values(), key=lambda e: e["model_version"]):
        lead = entry.pop("_lead") / entry["_timed"] if entry["_timed"] else None
        entry.pop("_timed")
        entry["accepted_share"] = (entry["accepted"] + entry["edited"]) / entry["shown"]
        entry["mean_lead_time_ms"] = lead
        entry["time_saved_ms"] = (float(without) - lead) if lead is not None and without is not None else None
        out.append(entry)
    return {"versions": out, "mean_lead_time_ms_without": float(without) if without is not None else None}


def _agrees(answer: dict[str, Any], predicted: dict[str, Any]) -> bool:
    return all(_plain(answer.get(control)) == _plain(value) for control, value in predicted.items())


def _plain(value: Any) -> Any:
    """A result without the model's confidence fields, which an answer never carries."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "score"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
