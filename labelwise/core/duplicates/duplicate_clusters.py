"""Stored duplicate clusters: replaced by a scan, grown by flagging imports, read by the API and the task views.

A scan's settings and timing are kept in its audit event (`duplicates.scanned`), so the clusters need
no side table. Members carry the project id so "is this task in a cluster" is one index lookup.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Invalid
from labelwise.store.models import DuplicateCluster, DuplicateMember, Event, User

KINDS = ("exact", "near_text", "near_image")
SCANNED = "duplicates.scanned"
_IN_CHUNK = 1000
_MEMBERS_SHOWN = 50


@dataclass(frozen=True)
class Cluster:
    id: int  # 0 until stored
    kind: str
    similarity: float  # exact: 1; near text: lowest verified Jaccard; near image: 1 - most differing bits / 64
    task_ids: list[int]


@dataclass(frozen=True)
class ClusterPage:
    clusters: list[Cluster]
    total: int
    scan: dict[str, Any]  # tasks, seconds, text_threshold, image_distance of the last scan ({} if none)


@dataclass(frozen=True)
class Membership:
    """One cluster a task belongs to: its size, and (for the task view) the other members, first 50."""

    id: int
    kind: str
    similarity: float
    size: int
    others: list[int]


def replace(session: Session, user: User, project_id: int, clusters: Sequence[Cluster], *,
            info: dict[str, Any]) -> list[Cluster]:
    """Store `clusters` in place of the project's current ones and commit once; returns them with ids."""
    now = utcnow()
    session.execute(delete(DuplicateCluster).where(DuplicateCluster.project_id == project_id))
    stored = []
    if clusters:
        ids = session.scalars(
            insert(DuplicateCluster).returning(DuplicateCluster.id, sort_by_parameter_order=True),
            [{"project_id": project_id, "kind": c.kind, "similarity": c.similarity, "created_at": now}
             for c in clusters],
        ).all()
        members = [{"cluster_id": cid, "task_id": t, "project_id": project_id}
                   for cid, c in zip(ids, clusters) for t in c.task_ids]
        for start in range(0, len(members), 10_000):
            session.execute(insert(DuplicateMember), members[start:start + 10_000])
        stored = [Cluster(cid, c.kind, c.similarity, list(c.task_ids)) for cid, c in zip(ids, clusters)]
    events.record(session, actor=user, action=SCANNED, object_type="project", object_id=project_id,
                  project_id=project_id, after={**info, "clusters": len(stored)})
    session.commit()
    return stored


def list_clusters(session: Session, user: User, project_id: int, *, kind: str | None = None, offset: int = 0,
                  limit: int = 100) -> ClusterPage:
    """The project's stored clusters (oldest first), a page at a time."""
    authorize(session, user, project_id, Role.REVIEWER)
    if kind is not None and kind not in KINDS:
        raise Invalid(f"unknown kind '{kind}'; expected one of {', '.join(KINDS)}", field="kind")
    where = [DuplicateCluster.project_id == project_id]
    if kind is not None:
        where.append(DuplicateCluster.kind == kind)
    total = session.scalar(select(func.count()).select_from(DuplicateCluster).where(*where)) or 0
    rows = session.execute(
        select(DuplicateCluster.id, DuplicateCluster.kind, DuplicateCluster.similarity).where(*where)
        .order_by(DuplicateCluster.id).offset(offset).limit(limit)
    ).all()
    members: dict[int, list[int]] = defaultdict(list)
    if rows:
        for cluster_id, task_id in session.execute(
            select(DuplicateMember.cluster_id, DuplicateMember.task_id)
            .where(DuplicateMember.cluster_id.in_([r.id for r in rows])).order_by(DuplicateMember.task_id)
        ):
            members[cluster_id].append(task_id)
    clusters = [Cluster(r.id, r.kind, r.similarity, members[r.id]) for r in rows]
    return ClusterPage(clusters, total, last_scan(session, project_id))


def last_scan(session: Session, project_id: int) -> dict[str, Any]:
    after = session.scalar(
        select(Event.after).where(Event.project_id == project_id, Event.action == SCANNED)
        .order_by(Event.id.desc()).limit(1)
    )
    return dict(after or {})


