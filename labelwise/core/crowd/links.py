"""Worker links: a crowd without accounts labels a project (or one batch) through a shareable link.

A worker opens the link with the id their marketplace gives them (`?workerId=...`) and becomes, for that
project, a lightweight external user (`ext-p<project>-<worker id>`, no password) who is an annotator like
any member: the same queue, overlap, gold, qualification and pause rules apply, and their answers carry
the worker id through agreement, aggregation and exports unchanged. One user per (project, worker id),
not per link, so that two links of a project never serve one person the same task twice.
The rules of the link itself are enforced in `core.labeling.worker_gate`.
"""

import re
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from labelwise.core.accounts.users import issue_token
from labelwise.core.labeling.worker_gate import LinkClosed, check_open, completion_code, take_rate
from labelwise.core.platform import events
from labelwise.core.platform.access import Role, authorize, authorize_row
from labelwise.core.platform.clock import parse_when, utcnow
from labelwise.core.projects.projects import ProjectSettings
from labelwise.errors import Conflict, Invalid, NotFound
from labelwise.store.models import Batch, LinkWorker, Member, Project, Token, User, WorkerLink

WORKER_ID = re.compile(r"^[A-Za-z0-9_.@+-]{1,100}$")
SESSION_HOURS = 24
_LIMITS = ("max_tasks_per_worker", "max_tasks_total", "max_workers")
EDITABLE = ("name", *_LIMITS, "rate_per_minute", "expires_at")


def create_link(session: Session, user: User, project_id: int, *, batch_id: int | None = None,
                **fields: Any) -> WorkerLink:
    authorize(session, user, project_id, Role.MANAGER)
    if batch_id is not None:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.project_id != project_id:
            raise Invalid(f"batch {batch_id} is not in project {project_id}", field="batch_id")
    values = _checked({"name": "worker link", "rate_per_minute": 120, **fields})
    link = WorkerLink(project_id=project_id, batch_id=batch_id, token=secrets.token_urlsafe(24),
                      secret=secrets.token_hex(32), tasks_done=0, workers=0, blocked=[], window_count=0,
                      created_by=user.id, created_at=utcnow(), **values)
    session.add(link)
    session.flush()
    events.record(session, actor=user, action="worker_link.created", object_type="worker_link",
                  object_id=link.id, project_id=project_id, after={"name": link.name, "batch_id": batch_id})
    session.commit()
    return link


def list_links(session: Session, user: User, project_id: int) -> list[WorkerLink]:
    authorize(session, user, project_id, Role.MANAGER)
    return list(session.scalars(select(WorkerLink).where(WorkerLink.project_id == project_id)
                                .order_by(WorkerLink.id)))


def get_link(session: Session, user: User, link_id: int) -> WorkerLink:
    link = session.get(WorkerLink, link_id)
    authorize_row(session, user, link, f"worker link {link_id}", Role.MANAGER)
    return link


def update_link(session: Session, user: User, link_id: int, changes: dict[str, Any]) -> WorkerLink:
    link = get_link(session, user, link_id)
    for key, value in _checked(changes).items():
        setattr(link, key, value)
    events.record(session, actor=user, action="worker_link.updated", object_type="worker_link", object_id=link.id,
                  project_id=link.project_id, after={k: str(v) for k, v in changes.items()})
    session.commit()
    return link


