"""Reading tasks: filtered, sorted, keyset-paginated listings and one task with what the caller may see.

Annotators are blind: they see only tasks routed to them and only their own annotations, and never
gold answers. Reviewers and managers see everything in the project.
"""

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import Forbidden, Invalid, NotFound
from labelwise.store import search
from labelwise.store.models import (
    Annotation,
    Assignment,
    AutoLabel,
    DuplicateMember,
    GoldAnswer,
    LabelErrorFlag,
    LabelingFunction,
    LabelingFunctionVote,
    Prediction,
    Review,
    Task,
    User,
)

Status = Literal["unlabeled", "labeled", "complete", "incomplete", "skipped"]
SORTS = {"id": Task.id, "annotations": Task.annotation_count, "confidence": Task.confidence}
MAX_PAGE = 1000


@dataclass
class TaskFilter:
    status: Status | None = None
    external_id: str | None = None
    search: str | None = None
    annotator_id: int | None = None
    has_predictions: bool | None = None
    is_gold: bool | None = None
    duplicates: bool | None = None  # the task is in a stored duplicate cluster (a scan or a flagging import)
    duplicate_cluster: int | None = None  # the task is a member of this cluster
    label_error: bool | None = None  # the last label-error detection flagged the task (reviewers and managers)
    auto_labeled: bool | None = None  # the last auto-label run labeled the task (reviewers and managers)
    lf_conflict: int | None = None  # at least this many labeling-function votes disagree with the task's top label
    batch_id: int | None = None  # the task is in this batch
    schema_version: int | None = None  # the task has a submitted answer made under this label schema version
    guidelines_version: int | None = None  # ... under this guidelines version


@dataclass
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None


# A draft imported from Label Studio (work its author saved but did not submit) is kept as a prediction named
# `draft:<username>`: shown to that person only (and to reviewers), first, and the labeling page opens with it.
DRAFT = "draft:"


def draft_version(username: str) -> str:
    return f"{DRAFT}{username}"[:200]


def visible_predictions(session: Session, user: User, task_id: int, role: Role, shown: bool) -> list[Prediction]:
    """The predictions of a task `user` may see, newest first, their own draft before all: every one for
    reviewers and up; for annotators those of models when `shown` (the project shows predictions) and their
    own draft always, never someone else's."""
    own_draft = draft_version(user.username)
    if role >= Role.REVIEWER or shown:
        predictions = list(
            session.scalars(select(Prediction).where(Prediction.task_id == task_id).order_by(Prediction.id.desc())))
        if role < Role.REVIEWER:
            predictions = [p for p in predictions if not p.model_version.startswith(DRAFT) or p.model_version == own_draft]
    else:
        predictions = list(session.scalars(select(Prediction).where(
            Prediction.task_id == task_id, Prediction.model_version == own_draft).order_by(Prediction.id.desc())))
    predictions.sort(key=lambda p: p.model_version != own_draft)
    return predictions


@dataclass
class TaskView:
    task: Task
    role: Role
    annotations: list[Annotation]
    predictions: list[Prediction]
    gold: GoldAnswer | None
    usernames: dict[int, str] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    auto_label: AutoLabel | None = None
    own_draft: str = ""  # the model version of the viewer's own draft, if they have one


def list_tasks(
    session: Session,
    user: User,
    project_id: int,
    *,
    filters: TaskFilter | None = None,
    sort: str = "id",
    after: str | None = None,
    limit: int = 100,
) -> TaskPage:
    project, role = authorize(session, user, project_id, Role.ANNOTATOR)
    filters = filters or TaskFilter()
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    descending = sort.startswith("-")
    key_name = sort.lstrip("-")
    if key_name not in SORTS:
        raise Invalid(f"unknown sort '{sort}'; expected one of {', '.join(SORTS)} (prefix - to reverse)", field="sort")
    key = SORTS[key_name]
    stmt = select(Task).where(Task.project_id == project_id)
    if role == Role.ANNOTATOR and filters.status == "skipped":
        stmt = stmt.where(exists().where(Annotation.task_id == Task.id, Annotation.user_id == user.id,
                                         Annotation.status == "skipped"))
    elif role == Role.ANNOTATOR:
        stmt = stmt.where(
            exists().where(Assignment.task_id == Task.id, Assignment.user_id == user.id, Assignment.status != "skipped")
        )
    # In id order on SQLite, the FTS table drives: walked in rowid order, the page stops early.
    driven = bool(filters.search) and key_name == "id" and search.ordered(session)
    stmt = _apply_filters(session, stmt, filters, ProjectSettings.model_validate(project.settings), role,
                          project_id=project_id, search_joined=driven)
    if driven:
        stmt = stmt.join(search.FTS, search.FTS.c.rowid == Task.id).where(search.fts_match(project_id, filters.search))
        key = search.FTS.c.rowid
    # Keyset pagination over (sort key, id); NULL keys sort as the lowest value.
    sort_value = func.coalesce(key, -1.0) if key_name == "confidence" else key
    if after:
        last_value, last_id = _decode_cursor(after, key_name)
        if key_name == "id":
            stmt = stmt.where(key < last_id if descending else key > last_id)
        elif descending:
            stmt = stmt.where((sort_value < last_value) | ((sort_value == last_value) & (Task.id < last_id)))
        else:
            stmt = stmt.where((sort_value > last_value) | ((sort_value == last_value) & (Task.id > last_id)))
    order = [sort_value.desc(), Task.id.desc()] if descending else [sort_value.asc(), Task.id.asc()]
    if key_name == "id":
        order = [key.desc()] if descending else [key.asc()]
    tasks = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    next_cursor = None
    if len(tasks) > limit:
        tasks = tasks[:limit]
        last = tasks[-1]
        value = last.id if key_name == "id" else getattr(last, key.key)
        next_cursor = _encode_cursor(-1.0 if value is None and key_name == "confidence" else value, last.id)
    return TaskPage(tasks, next_cursor)


