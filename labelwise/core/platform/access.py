"""Who may do what in a project. Every service that touches a project asks here first.

Roles are ordered: annotator < reviewer < manager. A site admin acts as a manager everywhere.
Projects the caller is not a member of are reported as not found, so their existence does not leak.
"""

from enum import IntEnum
from typing import Any

from sqlalchemy.orm import Session

from labelwise.errors import Forbidden, Invalid, NotFound
from labelwise.store.models import Member, Project, User


class Role(IntEnum):
    ANNOTATOR = 1
    REVIEWER = 2
    MANAGER = 3

    @classmethod
    def parse(cls, name: str) -> "Role":
        try:
            return cls[name.upper()]
        except KeyError:
            raise Invalid(f"unknown role '{name}'; expected annotator, reviewer or manager", field="role") from None

    @property
    def label(self) -> str:
        return self.name.lower()


def role_in(session: Session, user: User, project_id: int) -> Role | None:
    member = _pin(session, session.get(Member, (project_id, user.id)))
    if user.is_admin:
        return Role.MANAGER
    return Role.parse(member.role) if member else None


def authorize(session: Session, user: User, project_id: int, minimum: Role = Role.ANNOTATOR) -> tuple[Project, Role]:
    """Load the project and check the caller holds at least `minimum` in it."""
    project = _pin(session, session.get(Project, project_id))
    role = role_in(session, user, project_id) if project else None
    if project is None or role is None:
        raise NotFound(f"project {project_id} not found")
    if role < minimum:
        raise Forbidden(f"this needs the {minimum.label} role in project {project_id}; you are {role.label}")
    return project, role


def authorize_row(session: Session, user: User, row: Any, what: str, minimum: Role = Role.ANNOTATOR) -> tuple[Project, Role]:
    """`authorize` for a row of a project's table (one with `project_id`). A missing row and a row of a project
    the caller may not see are both "<what> not found", so the ids of other projects' rows do not leak."""
    if row is None:
        raise NotFound(f"{what} not found")
    try:
        return authorize(session, user, row.project_id, minimum)
    except NotFound:
        raise NotFound(f"{what} not found") from None


def _pin(session: Session, obj):
    """Hold a strong reference for the session's lifetime. The identity map keeps objects only while
    something references them, and the services of one request look the same project and membership
    up several times; pinned, those lookups are answered without SQL."""
    if obj is not None:
        session.info.setdefault("pinned", set()).add(obj)
    return obj
