"""Data browser: server-side keyset paging, search, filters, sort and the task detail view."""

from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from labelwise.core.labeling import annotations
from tests.browser.pages_helpers import login, screenshot
from tests.factories import add_tasks, make_project, make_user


def test_paging_search_filter_and_task_detail(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Big")
    rows = [{"text": f"review number {i:03d}" + (" mentions a banana" if i % 50 == 7 else ""),
             "external_id": f"r{i}"} for i in range(300)]
    add_tasks(web_session, alice.user, project, rows)
    requests = []
    page.on("request", lambda r: "/tasks?" in r.url and requests.append(parse_qs(urlparse(r.url).query)))
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/data")
    table = page.locator(".tasks-table tbody tr")
    expect(table).to_have_count(50)
    expect(page.locator(".page-status")).to_have_text("Showing tasks 1–50")
    screenshot(page, "data-browser")
    assert requests[-1]["limit"] == ["50"] and "after" not in requests[-1]

    # Next pages use the server's cursor; Previous goes back through the kept cursors.
    page.get_by_role("button", name="Next ›").click()
    expect(page.locator(".page-status")).to_have_text("Showing tasks 51–100")
    expect(table.first).to_contain_text("review number 050")
    assert "after" in requests[-1]
    page.get_by_role("button", name="Next ›").click()
    expect(page.locator(".page-status")).to_have_text("Showing tasks 101–150")
    page.get_by_role("button", name="‹ Previous").click()
    expect(page.locator(".page-status")).to_have_text("Showing tasks 51–100")
    expect(table.first).to_contain_text("review number 050")
    page.get_by_role("button", name="‹ Previous").click()
    expect(page.get_by_role("button", name="‹ Previous")).to_be_disabled()

    page.get_by_label("Per page").select_option("250")
    expect(table).to_have_count(250)
    page.get_by_role("button", name="Next ›").click()
    expect(page.locator(".page-status")).to_have_text("Showing tasks 251–300 (last page)")
    expect(page.get_by_role("button", name="Next ›")).to_be_disabled()

    # Search is debounced: typing a word sends one request, not one per key.
    before = len(requests)
    page.get_by_label("Search").press_sequentially("banana", delay=30)
    expect(table).to_have_count(6)
    expect(table.first.locator("mark")).to_have_text("banana")
    assert len(requests) - before == 1, requests[before:]
    assert requests[-1]["q"] == ["banana"] and "after" not in requests[-1]
    assert "q=banana" in page.url

    # Filters combine with search; sort is applied by the server.
    page.get_by_label("Sort").select_option("-id")
    expect(table.first).to_contain_text("review number 257")
    ids = [int(x) for x in page.locator(".tasks-table tbody tr td:first-child").all_inner_texts()]
    assert ids == sorted(ids, reverse=True)

    task_id = ids[0]
    annotations.submit(web_session, alice.user, task_id, result={"sentiment": "positive"}, lead_time_ms=1500)
    page.get_by_label("Status").select_option("labeled")
    expect(table).to_have_count(1)
    assert requests[-1]["status"] == ["labeled"]
    page.get_by_label("Status").select_option("unlabeled")
    expect(table).to_have_count(5)
    page.get_by_label("Status").select_option("")
    page.get_by_label("Predictions").select_option("true")
    expect(page.locator(".empty-row")).to_have_text("No tasks match these filters.")
    page.get_by_label("Predictions").select_option("")

    # A task opens in the detail view with its data and annotations.
    page.get_by_role("link", name=f"Task {task_id}").click()
    expect(page).to_have_url(f"/app/projects/{project.id}/tasks/{task_id}")
    expect(page.locator(".task-data")).to_contain_text("review number 257 mentions a banana")
    expect(page.locator(".annotation")).to_contain_text("alice · submitted")
    expect(page.locator(".annotation")).to_contain_text("positive")
    screenshot(page, "task-detail")
    page.go_back()
    expect(page).to_have_url(f"/app/projects/{project.id}/data?q=banana&sort=-id&limit=250")
    expect(table).to_have_count(6)


def test_lost_connection_says_so_and_retry_recovers(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    add_tasks(web_session, alice.user, project, [{"text": f"row {i}"} for i in range(60)])
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/data")
    expect(page.locator(".page-status")).to_have_text("Showing tasks 1–50")
    page.context.set_offline(True)
    page.get_by_role("button", name="Next ›").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Cannot reach the server")
    page.context.set_offline(False)
    alert.get_by_role("button", name="Retry").click()
    expect(page.locator(".page-status")).to_have_text("Showing tasks 51–60 (last page)")
    expect(page.get_by_role("alert")).to_have_count(0)
    console.errors[:] = [e for e in console.errors if "ERR_INTERNET_DISCONNECTED" not in e]
