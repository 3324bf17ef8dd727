"""Annotations that arrive with an import (a Label Studio export, an `annotations` list in JSONL).

Each becomes a real annotation (with its first revision and a finished assignment, so the queue
does not serve the task to that person again) by the user it names, when that user is a member of
the project; otherwise by the importing manager. One person has at most one annotation per task,
so a second unnamed (or unknown) annotation on the same task is kept as a prediction with model
version `annotation:<name>` instead of being lost. The import summary counts each case.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform.clock import parse_when
from labelwise.core.review import consensus
from labelwise.errors import Invalid
from labelwise.schema import LabelSchema, validate_result
from labelwise.store.models import Annotation, AnnotationRevision, Assignment, Member, Prediction, Project, Task, User

STATUSES = ("submitted", "skipped")
MAX_LEAD_TIME_MS = 7 * 24 * 3600 * 1000
MAX_UNKNOWN_LISTED = 20
_BY_AUTHOR_META = ("labelstudio_items", "labelstudio_unsized")  # task meta kept per author by the LS reader


def parse(schema: LabelSchema, data: dict, raw: Any, line: int, *,
          out_of_range: list[str] | None = None) -> list[dict[str, Any]]:
    """Check an `annotations` list: `[{"result", "user"?, "status"?, "lead_time_ms"?, "created_at"?,
    "updated_at"?}]` (times in ISO 8601; kept as the annotation's own)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(f"row {line}: 'annotations' must be a list", field="annotations", line=line)
    out = []
    for index, item in enumerate(raw):
        where = f"annotations[{index}]"
        if not isinstance(item, dict):
            raise Invalid(f"row {line}: {where} must be an object", field=where, line=line)
        status = item.get("status", "submitted")
        if status not in STATUSES:
            raise Invalid(f"row {line}: {where}.status must be submitted or skipped", field=f"{where}.status", line=line)
        result = None
        if status == "submitted":
            if not isinstance(item.get("result"), dict):
                raise Invalid(f"row {line}: {where} needs a 'result' object", field=f"{where}.result", line=line)
            try:
                notes = None if out_of_range is None else []
                result = validate_result(schema, data, item["result"], out_of_range=notes)
                if notes:
                    out_of_range.extend(f"{where}: {note}" for note in notes)
            except Invalid as exc:
                raise Invalid(f"row {line}: {where}: {exc.message}", field=f"{where}.{exc.field}", line=line) from None
        lead = item.get("lead_time_ms")
        if lead is not None and (isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= MAX_LEAD_TIME_MS):
            raise Invalid(f"row {line}: {where}.lead_time_ms must be a whole number of milliseconds",
                          field=f"{where}.lead_time_ms", line=line)
        user = item.get("user")
        times = {key: _timestamp(item.get(key), f"{where}.{key}", line) for key in ("created_at", "updated_at")}
        out.append({"user": None if user is None else str(user), "status": status, "result": result,
                    "lead_time_ms": lead, **times})
    return out


@dataclass
class Tally:
    """Stores the annotations of each written batch and counts what happened to them."""

    importer: User
    project_id: int
    stored: int = 0
    by_importer: int = 0
    as_predictions: int = 0
    unknown: set[str] = field(default_factory=set)
    _members: dict[str, int] = field(default_factory=dict)
    _looked_up: set[str] = field(default_factory=set)

    def store(self, session: Session, batch: list, now: datetime) -> None:
        """Write the annotations of `batch` (pending rows whose `task_id` is set by the task insert)."""
        pending = [p for p in batch if p.annotations]
        if not pending:
            return
        self._learn(session, {a["user"] for p in pending for a in p.annotations if a["user"]})
        annotations, predictions, counters = [], [], []
        for p in pending:
            taken: set[int] = set()
            submitted = 0
            for item in p.annotations:
                user_id = self._members.get(item["user"]) if item["user"] else None
                if user_id is None:
                    if item["user"]:
                        self.unknown.add(item["user"])
                    user_id = self.importer.id
                    if user_id in taken:
                        if item["result"] is not None:
                            predictions.append({"task_id": p.task_id, "project_id": self.project_id, "created_at": now,
                                                "model_version": f"annotation:{item['user'] or self.importer.username}"[:200],
                                                "result": item["result"], "score": None, "scores": None})
                            self.as_predictions += 1
                        continue
                    self.by_importer += 1
                elif user_id in taken:  # the same person twice on one task: keep the first, the rest as predictions
                    if item["result"] is not None:
                        predictions.append({"task_id": p.task_id, "project_id": self.project_id, "created_at": now,
                                            "model_version": f"annotation:{item['user']}"[:200],
                                            "result": item["result"], "score": None, "scores": None})
                        self.as_predictions += 1
                    continue
                taken.add(user_id)
                submitted += item["status"] == "submitted"
                annotations.append({"task_id": p.task_id, "project_id": self.project_id, "user_id": user_id,
                                    "status": item["status"], "result": item["result"],
                                    "lead_time_ms": item["lead_time_ms"], "revision": 1,
                                    "created_at": item.get("created_at") or now,
                                    "updated_at": item.get("updated_at") or item.get("created_at") or now})
            if submitted:
                counters.append({"id": p.task_id, "annotation_count": submitted,
                                 "remaining": max(0, p.task["remaining"] - submitted)})
        if annotations:
            ids = session.scalars(insert(Annotation).returning(Annotation.id, sort_by_parameter_order=True),
                                  annotations).all()
            session.execute(insert(AnnotationRevision), [
                {"annotation_id": annotation_id, "revision": 1, "status": row["status"], "result": row["result"],
                 "lead_time_ms": row["lead_time_ms"], "author_id": row["user_id"], "created_at": row["created_at"]}
                for annotation_id, row in zip(ids, annotations)
            ])
            session.execute(insert(Assignment), [
                {"task_id": row["task_id"], "project_id": self.project_id, "user_id": row["user_id"],
                 "status": "done" if row["status"] == "submitted" else "skipped", "expires_at": now, "created_at": now}
                for row in annotations
            ])
            self.stored += len(annotations)
        if predictions:
            session.execute(insert(Prediction), predictions)
        if counters:
            session.execute(update(Task), counters)
            consensus.recompute_tasks(session, session.get(Project, self.project_id), [c["id"] for c in counters])

    def summary(self) -> dict[str, Any]:
        return {"annotations": self.stored, "annotations_by_importer": self.by_importer,
                "annotations_as_predictions": self.as_predictions,
                "unknown_users": tuple(sorted(self.unknown)[:MAX_UNKNOWN_LISTED])}

    def attribute(self, session: Session, batch: list) -> None:
        """Before the tasks are written: the first annotation of a task naming no member is stored as the
        importer's, so what a format kept in task meta under its author's name (Label Studio's
        `labelstudio_items` and `labelstudio_unsized`, keyed `a:<name>`) follows it to the importer's name."""
        self._learn(session, {a["user"] for p in batch for a in p.annotations if a["user"]})
        for p in batch:
            meta = p.task.get("meta")
            if not isinstance(meta, dict) or not any(key in meta for key in _BY_AUTHOR_META):
                continue
            names = [a["user"] for a in p.annotations]
            if self.importer.username in names:
                continue
            old = next((name for name in names if not name or name not in self._members), False)
            if old is False:
                continue
            before, after = f"a:{old}", f"a:{self.importer.username}"
            p.task["meta"] = {**meta, **{
                key: {(after + k[len(before):] if k == before or k.startswith(before + "|") else k): v
                      for k, v in meta[key].items()}
                for key in _BY_AUTHOR_META if isinstance(meta.get(key), dict)}}
            if "meta_json" in p.task:  # the import writes the meta as text prepared beforehand
                p.task["meta_json"] = json.dumps(p.task["meta"], ensure_ascii=False, separators=(",", ":"))

    def _learn(self, session: Session, names: set[str]) -> None:
        new = names - self._looked_up
        if not new:
            return
        self._looked_up |= new
        rows = session.execute(
            select(User.username, User.id).join(Member, Member.user_id == User.id)
            .where(Member.project_id == self.project_id, User.username.in_(new))
        )
        self._members.update({name: user_id for name, user_id in rows})


def _timestamp(raw: Any, where: str, line: int) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid(f"row {line}: {where} must be an ISO 8601 time", field=where, line=line)
    try:
        return parse_when(raw, where)
    except Invalid as exc:
        raise Invalid(f"row {line}: {exc.message}", field=where, line=line) from None
