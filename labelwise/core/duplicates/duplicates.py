"""Duplicate clusters in a project: exact (same content hash), near text (MinHash/LSH) and near images (pHash).

A scan computes them from the tasks and replaces the project's stored clusters (`core.duplicates.duplicate_clusters`)
in one transaction: exact clusters by one GROUP BY, near-text clusters by
streaming the project's text fields through `assist.minhash` and verifying candidates by exact
shingle Jaccard, near-image clusters from perceptual hashes kept in each media task's meta at import
(computed from the stored blob for older tasks). Clusters are connected components of the verified
pairs; a near cluster whose tasks all share one content hash is left to the exact kind.
"""

import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.assist.image_hash import near_pairs, phash
from labelwise.assist.minhash import MinHashLSH, verified_pairs
from labelwise.core.duplicates import duplicate_clusters
from labelwise.core.media.signing import MEDIA_PATH
from labelwise.core.platform.access import Role, authorize
from labelwise.core.projects.projects import project_schema
from labelwise.errors import Invalid
from labelwise.store.models import Task, User

Kind = Literal["exact", "near_text", "near_image"]
KINDS = ("exact", "near_text", "near_image")
_FETCH = 2000
# Object types whose text near-duplicate scans compare (a chat: its messages' contents).
TEXT_OBJECTS = ("text", "paragraphs", "chat")


@dataclass(frozen=True)
class ScanOptions:
    text_threshold: float = 0.8
    image_distance: int = 8
    num_perm: int = 128
    ngram: int = 5

    def __post_init__(self) -> None:
        if not 0.5 <= self.text_threshold <= 1.0:
            raise Invalid("text_threshold must be between 0.5 and 1", field="text_threshold")
        if not 0 <= self.image_distance <= 32:
            raise Invalid("image_distance must be between 0 and 32 bits", field="image_distance")


Cluster = duplicate_clusters.Cluster


@dataclass(frozen=True)
class ScanResult:
    clusters: list[Cluster]
    tasks: int
    seconds: float
    options: ScanOptions


Progress = Callable[[int, int], None]


def scan(session: Session, user: User, project_id: int, *, options: ScanOptions | None = None,
         storage=None, progress: Progress | None = None) -> ScanResult:
    """Find every duplicate cluster of the project and store them in place of the last scan's, in one
    transaction (needs the reviewer role: it shows every task's id). `progress(done, total)` counts
    tasks read, once per pass (exact, then near text and near images when the schema has them)."""
    project, _ = authorize(session, user, project_id, Role.REVIEWER)
    options = options or ScanOptions()
    started = time.perf_counter()
    schema = project_schema(project)
    text_fields = [spec.field for spec in schema.objects.values() if spec.type in TEXT_OBJECTS]
    image_fields = [spec.field for spec in schema.objects.values() if spec.type == "image"]
    tasks = session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id)) or 0
    total = tasks * (1 + bool(text_fields) + bool(image_fields))
    report = progress or (lambda done, total: None)
    report(0, total)
    clusters = exact_clusters(session, project_id)
    report(tasks, total)
    if text_fields:
        clusters += near_text_clusters(session, project_id, text_fields, options,
                                       progress=lambda n: report(tasks + n, total))
    if image_fields:
        passes = tasks * (1 + bool(text_fields))
        clusters += near_image_clusters(session, project_id, image_fields, options, storage,
                                        progress=lambda n: report(passes + n, total))
    report(total, total)
    seconds = round(time.perf_counter() - started, 3)
    stored = duplicate_clusters.replace(session, user, project_id, clusters, info={
        "tasks": tasks, "seconds": seconds, "text_threshold": options.text_threshold,
        "image_distance": options.image_distance})
    return ScanResult(stored, tasks, seconds, options)


def exact_clusters(session: Session, project_id: int) -> list[Cluster]:
    repeated = (
        select(Task.content_hash).where(Task.project_id == project_id)
        .group_by(Task.content_hash).having(func.count() > 1).subquery()
    )
    rows = session.execute(
        select(Task.content_hash, Task.id)
        .where(Task.project_id == project_id, Task.content_hash.in_(select(repeated.c.content_hash)))
        .order_by(Task.content_hash, Task.id)
    )
    groups: dict[str, list[int]] = {}
    for digest, task_id in rows:
        groups.setdefault(digest, []).append(task_id)
    return sorted((Cluster(0, "exact", 1.0, ids) for ids in groups.values()),
                  key=lambda c: c.task_ids[0])


