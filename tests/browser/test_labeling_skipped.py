"""Skipped tasks in the browser: with `skipped_return: end` a task skipped with s comes back once the
rest is labeled; the data browser's Skipped view lists what was skipped and not answered since."""

from playwright.sync_api import expect

from tests.browser.pages_helpers import login, screenshot
from tests.browser.test_labeling_support import current_task_id, open_labeling, wait_next_task
from tests.factories import TEXT_SCHEMA


def _answers(page, server_url, task_id):
    return [(a["status"], a["result"]) for a in page.request.get(f"{server_url}/api/v1/tasks/{task_id}").json()["annotations"]]


def test_a_skipped_task_returns_at_the_end_of_the_queue(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, [{"text": "hard one"}, {"text": "easy one"}],
                        settings={"overlap": 1, "skipped_return": "end"})
    first = current_task_id(page)
    page.keyboard.press("s")
    wait_next_task(page, first)
    second = current_task_id(page)
    assert _answers(page, web_server.url, first) == [("skipped", None)]
    skipped = page.request.get(f"{web_server.url}/api/v1/projects/{ctx.project_id}/tasks?status=skipped").json()["items"]
    assert [t["id"] for t in skipped] == [first]
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    wait_next_task(page, second)
    assert current_task_id(page) == first  # back, not "No more tasks"
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator(".lw-empty")).to_contain_text("No more tasks")
    assert _answers(page, web_server.url, first) == [("submitted", {"sentiment": "negative"})]
    assert _answers(page, web_server.url, second) == [("submitted", {"sentiment": "positive"})]


def test_the_data_browser_has_a_skipped_view(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, [{"text": "one"}, {"text": "two"}, {"text": "three"}])
    first = current_task_id(page)
    page.keyboard.press("s")
    wait_next_task(page, first)
    page.context.clear_cookies()
    login(page, "owner")
    page.goto(f"/app/projects/{ctx.project_id}/data")
    rows = page.locator(".tasks-table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Status").select_option("skipped")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("one")
    assert "status=skipped" in page.url
    screenshot(page, "data-skipped")
