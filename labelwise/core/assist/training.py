"""Train a built-in model on a project's labeled tasks, store it as a model version with its k-fold
accuracy and F1, and pre-label the unlabeled tasks with it.

A task's label is its most recently submitted annotation for the control (one example per task, so
cross-validation never sees the same task on both sides). Long projects should run these from the
job runner; they take a session and commit once, like every service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, undefer

from labelwise.assist.models import cross_validate, load_model, model_for, supports, training_set
from labelwise.core.assist import predictions
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import queue_priority
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Annotation, ModelVersion, Project, Task, User

CV_FOLDS = 5
_PREDICT_BATCH = 1000


@dataclass(frozen=True)
class TrainableControl:
    control: str
    control_type: str
    object_type: str
    field: str
    multiple: bool


def trainable_controls(session: Session, user: User, project_id: int) -> list[TrainableControl]:
    """The project's controls a built-in model can learn, in schema order."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    return _trainable(project_schema(project))


def train(session: Session, user: User, project_id: int, *, control: str | None = None,
          folds: int = CV_FOLDS, seed: int = 0) -> ModelVersion:
    """Fit the built-in model for `control` (default: the first trainable one) on every labeled task,
    cross-validate it, and store it as the control's next model version."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    target = _pick(_trainable(project_schema(project)), control)
    data, labels = training_set(_labeled(session, project_id, target.control), target.control,
                                multiple=target.multiple)
    if len(data) < 2:
        raise Invalid(f"training needs at least two labeled tasks for {target.control!r}; found {len(data)}",
                      field="control")
    model = model_for(target.object_type, target.control_type, field=target.field, multiple=target.multiple)
    try:
        metrics: dict[str, Any] | None = cross_validate(model, data, labels, folds=folds, seed=seed)
    except ValueError:
        metrics = None  # too few labels to hold any out; the model is still useful for suggestions
    try:
        model.fit(data, labels)
    except ValueError as exc:
        raise Invalid(f"cannot train on these labels: {exc}", field="control") from None
    version = (session.scalar(select(func.max(ModelVersion.version)).where(
        ModelVersion.project_id == project_id, ModelVersion.control == target.control)) or 0) + 1
    row = ModelVersion(project_id=project_id, control=target.control, version=version,
                       model_class=type(model).__name__, trained_on=len(data), metrics=metrics,
                       model=model.to_bytes(), created_by=user.id, created_at=utcnow())
    session.add(row)
    session.flush()
    events.record(session, actor=user, action="model.trained", object_type="model_version", object_id=row.id,
                  project_id=project_id, after={"control": target.control, "version": version,
                                                "trained_on": len(data), "metrics": metrics})
    session.commit()
    return row


def list_versions(session: Session, user: User, project_id: int) -> list[ModelVersion]:
    """Every model version of the project, newest first (without the model bytes)."""
    authorize(session, user, project_id, Role.ANNOTATOR)
    return list(session.scalars(select(ModelVersion).where(ModelVersion.project_id == project_id)
                                .order_by(ModelVersion.id.desc())))


def get_version(session: Session, user: User, project_id: int, version_id: int) -> ModelVersion:
    authorize(session, user, project_id, Role.ANNOTATOR)
    row = session.get(ModelVersion, version_id)
    if row is None or row.project_id != project_id:
        raise NotFound("model version not found")
    return row


def prelabel(session: Session, user: User, project_id: int, *, version_id: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> int:
    """Store the model version's predictions (default: the newest version) for every task without a
    submitted annotation. Returns how many were stored. Commits once per batch of 1,000 tasks and then
    calls `progress(done, total)`, which may raise to stop (batches already stored stay)."""
    authorize(session, user, project_id, Role.MANAGER)
    query = select(ModelVersion).options(undefer(ModelVersion.model)).where(ModelVersion.project_id == project_id)
    query = query.where(ModelVersion.id == version_id) if version_id is not None \
        else query.order_by(ModelVersion.id.desc()).limit(1)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound("model version not found" if version_id is not None else "no model version; train one first")
    model = load_model(row.model)
    unlabeled = (select(Task.id, Task.data).where(
        Task.project_id == project_id,
        ~exists().where(Annotation.task_id == Task.id, Annotation.status == "submitted"),
    ).order_by(Task.id))
    total = session.scalar(select(func.count()).select_from(unlabeled.subquery())) or 0
    stored = 0
    after = 0
    while True:
        batch = session.execute(unlabeled.where(Task.id > after).limit(_PREDICT_BATCH)).all()
        if not batch:
            return stored
        items = model.to_predictions([data for _, data in batch], control=row.control)
        for (task_id, _), item in zip(batch, items):
            item["task_id"] = task_id
            item["model_version"] = row.name
        stored += predictions.upload(session, user, project_id, items)
        after = batch[-1][0]
        if progress is not None:
            progress(stored, total)


def reorder_queue(session: Session, project_id: int, version: ModelVersion) -> int:
    """With routing "active_learning", order the unlabeled tasks by what `version` most needs labeled
    next (the next `retrain_every` tasks, or 50, chosen for diversity too). Commits; returns how many
    tasks were ordered (0 for other routings)."""
    project = session.get(Project, project_id)
    settings = ProjectSettings.model_validate(project.settings)
    if settings.routing != "active_learning":
        return 0
    model = load_model(session.scalar(select(ModelVersion.model).where(ModelVersion.id == version.id)))
    count = queue_priority.reorder_active(session, project_id, model, batch_size=settings.retrain_every or 50,
                                          seed=version.id, strategy=settings.al_strategy,
                                          random_share=settings.random_share)
    session.commit()
    return count


def _trainable(schema) -> list[TrainableControl]:
    out = []
    for name, spec in schema.controls.items():
        obj = schema.objects.get(getattr(spec, "object", None) or "")
        multiple = bool(getattr(spec, "multiple", False))
        if obj is not None and supports(obj.type, spec.type, multiple=multiple):
            out.append(TrainableControl(name, spec.type, obj.type, obj.field, multiple))
    return out


def _pick(controls: list[TrainableControl], control: str | None) -> TrainableControl:
    if not controls:
        raise Invalid("no control of this project can be learned by a built-in model "
                      "(text choices, table choices or text spans)", field="control")
    if control is None:
        return controls[0]
    for candidate in controls:
        if candidate.control == control:
            return candidate
    raise Invalid(f"{control!r} is not a control a built-in model can learn; choose one of "
                  f"{[c.control for c in controls]}", field="control")


def _labeled(session: Session, project_id: int, control: str) -> list[tuple[Any, dict]]:
    rows = session.execute(
        select(Annotation.task_id, Task.data, Annotation.result)
        .join(Task, Task.id == Annotation.task_id)
        .where(Annotation.project_id == project_id, Annotation.status == "submitted")
        .order_by(Annotation.updated_at, Annotation.id)
    ).all()
    latest: dict[int, tuple[Any, dict]] = {}
    for task_id, data, result in rows:
        if result and result.get(control) is not None:
            latest[task_id] = (data, result)  # later rows win: the most recent answer to the control
    return list(latest.values())
