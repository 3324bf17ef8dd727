"""Webhook delivery against a real local HTTP receiver: signing, retries with backoff, failure after the last
attempt, redelivery, resuming after a restart, no double sends, and refused link-local addresses."""

import json
import random
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from labelwise.core.platform import jobs
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobRunner
from labelwise.core.webhooks import hooks
from labelwise.core.webhooks.delivery import (
    WebhookDispatcher,
    backoff,
    refused_address,
    sign,
)
from labelwise.errors import Invalid
from labelwise.sdk import verify_signature
from labelwise.settings import Settings
from labelwise.store.models import Job, Project, WebhookDelivery
from labelwise.store.session import make_engine, make_session_factory
from tests.factories import make_project, make_user
from tests.webhook_receiver import Receiver, closed_port_url

SECRET = "whsec_test_secret_0123456789"


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    # No dispatcher in the server: each test runs its own. Short waits keep retries fast.
    return Settings(data_dir=tmp_path, database_url=database_url, run_jobs_in_server=False,
                    webhook_backoff_seconds=0.02, webhook_backoff_max_seconds=0.05, webhook_max_attempts=4,
                    webhook_timeout_seconds=2)


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user)


def add_hook(session, owner, project, url, **kw):
    return hooks.create_webhook(session, owner.user, project.id, url=url, secret=SECRET, **kw)


def drain(dispatcher, session, delivery_ids, timeout=10):
    """Run the dispatcher until every listed delivery has left `pending`."""
    deadline = time.monotonic() + timeout
    while True:
        dispatcher.run_once()
        session.expire_all()
        rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids))).all()
        if all(row.status != "pending" for row in rows) or time.monotonic() > deadline:
            return {row.id: row for row in rows}
        time.sleep(0.01)


def test_a_receiver_failing_twice_gets_the_signed_event_on_the_third_attempt(app, settings, session, owner, project):
    with Receiver(fail_first=2) as receiver:
        hook = add_hook(session, owner, project, receiver.url)
        delivery = hooks.ping(session, owner.user, hook.id)
        dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
        row = drain(dispatcher, session, [delivery.id])[delivery.id]
        dispatcher.stop()
    assert row.status == "delivered" and row.attempts == 3
    assert row.last_status_code == 200 and row.last_error is None and row.last_latency_ms is not None
    assert [r["status"] for r in receiver.received] == [500, 500, 200]
    assert [r["headers"]["Labelwise-Attempt"] for r in receiver.received] == ["1", "2", "3"]
    assert len({r["body"] for r in receiver.received}) == 1  # the same bytes every time
    for request in receiver.received:
        assert verify_signature(request["body"], request["headers"]["Labelwise-Signature"], SECRET)
        assert request["headers"]["Labelwise-Event"] == "ping"
        assert request["headers"]["Labelwise-Delivery"] == str(delivery.id)
    event = json.loads(receiver.received[0]["body"])
    assert event["event"] == "ping" and event["project_id"] == project.id and event["id"].startswith("evt_")
    log = hooks.list_deliveries(session, owner.user, hook.id)
    assert [(d.id, d.status, d.attempts, d.last_status_code) for d in log] == [(delivery.id, "delivered", 3, 200)]


def test_a_receiver_that_is_down_is_retried_then_failed_and_can_be_redelivered(app, settings, session, owner, project):
    hook = add_hook(session, owner, project, closed_port_url())
    delivery = hooks.ping(session, owner.user, hook.id)
    dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
    row = drain(dispatcher, session, [delivery.id])[delivery.id]
    assert row.status == "failed" and row.attempts == settings.webhook_max_attempts
    assert row.last_status_code is None and "ConnectError" in row.last_error
    shown = hooks.get_delivery(session, owner.user, delivery.id)
    assert shown.status == "failed" and shown.next_attempt_at is None and shown.payload["event"] == "ping"
    with Receiver() as receiver:
        hooks.update_webhook(session, owner.user, hook.id, {"url": receiver.url})
        again = hooks.redeliver(session, owner.user, delivery.id)
        assert again.redelivery_of == delivery.id and again.event_id == delivery.event_id
        with pytest.raises(Exception, match="still pending"):
            hooks.redeliver(session, owner.user, again.id)
        rows = drain(dispatcher, session, [again.id])
    dispatcher.stop()
    assert rows[again.id].status == "delivered" and rows[again.id].attempts == 1
    assert [json.loads(r["body"])["id"] for r in receiver.received] == [delivery.event_id]