def count_tasks(session: Session, user: User, project_id: int, *, filters: TaskFilter | None = None) -> int:
    project, role = authorize(session, user, project_id, Role.REVIEWER)
    stmt = select(func.count()).select_from(Task).where(Task.project_id == project_id)
    stmt = _apply_filters(session, stmt, filters or TaskFilter(), ProjectSettings.model_validate(project.settings), role,
                          project_id=project_id)
    return session.scalar(stmt) or 0


def get_task(session: Session, user: User, task_id: int) -> TaskView:
    task = session.get(Task, task_id)
    project, role = authorize_row(session, user, task, f"task {task_id}", Role.ANNOTATOR)
    if role == Role.ANNOTATOR:
        assigned = session.scalar(
            select(Assignment.id).where(Assignment.task_id == task_id, Assignment.user_id == user.id)
        )
        if assigned is None:
            raise NotFound(f"task {task_id} not found")
    return describe_task(session, user, task, ProjectSettings.model_validate(project.settings), role)


def describe_task(
    session: Session, user: User, task: Task, settings: ProjectSettings, role: Role, *, unanswered: bool = False
) -> TaskView:
    """What `user`, already authorised with `role`, may see of `task`. `unanswered`: the caller is known to
    hold no annotation of it (a task just claimed from the queue), which an annotator's view needs no query for."""
    annotations: list[Annotation] = []
    if not (unanswered and role == Role.ANNOTATOR):
        annotations_stmt = select(Annotation).where(Annotation.task_id == task.id).order_by(Annotation.id)
        if role == Role.ANNOTATOR:
            annotations_stmt = annotations_stmt.where(Annotation.user_id == user.id)
        annotations = list(session.scalars(annotations_stmt))
    own_draft = draft_version(user.username)
    predictions = visible_predictions(session, user, task.id, role, settings.show_predictions)
    gold = session.get(GoldAnswer, task.id) if role >= Role.REVIEWER else None
    names: dict[int, str] = {}
    reviews: dict[int, Review] = {}
    if annotations:
        user_ids = {a.user_id for a in annotations}
        names = {uid: name for uid, name in session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))}
        stmt = select(Review).where(Review.annotation_id.in_([a.id for a in annotations])).order_by(Review.id)
        reviews = {row.annotation_id: row for row in session.scalars(stmt)}
    return TaskView(task, role, annotations, predictions, gold, names, reviews, session.get(AutoLabel, task.id),
                    own_draft)


def matching_ids(session: Session, user: User, project_id: int, filters: TaskFilter):
    """A SELECT of the ids of the project's tasks that pass `filters`, as a reviewer or manager sees them."""
    project, role = authorize(session, user, project_id, Role.REVIEWER)
    stmt = select(Task.id).where(Task.project_id == project_id)
    return _apply_filters(session, stmt, filters, ProjectSettings.model_validate(project.settings), role,
                          project_id=project_id)


