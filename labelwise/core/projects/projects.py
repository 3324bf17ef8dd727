"""Projects: create, read, change and delete, with their settings and members."""

import json
import logging
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import queue_priority, versions
from labelwise.core.projects.queue_order import priority_sql
from labelwise.core.projects.schema_check import SchemaConflict, plan_change
from labelwise.errors import Conflict, Forbidden, Invalid, NotFound
from labelwise.quality.method_choice import MethodName
from labelwise.schema import LabelSchema, parse_schema
from labelwise.schema.changes import guidelines_diff
from labelwise.schema.hotkeys import hotkey_conflicts
from labelwise.schema.migration import Migration
from labelwise.store.models import Batch, Member, Project, Task, User

_log = logging.getLogger(__name__)

Routing = Literal["sequential", "random", "active_learning", "uncertainty"]


class ProjectSettings(BaseModel):
    """How a project routes and checks work. Every field has a default; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")

    overlap: int = Field(default=1, ge=1, le=50, description="Annotators per task.")
    routing: Routing = Field(default="sequential", description="Order in which tasks are served.")
    gold_ratio: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of served tasks that are gold.")
    review_policy: Literal["none", "sample", "all"] = Field(default="none")
    review_sample: float = Field(default=0.1, ge=0.0, le=1.0)
    show_predictions: bool = Field(default=True, description="Show model suggestions to annotators.")
    lease_seconds: int | None = Field(default=None, ge=5, le=7 * 24 * 3600)
    skipped_return: Literal["never", "end", "after"] = Field(
        default="never",
        description="Whether a task an annotator skipped comes back to them: never; at the end of their queue "
                    "(once nothing new is left); or after skipped_return_minutes.",
    )
    skipped_return_minutes: int = Field(default=60, ge=1, le=30 * 24 * 60,
                                        description="Minutes after which a skipped task returns (skipped_return: after).")
    max_overlap: int | None = Field(
        default=None, ge=1, le=50,
        description="Dynamic overlap: a task whose consensus confidence stays under confidence_target gets "
                    "more annotators, up to this many. Null means equal to overlap (off).",
    )
    confidence_target: float = Field(default=0.8, ge=0.0, le=1.0,
                                     description="Consensus confidence at which a task needs no more annotators.")
    qualification_gold: int = Field(default=0, ge=0, le=1000,
                                    description="Gold tasks a new annotator answers before real work (0 = off).")
    qualification_accuracy: float = Field(default=0.8, ge=0.0, le=1.0,
                                          description="Gold accuracy needed to pass qualification.")
    min_gold_accuracy: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="Pause an annotator whose gold accuracy falls below this (null = off).",
    )
    min_gold_answers: int = Field(default=5, ge=1, le=10_000,
                                  description="Gold answers needed before min_gold_accuracy applies.")
    aggregation_methods: dict[str, MethodName] = Field(
        default_factory=dict,
        description="Per single-choice control, the aggregation method a refit uses instead of the one the "
                    "evidence picks (mv, wmv, onecoin, ds, glad, mace); a control not listed is chosen by evidence.",
    )
    retrain_every: int | None = Field(
        default=None, ge=1, le=1_000_000,
        description="Train a new built-in model version (then pre-label) each time this many more tasks have a "
                    "submitted answer (null = off).",
    )
    al_strategy: Literal["hybrid", "typical", "margin", "least_confidence", "entropy", "coreset", "kmeans++",
                         "random"] = Field(
        default="hybrid",
        description="Routing active_learning: the sampler that picks the tasks labeled before the next retrain "
                    "(typical: density-weighted margin with batch diversity).")
    random_share: float = Field(default=0.1, ge=0.0, le=0.5,
                                description="Share of queue positions (uncertainty and active_learning routing) "
                                            "given to a random draw, which keeps measured accuracy honest.")
    auto_label_precision: float = Field(default=0.95, ge=0.5, le=0.999,
                                        description="Automated labeling: the precision the confidence threshold "
                                                    "must meet (a one-sided 95 % lower bound on human-labeled "
                                                    "tasks).")
    verification_share: float = Field(default=0.05, ge=0.0, le=1.0,
                                      description="Share of auto-labeled tasks routed to humans first to measure "
                                                  "the precision achieved (at least 1 when any are auto-labeled).")

    @field_validator("max_overlap")
    @classmethod
    def _max_overlap_covers_overlap(cls, value: int | None, info: ValidationInfo) -> int | None:
        overlap = info.data.get("overlap")
        if value is not None and overlap is not None and value < overlap:
            raise ValueError(f"must be at least overlap ({overlap})")
        return value

    @property
    def effective_max_overlap(self) -> int:
        return self.overlap if self.max_overlap is None else self.max_overlap


_SCHEMA_CACHE: dict[tuple[int, object], LabelSchema] = {}
_SCHEMA_CACHE_SIZE = 256


def project_schema(project: Project) -> LabelSchema:
    """The parsed schema of a project, cached per process; any change to the project bumps `updated_at`."""
    key = (project.id, project.updated_at)
    schema = _SCHEMA_CACHE.get(key)
    if schema is None:
        if len(_SCHEMA_CACHE) >= _SCHEMA_CACHE_SIZE:
            _SCHEMA_CACHE.clear()
        schema = _SCHEMA_CACHE[key] = parse_schema(project.label_schema)
    return schema


def parse_settings(raw: dict[str, Any] | None, *, base: dict[str, Any] | None = None) -> ProjectSettings:
    merged = {**(base or {}), **(raw or {})}
    try:
        return ProjectSettings.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise Invalid(f"setting '{where}': {first['msg']}", field=f"settings.{where}") from None


def checked_schema(source: str | dict[str, Any]) -> LabelSchema:
    """A schema as it may be saved: valid, and no hotkey used twice across controls or taken by a page key.

    Stored schemas are parsed without this check, so a project saved before it keeps working.
    """
    schema = parse_schema(source)
    conflicts = hotkey_conflicts(schema.objects, schema.controls)
    if conflicts:
        control, key, message = conflicts[0]
        raise Invalid(f"control '{control}': {message}", field=f"controls.{control}.hotkeys")
    return schema


def create_project(
    session: Session,
    owner: User,
    *,
    name: str,
    label_schema: str | dict[str, Any],
    description: str = "",
    guidelines: str = "",
    settings: dict[str, Any] | None = None,
) -> Project:
    if owner.is_external:
        raise Forbidden("a crowd worker's session cannot create projects")
    name = _clean_name(name)
    schema = checked_schema(label_schema)
    parsed = parse_settings(settings)
    now = utcnow()
    project = Project(
        name=name,
        description=description,
        guidelines=guidelines,
        label_schema=schema.to_dict(),
        settings=parsed.model_dump(),
        created_by=owner.id,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    session.flush()
    session.add(Member(project_id=project.id, user_id=owner.id, role=Role.MANAGER.label, created_at=now))
    versions.record_initial(session, project, owner)
    events.record(session, actor=owner, action="project.created", object_type="project", object_id=project.id,
                  project_id=project.id, after=_snapshot(project))
    session.commit()
    return project


def list_projects(session: Session, user: User) -> list[Project]:
    stmt = select(Project).order_by(Project.id)
    if not user.is_admin:
        stmt = stmt.join(Member, Member.project_id == Project.id).where(Member.user_id == user.id)
    return list(session.scalars(stmt))


def update_project(session: Session, user: User, project_id: int, changes: dict[str, Any]) -> Project:
    """Apply a partial update. Overlap and routing changes re-derive the queue columns of every task.

    A changed schema or guidelines text adds a version. A schema change that would leave stored results
    invalid is refused (`SchemaConflict`); one with a migration goes through `core.iteration.schema_change`.
    """
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    before = _snapshot(project)
    unknown = set(changes) - {"name", "description", "guidelines", "label_schema", "settings"}
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    old_settings = ProjectSettings.model_validate(project.settings)
    if "name" in changes:
        project.name = _clean_name(changes["name"])
    for key in ("description", "guidelines"):
        if key in changes:
            if not isinstance(changes[key], str):
                raise Invalid(f"'{key}' must be a string", field=key)
            if key == "guidelines" and changes[key] != project.guidelines:
                diff = guidelines_diff(project.guidelines, changes[key])
                project.guidelines = changes[key]
                versions.record_guidelines(session, project, user, diff)
            setattr(project, key, changes[key])
    if "label_schema" in changes:
        new_schema = checked_schema(changes["label_schema"])
        plan = plan_change(session, project.id, project_schema(project), new_schema, Migration())
        if not plan.allowed:
            raise SchemaConflict(plan)
        if new_schema.to_dict() != project.label_schema:
            project.label_schema = new_schema.to_dict()
            versions.record_schema(session, project, user, list(plan.diff.lines) or ["~ order of objects changed"])
    if "settings" in changes:
        if not isinstance(changes["settings"], dict):
            raise Invalid("'settings' must be an object", field="settings")
        new_settings = parse_settings(changes["settings"], base=project.settings)
        project.settings = new_settings.model_dump()
        _requeue(session, project, old_settings, new_settings)
    project.updated_at = utcnow()
    events.record(session, actor=user, action="project.updated", object_type="project", object_id=project.id,
                  project_id=project.id, before=before, after=_snapshot(project))
    session.commit()
    return project


def delete_project(session: Session, user: User, project_id: int, *, storage=None) -> None:
    """Delete the project and everything in it; with `storage`, its media blobs too, once the delete is
    committed (blobs are content-addressed per project, so no other project refers to them)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    keys = _media_keys(session, project_id) if storage is not None else set()
    events.record(session, actor=user, action="project.deleted", object_type="project", object_id=project.id,
                  before=_snapshot(project))
    session.delete(project)
    session.commit()
    for key in sorted(keys):
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - the project is gone either way; an orphan blob only costs space
            _log.warning("could not delete media blob %s of deleted project %s", key, project_id, exc_info=True)


