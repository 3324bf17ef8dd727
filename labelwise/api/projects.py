"""Projects, their members, stats and audit events."""

import io
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response, StreamingResponse

from labelwise.api.contract import errors, file_download
from labelwise.api.deps import ProjectCreatorDep, SessionDep, SessionFactoryDep, UserDep
from labelwise.api.schemas import (
    EventOut,
    MemberIn,
    MemberOut,
    ProjectIn,
    ProjectOut,
    ReannotateIn,
    ReannotateOut,
    SchemaChangeIn,
    StatsOut,
    VersionOut,
)
from labelwise.core.accounts import users
from labelwise.core.iteration import reannotate, schema_change
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, role_in
from labelwise.core.platform.clock import iso_utc
from labelwise.core.projects import projects, stats, versions
from labelwise.errors import Invalid
from labelwise.formats import delimited, jsonl

router = APIRouter(prefix="/projects", tags=["projects"])


def _out(project, role: Role | None) -> ProjectOut:
    out = ProjectOut.model_validate(project)
    out.role = role.label if role else None
    return out


@router.get("", response_model=list[ProjectOut])
def list_projects(user: UserDep, session: SessionDep):
    return [_out(p, role_in(session, user, p.id)) for p in projects.list_projects(session, user)]


@router.post("", response_model=ProjectOut, status_code=201)
def create_project(body: ProjectIn, user: ProjectCreatorDep, session: SessionDep):
    project = projects.create_project(
        session, user, name=body.name, label_schema=body.label_schema, description=body.description,
        guidelines=body.guidelines, settings=body.settings,
    )
    return _out(project, Role.MANAGER)


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(project_id: int, user: UserDep, session: SessionDep):
    project, role = authorize(session, user, project_id)
    return _out(project, role)


@router.patch("/{project_id}", response_model=ProjectOut, responses={409: {"description": (
    "The new label_schema would leave stored results invalid; the body's `report` says which controls and "
    "labels, and how many annotations, predictions and gold answers. Send a `migration` with the change.")}})
def update_project(project_id: int, user: UserDep, session: SessionDep, changes: dict[str, Any] = Body(...)):
    """Change name, description, guidelines, settings or label_schema; a changed schema or guidelines adds a
    version. With `migration`, the new label_schema's migration is applied (snapshot first)."""
    return _out(schema_change.update_project(session, user, project_id, changes), Role.MANAGER)


@router.post("/{project_id}/schema/preview")
def preview_schema_change(project_id: int, body: SchemaChangeIn, user: UserDep, session: SessionDep) -> dict:
    """What a new label_schema (with an optional migration) would change, rewrite and break; writes nothing."""
    return schema_change.preview(session, user, project_id, body.label_schema, body.migration).to_dict()


@router.post("/{project_id}/reannotate", response_model=ReannotateOut)
def reannotate_answers(project_id: int, body: ReannotateIn, user: UserDep, session: SessionDep):
    """Send submitted answers (made under an older version, or chosen by task or annotator) back for relabeling by
    their authors or for a new review; earlier answers stay in the history. `dry_run` only counts them."""
    chosen = reannotate.selection(
        schema_version=body.schema_version, before_schema_version=body.before_schema_version,
        guidelines_version=body.guidelines_version, before_guidelines_version=body.before_guidelines_version,
        task_ids=body.task_ids, annotator_id=reannotate.annotator_id(session, body.annotator))
    return reannotate.reannotate(session, user, project_id, chosen, mode=body.mode, comment=body.comment,
                                 dry_run=body.dry_run)


@router.get("/{project_id}/versions", response_model=list[VersionOut])
def list_versions(project_id: int, user: UserDep, session: SessionDep,
                  kind: Literal["schema", "guidelines"] | None = None):
    """Versions of the label schema and guidelines, newest first, each with its diff."""
    return versions.list_versions(session, user, project_id, kind=kind)


@router.get("/{project_id}/versions/{kind}/{number}", response_model=VersionOut)
def get_version(project_id: int, kind: Literal["schema", "guidelines"], number: int, user: UserDep,
                session: SessionDep):
    """One version with its full content."""
    return versions.get_version(session, user, project_id, kind, number)


