"""Importing tasks: rows in, validated against the schema, written in batches inside one transaction.

All or nothing: the first bad row stops writing, reading goes on to report up to `max_errors` bad
rows by line, and the transaction is rolled back, so a failed import leaves no trace.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from labelwise.core.dataio import import_annotations
from labelwise.core.duplicates.duplicates import TEXT_OBJECTS
from labelwise.core.duplicates.import_duplicates import DuplicateGate, DuplicateMode, check_mode
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects.projects import ProjectSettings, project_schema
from labelwise.core.projects.queue_order import priority_sql
from labelwise.errors import ImportRejected, Invalid, LabelwiseError
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema, check_task_data, validate_result
from labelwise.schema.predictions import prediction_values
from labelwise.store import search
from labelwise.store.bulk import driver_value, insert_values
from labelwise.store.models import GoldAnswer, Prediction, Task, User
from labelwise.store.statistics import refresh_after_bulk_write

WRAPPER_KEYS = {"data", "meta", "external_id", "predictions", "gold", "annotations"}
MAX_EXTERNAL_ID = 500


@dataclass(frozen=True)
class ImportSummary:
    imported: int
    predictions: int
    gold: int
    annotations: int = 0
    annotations_by_importer: int = 0  # named a user who is not a project member (or nobody)
    annotations_as_predictions: int = 0  # a second annotation by the same person on one task
    unknown_users: tuple[str, ...] = ()
    duplicates_skipped: int = 0  # duplicates='skip': rows whose content was already there
    duplicates_flagged: int = 0  # duplicates='flag': imported, and found by the duplicates filter
    near_duplicates: int = 0  # of those skipped or flagged, how many were near (not exact) duplicates
    duplicate_examples: tuple[dict, ...] = ()
    out_of_range: int = 0  # tasks kept with regions past their media's bounds (keep_out_of_range)


@dataclass
class _Pending:
    line: int
    task: dict[str, Any]
    predictions: list[dict[str, Any]]
    gold: dict[str, Any] | None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    task_id: int | None = None
    fingerprint: tuple = (None, None)  # (MinHash band keys, pHash) when checking duplicates
    links: list = field(default_factory=list)  # (kind, task id or earlier _Pending, similarity) it repeats


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON; raises UnicodeEncodeError for text that is not valid Unicode."""
    return _hash_and_text(data)[0]


def _hash_and_text(data: dict[str, Any]) -> tuple[str, str]:
    """(content hash, the JSON text stored): one serialisation when the keys are already in canonical order
    (a flat object with sorted keys, the common case), else a second, sorted one for the hash."""
    stored = _dumps(data)
    keys = list(data)
    flat = keys == sorted(keys) and not any(isinstance(value, (dict, list)) for value in data.values())
    canonical = stored if flat else json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest(), stored


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # as the engine stores JSON