def _media_keys(session: Session, project_id: int) -> set[str]:
    """Keys of this project's stored media referenced by its tasks (`/api/v1/media/<project>/<sha256>.<ext>`)."""
    pattern = re.compile(rf"/api/v1/media/({project_id}/[0-9a-f]{{64}}\.[A-Za-z0-9]{{1,8}})")
    keys: set[str] = set()
    stmt = select(Task.data).where(Task.project_id == project_id).execution_options(yield_per=2000)
    for data in session.scalars(stmt):
        keys.update(pattern.findall(json.dumps(data)))
    return keys


def list_members(session: Session, user: User, project_id: int) -> list[tuple[Member, User]]:
    authorize(session, user, project_id, Role.ANNOTATOR)
    stmt = (
        select(Member, User)
        .join(User, User.id == Member.user_id)
        .where(Member.project_id == project_id)
        .order_by(User.username)
    )
    return [(m, u) for m, u in session.execute(stmt)]


def set_member(session: Session, user: User, project_id: int, *, member: User, role: str) -> Member:
    """Add a member, or change the role of an existing one."""
    authorize(session, user, project_id, Role.MANAGER)
    parsed = Role.parse(role)
    row = session.get(Member, (project_id, member.id))
    before = {"role": row.role} if row else None
    if row is None:
        # With qualification on, a new annotator answers gold tasks first (see core/review/gold.py).
        qualifying = parsed == Role.ANNOTATOR and ProjectSettings.model_validate(
            session.get(Project, project_id).settings).qualification_gold > 0
        row = Member(project_id=project_id, user_id=member.id, role=parsed.label, created_at=utcnow(),
                     status="qualifying" if qualifying else "active")
        session.add(row)
    else:
        if row.role == Role.MANAGER.label and parsed != Role.MANAGER:
            _keep_a_manager(session, project_id, member.id, "demote")
        row.role = parsed.label
        row.granted_by = None  # set by hand now: single sign-on no longer changes or removes it
    events.record(session, actor=user, action="member.set", object_type="member", object_id=member.id,
                  project_id=project_id, before=before, after={"user": member.username, "role": parsed.label})
    session.commit()
    return row