def memberships(session: Session, project_id: int, task_ids: Iterable[int], *,
                with_others: bool = False) -> dict[int, list[Membership]]:
    """The clusters each of `task_ids` belongs to (for listing badges and the task view)."""
    task_ids = list(task_ids)
    if not task_ids:
        return {}
    pairs = session.execute(
        select(DuplicateMember.task_id, DuplicateCluster.id, DuplicateCluster.kind, DuplicateCluster.similarity)
        .join(DuplicateCluster, DuplicateCluster.id == DuplicateMember.cluster_id)
        .where(DuplicateMember.project_id == project_id, DuplicateMember.task_id.in_(task_ids))
        .order_by(DuplicateMember.task_id, DuplicateCluster.id)
    ).all()
    if not pairs:
        return {}
    cluster_ids = sorted({p.id for p in pairs})
    sizes = dict(session.execute(
        select(DuplicateMember.cluster_id, func.count()).where(DuplicateMember.cluster_id.in_(cluster_ids))
        .group_by(DuplicateMember.cluster_id)
    ).all())
    others: dict[int, list[int]] = defaultdict(list)
    if with_others:
        for cluster_id in cluster_ids:
            others[cluster_id] = list(session.scalars(
                select(DuplicateMember.task_id).where(DuplicateMember.cluster_id == cluster_id)
                .order_by(DuplicateMember.task_id).limit(_MEMBERS_SHOWN + len(task_ids))
            ))
    out: dict[int, list[Membership]] = defaultdict(list)
    for task_id, cluster_id, kind, similarity in pairs:
        rest = [t for t in others.get(cluster_id, []) if t != task_id][:_MEMBERS_SHOWN]
        out[task_id].append(Membership(cluster_id, kind, similarity, int(sizes.get(cluster_id, 0)), rest))
    return dict(out)


def link(session: Session, project_id: int, links: Sequence[tuple[str, int, int, float]]) -> None:
    """Add each `(kind, task_id, partner_id, similarity)` to the partner's cluster of that kind (made if
    missing), lowering the cluster's similarity when needed. Does not commit (the import does)."""
    by_kind: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for kind, task_id, partner, similarity in links:
        by_kind[kind].append((task_id, partner, similarity))
    now = utcnow()
    for kind, items in by_kind.items():
        wanted = sorted({t for t, _, _ in items} | {p for _, p, _ in items})
        cluster_of: dict[int, int] = {}
        lowest: dict[int, float] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            for task_id, cluster_id, similarity in session.execute(
                select(DuplicateMember.task_id, DuplicateCluster.id, DuplicateCluster.similarity)
                .join(DuplicateCluster, DuplicateCluster.id == DuplicateMember.cluster_id)
                .where(DuplicateMember.project_id == project_id, DuplicateCluster.kind == kind,
                       DuplicateMember.task_id.in_(wanted[start:start + _IN_CHUNK]))
            ):
                cluster_of.setdefault(task_id, cluster_id)
                lowest[cluster_id] = similarity
        known = dict(lowest)
        new_members = []
        for task_id, partner, similarity in items:
            cluster_id = cluster_of.get(partner) or cluster_of.get(task_id)
            if cluster_id is None:
                cluster_id = session.scalar(insert(DuplicateCluster).returning(DuplicateCluster.id).values(
                    project_id=project_id, kind=kind, similarity=round(similarity, 4), created_at=now))
                known[cluster_id] = lowest[cluster_id] = round(similarity, 4)
            for member in (partner, task_id):
                if member not in cluster_of:
                    cluster_of[member] = cluster_id
                    new_members.append({"cluster_id": cluster_id, "task_id": member, "project_id": project_id})
            lowest[cluster_id] = min(lowest[cluster_id], round(similarity, 4))
        if new_members:
            session.execute(insert(DuplicateMember), new_members)
        lowered = [{"cid": cid, "sim": sim} for cid, sim in lowest.items() if sim < known[cid]]
        if lowered:
            table = DuplicateCluster.__table__
            session.connection().execute(
                update(table).where(table.c.id == bindparam("cid")).values(similarity=bindparam("sim")), lowered)
