"""Worker links: managers open, limit, revoke and pay links; crowd workers join them without an account."""

from fastapi import APIRouter

from labelwise.api.contract import errors
from labelwise.api.deps import SessionDep, UserDep
from labelwise.api.schemas import (
    CompletionCodeIn,
    LinkWorkerOut,
    WorkerIdIn,
    WorkerJoinIn,
    WorkerLinkIn,
    WorkerLinkOut,
    WorkerLinkPatch,
    WorkerStatusOut,
)
from labelwise.core.crowd import links
from labelwise.core.labeling.worker_gate import completion_code

router = APIRouter(tags=["worker links"])


def _out(link) -> WorkerLinkOut:
    out = WorkerLinkOut.model_validate(link)
    out.url = f"/w/{link.token}"
    return out


@router.post("/projects/{project_id}/worker-links", response_model=WorkerLinkOut, status_code=201)
def create_link(project_id: int, body: WorkerLinkIn, user: UserDep, session: SessionDep):
    fields = body.model_dump()
    return _out(links.create_link(session, user, project_id, batch_id=fields.pop("batch_id"), **fields))


@router.get("/projects/{project_id}/worker-links", response_model=list[WorkerLinkOut])
def list_links(project_id: int, user: UserDep, session: SessionDep):
    return [_out(link) for link in links.list_links(session, user, project_id)]


@router.get("/worker-links/{link_id}", response_model=WorkerLinkOut)
def read_link(link_id: int, user: UserDep, session: SessionDep):
    return _out(links.get_link(session, user, link_id))


@router.patch("/worker-links/{link_id}", response_model=WorkerLinkOut)
def update_link(link_id: int, body: WorkerLinkPatch, user: UserDep, session: SessionDep):
    return _out(links.update_link(session, user, link_id, body.model_dump(exclude_unset=True)))


@router.post("/worker-links/{link_id}/revoke", response_model=WorkerLinkOut)
def revoke_link(link_id: int, user: UserDep, session: SessionDep):
    """Close the link for good; its workers' sessions end at once."""
    return _out(links.revoke_link(session, user, link_id))


@router.post("/worker-links/{link_id}/block", response_model=WorkerLinkOut)
def block_worker(link_id: int, body: WorkerIdIn, user: UserDep, session: SessionDep):
    return _out(links.set_blocked(session, user, link_id, body.worker_id, blocked=True))


@router.post("/worker-links/{link_id}/unblock", response_model=WorkerLinkOut)
def unblock_worker(link_id: int, body: WorkerIdIn, user: UserDep, session: SessionDep):
    return _out(links.set_blocked(session, user, link_id, body.worker_id, blocked=False))


@router.get("/worker-links/{link_id}/workers", response_model=list[LinkWorkerOut])
def list_workers(link_id: int, user: UserDep, session: SessionDep):
    """Who worked through the link, how much, and the completion code each was given."""
    return [LinkWorkerOut(worker_id=w.worker_id, user_id=w.user_id, tasks_done=w.tasks_done, completion_code=code,
                          created_at=w.created_at, last_seen_at=w.last_seen_at)
            for w, code in links.list_workers(session, user, link_id)]


@router.post("/worker-links/{link_id}/verify", response_model=LinkWorkerOut)
def verify_code(link_id: int, body: CompletionCodeIn, user: UserDep, session: SessionDep):
    """The worker a completion code belongs to (404 when none): check it before paying."""
    worker = links.verify_code(session, user, link_id, body.code)
    link = links.get_link(session, user, link_id)
    return LinkWorkerOut(worker_id=worker.worker_id, user_id=worker.user_id, tasks_done=worker.tasks_done,
                         completion_code=completion_code(link, worker.worker_id), created_at=worker.created_at,
                         last_seen_at=worker.last_seen_at)


@router.post("/links/{token}/join", response_model=WorkerStatusOut)
def join(token: str, body: WorkerJoinIn, session: SessionDep):
    """Open a worker session (no account): the answer carries a bearer token for the labeling API."""
    link, worker, secret = links.join(session, token, body.worker_id)
    return WorkerStatusOut(link=link.name, project_id=link.project_id, batch_id=link.batch_id,
                           worker_id=worker.worker_id, tasks_done=worker.tasks_done,
                           max_tasks_per_worker=link.max_tasks_per_worker,
                           completion_code=completion_code(link, worker.worker_id) if worker.tasks_done else None,
                           token=secret)


@router.get("/worker/me", response_model=WorkerStatusOut, responses=errors(404))
def worker_me(user: UserDep, session: SessionDep):
    """The worker's progress and, once they have done a task, their completion code."""
    return WorkerStatusOut(**links.worker_status(session, user))
