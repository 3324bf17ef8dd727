"""The rules of a worker link, checked where an external worker touches the queue.

An external worker is an ordinary annotator of the project (`User.is_external`) who came through a link
(`User.external_link_id`). The queue asks `admit` before serving them: the link must be open (not revoked,
not expired), the worker not blocked, the link's and the worker's quotas not used up, and the link under
its rate limit. Members never reach this module, so their hot path is unchanged.
"""

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from labelwise.core.projects.queue_order import batch_rank
from labelwise.errors import Forbidden, TooManyRequests
from labelwise.store.models import Batch, LinkWorker, User, WorkerLink

WINDOW = timedelta(minutes=1)


class LinkClosed(Forbidden):
    """The link cannot serve this worker (revoked, expired, blocked, or a quota used up)."""


def completion_code(link: WorkerLink, worker_id: str) -> str:
    """The code a worker pastes into their marketplace: tied to link and worker, checkable, not guessable."""
    digest = hmac.new(link.secret.encode(), f"{link.id}:{worker_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode()


def check_open(link: WorkerLink, now: datetime, worker_id: str | None = None) -> None:
    """Raise `LinkClosed` with a message for the worker when the link is revoked, expired or blocks them."""
    if link.revoked_at is not None:
        raise LinkClosed("this link was withdrawn by the project's managers; it no longer gives work",
                         field="link")
    if link.expires_at is not None and link.expires_at <= now:
        raise LinkClosed(f"this link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC; it no longer gives work",
                         field="link")
    if worker_id is not None and worker_id in (link.blocked or []):
        raise LinkClosed("this worker id is blocked on this link", field="worker_id")
    if link.max_tasks_total is not None and link.tasks_done >= link.max_tasks_total:
        raise LinkClosed(f"this link's quota of {link.max_tasks_total} tasks is used up; thank you", field="link")


def admit(session: Session, user: User, project_id: int, now: datetime) -> tuple[int, int] | None:
    """Check the worker's link before serving them. Returns (batch id, its queue rank) when the link is for
    one batch, else None."""
    link = session.get(WorkerLink, user.external_link_id) if user.external_link_id is not None else None
    if link is None or link.project_id != project_id:
        raise LinkClosed("this worker session belongs to no open link of this project", field="link")
    worker = session.scalars(select(LinkWorker).where(LinkWorker.link_id == link.id,
                                                      LinkWorker.user_id == user.id)).first()
    check_open(link, now, worker.worker_id if worker else None)
    if worker is None:
        raise LinkClosed("this worker session belongs to no open link of this project", field="link")
    if link.max_tasks_per_worker is not None and worker.tasks_done >= link.max_tasks_per_worker:
        raise LinkClosed(f"you have done the {link.max_tasks_per_worker} tasks this link allows per worker; "
                         f"thank you. Your completion code: {completion_code(link, worker.worker_id)}",
                         field="link")
    take_rate(session, link, now)
    if link.batch_id is None:
        return None
    batch = session.get(Batch, link.batch_id)
    return batch.id, batch_rank(batch.priority, batch.deadline, paused=batch.status != "active")


def take_rate(session: Session, link: WorkerLink, now: datetime) -> None:
    """Count one request in the link's fixed one-minute window (one UPDATE, shared by every process)."""
    fresh = (WorkerLink.window_start.is_(None)) | (WorkerLink.window_start <= now - WINDOW)
    count = session.execute(
        update(WorkerLink).where(WorkerLink.id == link.id)
        .values(window_start=case((fresh, now), else_=WorkerLink.window_start),
                window_count=case((fresh, 1), else_=WorkerLink.window_count + 1))
        .returning(WorkerLink.window_count, WorkerLink.window_start)
    ).first()
    session.commit()
    if count.window_count > link.rate_per_minute:
        wait = max(1, int((count.window_start + WINDOW - now).total_seconds()) + 1)
        raise TooManyRequests(f"this link is limited to {link.rate_per_minute} requests a minute; "
                              f"try again in {wait} s", retry_after=wait, field="link")


def count_answer(session: Session, user: User) -> None:
    """One more task done through the worker's link, for its quotas; the caller commits."""
    if user.external_link_id is None:
        return
    session.execute(update(WorkerLink).where(WorkerLink.id == user.external_link_id)
                    .values(tasks_done=WorkerLink.tasks_done + 1))
    session.execute(update(LinkWorker)
                    .where(LinkWorker.link_id == user.external_link_id, LinkWorker.user_id == user.id)
                    .values(tasks_done=LinkWorker.tasks_done + 1))