def remove_member(session: Session, user: User, project_id: int, member_id: int) -> None:
    authorize(session, user, project_id, Role.MANAGER)
    row = session.get(Member, (project_id, member_id))
    if row is None:
        raise NotFound(f"user {member_id} is not a member of project {project_id}")
    if row.role == Role.MANAGER.label:
        _keep_a_manager(session, project_id, member_id, "remove")
    events.record(session, actor=user, action="member.removed", object_type="member", object_id=member_id,
                  project_id=project_id, before={"role": row.role})
    session.delete(row)
    session.commit()


def _keep_a_manager(session: Session, project_id: int, member_id: int, action: str) -> None:
    """Refuse (409) to demote or remove the project's last manager; the rows stay locked until commit on
    PostgreSQL, so two managers demoting each other at once cannot both succeed."""
    managers = session.scalars(
        select(Member.user_id).where(Member.project_id == project_id, Member.role == Role.MANAGER.label)
        .with_for_update()
    ).all()
    if set(managers) <= {member_id}:
        raise Conflict(f"cannot {action} the last manager of project {project_id}: a project needs at least one "
                       "manager; make someone else a manager first", field="role" if action == "demote" else "user_id")


def _requeue(session: Session, project: Project, old: ProjectSettings, new: ProjectSettings) -> None:
    project_id = project.id
    if new.overlap != old.overlap:
        delta = new.overlap - old.overlap
        remaining = func.max if session.get_bind().dialect.name == "sqlite" else func.greatest
        session.execute(
            update(Task)
            .where(Task.project_id == project_id,  # a batch with its own overlap keeps it
                   ~exists().where(Batch.id == Task.batch_id, Batch.overlap.is_not(None)))
            .values(remaining=remaining(Task.remaining + delta, 0))
        )
    if new.routing != old.routing:
        session.execute(
            update(Task).where(Task.project_id == project_id).values(priority=priority_sql(new.routing, Task.id))
        )
        if new.routing == "uncertainty":
            queue_priority.rescore(session, project_id, random_share=new.random_share)
    elif new.routing == "uncertainty" and new.random_share != old.random_share:
        queue_priority.rescore(session, project_id, random_share=new.random_share)
    if new.routing == "active_learning" and (new.routing, new.al_strategy) != (old.routing, old.al_strategy):
        # before the first model, a strategy with a cold start orders the queue by itself
        queue_priority.reorder_cold(session, project_id, project_schema(project), batch_size=new.retrain_every or 50,
                                    strategy=new.al_strategy, random_share=new.random_share)


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise Invalid("project name must be a non-empty string", field="name")
    if len(name) > 200:
        raise Invalid("project name must be at most 200 characters", field="name")
    return name.strip()


def _snapshot(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "label_schema": project.label_schema,
        "settings": project.settings,
    }
