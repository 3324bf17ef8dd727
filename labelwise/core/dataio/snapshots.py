"""Dataset versions: a snapshot freezes every task of a project with its final label, immutably.

Each item keeps the task id, its content hash, a hash of its final labels and the frozen export
record (`{"id", "external_id", "data", "meta", "annotations", "consensus", "confidence"}`, with the
final label under `consensus` so every exporter reads it unchanged). The snapshot's `content_hash` is
the SHA-256 of the canonical JSON of its items in task-id order, and it keeps the label schema as it
was, so exporting a snapshot gives the same bytes today and after the project has moved on. A diff
of two snapshots of one project lists the tasks added, removed and relabeled between them.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from labelwise.core.dataio.exporting import ExportOptions, iter_records, split_of
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Conflict, Invalid
from labelwise.formats.labels import SOURCES, final_result
from labelwise.schema import LabelSchema, parse_schema
from labelwise.store.models import Snapshot, SnapshotItem, User

BATCH = 1000
MAX_DIFF_PAGE = 1000


@dataclass(frozen=True)
class SnapshotView:
    id: int
    project_id: int
    name: str
    source: str
    content_hash: str
    item_count: int
    labeled_count: int
    created_by: int | None
    author: str | None
    created_at: Any


@dataclass(frozen=True)
class DiffPage:
    a: int
    b: int
    counts: dict[str, int]
    added: list[int]
    removed: list[int]
    relabeled: list[int]
    next: dict[str, int | None]


def create_snapshot(session: Session, user: User, project_id: int, *, name: str, source: str = "consensus") -> SnapshotView:
    """Freeze the project's tasks and final labels (`source`: consensus, first or all annotations)."""
    project, _ = authorize(session, user, project_id, Role.MANAGER)
    name = (name or "").strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 200:
        raise Invalid("a snapshot needs a name of 1-200 characters", field="name")
    if source not in SOURCES:
        raise Invalid(f"source must be one of {', '.join(SOURCES)}, not '{source}'", field="source")
    if session.scalar(select(Snapshot.id).where(Snapshot.project_id == project_id, Snapshot.name == name)):
        raise Conflict(f"project {project_id} already has a snapshot named '{name}'", field="name")
    snapshot = Snapshot(project_id=project_id, name=name, source=source, label_schema=project.label_schema,
                        content_hash="", item_count=0, labeled_count=0, created_by=user.id, created_at=utcnow())
    session.add(snapshot)
    session.flush()
    snapshot_id = snapshot.id
    digest = hashlib.sha256()
    items, count, labeled = [], 0, 0
    for record in iter_records(session, project_id, ExportOptions(source=source, include_hash=True)):
        frozen, label_hash = _freeze(record, source)
        content = record["content_hash"]
        item = {"snapshot_id": snapshot_id, "task_id": record["id"], "content_hash": content,
                "label_hash": label_hash, "record": frozen}
        digest.update(_canonical({"task_id": record["id"], "content_hash": content, "record": frozen}))
        digest.update(b"\n")
        items.append(item)
        count += 1
        labeled += label_hash is not None
        if len(items) >= BATCH:
            session.execute(insert(SnapshotItem), items)
            items = []
    if items:
        session.execute(insert(SnapshotItem), items)
    session.execute(update(Snapshot).where(Snapshot.id == snapshot_id)
                    .values(content_hash=digest.hexdigest(), item_count=count, labeled_count=labeled))
    events.record(session, actor=user, action="snapshot.created", object_type="snapshot", object_id=snapshot_id,
                  project_id=project_id, after={"name": name, "source": source, "items": count, "labeled": labeled,
                                                "content_hash": digest.hexdigest()})
    session.commit()
    return get_snapshot(session, user, snapshot_id)


def list_snapshots(session: Session, user: User, project_id: int) -> list[SnapshotView]:
    authorize(session, user, project_id, Role.MANAGER)
    rows = session.execute(
        select(Snapshot, User.username).outerjoin(User, User.id == Snapshot.created_by)
        .where(Snapshot.project_id == project_id).order_by(Snapshot.id)
    ).all()
    return [_view(snapshot, author) for snapshot, author in rows]


def get_snapshot(session: Session, user: User, snapshot_id: int) -> SnapshotView:
    snapshot = _load(session, user, snapshot_id)
    author = session.scalar(select(User.username).where(User.id == snapshot.created_by)) if snapshot.created_by else None
    return _view(snapshot, author)


def snapshot_schema(session: Session, user: User, snapshot_id: int) -> tuple[Snapshot, LabelSchema]:
    snapshot = _load(session, user, snapshot_id)
    return snapshot, parse_schema(snapshot.label_schema)


