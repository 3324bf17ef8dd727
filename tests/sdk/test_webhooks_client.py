"""The SDK's webhook methods against a live server with its own dispatcher, and a real receiver."""

import time

import pytest

from labelwise import ApiError, Client
from labelwise.sdk import parse_webhook
from labelwise.settings import Settings
from tests.factories import TEXT_SCHEMA, make_user
from tests.webhook_receiver import Receiver


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, webhook_poll_seconds=0.05,
                    webhook_backoff_seconds=0.05, webhook_backoff_max_seconds=0.1)


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def wait_for(check, timeout=10):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def test_add_ping_log_redeliver_update_and_remove(sdk):
    project = sdk.create_project("Hooked", TEXT_SCHEMA)
    with Receiver(fail_first=1) as receiver:
        hook = sdk.add_webhook(project["id"], receiver.url, events=["snapshot.created"])
        assert hook["events"] == ["snapshot.created"] and hook["secret"]
        sdk.create_snapshot(project["id"], "v1")
        ping = sdk.ping_webhook(hook["id"])
        log = wait_for(lambda: len(rows := sdk.webhook_deliveries(hook["id"], status="delivered")) == 2 and rows)
        assert sorted(d["event"] for d in log) == ["ping", "snapshot.created"]
        assert sum(d["attempts"] for d in log) == 3  # the first attempt of one of them met the failure
        assert sdk.get_webhook_delivery(ping["id"])["payload"]["event"] == "ping"
        again = sdk.redeliver_webhook(ping["id"])
        assert again["redelivery_of"] == ping["id"] and again["event_id"] == ping["event_id"]
        wait_for(lambda: len(receiver.delivered) == 3)
        request = receiver.received[-1]
        assert parse_webhook(request["body"], request["headers"]["Labelwise-Signature"], hook["secret"])["id"] == \
            ping["event_id"]
    rotated = sdk.update_webhook(hook["id"], rotate_secret=True, active=False)
    assert rotated["secret"] not in (None, hook["secret"]) and rotated["active"] is False
    assert sdk.list_webhooks(project["id"])[0]["deliveries"] == {"pending": 0, "delivered": 3, "failed": 0}
    with pytest.raises(ApiError) as bad:
        sdk.update_webhook(hook["id"], url="file:///etc/passwd")
    assert bad.value.status == 422 and "url" in str(bad.value)
    sdk.delete_webhook(hook["id"])
    assert sdk.list_webhooks(project["id"]) == []
