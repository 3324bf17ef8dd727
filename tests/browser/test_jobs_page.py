"""The jobs page: a running job's progress bar and cancel button, a failed job's message and retry."""

import threading
import time

from playwright.sync_api import expect

from labelwise.core.platform import jobs
from labelwise.errors import Invalid
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.factories import make_project, make_user


def test_jobs_page_follows_cancels_and_retries(page, web_app, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Busy")
    started = threading.Event()

    def flaky(ctx):
        if ctx.attempt == 1:
            raise Invalid("the ML backend at http://127.0.0.1:9/ did not answer within 5 s")
        return {"predicted": 12}

    def slow(ctx):
        started.set()
        for step in range(1, 3001):
            ctx.progress(step, total=3000)
            time.sleep(0.01)
        return {}

    runner = web_app.state.job_runner
    runner.handlers.update(flaky=flaky, slow=slow)
    failed = jobs.enqueue(web_session, alice.user, project.id, kind="flaky")
    running = jobs.enqueue(web_session, alice.user, project.id, kind="slow")
    runner.wake()
    assert started.wait(15)

    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jobs · Busy")
    failed_row = page.locator(f'tr[data-job-id="{failed.id}"]')
    running_row = page.locator(f'tr[data-job-id="{running.id}"]')
    expect(failed_row).to_have_attribute("data-status", "failed")
    expect(failed_row).to_contain_text("did not answer within 5 s")
    expect(running_row).to_have_attribute("data-status", "running")
    bar = running_row.locator("progress")
    deadline = time.monotonic() + 15
    while float(bar.get_attribute("value") or 0) <= 0.02 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 0.02 < float(bar.get_attribute("value")) < 1  # the bar moves as the job reports
    save_screenshot(page, "jobs")

    running_row.get_by_role("button", name="Cancel").click()
    expect(running_row).to_have_attribute("data-status", "cancelled", timeout=15000)
    failed_row.get_by_role("button", name="Retry").click()
    expect(failed_row).to_have_attribute("data-status", "succeeded", timeout=15000)
    expect(failed_row).to_contain_text("attempt 2")
    expect(failed_row).to_contain_text("predicted: 12")