def import_tasks(
    session: Session,
    user: User,
    project_id: int,
    rows: Iterable[Row],
    *,
    batch_size: int = 5000,
    max_errors: int = 50,
    on_batch: Callable[[int], None] | None = None,
    duplicates: DuplicateMode = "allow",
    keep_out_of_range: bool = False,
) -> ImportSummary:
    """Import `rows` all or nothing; `on_batch(tasks written so far)` is called after every batch.

    With `keep_out_of_range`, regions past their media's bounds are kept, not refused, and listed in the
    task's `meta.out_of_range` (exports of other tools hold such values: a segment at -0.05 s)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    schema = project_schema(project)
    settings = ProjectSettings.model_validate(project.settings)
    last_id_before = session.scalar(select(func.max(Task.id)).where(Task.project_id == project_id)) or 0
    now = utcnow()
    errors: list[LabelwiseError] = []
    batch: list[_Pending] = []
    totals = [0, 0, 0]
    stopped_early = False
    flagged = 0
    tally = import_annotations.Tally(user, project_id)
    gate = DuplicateGate(project_id, check_mode(duplicates), text_fields=[  # exact and near: allow, skip or flag
        spec.field for spec in schema.objects.values() if spec.type in TEXT_OBJECTS])

    def write(pending: list[_Pending]) -> None:
        kept = gate.filter(session, pending)
        tally.attribute(session, kept)
        _flush(session, project_id, kept, totals, now, user)
        gate.store(session, kept)
        tally.store(session, kept, now)
        if on_batch is not None:
            on_batch(totals[0])

    cache = _large_cache(session)
    try:
        for row in rows:
            try:
                pending = _parse_row(schema, row, project_id=project_id, overlap=settings.overlap, now=now,
                                     keep_out_of_range=keep_out_of_range)
                flagged += "out_of_range" in pending.task["meta"]
            except Invalid as exc:
                errors.append(exc)
                if len(errors) >= max_errors:
                    stopped_early = True
                    break
                continue
            if errors:
                continue
            batch.append(pending)
            if len(batch) >= batch_size:
                write(batch)
                batch = []
        if batch and not errors:
            write(batch)
    except Invalid as exc:  # the reader itself could not go on (broken JSON, bad encoding, huge line)
        errors.append(exc)
    except LabelwiseError:
        session.rollback()
        raise
    finally:
        if cache is not None:  # on the driver's connection: whatever state the session is in now
            cache.execute("PRAGMA cache_size = -2000")
    if errors:
        session.rollback()
        raise ImportRejected(errors, stopped_early=stopped_early)
    if settings.routing != "sequential":
        session.execute(
            update(Task)
            .where(Task.project_id == project_id, Task.id > last_id_before)
            .values(priority=priority_sql(settings.routing, Task.id))
        )
    summary = ImportSummary(imported=totals[0], predictions=totals[1], gold=totals[2], **tally.summary(), **gate.summary(),
                            out_of_range=flagged)
    after = _event_summary(summary)
    if summary.imported:  # the id range, so that a batch can take "the tasks of this import"
        last_id = session.scalar(select(func.max(Task.id)).where(Task.project_id == project_id))
        after["task_ids"] = [last_id_before + 1, last_id]
    events.record(session, actor=user, action="tasks.imported", object_type="project", object_id=project_id,
                  project_id=project_id, after=after)
    session.commit()
    refresh_after_bulk_write(session, summary.imported)
    return summary


def _large_cache(session: Session):
    """A 64 MB SQLite page cache while importing (the default is 2 MB), returning the driver connection to
    set it back on: random content hashes land all over their index, and with the small cache most of
    those pages were read again and again."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    connection.exec_driver_sql("PRAGMA cache_size = -65536")
    return connection.connection.driver_connection


