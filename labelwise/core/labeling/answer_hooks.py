"""What follows every change of an answer: consensus, dynamic overlap, gold standing and their notifications.

None of it runs inside the answer's write transaction. That transaction only marks the task dirty (a row of
`answer_followups`, committed with the answer or not at all); `catch_up` later takes marked rows, runs the
followers and deletes the rows in one transaction of its own, so work is never lost: a process that dies
mid-way leaves its rows for the next catch-up, in any process. Rows are taken with a DELETE ... RETURNING
(PostgreSQL: of rows locked SKIP LOCKED), so two processes never follow the same row twice.

Who catches up: each server process runs a `FollowupRunner` thread, woken by its own answers and polling
for those of others; `synchronous = True` (the test suite) runs the catch-up of a changed answer at once,
still as its own step after the marking. Labeling sits below review, so it cannot import review's followers;
review registers them here, and `labelwise.core` wires them as soon as any service is imported."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from labelwise.core.platform.clock import utcnow
from labelwise.store.models import AnswerFollowup

log = logging.getLogger("labelwise")


@dataclass(frozen=True)
class ChangedAnswer:
    """Whose answer to which task changed: all a follower needs."""

    task_id: int
    project_id: int
    user_id: int


AnswerFollower = Callable[[Session, ChangedAnswer], None]

_followers: list[AnswerFollower] = []
BATCH = 200
# Set by the test suite: a changed answer's follow-up runs right after it is marked, in the same request.
synchronous = False
_wake = threading.Event()


def follow_answers(follower: AnswerFollower) -> None:
    """Run `follower(session, changed)` after every revision of an answer; registering twice is a no-op."""
    if follower not in _followers:
        _followers.append(follower)


def answer_changed(session: Session, annotation) -> None:
    """Mark the answer's task for the catch-up, inside the caller's transaction (which commits)."""
    if not _followers:
        raise RuntimeError("no follower of changed answers is registered: import labelwise.core, which wires them")
    session.execute(insert(AnswerFollowup).values(task_id=annotation.task_id, project_id=annotation.project_id,
                                                  user_id=annotation.user_id, created_at=utcnow()))
    if synchronous:
        catch_up(session, project_id=annotation.project_id, commit=False)
    else:
        _wake.set()


def catch_up(session: Session, *, project_id: int | None = None, limit: int = BATCH, commit: bool = True) -> int:
    """Follow up to `limit` marked answers (of one project, or any), oldest first; returns how many rows were
    taken. With `commit` the work and the deletion of its rows commit together."""
    pending = select(AnswerFollowup.id)
    if project_id is not None:
        pending = pending.where(AnswerFollowup.project_id == project_id)
    if commit and session.scalar(pending.limit(1)) is None:  # a read: an idle poll takes no write lock
        session.rollback()
        return 0
    taken = pending.order_by(AnswerFollowup.id).limit(limit).with_for_update(skip_locked=True)
    rows = session.execute(
        delete(AnswerFollowup).where(AnswerFollowup.id.in_(taken.scalar_subquery()))
        .returning(AnswerFollowup.id, AnswerFollowup.task_id, AnswerFollowup.project_id, AnswerFollowup.user_id)
    ).all()
    session.info.pop("project_access", None)  # a follower may change a standing read earlier in this request
    done: set[tuple[int, int]] = set()
    for _id, task_id, row_project, user_id in sorted(rows):
        if (task_id, user_id) in done:
            continue
        done.add((task_id, user_id))
        for follower in _followers:
            follower(session, ChangedAnswer(task_id, row_project, user_id))
    if commit:
        session.commit()
    return len(rows)


def drain(factory: sessionmaker[Session], *, project_id: int | None = None) -> int:
    """Catch up until nothing is marked (tests and the CLI); a row whose follow-up fails is logged and dropped
    so it cannot block the rows behind it."""
    total = 0
    while True:
        with factory() as session:
            try:
                taken = catch_up(session, project_id=project_id)
            except Exception:
                session.rollback()
                taken = _one_by_one(factory, project_id)
        if not taken:
            return total
        total += taken


def _one_by_one(factory: sessionmaker[Session], project_id: int | None) -> int:
    with factory() as session:
        try:
            return catch_up(session, project_id=project_id, limit=1)
        except Exception:
            session.rollback()
            log.exception("an answer follow-up failed; dropping it so the others go on")
            first = select(AnswerFollowup.id).order_by(AnswerFollowup.id).limit(1)
            if project_id is not None:
                first = first.where(AnswerFollowup.project_id == project_id)
            session.execute(delete(AnswerFollowup).where(AnswerFollowup.id.in_(first.scalar_subquery())))
            session.commit()
            return 1


@dataclass(frozen=True)
class Freshness:
    """How current a project's consensus and gold figures are: answers not yet followed up, and since when."""

    pending_tasks: int
    oldest_pending_at: datetime | None


def freshness(session: Session, project_id: int) -> Freshness:
    count, oldest = session.execute(
        select(func.count(func.distinct(AnswerFollowup.task_id)), func.min(AnswerFollowup.created_at))
        .where(AnswerFollowup.project_id == project_id)
    ).one()
    return Freshness(count or 0, oldest)


class FollowupRunner:
    """A daemon thread that catches up marked answers: woken by this process's answers, polling for others'."""

    def __init__(self, factory: sessionmaker[Session], *, poll_seconds: float = 0.5) -> None:
        self.factory = factory
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="labelwise-followups", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        _wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                drain(self.factory)
            except Exception:  # a lost database must not end the thread; the rows wait in the table
                log.exception("answer follow-ups: catch-up failed")
            _wake.wait(self.poll_seconds)
            _wake.clear()
            # let the answer that woke us commit, and gather a few more into the same catch-up transaction
            self._stop.wait(0.05)