@router.delete("/{project_id}", status_code=204)
def delete_project(project_id: int, request: Request, user: UserDep, session: SessionDep):
    """Delete the project, its tasks and labels, and then its stored media."""
    projects.delete_project(session, user, project_id, storage=request.app.state.storage)


@router.get("/{project_id}/members", response_model=list[MemberOut])
def list_members(project_id: int, user: UserDep, session: SessionDep):
    return [
        MemberOut(user_id=u.id, username=u.username, role=m.role, granted_by=m.granted_by)
        for m, u in projects.list_members(session, user, project_id)
    ]


@router.post("/{project_id}/members", response_model=MemberOut, status_code=201, responses=errors(409))
def set_member(project_id: int, body: MemberIn, user: UserDep, session: SessionDep):
    if body.user_id is not None:
        member = users.get_user(session, body.user_id)
    elif body.username is not None:
        member = users.get_user_by_name(session, body.username)
    else:
        raise Invalid("name the member by 'user_id' or 'username'", field="user_id")
    row = projects.set_member(session, user, project_id, member=member, role=body.role)
    return MemberOut(user_id=member.id, username=member.username, role=row.role, granted_by=row.granted_by)


@router.delete("/{project_id}/members/{user_id}", status_code=204, responses=errors(409))
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
    after: int = Query(0, ge=0, description="Only events with a larger id (keyset paging)."),
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = Query(None, description="Exact action, or a prefix ending in '.' or '*'."),
    actor: str | None = Query(None, description="Username or user id."),
    object_type: str | None = None,
    object_id: str | None = None,
    since: str | None = Query(None, description="ISO date or time, inclusive."),
    until: str | None = Query(None, description="ISO date or time, exclusive."),
):
    filters = events.event_filter(action=action, actor=actor, object_type=object_type, object_id=object_id,
                                  since=since, until=until)
    rows = events.list_events(session, user, project_id, after=after, limit=limit, filters=filters)
    names = events.usernames(session, {e.actor_id for e in rows if e.actor_id})
    return [EventOut.model_validate(e).model_copy(update={"actor": names.get(e.actor_id)}) for e in rows]


@router.get("/{project_id}/events/export", response_class=Response,
             responses=file_download(["application/jsonl", "text/csv; charset=utf-8"], "The audit log, as asked by `format`"))
def export_events(
    project_id: int,
    user: UserDep,
    session: SessionDep,
    factory: SessionFactoryDep,
    format: Literal["jsonl", "csv"] = "jsonl",
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
):
    """The audit log (filtered as the listing), streamed as JSON Lines or CSV."""
    filters = events.event_filter(action=action, actor=actor, object_type=object_type, object_id=object_id,
                                  since=since, until=until)
    events.list_events(session, user, project_id, limit=1, filters=filters)  # authorise, resolve the actor
    media = "application/jsonl" if format == "jsonl" else "text/csv; charset=utf-8"
    return StreamingResponse(_event_chunks(factory, project_id, filters, format), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="project-{project_id}-events.{format}"'})


EVENT_COLUMNS = ["id", "created_at", "actor_id", "actor", "action", "object_type", "object_id", "before", "after"]


def _event_chunks(factory, project_id: int, filters, fmt: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = delimited.RowWriter(buffer, EVENT_COLUMNS) if fmt == "csv" else None
    names: dict[int, str] = {}
    with factory() as session:
        for event in events.iter_events(session, project_id, filters):
            if event.actor_id and event.actor_id not in names:
                names.update(events.usernames(session, {event.actor_id}))
            row = {"id": event.id, "created_at": iso_utc(event.created_at), "actor_id": event.actor_id,
                   "actor": names.get(event.actor_id), "action": event.action, "object_type": event.object_type,
                   "object_id": event.object_id, "before": event.before, "after": event.after}
            if writer is not None:
                writer.write(row)
            else:
                buffer.write(jsonl.dumps(row) + "\n")
            if buffer.tell() >= 256 * 1024:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
