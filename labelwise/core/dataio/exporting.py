"""Exports: every task of a project with its annotations, read in id order one batch at a time.

Memory stays flat however large the project: a batch of tasks and their annotations is read, turned
into records, written out, and dropped before the next batch. The filters are SQL-side (annotation
status, review verdict, annotation time, annotator: a task is exported when at least one of its
annotations matches, with the matching annotations only), except `label`, which needs the final
label and is checked per batch. Exporting into a file format goes through `write_export`, which
uses the registry in `labelwise.formats.exporters`.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import iso_utc, parse_when
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid, NotFound
from labelwise.formats import exporters
from labelwise.formats.labels import SOURCES, final_results
from labelwise.formats.split import assign_split
from labelwise.schema import LabelSchema
from labelwise.store.models import Annotation, AutoLabel, GoldAnswer, Prediction, Project, Review, Task, User

BATCH = 1000
STATUSES = ("submitted", "skipped", "rejected")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)


@dataclass(frozen=True)
class ExportOptions:
    """What an export holds. Annotation filters keep the tasks with at least one matching annotation."""

    include_predictions: bool = False
    include_skipped: bool = False
    only_labeled: bool = False
    source: str = "consensus"
    statuses: tuple[str, ...] | None = None
    accepted_only: bool = False
    since: datetime | None = None
    until: datetime | None = None
    annotator: str | None = None
    label: str | None = None
    split: tuple[float, float, float] | None = None
    split_seed: str = ""
    include_hash: bool = False  # add each task's `content_hash` (snapshots keep it)
    include_auto_labels: bool = False  # add `auto_label` and `label_source` ("human", "auto" or None) to every record
    schema_version: int | None = None  # only answers made under this label schema version
    guidelines_version: int | None = None

    @property
    def filters_annotations(self) -> bool:
        return bool(self.statuses or self.accepted_only or self.since or self.until or self.annotator
                    or self.schema_version or self.guidelines_version)


def export_options(
    *,
    source: str = "consensus",
    status: str | None = None,
    accepted_only: bool = False,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    annotator: str | None = None,
    label: str | None = None,
    split: str | bool | None = None,
    split_seed: str = "",
    include_predictions: bool = False,
    include_skipped: bool = False,
    only_labeled: bool = False,
    schema_version: int | None = None,
    guidelines_version: int | None = None,
    include_auto_labels: bool = False,
) -> ExportOptions:
    """Options from plain strings (query parameters, CLI flags), each checked with a message naming it."""
    if source not in SOURCES:
        raise Invalid(f"source must be one of {', '.join(SOURCES)}, not '{source}'", field="source")
    statuses = None
    if status:
        statuses = tuple(part.strip() for part in status.split(",") if part.strip())
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise Invalid(f"unknown annotation status '{unknown[0]}'; expected {', '.join(STATUSES)}", field="status")
    for name, version in (("schema_version", schema_version), ("guidelines_version", guidelines_version)):
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            raise Invalid(f"{name} must be a version number (1 or more)", field=name)
    start, end = parse_when(since, "since"), parse_when(until, "until")
    if start and end and start > end:
        raise Invalid("'since' is after 'until'", field="since")
    return ExportOptions(
        include_predictions=include_predictions, include_skipped=include_skipped or "skipped" in (statuses or ()),
        only_labeled=only_labeled, source=source, statuses=statuses, accepted_only=accepted_only, since=start,
        until=end, annotator=annotator or None, label=label or None, split=_ratios(split), split_seed=split_seed,
        schema_version=schema_version, guidelines_version=guidelines_version,
        include_auto_labels=include_auto_labels,
    )


def authorize_export(session: Session, user: User, project_id: int, options: ExportOptions | None = None) -> Project:
    """The project, if the caller may export it; also checks the options that need the database."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    if options is not None and options.annotator:
        _annotator_id(session, options.annotator)  # an unknown annotator is a 422 now, not a broken stream later
    return project