def revoke_link(session: Session, user: User, link_id: int) -> WorkerLink:
    """Close the link for good: its workers' sessions end and it serves nobody again."""
    link = get_link(session, user, link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.execute(update(Token).where(Token.kind == "worker", Token.name == _token_name(link))
                        .values(revoked_at=link.revoked_at))
        events.record(session, actor=user, action="worker_link.revoked", object_type="worker_link",
                      object_id=link.id, project_id=link.project_id)
        session.commit()
    return link


def set_blocked(session: Session, user: User, link_id: int, worker_id: str, *, blocked: bool) -> WorkerLink:
    """Add a worker id to the link's block list (or take it off)."""
    link = get_link(session, user, link_id)
    worker_id = _worker_id(worker_id)
    current = list(link.blocked or [])
    if blocked and worker_id not in current:
        current.append(worker_id)
    elif not blocked and worker_id in current:
        current.remove(worker_id)
    link.blocked = current
    events.record(session, actor=user, action="worker_link.blocked" if blocked else "worker_link.unblocked",
                  object_type="worker_link", object_id=link.id, project_id=link.project_id,
                  after={"worker_id": worker_id})
    session.commit()
    return link


def list_workers(session: Session, user: User, link_id: int) -> list[tuple[LinkWorker, str]]:
    """The link's workers with their completion codes, for paying them."""
    link = get_link(session, user, link_id)
    rows = session.scalars(select(LinkWorker).where(LinkWorker.link_id == link.id).order_by(LinkWorker.created_at))
    return [(row, completion_code(link, row.worker_id)) for row in rows]


def verify_code(session: Session, user: User, link_id: int, code: str) -> LinkWorker:
    """The worker a completion code belongs to, or NotFound: what a manager checks before paying."""
    link = get_link(session, user, link_id)
    wanted = code.strip().upper()
    for row in session.scalars(select(LinkWorker).where(LinkWorker.link_id == link.id)):
        if secrets.compare_digest(completion_code(link, row.worker_id), wanted):
            return row
    raise NotFound("no worker of this link has that completion code", field="code")


def join(session: Session, token: str, worker_id: str | None) -> tuple[WorkerLink, LinkWorker, str]:
    """Open a worker session through a link: get or create the worker's external user and their
    membership, and issue a session token. Returns the link, the worker and the token's secret."""
    try:
        return _join(session, token, worker_id)
    except IntegrityError:  # the same new worker joined from another tab a moment ago: they exist now
        session.rollback()
        return _join(session, token, worker_id)


def _join(session: Session, token: str, worker_id: str | None) -> tuple[WorkerLink, LinkWorker, str]:
    link = session.scalar(select(WorkerLink).where(WorkerLink.token == token))
    if link is None:
        raise NotFound("this worker link does not exist; check that the whole link was copied", field="link")
    worker_id = _worker_id(worker_id)
    now = utcnow()
    check_open(link, now, worker_id)
    worker = session.get(LinkWorker, (link.id, worker_id))
    if worker is None and link.max_workers is not None and link.workers >= link.max_workers:
        raise LinkClosed(f"this link has taken the {link.max_workers} workers it was opened for; thank you",
                         field="link")
    take_rate(session, link, now)  # a flood of made-up worker ids stops here too
    user = _external_user(session, link.project_id, worker_id, now)
    user.external_link_id = link.id
    if worker is None:
        worker = LinkWorker(link_id=link.id, worker_id=worker_id, user_id=user.id, tasks_done=0, created_at=now,
                            last_seen_at=now)
        session.add(worker)
        link.workers = WorkerLink.workers + 1  # in SQL: concurrent joins each count
        events.record(session, actor=user, action="worker_link.joined", object_type="worker_link",
                      object_id=link.id, project_id=link.project_id, after={"worker_id": worker_id})
    worker.last_seen_at = now
    session.flush()
    hours = SESSION_HOURS
    if link.expires_at is not None:
        hours = max(1, min(hours, int((link.expires_at - now).total_seconds() // 3600) + 1))
    _, secret = issue_token(session, user, name=_token_name(link), kind="worker", days=hours / 24)
    return link, worker, secret


def worker_status(session: Session, user: User) -> dict[str, Any]:
    """What the worker page shows: progress against the quota, and the completion code once they worked."""
    link = session.get(WorkerLink, user.external_link_id) if user.is_external and user.external_link_id else None
    if link is None:
        raise NotFound("this session is not a worker link's session", field="link")
    worker = session.scalars(select(LinkWorker).where(LinkWorker.link_id == link.id,
                                                      LinkWorker.user_id == user.id)).first()
    return {
        "link": link.name, "project_id": link.project_id, "batch_id": link.batch_id, "worker_id": worker.worker_id,
        "tasks_done": worker.tasks_done, "max_tasks_per_worker": link.max_tasks_per_worker,
        "completion_code": completion_code(link, worker.worker_id) if worker.tasks_done > 0 else None,
    }


def _external_user(session: Session, project_id: int, worker_id: str, now) -> User:
    username = f"ext-p{project_id}-{worker_id}"
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, email=None, password_hash="!external",  # no password logs in as a worker
                    is_admin=False, is_active=True, is_external=True, created_at=now)
        session.add(user)
        session.flush()
    elif not user.is_external:
        raise Conflict(f"the user name '{username}' is taken by an account; use another worker id",
                       field="worker_id")
    if session.get(Member, (project_id, user.id)) is None:
        settings = ProjectSettings.model_validate(session.get(Project, project_id).settings)
        session.add(Member(project_id=project_id, user_id=user.id, role=Role.ANNOTATOR.label, created_at=now,
                           status="qualifying" if settings.qualification_gold > 0 else "active"))
    return user


def _worker_id(value: str | None) -> str:
    value = (value or "").strip()
    if not WORKER_ID.match(value):
        raise Invalid("the link needs your worker id as your marketplace passes it (…?workerId=YOUR_ID): "
                      "1-100 letters, digits or _ . @ + -", field="worker_id")
    return value


def _token_name(link: WorkerLink) -> str:
    return f"link:{link.id}"


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(f"unknown worker link field '{min(unknown)}'", field=min(unknown))
    values = dict(fields)
    if "name" in values and (not isinstance(values["name"], str) or not 1 <= len(values["name"].strip()) <= 200):
        raise Invalid("name must be 1-200 characters", field="name")
    for key in _LIMITS:
        value = values.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise Invalid(f"{key} must be a whole number, 1 or more (null: no limit)", field=key)
    if "rate_per_minute" in values:
        rate = values["rate_per_minute"]
        if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= 100_000:
            raise Invalid("rate_per_minute must be between 1 and 100000", field="rate_per_minute")
    if "expires_at" in values:
        values["expires_at"] = parse_when(values["expires_at"], "expires_at")
    return values