def test_pending_deliveries_are_sent_by_a_fresh_dispatcher_after_a_restart(app, settings, session, owner, project):
    with Receiver() as receiver:
        hook = add_hook(session, owner, project, receiver.url)
        waiting = [hooks.ping(session, owner.user, hook.id).id for _ in range(3)]
        # One was claimed by a dispatcher that died mid-send: its lease runs out, and it is due again.
        dying = WebhookDispatcher(app.state.session_factory, settings=settings)
        claimed = dying.claim()
        assert claimed is not None
        app.state.engine.dispose()  # "the server stops"
        engine = make_engine(settings.resolved_database_url)  # a new process
        try:
            factory = make_session_factory(engine)
            fresh = WebhookDispatcher(factory, settings=settings)
            assert fresh.deliver_due() == 2  # the claimed one is leased to the dead dispatcher for now
            with factory() as other:
                other.execute(update(WebhookDelivery).where(WebhookDelivery.id == claimed.id)
                              .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
                other.commit()
            assert fresh.deliver_due() == 1
            fresh.stop()
            dying.record(claimed, dying.send(claimed))  # the old process wakes up late: its result is dropped
            dying.stop()
            with factory() as other:
                rows = other.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(waiting))).all()
                assert {(r.status, r.attempts) for r in rows} == {("delivered", 1), ("delivered", 2)}
        finally:
            engine.dispose()
    assert sorted(int(r["headers"]["Labelwise-Delivery"]) for r in receiver.received) == sorted(waiting + [claimed.id])


def test_two_dispatchers_never_send_one_delivery_twice(app, settings, session, owner, project):
    with Receiver() as receiver:
        hook = add_hook(session, owner, project, receiver.url)
        ids = [hooks.ping(session, owner.user, hook.id).id for _ in range(12)]
        dispatchers = [WebhookDispatcher(app.state.session_factory, settings=settings) for _ in range(2)]
        threads = [threading.Thread(target=d.deliver_due) for d in dispatchers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        for dispatcher in dispatchers:
            dispatcher.stop()
    assert sorted(int(r["headers"]["Labelwise-Delivery"]) for r in receiver.received) == sorted(ids)


def test_inactive_webhooks_keep_their_deliveries_pending(app, settings, session, owner, project):
    with Receiver() as receiver:
        hook = add_hook(session, owner, project, receiver.url)
        delivery = hooks.ping(session, owner.user, hook.id)
        hooks.update_webhook(session, owner.user, hook.id, {"active": False})
        dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
        assert dispatcher.deliver_due() == 0
        hooks.update_webhook(session, owner.user, hook.id, {"active": True})
        assert dispatcher.deliver_due() == 1
        dispatcher.stop()
    assert [json.loads(r["body"])["event"] for r in receiver.received] == ["ping"]
    assert hooks.get_delivery(session, owner.user, delivery.id).status == "delivered"


def test_backoff_doubles_with_jitter_up_to_the_cap():
    rng = random.Random(7)
    waits = [backoff(n, base=10, cap=100, rng=rng) for n in range(1, 7)]
    for n, wait in enumerate(waits, start=1):
        full = min(100, 10 * 2 ** (n - 1))
        assert full / 2 <= wait <= full
    assert max(waits) <= 100 and waits[0] <= 10 and waits[3] >= 40


def test_signatures_cover_timestamp_and_body():
    body = b'{"id":"evt_1"}'
    header = sign(SECRET, 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert header != sign(SECRET, 1_700_000_001, body) != sign(SECRET, 1_700_000_000, body + b" ")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x",
                                 "http://metadata.google.internal/computeMetadata/v1/"])
def test_link_local_metadata_addresses_are_refused(session, owner, project, url):
    with pytest.raises(Invalid) as caught:
        add_hook(session, owner, project, url)
    assert caught.value.field == "url"
    assert refused_address(url).startswith("refused")
    assert add_hook(session, owner, project, url, allow_link_local=True).url == url