def iter_records(session: Session, project_id: int, options: ExportOptions = ExportOptions()) -> Iterator[dict[str, Any]]:
    """Export records in task-id order. The caller has already authorised the export."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id} not found")
    schema = project_schema(project)
    annotator_id = _annotator_id(session, options.annotator) if options.annotator else None
    conditions = _annotation_conditions(options, annotator_id)
    usernames: dict[int, str] = {}
    last_id = 0
    while True:
        stmt = select(Task).where(Task.project_id == project_id, Task.id > last_id)
        if options.only_labeled:
            labeled = Task.annotation_count > 0
            if options.include_auto_labels:  # an auto-labeled task counts as labeled when they are asked for
                labeled = or_(labeled, exists().where(AutoLabel.task_id == Task.id))
            stmt = stmt.where(labeled)
        if options.filters_annotations:
            stmt = stmt.where(exists(select(Annotation.id).where(Annotation.task_id == Task.id, *conditions)))
        tasks = list(session.scalars(stmt.order_by(Task.id).limit(BATCH)))
        if not tasks:
            return
        ids = [t.id for t in tasks]
        annotations = _annotations_by_task(session, ids, conditions)
        predictions = _predictions_by_task(session, ids) if options.include_predictions else {}
        gold = dict(session.execute(select(GoldAnswer.task_id, GoldAnswer.result).where(GoldAnswer.task_id.in_(ids))).all())
        auto = ({row.task_id: row for row in session.scalars(select(AutoLabel).where(AutoLabel.task_id.in_(ids)))}
                if options.include_auto_labels else {})
        _learn_usernames(session, usernames, annotations)
        for task in tasks:
            record = {
                "id": task.id,
                "external_id": task.external_id,
                "data": task.data,
                "meta": task.meta,
                "annotations": [_annotation_record(a, usernames) for a in annotations.get(task.id, ())],
                "consensus": task.consensus,
                "confidence": task.confidence,
            }
            if task.id in gold:  # the task's known answer (Label Studio's ground truth)
                record["gold"] = gold[task.id]
            if options.include_predictions:
                record["predictions"] = [
                    {"model_version": p.model_version, "result": p.result, "score": p.score, "scores": p.scores}
                    for p in predictions.get(task.id, ())
                ]
            if options.include_auto_labels:  # never merged into the human labels: a key of its own, in every record
                row = auto.get(task.id)
                record["auto_label"] = None if row is None else {
                    "control": row.control, "label": row.label, "confidence": row.confidence,
                    "model_version": row.model_version, "verify": row.verify}
                record["label_source"] = label_source(record, options.source)
            if options.include_hash:
                record["content_hash"] = task.content_hash
            if options.label and not _has_label(record, options.label, options.source):
                continue
            if options.split:
                record["split"] = split_of(record, task.content_hash, schema, options)
            yield record
        last_id = tasks[-1].id
        session.expunge_all()


def label_source(record: dict[str, Any], source: str) -> str | None:
    """Where the task's exported label comes from: "human" (an annotation or the consensus, which win),
    "auto" (only an auto-label) or None (no label)."""
    if final_results(record, source="first" if source == "all" else source):
        return "human"
    return "auto" if record.get("auto_label") else None


def split_of(record: dict[str, Any], content_hash: str, schema: LabelSchema, options: ExportOptions) -> str:
    """The record's split: stratified by the first single-choice control of its final label."""
    results = final_results(record, source="first" if options.source == "all" else options.source)
    key = _strata_control(schema)
    label = (results[0].get(key) if results else None) if key else None
    return assign_split(content_hash, label, ratios=options.split or DEFAULT_RATIOS, seed=options.split_seed)


def write_export(
    fmt: str, records_for, fp: IO[bytes], *, schema: LabelSchema, source: str, split: bool, storage=None
) -> None:
    """Write any registered format; `records_for(split_name | None)` gives a fresh pass over the records.
    With the media `storage`, a `funsd` export gets the words of stored PDF pages (`page_words`)."""
    if fmt == "funsd" and storage is not None:
        from labelwise.core.dataio.page_words import with_page_words

        records_for = with_page_words(records_for, schema, storage)
    exporters.write(fmt, records_for, fp, schema=schema, source=source, split=split)


def records_for(session: Session, project_id: int, options: ExportOptions):
    """A `records_for` for `write_export`: one pass per call, restricted to one split when asked."""
    def passes(split: str | None) -> Iterator[dict[str, Any]]:
        for record in iter_records(session, project_id, options):
            if split is None or record.get("split") == split:
                yield record
    return passes


