"""Login throttling with backoff per account and per address (in the database), and constant-time login."""

import statistics
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from labelwise.app import create_app
from labelwise.core.accounts import security
from labelwise.settings import Settings
from labelwise.store.models import LoginThrottle
from tests.factories import PASSWORD, make_user

FREE = 3


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, login_free_failures=FREE,
                    login_address_free_failures=10)


def login(client, username: str, password: str = "wrong password"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def throttle(session, key: str) -> LoginThrottle:
    session.expire_all()
    return session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))


def unlock(session, key: str) -> None:
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                    .values(locked_until=LoginThrottle.last_failure_at - timedelta(seconds=1)))
    session.commit()


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_an_account_is_locked_after_its_free_failures_with_growing_backoff(client, session, username):
    make_user(session, "alice")
    for _ in range(FREE):
        assert login(client, username).status_code == 401
    assert login(client, username).status_code == 401  # past the free ones: this failure locks
    locked = login(client, username, PASSWORD)
    assert locked.status_code == 429, locked.text  # even the right password waits
    assert int(locked.headers["retry-after"]) >= 1 and "try again" in locked.json()["detail"]
    lockouts = []
    for _ in range(3):
        row = throttle(session, f"user:{username}")
        lockouts.append(round((row.locked_until - row.last_failure_at).total_seconds()))
        unlock(session, f"user:{username}")
        assert login(client, username).status_code == 401
    assert lockouts == [1, 2, 4]


def test_a_good_login_clears_the_account_failures(client, session):
    make_user(session, "alice")
    for _ in range(FREE):
        assert login(client, "alice").status_code == 401
    assert login(client, "alice", PASSWORD).status_code == 200
    assert throttle(session, "user:alice").failures == 0
    assert login(client, "alice").status_code == 401  # free failures again
    assert login(client, "alice", PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_locked(client, session):
    make_user(session, "alice")
    for i in range(10):
        assert login(client, f"user{i}").status_code == 401
    assert login(client, "user-next").status_code == 401  # the address's 11th failure locks it
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 429


def test_failures_are_counted_across_processes(session, settings):
    make_user(session, "alice")
    apps = [create_app(settings), create_app(settings)]  # two servers sharing nothing but the database
    try:
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            for client in (first, second, first, second):
                assert login(client, "alice").status_code == 401
            assert login(first, "alice", PASSWORD).status_code == 429
            assert login(second, "alice", PASSWORD).status_code == 429
    finally:
        for app in apps:
            app.state.engine.dispose()


def test_unknown_and_known_users_take_the_same_time(tmp_path, database_url, monkeypatch):
    # A real (if lighter than production) argon2 cost, so the verification dominates the request.
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1))
    settings = Settings(data_dir=tmp_path, database_url=database_url, login_free_failures=1000,
                        login_address_free_failures=1000)
    app = create_app(settings)
    try:
        with app.state.session_factory() as session:
            make_user(session, "alice")
        with TestClient(app) as client:
            def timed(username: str) -> float:
                start = time.perf_counter()
                assert login(client, username).status_code == 401
                return time.perf_counter() - start

            timed("alice"), timed("nobody")  # warm up
            known = statistics.median(timed("alice") for _ in range(9))
            unknown = statistics.median(timed(f"nobody{i}") for i in range(9))
    finally:
        app.state.engine.dispose()
    assert 0.5 < unknown / known < 2, f"unknown user {unknown * 1000:.1f} ms vs known {known * 1000:.1f} ms"