def test_a_link_local_url_allowed_once_is_not_sent_to_when_no_longer_allowed(app, settings, session, owner, project):
    hook = add_hook(session, owner, project, "http://169.254.169.254/latest", allow_link_local=True)
    delivery = hooks.ping(session, owner.user, hook.id)
    dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
    row = drain(dispatcher, session, [delivery.id])[delivery.id]
    dispatcher.stop()
    assert row.status == "failed" and row.attempts == 1 and "link-local" in row.last_error
    assert refused_address("http://127.0.0.1:9/") is None


def queued_events(session, project_id):
    session.expire_all()
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.project_id == project_id)
                           .order_by(WebhookDelivery.id))
    return [(row.event, json.loads(row.body)["data"]) for row in rows]


def test_jobs_that_are_cancelled_or_abandoned_also_finish_for_webhooks(app, settings, session, owner, project):
    add_hook(session, owner, project, "http://127.0.0.1:9/hook", events=["job.finished"])
    cancelled = jobs.enqueue(session, owner.user, project.id, kind="nothing")
    jobs.cancel_job(session, owner.user, cancelled.id, progress_dir=settings.data_dir / "jobs")
    abandoned = jobs.enqueue(session, owner.user, project.id, kind="nothing")
    session.execute(update(Job).where(Job.id == abandoned.id)
                    .values(status="running", heartbeat_at=utcnow() - timedelta(hours=1)))
    session.commit()
    runner = JobRunner(app.state.session_factory, handlers={}, settings=settings, storage=None)
    assert runner.recover() == 1
    finished = [(data["job_id"], data["status"]) for event, data in queued_events(session, project.id)]
    assert finished == [(cancelled.id, "cancelled"), (abandoned.id, "failed")]


def test_an_import_with_answers_changes_consensus_for_webhooks_and_a_refit_keeping_it_does_not(session, owner, project):
    from labelwise.core.dataio import importing
    from labelwise.core.review import skills
    from labelwise.formats.rows import Row

    add_hook(session, owner, project, "http://127.0.0.1:9/hook", events=["consensus.changed"])
    annotators = [make_user(session, name) for name in ("u1", "u2", "u3")]
    answers = [{"user": a.user.username, "result": {"sentiment": "negative"}} for a in annotators]
    rows = [Row(1, {"data": {"text": "x"}, "annotations": answers})]
    importing.import_tasks(session, owner.user, project.id, rows)
    assert [(event, data["consensus"], data["previous"], data["reason"])
            for event, data in queued_events(session, project.id)] == [
        ("consensus.changed", {"sentiment": "negative"}, None, "recomputed")]
    skills.refit(session, owner.user, project.id)
    assert len(queued_events(session, project.id)) == 1  # new skills, the same consensus: nothing new


def test_projects_know_whether_an_active_webhook_listens(session, owner, project):
    def flag():
        session.expire_all()
        return session.get(Project, project.id).has_webhooks

    assert flag() is False
    first = add_hook(session, owner, project, "http://127.0.0.1:9/a")
    second = add_hook(session, owner, project, "http://127.0.0.1:9/b")
    assert flag() is True
    hooks.update_webhook(session, owner.user, first.id, {"active": False})
    assert flag() is True
    hooks.delete_webhook(session, owner.user, second.id)
    assert flag() is False
    assert hooks.ping(session, owner.user, first.id)  # a ping is queued even so; it waits for the webhook
    hooks.update_webhook(session, owner.user, first.id, {"active": True})
    assert flag() is True


def test_a_slow_receiver_does_not_hold_up_the_others(app, settings, session, owner, project):
    settings = settings.model_copy(update={"webhook_concurrency": 2, "webhook_poll_seconds": 0.02,
                                           "webhook_timeout_seconds": 5})
    with Receiver(delay=2) as slow, Receiver() as fast:
        slow_hook = add_hook(session, owner, project, slow.url)
        fast_hook = add_hook(session, owner, project, fast.url)
        slow_ping = hooks.ping(session, owner.user, slow_hook.id)  # due first
        hooks.ping(session, owner.user, fast_hook.id)
        dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
        started = time.monotonic()
        dispatcher.start()
        fast.wait_for(lambda r: r.delivered, timeout=1.5)
        assert time.monotonic() - started < 1.5 and not slow.received
        slow.wait_for(lambda r: r.delivered, timeout=10)
        dispatcher.stop()
    assert hooks.get_delivery(session, owner.user, slow_ping.id).attempts == 1
