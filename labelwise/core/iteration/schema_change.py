"""Changing a project's label schema with a migration of its stored results.

`preview` reports what a change (with or without a migration) would do; `apply_change` does it: a
snapshot first, then in one transaction the new schema version, every stored answer, prediction and
gold answer rewritten, answers of a split label sent back for relabeling, consensus recomputed, and
one audit event. A change that would still leave results invalid is refused with the report (409).
"""

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwise.core.dataio.snapshots import create_snapshot
from labelwise.core.iteration.send_back import send_back
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import projects, versions
from labelwise.core.projects.projects import ProjectSettings
from labelwise.core.projects.schema_check import ChangePlan, SchemaConflict, by_kind, plan_change
from labelwise.core.review.consensus import recompute_tasks
from labelwise.errors import Invalid
from labelwise.schema.migration import parse_migration
from labelwise.store.models import Annotation, GoldAnswer, Prediction, Project, Task, User

BATCH = 1000


def update_project(session: Session, user: User, project_id: int, changes: dict[str, Any]) -> Project:
    """`projects.update_project`, where a `migration` in the changes applies the new `label_schema` with it."""
    if "migration" not in changes:
        return projects.update_project(session, user, project_id, changes)
    rest = dict(changes)
    migration = rest.pop("migration")
    if "label_schema" not in rest:
        raise Invalid("a 'migration' comes with the new 'label_schema' it migrates to", field="migration")
    apply_change(session, user, project_id, rest.pop("label_schema"), migration)
    if rest:
        return projects.update_project(session, user, project_id, rest)
    return session.get(Project, project_id)


def preview(session: Session, user: User, project_id: int, label_schema: Any, migration: Any = None) -> ChangePlan:
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    old, new = projects.project_schema(project), projects.checked_schema(label_schema)
    return plan_change(session, project_id, old, new, parse_migration(migration, old, new))


def apply_change(session: Session, user: User, project_id: int, label_schema: Any, migration: Any) -> ChangePlan:
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    old, new = projects.project_schema(project), projects.checked_schema(label_schema)
    steps = parse_migration(migration, old, new)
    plan = plan_change(session, project_id, old, new, steps)
    if not plan.allowed:
        raise SchemaConflict(plan)
    number = project.schema_version + 1
    snapshot = create_snapshot(session, user, project_id, name=f"before schema version {number} "
                                                               f"({utcnow():%Y-%m-%d %H:%M:%S})")
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    # planned again after the snapshot, so that answers given while it was taken are migrated too
    plan = plan_change(session, project_id, old, new, steps, collect=True)
    if not plan.allowed:
        session.rollback()
        raise SchemaConflict(plan)
    before = project.label_schema
    project.label_schema = new.to_dict()
    project.updated_at = utcnow()  # also what re-parses the cached schema for the consensus below
    report = plan.to_dict()
    versions.record_schema(session, project, user, list(plan.diff.lines) or ["~ labels migrated"],
                           migration={"steps": steps.to_list(), "snapshot_id": snapshot.id,
                                      "rewritten": plan.rewritten, "relabel": plan.relabel})
    touched = _rewrite(session, project, user, plan)
    recompute_tasks(session, project, sorted(touched))
    _migrate_adjudicated(session, project, old, steps)
    events.record(session, actor=user, action="project.schema_migrated", object_type="project", object_id=project_id,
                  project_id=project_id, before={"label_schema": before, "schema_version": number - 1},
                  after={"label_schema": project.label_schema, "schema_version": number, "migration": steps.to_list(),
                         "snapshot_id": snapshot.id, "rewritten": report["rewritten"], "relabel": report["relabel"]})
    session.commit()
    return plan


def _rewrite(session: Session, project: Project, user: User, plan: ChangePlan) -> set[int]:
    """Write the migrated results; returns the tasks whose answers or gold changed."""
    grouped = by_kind(plan.rewrites)
    touched: set[int] = set()
    relabel = [r for r in grouped.get("annotations", []) if r.relabel]
    plain = [r for r in grouped.get("annotations", []) if not r.relabel]
    for start in range(0, len(plain), BATCH):
        session.execute(update(Annotation), [{"id": r.row_id, "result": r.result} for r in plain[start:start + BATCH]])
    predictions = grouped.get("predictions", [])
    for start in range(0, len(predictions), BATCH):
        session.execute(update(Prediction), [{"id": r.row_id, "result": r.result}
                                             for r in predictions[start:start + BATCH]])
    overlap = ProjectSettings.model_validate(project.settings).overlap
    for rewrite in grouped.get("gold", []):
        gold = session.get(GoldAnswer, rewrite.row_id)
        if rewrite.result:
            gold.result = rewrite.result
            continue
        # a split took its only answer out: the task is an ordinary one again and rejoins the queue
        session.delete(gold)
        submitted = session.scalar(select(func.count()).select_from(Annotation).where(
            Annotation.task_id == rewrite.task_id, Annotation.status == "submitted")) or 0
        session.execute(update(Task).where(Task.id == rewrite.task_id)
                        .values(remaining=max(overlap - submitted, 0)))
    for rewrite in relabel:
        annotation = session.get(Annotation, rewrite.row_id)
        if annotation.status == "submitted":
            send_back(session, annotation, project, user, result=rewrite.result)
        else:
            annotation.result = rewrite.result
    touched.update(r.task_id for r in plain + relabel + grouped.get("gold", []))
    session.flush()
    return touched


def _migrate_adjudicated(session: Session, project: Project, old, steps) -> None:
    """An adjudicated task's final label is not recomputed from its answers, so it is migrated itself."""
    if not steps:
        return
    for task in session.scalars(select(Task).where(Task.project_id == project.id, Task.adjudicated_at.is_not(None))):
        applied = steps.apply(old, task.consensus)
        if applied.changed:
            task.consensus = applied.result