def flat_record(record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row: task fields at the top level, nested values left for the writer to encode as JSON."""
    return exporters.flat_row(record)


def result_labels(result: Any) -> set[str]:
    """Every label name in a result: choice values, taxonomy steps, and the `label` of each region."""
    found: set[str] = set()
    for value in (result or {}).values():
        found |= _labels_in(value)
    return found


def _labels_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        found: set[str] = set()
        for item in value:
            if isinstance(item, dict):
                if isinstance(item.get("label"), str):
                    found.add(item["label"])
            else:
                found |= _labels_in(item)
        return found
    return set()


def _has_label(record: dict[str, Any], label: str, source: str) -> bool:
    return any(label in result_labels(result) for result in final_results(record, source=source))


def _strata_control(schema: LabelSchema) -> str | None:
    for name, spec in schema.controls.items():
        if spec.type == "choices" and not getattr(spec, "multiple", False):
            return name
    return None


def _annotation_conditions(options: ExportOptions, annotator_id: int | None) -> list:
    conditions: list = []
    if options.statuses:
        conditions.append(Annotation.status.in_(options.statuses))
    elif not options.include_skipped:
        conditions.append(Annotation.status == "submitted")
    if options.since:
        conditions.append(Annotation.updated_at >= options.since)
    if options.until:
        conditions.append(Annotation.updated_at < options.until)
    if annotator_id is not None:
        conditions.append(Annotation.user_id == annotator_id)
    if options.schema_version is not None:
        conditions.append(Annotation.schema_version == options.schema_version)
    if options.guidelines_version is not None:
        conditions.append(Annotation.guidelines_version == options.guidelines_version)
    if options.accepted_only:
        later = aliased(Review)
        conditions.append(exists(select(Review.id).where(
            Review.annotation_id == Annotation.id, Review.verdict.in_(("accept", "fix")),
            ~exists(select(later.id).where(and_(later.annotation_id == Annotation.id, later.id > Review.id))),
        )))
    return conditions


def _annotator_id(session: Session, annotator: str) -> int:
    stmt = select(User.id).where(User.username == annotator)
    if annotator.isdigit():
        stmt = select(User.id).where((User.username == annotator) | (User.id == int(annotator)))
    found = session.scalar(stmt)
    if found is None:
        raise Invalid(f"no user named '{annotator}'", field="annotator")
    return found


def _ratios(split: str | bool | None) -> tuple[float, float, float] | None:
    if split is None or split is False or split == "":
        return None
    if split is True or str(split).lower() in ("true", "1", "yes", "default", "train,validation,test"):
        return DEFAULT_RATIOS
    parts = str(split).replace(":", ",").split(",")
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or any(v < 0 for v in values) or sum(values) <= 0:
        raise Invalid(f"split must be 'true' or three ratios train,validation,test such as 80,10,10; got '{split}'",
                      field="split")
    return values  # type: ignore[return-value]


def _annotations_by_task(session: Session, ids: list[int], conditions: list) -> dict[int, list[Annotation]]:
    stmt = select(Annotation).where(Annotation.task_id.in_(ids), *conditions)
    grouped: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in session.scalars(stmt.order_by(Annotation.id)):
        grouped[annotation.task_id].append(annotation)
    return grouped


def _predictions_by_task(session: Session, ids: list[int]) -> dict[int, list[Prediction]]:
    grouped: dict[int, list[Prediction]] = defaultdict(list)
    for prediction in session.scalars(select(Prediction).where(Prediction.task_id.in_(ids)).order_by(Prediction.id)):
        grouped[prediction.task_id].append(prediction)
    return grouped


def _learn_usernames(session: Session, usernames: dict[int, str], annotations: dict[int, list[Annotation]]) -> None:
    unknown = {a.user_id for group in annotations.values() for a in group} - usernames.keys()
    if unknown:
        rows = session.execute(select(User.id, User.username).where(User.id.in_(unknown)))
        usernames.update({user_id: name for user_id, name in rows})


def _annotation_record(annotation: Annotation, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "id": annotation.id,
        "user": usernames.get(annotation.user_id),
        "status": annotation.status,
        "result": annotation.result,
        "lead_time_ms": annotation.lead_time_ms,
        "revision": annotation.revision,
        "schema_version": annotation.schema_version,
        "guidelines_version": annotation.guidelines_version,
        "created_at": iso_utc(annotation.created_at),
        "updated_at": iso_utc(annotation.updated_at),
    }
