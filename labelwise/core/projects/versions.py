"""Versions of a project's label schema and guidelines: each change adds a numbered row with the full
content, its author and a readable diff; the project keeps the current numbers, which every answer,
review and prediction records when written."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role, authorize
from labelwise.core.platform.clock import utcnow
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Project, ProjectVersion, User

KINDS = ("schema", "guidelines")


@dataclass(frozen=True)
class VersionView:
    kind: str
    number: int
    created_at: datetime
    author: str | None
    diff: list[str]
    migration: dict[str, Any] | None
    current: bool
    label_schema: dict[str, Any] | None = None
    guidelines: str | None = None


def record_initial(session: Session, project: Project, author: User) -> None:
    """Version 1 of both, for a new project."""
    for kind in KINDS:
        session.add(ProjectVersion(
            project_id=project.id, kind=kind, number=1, diff=[f"initial {kind}"], author_id=author.id,
            created_at=project.created_at, label_schema=project.label_schema if kind == "schema" else None,
            guidelines=project.guidelines if kind == "guidelines" else None,
        ))


def record_schema(session: Session, project: Project, author: User, diff: list[str], *,
                  migration: dict[str, Any] | None = None) -> int:
    """Add the next schema version (the project's `label_schema` as it is now); returns its number."""
    project.schema_version += 1
    session.add(ProjectVersion(project_id=project.id, kind="schema", number=project.schema_version,
                               label_schema=project.label_schema, diff=diff, migration=migration,
                               author_id=author.id, created_at=utcnow()))
    return project.schema_version


def record_guidelines(session: Session, project: Project, author: User, diff: list[str]) -> int:
    project.guidelines_version += 1
    session.add(ProjectVersion(project_id=project.id, kind="guidelines", number=project.guidelines_version,
                               guidelines=project.guidelines, diff=diff, author_id=author.id, created_at=utcnow()))
    return project.guidelines_version


def list_versions(session: Session, user: User, project_id: int, *, kind: str | None = None) -> list[VersionView]:
    """Every version, newest first, without the full content."""
    project, _ = authorize(session, user, project_id, Role.ANNOTATOR)
    if kind is not None and kind not in KINDS:
        raise Invalid(f"kind must be schema or guidelines, not '{kind}'", field="kind")
    stmt = (select(ProjectVersion, User.username).outerjoin(User, User.id == ProjectVersion.author_id)
            .where(ProjectVersion.project_id == project_id))
    if kind is not None:
        stmt = stmt.where(ProjectVersion.kind == kind)
    rows = session.execute(stmt.order_by(ProjectVersion.id.desc())).all()
    return [_view(project, row, author, full=False) for row, author in rows]


def get_version(session: Session, user: User, project_id: int, kind: str, number: int) -> VersionView:
    project, _ = authorize(session, user, project_id, Role.ANNOTATOR)
    row = session.execute(
        select(ProjectVersion, User.username).outerjoin(User, User.id == ProjectVersion.author_id)
        .where(ProjectVersion.project_id == project_id, ProjectVersion.kind == kind, ProjectVersion.number == number)
    ).first()
    if row is None:
        raise NotFound(f"project {project_id} has no {kind} version {number}")
    return _view(project, row[0], row[1], full=True)


def _view(project: Project, row: ProjectVersion, author: str | None, *, full: bool) -> VersionView:
    current = project.schema_version if row.kind == "schema" else project.guidelines_version
    return VersionView(kind=row.kind, number=row.number, created_at=row.created_at, author=author, diff=row.diff,
                       migration=row.migration, current=row.number == current,
                       label_schema=row.label_schema if full else None, guidelines=row.guidelines if full else None)
