"""What follows every change of an answer, inside the same transaction.

Labeling sits below review, so it cannot import review's consensus step; review's step registers here
instead, and `labelwise.core` wires it as soon as any service is imported (see its `__init__`)."""

from collections.abc import Callable

from sqlalchemy.orm import Session

from labelwise.store.models import Annotation

AnswerFollower = Callable[[Session, Annotation], None]

_followers: list[AnswerFollower] = []


def follow_answers(follower: AnswerFollower) -> None:
    """Run `follower(session, annotation)` after every revision of an answer; registering twice is a no-op."""
    if follower not in _followers:
        _followers.append(follower)


def answer_changed(session: Session, annotation: Annotation) -> None:
    if not _followers:
        raise RuntimeError("no follower of changed answers is registered: import labelwise.core, which wires them")
    for follower in _followers:
        follower(session, annotation)
