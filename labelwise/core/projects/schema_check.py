"""What a new label schema would do to a project's stored answers, predictions and gold answers.

`plan_change` runs the (optional) migration over every stored result whose controls the change puts at
risk or the migration touches, checks what comes out against the new schema, and counts per control
and per label what would still be invalid (`broken`: the change is refused while this is not empty),
what the migration rewrites, and which answers go back for relabeling. Nothing is written here.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.errors import Conflict
from labelwise.schema import LabelSchema
from labelwise.schema.changes import SchemaDiff, control_labels, diff_schemas
from labelwise.schema.migration import Migration, broken_controls, used_labels
from labelwise.store.models import Annotation, GoldAnswer, Prediction, Task

BATCH = 1000
KINDS = ("annotations", "predictions", "gold")
EXAMPLES = 10


@dataclass
class ControlImpact:
    """Stored results of one control the new schema refuses, by kind and by label."""

    control: str
    reason: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    tasks: list[int] = field(default_factory=list)  # a few tasks behind it, to look at

    def to_dict(self) -> dict[str, Any]:
        return {"control": self.control, "reason": self.reason, **self.counts, "labels": self.labels,
                "example_tasks": self.tasks}


@dataclass
class Rewrite:
    kind: str  # annotations, predictions or gold
    row_id: int
    task_id: int
    result: dict[str, Any]
    relabel: tuple[str, ...]


@dataclass
class ChangePlan:
    diff: SchemaDiff
    migration: Migration
    broken: list[ControlImpact]
    rewritten: dict[str, int]
    relabel: dict[str, int]  # annotations taken back for relabeling, and their tasks
    rewrites: list[Rewrite] = field(default_factory=list, repr=False)

    @property
    def allowed(self) -> bool:
        return not self.broken

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": self.diff.changed,
            "allowed": self.allowed,
            "diff": list(self.diff.lines),
            "migration": self.migration.to_list(),
            "broken": [impact.to_dict() for impact in self.broken],
            "rewritten": self.rewritten,
            "relabel": self.relabel,
        }


class SchemaConflict(Conflict):
    """The new schema would leave stored results invalid: HTTP 409 with the report of what breaks."""

    def __init__(self, plan: ChangePlan) -> None:
        parts = [f"'{i.control}' ({', '.join(f'{i.counts[k]} {k}' for k in KINDS if i.counts[k])})"
                 for i in plan.broken]
        super().__init__(
            "this schema change would leave stored results invalid: " + "; ".join(parts)
            + ". Send a 'migration' (rename, merge or split labels, map values, drop or rename a control) with the "
              "change, or preview one at /schema/preview", field="label_schema")
        self.plan = plan

    def to_dict(self) -> dict:
        return {**super().to_dict(), "report": self.plan.to_dict()}


def plan_change(session: Session, project_id: int, old: LabelSchema, new: LabelSchema, migration: Migration, *,
                collect: bool = False) -> ChangePlan:
    """The report of a change; with `collect`, also every rewritten result (to apply it)."""
    diff = diff_schemas(old, new)
    watched = set(diff.at_risk) | migration.controls
    renamed = {s.control: s.to for s in migration.steps if s.op == "rename_control"}
    broken: dict[str, ControlImpact] = {}
    rewritten = dict.fromkeys(KINDS, 0)
    relabel_rows, relabel_tasks = 0, set()
    rewrites: list[Rewrite] = []
    if watched:
        for kind, row_id, task_id, data, result in _stored(session, project_id):
            if not result or not watched.intersection(result):
                continue
            applied = migration.apply(old, result)
            if applied.changed:
                rewritten[kind] += 1
                if collect:
                    rewrites.append(Rewrite(kind, row_id, task_id, applied.result, applied.relabel))
            if applied.relabel and kind == "annotations":
                relabel_rows += 1
                relabel_tasks.add(task_id)
            checked = {renamed.get(name, name) for name in watched}
            for name, reason in broken_controls(new, data, applied.result, checked).items():
                impact = broken.setdefault(name, ControlImpact(name, _reason(diff, name, reason)))
                impact.counts[kind] += 1
                if len(impact.tasks) < EXAMPLES and task_id not in impact.tasks:
                    impact.tasks.append(task_id)
                spec = new.controls.get(name) or old.controls.get(name)
                allowed = set(control_labels(new.controls[name])) if name in new.controls else set()
                for label in used_labels(spec, applied.result[name]) - allowed:
                    impact.labels.setdefault(label, dict.fromkeys(KINDS, 0))[kind] += 1
    return ChangePlan(diff, migration, list(broken.values()), rewritten,
                      {"annotations": relabel_rows, "tasks": len(relabel_tasks)}, rewrites)


def _reason(diff: SchemaDiff, name: str, first_problem: str) -> str:
    lines = [line for line in diff.lines if f"control '{name}'" in line]
    return "; ".join(lines) or first_problem


def _stored(session: Session, project_id: int) -> Iterator[tuple[str, int, int, dict, dict | None]]:
    """(kind, row id, task id, task data, result) of every stored result of the project, in batches."""
    queries = {
        "annotations": (Annotation.id, select(Annotation.id, Annotation.task_id, Task.data, Annotation.result)
                        .join(Task, Task.id == Annotation.task_id).where(Annotation.project_id == project_id)),
        "predictions": (Prediction.id, select(Prediction.id, Prediction.task_id, Task.data, Prediction.result)
                        .join(Task, Task.id == Prediction.task_id).where(Prediction.project_id == project_id)),
        "gold": (GoldAnswer.task_id, select(GoldAnswer.task_id, GoldAnswer.task_id, Task.data, GoldAnswer.result)
                 .join(Task, Task.id == GoldAnswer.task_id).where(GoldAnswer.project_id == project_id)),
    }
    for kind, (key, stmt) in queries.items():
        last = -1
        while True:
            rows = session.execute(stmt.where(key > last).order_by(key).limit(BATCH)).all()
            for row_id, task_id, data, result in rows:
                yield kind, row_id, task_id, data or {}, result
            if len(rows) < BATCH:
                break
            last = rows[-1][0]


def by_kind(rewrites: list[Rewrite]) -> dict[str, list[Rewrite]]:
    grouped: dict[str, list[Rewrite]] = defaultdict(list)
    for rewrite in rewrites:
        grouped[rewrite.kind].append(rewrite)
    return grouped
