"""Re-annotation: send the answers made under an older schema or guidelines version (or chosen by task,
annotator or version) back to the queue, for relabeling by their authors or for a new review.

Nothing is lost: relabeling adds a revision (the earlier answer stays in the annotation's history), and
a new review adds a `reopened` review after the earlier verdicts.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.iteration.send_back import send_back
from labelwise.core.platform import events
from labelwise.core.platform.clock import utcnow
from labelwise.core.review.consensus import recompute_tasks
from labelwise.core.review.reviews import REOPENED
from labelwise.errors import Invalid
from labelwise.store.models import Annotation, Review, User

MODES = ("relabel", "review")
MAX_TASK_IDS = 10_000


@dataclass(frozen=True)
class Selection:
    """Which submitted answers go back; every given field narrows it, and at least one is needed."""

    schema_version: int | None = None
    before_schema_version: int | None = None  # answers made under an older version than this
    guidelines_version: int | None = None
    before_guidelines_version: int | None = None
    task_ids: tuple[int, ...] | None = None
    annotator_id: int | None = None

    def conditions(self) -> list:
        found = []
        if self.schema_version is not None:
            found.append(Annotation.schema_version == self.schema_version)
        if self.before_schema_version is not None:
            found.append(Annotation.schema_version < self.before_schema_version)
        if self.guidelines_version is not None:
            found.append(Annotation.guidelines_version == self.guidelines_version)
        if self.before_guidelines_version is not None:
            found.append(Annotation.guidelines_version < self.before_guidelines_version)
        if self.task_ids is not None:
            found.append(Annotation.task_id.in_(self.task_ids))
        if self.annotator_id is not None:
            found.append(Annotation.user_id == self.annotator_id)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Outcome:
    mode: str
    annotations: int
    tasks: int
    applied: bool


def selection(*, schema_version: int | None = None, before_schema_version: int | None = None,
              guidelines_version: int | None = None, before_guidelines_version: int | None = None,
              task_ids: list[int] | None = None, annotator_id: int | None = None) -> Selection:
    """A checked selection from plain values (request fields, CLI options)."""
    for name, value in (("schema_version", schema_version), ("before_schema_version", before_schema_version),
                        ("guidelines_version", guidelines_version),
                        ("before_guidelines_version", before_guidelines_version)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise Invalid(f"'{name}' must be a version number (1 or more)", field=name)
    if task_ids is not None:
        if not isinstance(task_ids, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in task_ids):
            raise Invalid("'task_ids' must be a list of task ids", field="task_ids")
        if len(task_ids) > MAX_TASK_IDS:
            raise Invalid(f"at most {MAX_TASK_IDS} task ids at once", field="task_ids")
    chosen = Selection(schema_version, before_schema_version, guidelines_version, before_guidelines_version,
                       tuple(task_ids) if task_ids is not None else None, annotator_id)
    if not chosen.conditions():
        raise Invalid("say which answers go back: a version (schema_version, before_schema_version, "
                      "guidelines_version, before_guidelines_version), task_ids or an annotator", field="selection")
    return chosen


def annotator_id(session: Session, annotator: str | None) -> int | None:
    """The id of an annotator named by username (or id); a 422 naming `annotator` when unknown."""
    if not annotator:
        return None
    stmt = select(User.id).where(User.username == annotator)
    if annotator.isdigit():
        stmt = select(User.id).where((User.username == annotator) | (User.id == int(annotator)))
    found = session.scalar(stmt)
    if found is None:
        raise Invalid(f"no user named '{annotator}'", field="annotator")
    return found


def reannotate(session: Session, user: User, project_id: int, chosen: Selection, *, mode: str = "relabel",
               comment: str = "", dry_run: bool = False) -> Outcome:
    """Send the chosen submitted answers back (`relabel`: to their authors; `review`: to the review queue)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if mode not in MODES:
        raise Invalid(f"mode must be relabel or review, not '{mode}'", field="mode")
    rows = list(session.scalars(
        select(Annotation).where(Annotation.project_id == project_id, Annotation.status == "submitted",
                                 *chosen.conditions()).order_by(Annotation.id)))
    tasks = sorted({a.task_id for a in rows})
    if dry_run or not rows:
        return Outcome(mode, len(rows), len(tasks), False)
    now = utcnow()
    reason = (comment or "").strip() or "sent back for a new review after a schema or guidelines change"
    for annotation in rows:
        if mode == "relabel":
            send_back(session, annotation, project, user)
        else:
            session.add(Review(annotation_id=annotation.id, reviewer_id=user.id, verdict=REOPENED, comment=reason,
                               created_at=now, schema_version=project.schema_version,
                               guidelines_version=project.guidelines_version))
    session.flush()
    if mode == "relabel":
        recompute_tasks(session, project, tasks)
    events.record(session, actor=user, action="project.reannotated", object_type="project", object_id=project_id,
                  project_id=project_id, after={"mode": mode, "selection": chosen.to_dict(), "annotations": len(rows),
                                                "tasks": len(tasks), "comment": comment or None})
    session.commit()
    return Outcome(mode, len(rows), len(tasks), True)
