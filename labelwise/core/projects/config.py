"""What the labeling hot path needs of a project, parsed once per process and checked with one cheap query.

`project_access` answers "may this caller work here, and with which settings and schema" with a single
SELECT of the project's version columns joined to the caller's membership. The parsed settings, schema and
compiled result validator are cached per process under those version columns (`updated_at`, which every
change of the project's name, settings, schema or guidelines bumps, plus the schema and guidelines version
numbers): a change made by any process shows in the next request of every other process, with no message
between them. Membership (role, standing) is read fresh every time, as part of the same query.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from labelwise.core.platform.access import Role
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import Forbidden, NotFound
from labelwise.schema import LabelSchema, compile_result_validator, parse_schema
from labelwise.store.models import Member, Project, User

_CACHE_SIZE = 512


@dataclass(frozen=True)
class ProjectConfig:
    id: int
    name: str
    created_by: int | None
    settings: ProjectSettings
    schema: LabelSchema
    schema_version: int
    guidelines_version: int
    # validate(task_data, result) -> the normalised result, or Invalid naming the field
    validate: Callable[[dict, Any], dict]


@dataclass(frozen=True)
class ProjectAccess:
    config: ProjectConfig
    role: Role
    member_status: str | None  # None: a site admin who is not a member
    has_webhooks: bool


_cache: dict[int, tuple[tuple[datetime, int, int], ProjectConfig]] = {}


def project_access(session: Session, user: User, project_id: int, minimum: Role = Role.ANNOTATOR, *,
                   what: str | None = None) -> ProjectAccess:
    """The caller's role and the project's cached configuration; NotFound (naming `what`, else the project)
    when the project is missing or the caller is not in it, Forbidden under `minimum`. Read once per session
    (a request): a submit that also serves the next task asks twice."""
    seen = session.info.setdefault("project_access", {})
    found = seen.get((project_id, user.id))
    if found is None:
        found = seen[(project_id, user.id)] = _read(session, user, project_id)
    if isinstance(found, NotFound):
        raise NotFound(f"{what or f'project {project_id}'} not found")
    if found.role < minimum:
        raise Forbidden(f"this needs the {minimum.label} role in project {project_id}; you are {found.role.label}")
    return found


def _read(session: Session, user: User, project_id: int) -> "ProjectAccess | NotFound":
    row = session.execute(
        select(Project.updated_at, Project.schema_version, Project.guidelines_version, Project.has_webhooks,
               Member.role, Member.status)
        .select_from(Project)
        .outerjoin(Member, and_(Member.project_id == Project.id, Member.user_id == user.id))
        .where(Project.id == project_id)
    ).first()
    if row is None:
        return NotFound(f"project {project_id} not found")
    updated_at, schema_version, guidelines_version, has_webhooks, member_role, member_status = row
    if user.is_admin:
        role = Role.MANAGER
    elif member_role is None:
        return NotFound(f"project {project_id} not found")
    else:
        role = Role.parse(member_role)
    key = (updated_at, schema_version, guidelines_version)
    cached = _cache.get(project_id)
    if cached is None or cached[0] != key:
        cached = (key, _load(session, project_id, schema_version, guidelines_version))
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[project_id] = cached
    return ProjectAccess(cached[1], role, member_status, bool(has_webhooks))


def _load(session: Session, project_id: int, schema_version: int, guidelines_version: int) -> ProjectConfig:
    name, created_by, settings, label_schema = session.execute(
        select(Project.name, Project.created_by, Project.settings, Project.label_schema).where(Project.id == project_id)
    ).one()
    schema = parse_schema(label_schema)
    return ProjectConfig(project_id, name, created_by, ProjectSettings.model_validate(settings or {}), schema,
                         schema_version, guidelines_version, compile_result_validator(schema))


def forget() -> None:
    """Drop every cached configuration (tests that rewrite a project's row behind the services' back)."""
    _cache.clear()
