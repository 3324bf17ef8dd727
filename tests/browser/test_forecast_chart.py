"""The dashboard draws the forecast's burn-down (uPlot, vendored) and lists each batch's ETA and cost."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from labelwise.core.labeling import annotations, batches, queue
from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Annotation
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.factories import add_member, add_tasks, make_project, make_user, texts


def test_dashboard_draws_the_burndown_and_batch_forecast(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Forecasted")
    add_tasks(web_session, alice.user, project, texts(40))
    batch = batches.create_batch(web_session, alice.user, project.id, name="first wave", pay_per_task=0.1,
                                 deadline=utcnow() + timedelta(days=20))
    batches.add_tasks(web_session, alice.user, batch.id, from_import="latest")
    worker = make_user(web_session, "bob")
    add_member(web_session, alice.user, project, worker.user)
    now = utcnow()
    for i in range(24):
        task = queue.next_task(web_session, worker.user, project.id, default_lease_seconds=600).task
        answer = annotations.submit(web_session, worker.user, task.id, result={"sentiment": "neutral"},
                                    lead_time_ms=3000)
        web_session.execute(update(Annotation).where(Annotation.id == answer.id)
                            .values(created_at=now - timedelta(hours=24 - i)))
    web_session.commit()
    login(page, "alice")
    forecast = page.request.get(f"/api/v1/projects/{project.id}/forecast").json()
    page.goto(f"/app/projects/{project.id}")
    chart = page.locator(".forecast .burndown-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator(".u-legend")).to_contain_text("Forecast")
    series = page.evaluate("() => document.querySelector('.forecast .burndown').plot.data.length")
    assert series == 5
    row = page.locator(f".batches-table tr[data-batch='{batch.id}']")
    expect(row.locator("th")).to_have_text("first wave")
    assert forecast["batches"][0]["remaining"] == 16
    expect(row).to_contain_text("16")
    expect(row).to_contain_text("2.40")  # spent: 24 answers at 0.10
    page.locator(".forecast").scroll_into_view_if_needed()
    save_screenshot(page, "dashboard-forecast")
