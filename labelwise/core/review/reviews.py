"""Reviews: a reviewer accepts, rejects (the task goes back to its annotator) or fixes an annotation."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from labelwise.core.labeling.annotations import add_revision, checked_result, stamp
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import ProjectSettings
from labelwise.core.review import routing
from labelwise.errors import Invalid
from labelwise.store.models import Annotation, Assignment, LabelErrorFlag, Review, Task, User

Verdict = Literal["accept", "reject", "fix"]
VERDICTS = ("accept", "reject", "fix")
REOPENED = "reopened"  # not a reviewer's verdict: a manager sent the annotation back for a new review


@dataclass(frozen=True)
class ReviewOutcome:
    review: Review
    annotation: Annotation


def review(
    session: Session,
    reviewer: User,
    annotation_id: int,
    *,
    verdict: str,
    comment: str = "",
    result: dict[str, Any] | None = None,
    default_lease_seconds: int = 900,
) -> ReviewOutcome:
    annotation = session.get(Annotation, annotation_id)
    project, _ = authorize_row(session, reviewer, annotation, f"annotation {annotation_id}", Role.REVIEWER)
    if verdict not in VERDICTS:
        raise Invalid(f"unknown verdict '{verdict}'; expected accept, reject or fix", field="verdict")
    if annotation.status != "submitted":
        raise Invalid(f"annotation {annotation_id} is {annotation.status}; only submitted annotations are reviewed",
                      field="annotation_id")
    comment = (comment or "").strip()
    before = {"status": annotation.status, "result": annotation.result, "revision": annotation.revision}
    now = utcnow()
    if verdict == "reject":
        if not comment:
            raise Invalid("a rejection needs a comment that tells the annotator what to change", field="comment")
        _return_to_annotator(session, annotation, project.settings, default_lease_seconds)
    elif verdict == "fix":
        if result is None:
            raise Invalid("a fix needs the corrected 'result'", field="result")
        task = session.get(Task, annotation.task_id)
        annotation.result = checked_result(session, task, result)
        annotation.revision += 1
        annotation.updated_at = now
        stamp(session, annotation)
        add_revision(session, annotation, reviewer)
    elif result is not None:
        raise Invalid("only a fix carries a 'result'", field="result")
    row = Review(annotation_id=annotation.id, reviewer_id=reviewer.id, verdict=verdict, comment=comment,
                 created_at=now, schema_version=project.schema_version,
                 guidelines_version=project.guidelines_version)
    session.add(row)
    session.flush()
    events.record(session, actor=reviewer, action=f"review.{verdict}", object_type="annotation",
                  object_id=annotation.id, project_id=annotation.project_id, before=before,
                  after={"status": annotation.status, "result": annotation.result, "comment": comment})
    session.commit()
    return ReviewOutcome(row, annotation)


def next_for_review(session: Session, reviewer: User, project_id: int) -> int | None:
    """The next task holding a submitted annotation that nobody has reviewed yet (not the reviewer's own):
    tasks the last label-error detection flagged first, most likely wrong first; then the oldest."""
    authorize(session, reviewer, project_id, Role.REVIEWER)
    reopened = aliased(Review)
    unreviewed = (
        Annotation.project_id == project_id,
        Annotation.status == "submitted",
        Annotation.user_id != reviewer.id,
        # no verdict, or none since a manager reopened it (core/iteration/reannotate.py)
        ~exists().where(Review.annotation_id == Annotation.id, Review.verdict != REOPENED,
                        ~exists().where(reopened.annotation_id == Review.annotation_id, reopened.verdict == REOPENED,
                                        reopened.id > Review.id)),
    )
    flagged = session.scalar(
        select(LabelErrorFlag.task_id).join(Annotation, Annotation.task_id == LabelErrorFlag.task_id)
        .where(LabelErrorFlag.project_id == project_id, *unreviewed)
        .order_by(LabelErrorFlag.score, LabelErrorFlag.task_id).limit(1)
    )
    if flagged is not None:
        return flagged
    return session.scalar(select(Annotation.task_id).where(*unreviewed).order_by(Annotation.task_id).limit(1))


def _return_to_annotator(session: Session, annotation: Annotation, settings: dict, default_lease_seconds: int) -> None:
    """The annotation no longer counts; its author gets the task back as their current lease."""
    lease = ProjectSettings.model_validate(settings).lease_seconds or default_lease_seconds
    annotation.status = "rejected"
    annotation.updated_at = utcnow()
    session.execute(
        update(Task).where(Task.id == annotation.task_id).values(annotation_count=Task.annotation_count - 1)
    )
    session.execute(
        update(Assignment)
        .where(Assignment.task_id == annotation.task_id, Assignment.user_id == annotation.user_id)
        .values(status="leased", expires_at=utcnow() + timedelta(seconds=max(lease, 24 * 3600)))
    )
    routing.on_answer_changed(session, annotation)
