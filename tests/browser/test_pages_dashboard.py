"""Dashboard: the numbers on the page are the API's numbers; charts are drawn when data exists."""

from playwright.sync_api import expect

from labelwise.core.labeling import annotations, queue
from tests.browser.pages_helpers import login, screenshot
from tests.factories import add_member, add_tasks, make_project, make_user, texts


def test_dashboard_numbers_match_the_stats_api(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Sentiment", settings={"overlap": 2})
    add_tasks(web_session, alice.user, project, texts(40))
    for name, count in (("bob", 7), ("carol", 4)):
        worker = make_user(web_session, name)
        add_member(web_session, alice.user, project, worker.user, "annotator")
        for i in range(count):
            task = queue.next_task(web_session, worker.user, project.id, default_lease_seconds=600).task
            if i == count - 1:
                annotations.skip(web_session, worker.user, task.id, lead_time_ms=500)
            else:
                annotations.submit(web_session, worker.user, task.id, result={"sentiment": "neutral"},
                                   lead_time_ms=1000 * (i + 1))
    login(page, "alice")
    stats = page.request.get(f"/api/v1/projects/{project.id}/stats").json()
    page.goto(f"/app/projects/{project.id}")
    metric = lambda key: page.locator(f"[data-metric='{key}'] .metric-value")  # noqa: E731
    expect(metric("tasks")).to_have_text(f"{stats['tasks']}")
    expect(metric("unlabeled")).to_have_text(f"{stats['unlabeled']}")
    expect(metric("labeled")).to_have_text(f"{stats['labeled']}")
    expect(metric("submitted")).to_have_text(f"{stats['annotations_submitted']}")
    expect(metric("skipped")).to_have_text(f"{stats['annotations_skipped']}")
    expect(page.locator("span[data-metric='complete']")).to_have_text(f"{stats['complete']}")
    expect(page.locator(".progress-ring")).to_have_attribute("aria-label", f"Tasks complete: {stats['progress'] * 100:.1f}%")
    rows = page.locator(".annotators-table tbody tr")
    expect(rows).to_have_count(len(stats["annotators"]))
    for row, a in zip(rows.all(), stats["annotators"], strict=True):
        cells = row.locator("th, td").all_inner_texts()
        median = "—" if a["median_lead_time_ms"] is None else f"{a['median_lead_time_ms'] / 1000:.1f} s"
        assert cells == [a["username"], str(a["submitted"]), str(a["skipped"]), median]
    assert stats["annotations_submitted"] == 9 and stats["annotations_skipped"] == 2
    if "per_day" in stats:
        bars = page.locator(".bar-chart rect.bar")
        expect(bars.first).to_be_attached()
        assert sum(int(v) for v in bars.evaluate_all("bars => bars.map(b => b.dataset.value)")) == sum(
            d["submitted"] for d in stats["per_day"])
    else:
        expect(page.get_by_text("This server does not report daily throughput yet.")).to_be_visible()
    screenshot(page, "dashboard")
