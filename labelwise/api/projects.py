"""Projects, their members, stats and audit events."""

from typing import Any

from fastapi import APIRouter, Body, Query
from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import EventOut, MemberIn, MemberOut, ProjectIn, ProjectOut, StatsOut
from labelwise.core import events, projects, stats, users
from labelwise.core.access import Role, authorize, role_in
from labelwise.core.errors import Invalid

router = APIRouter(prefix="/projects", tags=["projects"])


def _out(project, role: Role | None) -> ProjectOut:
    out = ProjectOut.model_validate(project)
    out.role = role.label if role else None
    return out


@router.get("", response_model=list[ProjectOut])
def list_projects(user: UserDep, session: SessionDep):
    return [_out(p, role_in(session, user, p.id)) for p in projects.list_projects(session, user)]


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(body: ProjectIn, user: UserDep, session: SessionDep):
    project = projects.create_project(
        session, user, name=body.name, label_schema=body.label_schema, description=body.description,
        guidelines=body.guidelines, settings=body.settings,
    )
    return _out(project, Role.MANAGER)


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(project_id: int, user: UserDep, session: SessionDep):
    project, role = authorize(session, user, project_id)
    return _out(project, role)


@router.patch("/{project_id}", response_model=ProjectOut)
def update_project(project_id: int, user: UserDep, session: SessionDep, changes: dict[str, Any] = Body(...)):
    return _out(projects.update_project(session, user, project_id, changes), Role.MANAGER)


@router.delete("/{project_id}", status_code=204)
def delete_project(project_id: int, user: UserDep, session: SessionDep):
    projects.delete_project(session, user, project_id)


@router.get("/{project_id}/members", response_model=list[MemberOut])
def list_members(project_id: int, user: UserDep, session: SessionDep):
    return [
        MemberOut(user_id=u.id, username=u.username, role=m.role)
        for m, u in projects.list_members(session, user, project_id)
    ]


@router.post("/{project_id}/members", response_model=MemberOut, status_code=201)
def set_member(project_id: int, body: MemberIn, user: UserDep, session: SessionDep):
    if body.user_id is not None:
        member = users.get_user(session, body.user_id)
    elif body.username is not None:
        member = users.get_user_by_name(session, body.username)
    else:
        raise Invalid("name the member by 'user_id' or 'username'", field="user_id")
    row = projects.set_member(session, user, project_id, member=member, role=body.role)
    return MemberOut(user_id=member.id, username=member.username, role=row.role)


@router.delete("/{project_id}/members/{user_id}", status_code=204)
def remove_member(project_id: int, user_id: int, user: UserDep, session: SessionDep):
    projects.remove_member(session, user, project_id, user_id)


@router.get("/{project_id}/stats", response_model=StatsOut)
def project_stats(project_id: int, user: UserDep, session: SessionDep):
    return stats.project_stats(session, user, project_id)


@router.get("/{project_id}/events", response_model=list[EventOut])
def project_events(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    after: int = Query(0, ge=0, description="Only events with a larger id."),
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = None,
):
    return events.list_events(session, user, project_id, after=after, limit=limit, action=action)
