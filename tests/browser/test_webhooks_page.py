"""The Webhooks page: add a webhook (secret shown once), ping a receiver that is down, see the failure in the
delivery log, redeliver once it is up, and see the delivery succeed, signed with that secret."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.app import create_app
from labelwise.core.webhooks import hooks
from labelwise.sdk import verify_signature
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import WebhookDelivery
from labelwise.store.session import make_engine
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.factories import make_project, make_user
from tests.webhook_receiver import Receiver, closed_port_url


@pytest.fixture
def web_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=url, webhook_poll_seconds=0.1,
                              webhook_backoff_seconds=0.05, webhook_backoff_max_seconds=0.1, webhook_max_attempts=2))
    yield app
    app.state.engine.dispose()


def wait_status(session, status, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        if session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.status == status)):
            return
        time.sleep(0.05)
    raise AssertionError(f"no delivery became {status}")


def test_add_ping_fail_and_redeliver_from_the_page(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Hooked")
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks · Hooked")
    page.get_by_label("URL").fill(closed_port_url())
    page.get_by_label("job.finished").uncheck()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator(".webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    row = page.locator(".webhooks-table tbody tr").first
    expect(row).not_to_contain_text("job.finished")
    row.get_by_role("button", name="Ping").click()
    wait_status(web_session, "failed")  # both attempts refused: the receiver is down

    row.get_by_role("button", name="Deliveries").click()
    delivery = page.locator(".deliveries-table tbody tr").first
    expect(delivery.locator(".badge")).to_have_text("failed")
    expect(delivery).to_contain_text("ConnectError")
    with Receiver() as receiver:
        hook_id = int(row.get_attribute("data-webhook-id"))
        hooks.update_webhook(web_session, alice.user, hook_id, {"url": receiver.url})
        delivery.get_by_role("button", name="Redeliver").click()
        receiver.wait_for(lambda r: r.delivered)
        wait_status(web_session, "delivered")
        page.locator(".webhook-log").get_by_role("button", name="Refresh").click()
        newest = page.locator(".deliveries-table tbody tr").first
        expect(newest.locator(".badge")).to_have_text("delivered")
        expect(newest).to_contain_text("200")
        save_screenshot(page, "webhooks")
    request = receiver.received[0]
    verify_signature(request["body"], request["headers"]["Labelwise-Signature"], secret)