def _apply_filters(session: Session, stmt, filters: TaskFilter, settings: ProjectSettings, role: Role, *,
                   project_id: int, search_joined: bool = False):
    if filters.status == "unlabeled":
        stmt = stmt.where(Task.annotation_count == 0)
    elif filters.status == "labeled":
        stmt = stmt.where(Task.annotation_count > 0)
    elif filters.status == "complete":
        stmt = stmt.where(Task.annotation_count >= settings.overlap)
    elif filters.status == "incomplete":
        stmt = stmt.where(Task.annotation_count < settings.overlap)
    elif filters.status == "skipped":  # someone skipped it and has not answered it since
        stmt = stmt.where(exists().where(Annotation.task_id == Task.id, Annotation.status == "skipped"))
    elif filters.status is not None:
        raise Invalid(f"unknown status '{filters.status}'", field="status")
    if filters.external_id is not None:
        stmt = stmt.where(Task.external_id == filters.external_id)
    if filters.batch_id is not None:
        stmt = stmt.where(Task.batch_id == filters.batch_id)
    if filters.search:
        clause = _search_clause(session, project_id, filters.search)
        if not search_joined:  # else the caller joins the FTS table
            stmt = stmt.where(clause)
    if filters.annotator_id is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by annotator", field="annotator")
        stmt = stmt.where(
            exists().where(Annotation.task_id == Task.id, Annotation.user_id == filters.annotator_id)
        )
    if filters.has_predictions is not None:
        if role < Role.REVIEWER and not settings.show_predictions:  # the filter would reveal them
            raise Forbidden("predictions are hidden from annotators in this project; has_predictions is not "
                            "available", field="has_predictions")
        clause = exists().where(Prediction.task_id == Task.id)
        stmt = stmt.where(clause if filters.has_predictions else ~clause)
    if filters.is_gold is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by gold", field="gold")
        clause = exists().where(GoldAnswer.task_id == Task.id)
        stmt = stmt.where(clause if filters.is_gold else ~clause)
    if filters.duplicates is not None:
        clause = exists().where(DuplicateMember.project_id == Task.project_id, DuplicateMember.task_id == Task.id)
        stmt = stmt.where(clause if filters.duplicates else ~clause)
    if filters.duplicate_cluster is not None:
        stmt = stmt.where(exists().where(DuplicateMember.cluster_id == filters.duplicate_cluster,
                                         DuplicateMember.task_id == Task.id))
    if filters.label_error is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by label errors", field="label_error")
        clause = exists().where(LabelErrorFlag.task_id == Task.id)
        stmt = stmt.where(clause if filters.label_error else ~clause)
    if filters.auto_labeled is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by auto-labels", field="auto_labeled")
        clause = exists().where(AutoLabel.task_id == Task.id)
        stmt = stmt.where(clause if filters.auto_labeled else ~clause)
    if filters.lf_conflict is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by labeling-function conflicts", field="lf_conflict")
        if filters.lf_conflict < 1:
            raise Invalid("lf_conflict must be at least 1", field="lf_conflict")
        stmt = stmt.where(Task.id.in_(_lf_conflicts(project_id, filters.lf_conflict)))
    if filters.schema_version is not None or filters.guidelines_version is not None:
        if role < Role.REVIEWER:
            raise Invalid("only reviewers and managers can filter by version", field="schema_version")
        clause = [Annotation.task_id == Task.id, Annotation.status == "submitted"]
        if filters.schema_version is not None:
            clause.append(Annotation.schema_version == filters.schema_version)
        if filters.guidelines_version is not None:
            clause.append(Annotation.guidelines_version == filters.guidelines_version)
        stmt = stmt.where(exists().where(*clause))
    return stmt


def _lf_conflicts(project_id: int, min_votes: int):
    """Ids of tasks where, for some control, at least `min_votes` current labeling-function votes are not
    for the label most of them vote (the analysis' "minority votes"); stale votes do not count."""
    per_label = (select(LabelingFunctionVote.task_id, LabelingFunction.control, LabelingFunctionVote.label,
                        func.count().label("n"))
                 .join(LabelingFunction, LabelingFunction.id == LabelingFunctionVote.function_id)
                 .where(LabelingFunction.project_id == project_id,
                        LabelingFunction.votes_hash == LabelingFunction.definition_hash)
                 .group_by(LabelingFunctionVote.task_id, LabelingFunction.control, LabelingFunctionVote.label)
                 .subquery())
    return (select(per_label.c.task_id).group_by(per_label.c.task_id, per_label.c.control)
            .having(func.sum(per_label.c.n) - func.max(per_label.c.n) >= min_votes))


def _search_clause(session: Session, project_id: int, query: str):
    if len(query) > 200:
        raise Invalid("search text must be at most 200 characters", field="q")
    if not search.words(query):
        raise Invalid("search for at least one word of letters or digits", field="q")
    return search.matches(session, project_id, query)


def _encode_cursor(value: Any, task_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, task_id]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, key_name: str) -> tuple[Any, int]:
    """The (sort value, task id) of a cursor, checked against the sort: cursors arrive from clients."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, task_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not _is_int(task_id):
            raise ValueError
        if key_name in ("id", "annotations") and not _is_int(value):
            raise ValueError
        if key_name == "confidence" and not (_is_int(value) or (isinstance(value, float) and math.isfinite(value))):
            raise ValueError
        return value, task_id
    except (ValueError, TypeError):
        raise Invalid("the 'after' cursor is not one this server gave out", field="after") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def auto_labels_for(session: Session, task_ids: list[int]) -> dict[int, AutoLabel]:
    """The stored auto-labels of these tasks, by task id."""
    if not task_ids:
        return {}
    return {row.task_id: row for row in session.scalars(select(AutoLabel).where(AutoLabel.task_id.in_(task_ids)))}