def _event_summary(summary: ImportSummary) -> dict[str, Any]:
    """The counts, with the annotation ones only when the import carried annotations."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in summary.__dict__.items()
            if key in ("imported", "predictions", "gold") or value}


def _parse_row(schema: LabelSchema, row: Row, *, project_id: int, overlap: int, now,
               keep_out_of_range: bool = False) -> _Pending:
    value, line = row.value, row.line
    if not isinstance(value, dict):
        raise Invalid(f"row {line}: each row must be a JSON object, got {type(value).__name__}", line=line)
    wrapped = isinstance(value.get("data"), dict)
    if wrapped:
        unknown = set(value) - WRAPPER_KEYS
        if unknown:
            raise Invalid(
                f"row {line}: unknown key(s) {', '.join(sorted(unknown))}; a row is either the task data itself "
                "or an object with data, meta, external_id, predictions, gold",
                field=sorted(unknown)[0],
                line=line,
            )
        data, meta = value["data"], value.get("meta") or {}
    else:
        data, meta = dict(value), {}
    external_id = value.get("external_id") if wrapped else data.pop("external_id", None)
    if external_id == "":  # an empty CSV cell
        external_id = None
    if not isinstance(meta, dict):
        raise Invalid(f"row {line}: 'meta' must be an object", field="meta", line=line)
    if external_id is not None:
        if isinstance(external_id, (dict, list, bool)):
            raise Invalid(f"row {line}: 'external_id' must be a string or a number", field="external_id", line=line)
        external_id = str(external_id)
        if not external_id or len(external_id) > MAX_EXTERNAL_ID:
            raise Invalid(f"row {line}: 'external_id' must have 1-{MAX_EXTERNAL_ID} characters",
                          field="external_id", line=line)
    check_task_data(schema, data, line=line)
    flags: list[str] | None = [] if keep_out_of_range else None
    predictions = _parse_predictions(schema, data, value.get("predictions") if wrapped else None, line, flags)
    gold = _parse_gold(schema, data, value.get("gold") if wrapped else None, line, flags)
    annotations = import_annotations.parse(schema, data, value.get("annotations") if wrapped else None, line,
                                           out_of_range=flags)
    if flags:  # after what the reader flagged itself (a Label Studio item kept as written)
        meta = {**meta, "out_of_range": [*(meta.get("out_of_range") or ()), *flags]}
    try:
        digest, data_json = _hash_and_text(data)
        meta_json = _dumps(meta) if meta else "{}"
        if meta:
            meta_json.encode()
    except UnicodeEncodeError:
        raise Invalid(f"row {line}: holds text that is not valid Unicode (a lone surrogate)", line=line) from None
    task = {
        "project_id": project_id,
        "external_id": external_id,
        "data": data,
        "meta": meta,
        "content_hash": digest,
        "remaining": 0 if gold is not None else overlap,  # gold tasks are served outside the overlap
        "priority": 0.0,
        "annotation_count": 0,
        "created_at": now,
        "data_json": data_json,
        "meta_json": meta_json,
    }
    return _Pending(line, task, predictions, gold, annotations)


def _parse_predictions(schema: LabelSchema, data: dict, raw: Any, line: int,
                       flags: list[str] | None = None) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(f"row {line}: 'predictions' must be a list", field="predictions", line=line)
    out = []
    for index, item in enumerate(raw):
        where = f"predictions[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("result"), dict):
            raise Invalid(f"row {line}: {where} must be an object with a 'result' object", field=where, line=line)
        out.append(prediction_values(schema, data, item, where=where, line=line, out_of_range=flags))
    return out


def _parse_gold(schema: LabelSchema, data: dict, raw: Any, line: int,
                flags: list[str] | None = None) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise Invalid(f"row {line}: 'gold' must be a result object", field="gold", line=line)
    notes = None if flags is None else []
    try:
        result = validate_result(schema, data, raw, out_of_range=notes)
    except Invalid as exc:
        raise Invalid(f"row {line}: gold: {exc.message}", field=f"gold.{exc.field}", line=line) from None
    if notes:
        flags.extend(f"gold: {note}" for note in notes)
    return result


def _flush(session: Session, project_id: int, batch: list[_Pending], totals: list[int], now, user: User) -> None:
    if not batch:  # every row of the batch was a skipped duplicate
        return
    _check_external_ids(session, project_id, batch)
    # Tuples straight to the driver (JSON serialised once, in _parse_row; COPY on PostgreSQL): SQLAlchemy's
    # per-value parameter processing was an eighth of a million-row import. The ids feed the related rows.
    created_at = driver_value(session, Task.__table__.c.created_at, now)
    rows = [(project_id, t["external_id"], t["data_json"], t["meta_json"], t["content_hash"], t["remaining"],
             0.0, 0, 0, created_at) for t in (p.task for p in batch)]
    ids = insert_values(session, Task.__table__, _TASK_COLUMNS, rows)
    for task_id, pending in zip(ids, batch):
        pending.task_id = task_id
    search.index_new_tasks(session, project_id, ((p.task_id, p.task["data"]) for p in batch))
    predictions = [
        {"task_id": pending.task_id, "project_id": project_id, "created_at": now, **prediction}
        for pending in batch
        for prediction in pending.predictions
    ]
    gold = [
        {"task_id": pending.task_id, "project_id": project_id, "result": pending.gold, "created_by": user.id,
         "created_at": now}
        for pending in batch
        if pending.gold is not None
    ]
    if predictions:
        session.execute(insert(Prediction), predictions)
    if gold:
        session.execute(insert(GoldAnswer), gold)
    totals[0] += len(batch)
    totals[1] += len(predictions)
    totals[2] += len(gold)


_TASK_COLUMNS = ("project_id", "external_id", "data", "meta", "content_hash", "remaining", "priority",
                 "annotation_count", "queue_rank", "created_at")


def _check_external_ids(session: Session, project_id: int, batch: list[_Pending]) -> None:
    seen: dict[str, int] = {}
    for pending in batch:
        external_id = pending.task["external_id"]
        if external_id is None:
            continue
        if external_id in seen:
            raise Invalid(
                f"row {pending.line}: external_id '{external_id}' repeats row {seen[external_id]}",
                field="external_id",
                line=pending.line,
            )
        seen[external_id] = pending.line
    if not seen:
        return
    clash = session.scalar(
        select(Task.external_id).where(Task.project_id == project_id, Task.external_id.in_(list(seen))).limit(1)
    )
    if clash is not None:
        line = seen[clash]
        raise Invalid(
            f"row {line}: external_id '{clash}' already exists in this project (or earlier in this import)",
            field="external_id",
            line=line,
        )
