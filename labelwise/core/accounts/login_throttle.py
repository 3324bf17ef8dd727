"""Login throttling with exponential backoff per account and per address, kept in the database so that every
server process (and host) counts the same failures.

Each key (`user:<name>`, `addr:<ip>`) gets some free failures; after that each failure locks the key for twice
as long as the one before, up to a ceiling. Unknown usernames are counted like known ones, so a lockout says
nothing about whether an account exists. Failures older than the window are forgotten.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from labelwise.core.platform.clock import utcnow
from labelwise.errors import TooManyRequests
from labelwise.store.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    account_free_failures: int = 5
    address_free_failures: int = 20
    max_lockout_seconds: int = 900
    window_seconds: int = 3600


def _keys(username: str, address: str | None, policy: ThrottlePolicy) -> list[tuple[str, int]]:
    """The throttle keys of a login attempt, with how many failures each gets free."""
    account = (f"user:{username.lower()[:180]}", policy.account_free_failures)
    return [account, *([(f"addr:{address[:180]}", policy.address_free_failures)] if address else [])]


def check(session: Session, username: str, address: str | None) -> None:
    """Raise `TooManyRequests` (429) while the account or the address is locked."""
    now = utcnow()
    names = [key for key, _ in _keys(username, address, ThrottlePolicy())]
    locked = session.scalars(
        select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(names), LoginThrottle.locked_until > now)
    ).all()
    if locked:
        wait = max(1, int((max(locked) - now).total_seconds() + 0.999))
        raise TooManyRequests(f"too many failed logins; try again in {wait} s", retry_after=wait, field="username")


def record_failure(session: Session, username: str, address: str | None, policy: ThrottlePolicy) -> None:
    """Count a failed login for the account and the address, locking those past their free failures. Commits."""
    now = utcnow()
    stale = now - timedelta(seconds=policy.window_seconds)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key, free in _keys(username, address, policy):
        session.execute(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
        # One atomic increment: concurrent failures in other processes are all counted.
        failures = session.execute(
            update(LoginThrottle).where(LoginThrottle.key == key)
            .values(failures=case((LoginThrottle.last_failure_at < stale, 1), else_=LoginThrottle.failures + 1),
                    last_failure_at=now)
            .returning(LoginThrottle.failures)
        ).scalar_one()
        if failures > free:
            seconds = min(2 ** min(failures - free - 1, 30), policy.max_lockout_seconds)
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                            .values(locked_until=now + timedelta(seconds=seconds)))
    session.commit()


def record_success(session: Session, username: str) -> None:
    """Forget the account's failures (not the address's: one good login must not reset a guessing address)."""
    account, _ = _keys(username, None, ThrottlePolicy())[0]
    session.execute(update(LoginThrottle).where(LoginThrottle.key == account)
                    .values(failures=0, locked_until=None))