def near_text_clusters(session: Session, project_id: int, fields: list[str], options: ScanOptions, *,
                       progress: Callable[[int], None] | None = None) -> list[Cluster]:
    ids: list[int] = []
    digests: list[int] = []

    def texts() -> Iterator[str]:
        stmt = (select(Task.id, Task.content_hash, Task.data).where(Task.project_id == project_id)
                .order_by(Task.id).execution_options(yield_per=_FETCH))
        for task_id, digest, data in session.execute(stmt):
            ids.append(task_id)
            digests.append(int(digest[:15], 16))
            if progress is not None and len(ids) % 500 == 0:
                progress(len(ids))
            yield task_text(data, fields)

    lsh = MinHashLSH(threshold=options.text_threshold, num_perm=options.num_perm, ngram=options.ngram).fit(texts())
    positions = np.asarray(ids, dtype=np.int64)

    def text_of(batch: list[int]) -> dict[int, str]:
        wanted = {int(positions[p]): p for p in batch}
        out: dict[int, str] = {}
        keys = list(wanted)
        for start in range(0, len(keys), 1000):
            rows = session.execute(select(Task.id, Task.data).where(Task.id.in_(keys[start:start + 1000])))
            out.update({wanted[task_id]: task_text(data, fields) for task_id, data in rows})
        return out

    pairs = list(verified_pairs(lsh.candidates_, text_of, threshold=options.text_threshold, ngram=options.ngram))
    return _components(pairs, positions, np.asarray(digests, dtype=np.int64), "near_text")


def near_image_clusters(session: Session, project_id: int, fields: list[str], options: ScanOptions,
                        storage, *, progress: Callable[[int], None] | None = None) -> list[Cluster]:
    ids, hashes, digests = [], [], []
    stmt = (select(Task.id, Task.content_hash, Task.data, Task.meta).where(Task.project_id == project_id)
            .order_by(Task.id).execution_options(yield_per=_FETCH))
    for read, (task_id, digest, data, meta) in enumerate(session.execute(stmt), start=1):
        if progress is not None and read % 100 == 0:
            progress(read)
        value = image_hash_of(data, meta, fields, storage)
        if value is not None:
            ids.append(task_id)
            hashes.append(value)
            digests.append(int(digest[:15], 16))
    if len(ids) < 2:
        return []
    found = near_pairs(np.array(hashes, dtype=np.uint64), max_distance=options.image_distance)
    pairs = [(int(i), int(j), 1.0 - int(d) / 64) for i, j, d in found]
    return _components(pairs, np.asarray(ids, dtype=np.int64), np.asarray(digests, dtype=np.int64), "near_image")


def task_text(data: dict[str, Any], fields: list[str]) -> str:
    parts = []
    for name in fields:
        value = data.get(name)
        if isinstance(value, dict) and isinstance(value.get("messages"), list):  # a chat object
            value = value["messages"]
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):  # paragraphs: [{"text": ...}] or strings; chats: [{"content": ...}]
            parts.extend(_item_text(p) for p in value)
    return "\n".join(parts)


def _item_text(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    if isinstance(item.get("alternatives"), list):
        return "\n".join(_item_text(a) for a in item["alternatives"])
    text = item.get("text", item.get("content"))
    return text if isinstance(text, str) else ""


def image_hash_of(data: dict[str, Any], meta: dict[str, Any] | None, fields: list[str], storage) -> int | None:
    """The 64-bit pHash of a task's stored image: from its meta, else from the blob; None for other URLs."""
    stored = ((meta or {}).get("media") or {}).get("phash")
    if isinstance(stored, str) and len(stored) == 16:
        return int(stored, 16)
    if storage is None:
        return None
    for name in fields:
        value = data.get(name)
        src = value.get("src") if isinstance(value, dict) else value
        if isinstance(src, str) and src.startswith(MEDIA_PATH):
            from PIL import Image

            try:
                with Image.open(io.BytesIO(storage.get_bytes(src[len(MEDIA_PATH):]))) as image:
                    return int(phash(image), 16)
            except Exception:  # a missing or unreadable blob is not a duplicate of anything
                return None
    return None


def _components(pairs: list[tuple[int, int, float]], ids: np.ndarray, digests: np.ndarray, kind: Kind) -> list[Cluster]:
    if not pairs:
        return []
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    edges = np.array([(i, j) for i, j, _ in pairs], dtype=np.int64)
    weights = np.array([s for _, _, s in pairs])
    nodes, local = np.unique(edges, return_inverse=True)
    local = local.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(local)), (local[:, 0], local[:, 1])), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    lowest = np.full(labels.max() + 1, 1.0)
    np.minimum.at(lowest, labels[local[:, 0]], weights)
    clusters = []
    for label in np.unique(labels):
        members = nodes[labels == label]
        if len(np.unique(digests[members])) < 2:
            continue  # all one content: an exact cluster already says so
        task_ids = sorted(int(t) for t in ids[members])
        clusters.append(Cluster(0, kind, round(float(lowest[label]), 4), task_ids))
    return sorted(clusters, key=lambda c: c.task_ids[0])