def export_source(snapshot: Snapshot) -> str:
    """What exporters read from frozen records: the frozen final label, or every frozen annotation."""
    return "all" if snapshot.source == "all" else "consensus"


def iter_snapshot_records(
    session: Session, snapshot: Snapshot, schema: LabelSchema, *, split: tuple[float, float, float] | None = None,
    split_seed: str = "",
) -> Iterator[dict[str, Any]]:
    """The frozen records in task-id order, a batch at a time; with `split`, each gets its `split`."""
    options = ExportOptions(source=export_source(snapshot), split=split, split_seed=split_seed)
    last = -1
    while True:
        rows = session.execute(
            select(SnapshotItem.task_id, SnapshotItem.content_hash, SnapshotItem.record)
            .where(SnapshotItem.snapshot_id == snapshot.id, SnapshotItem.task_id > last)
            .order_by(SnapshotItem.task_id).limit(BATCH)
        ).all()
        if not rows:
            return
        for task_id, content_hash, frozen in rows:
            record = dict(frozen)
            if split:
                record["split"] = split_of(record, content_hash, schema, options)
            yield record
        last = rows[-1][0]


def diff(session: Session, user: User, a_id: int, b_id: int, *, limit: int = 100, after: int = 0) -> DiffPage:
    """Tasks added (in b only), removed (in a only) and relabeled (final labels differ) from a to b."""
    a, b = _load(session, user, a_id), _load(session, user, b_id)
    if a.project_id != b.project_id:
        raise Invalid(f"snapshots {a_id} and {b_id} belong to different projects; diff two versions of one project",
                      field="b")
    if not 1 <= limit <= MAX_DIFF_PAGE:
        raise Invalid(f"limit must be 1-{MAX_DIFF_PAGE}", field="limit")
    left, right = aliased(SnapshotItem), aliased(SnapshotItem)
    relabeled = (
        select(left.task_id).join(right, and_(right.task_id == left.task_id, right.snapshot_id == b_id))
        .where(left.snapshot_id == a_id,
               func.coalesce(left.label_hash, "") != func.coalesce(right.label_hash, ""))
    )
    queries = {"added": _only_in(b_id, a_id), "removed": _only_in(a_id, b_id), "relabeled": relabeled}
    counts, pages, cursors = {}, {}, {}
    for kind, query in queries.items():
        column = query.selected_columns[0]
        counts[kind] = session.scalar(select(func.count()).select_from(query.subquery()))
        ids = list(session.scalars(query.where(column > after).order_by(column).limit(limit + 1)))
        pages[kind] = ids[:limit]
        cursors[kind] = ids[limit - 1] if len(ids) > limit else None
    return DiffPage(a_id, b_id, counts, pages["added"], pages["removed"], pages["relabeled"], cursors)


def _only_in(one_id: int, other_id: int):
    one, other = aliased(SnapshotItem), aliased(SnapshotItem)
    missing = ~select(other.task_id).where(other.snapshot_id == other_id, other.task_id == one.task_id).exists()
    return select(one.task_id).where(one.snapshot_id == one_id, missing)


def _freeze(record: dict[str, Any], source: str) -> tuple[dict[str, Any], str | None]:
    frozen: dict[str, Any] = {"id": record["id"], "external_id": record["external_id"], "data": record["data"],
                              "meta": record["meta"], "annotations": [], "consensus": None, "confidence": None}
    if source == "all":
        frozen["annotations"] = [{"user": a["user"], "status": "submitted", "result": a["result"]}
                                 for a in record["annotations"] if a.get("status") == "submitted" and a.get("result")]
        labels = [a["result"] for a in frozen["annotations"]]
    else:
        label = final_result(record, source=source)
        frozen["consensus"] = label
        if source == "consensus" and record.get("consensus"):
            frozen["confidence"] = record.get("confidence")
        labels = [label] if label else []
    return frozen, (hashlib.sha256(_canonical(labels)).hexdigest() if labels else None)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _load(session: Session, user: User, snapshot_id: int) -> Snapshot:
    snapshot = session.get(Snapshot, snapshot_id)
    authorize_row(session, user, snapshot, f"snapshot {snapshot_id}", Role.MANAGER)
    return snapshot


def _view(snapshot: Snapshot, author: str | None) -> SnapshotView:
    return SnapshotView(snapshot.id, snapshot.project_id, snapshot.name, snapshot.source, snapshot.content_hash,
                        snapshot.item_count, snapshot.labeled_count, snapshot.created_by, author, snapshot.created_at)

