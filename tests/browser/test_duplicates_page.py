"""Duplicate clusters in the data browser: the filter, the "duplicate ×N" badge, and the task view's section."""

import pytest
from playwright.sync_api import expect

from labelwise.core.dataio import importing
from labelwise.core.duplicates import duplicates
from labelwise.formats.rows import Row
from tests.browser.pages_helpers import login
from tests.factories import make_project, make_user
from tests.browser.screenshots import save_screenshot

pytestmark = pytest.mark.browser


def test_filter_badge_cluster_link_and_task_section(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Reviews")
    texts = ["the same review", "something unique", "the same review", "another one", "the same review"]
    importing.import_tasks(web_session, alice.user, project.id, [Row(i + 1, {"text": t}) for i, t in enumerate(texts)])
    [cluster] = duplicates.scan(web_session, alice.user, project.id).clusters
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/data")
    rows = page.locator(".tasks-table tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator(".duplicate-badge")).to_have_count(3)
    expect(rows.nth(0).locator(".duplicate-badge")).to_have_text("duplicate ×3")
    expect(rows.nth(1).locator(".duplicate-badge")).to_have_count(0)
    save_screenshot(page, "duplicates")

    page.get_by_label("Duplicates").select_option("true")
    expect(rows).to_have_count(3)
    assert "duplicates=true" in page.url
    page.get_by_label("Duplicates").select_option("")
    expect(rows).to_have_count(5)

    rows.nth(0).locator(".duplicate-badge").click()
    expect(page.locator(".cluster-filter")).to_contain_text(f"duplicate cluster {cluster.id}")
    expect(rows).to_have_count(3)
    assert f"duplicate_cluster={cluster.id}" in page.url
    page.get_by_role("button", name="Show all tasks").click()
    expect(rows).to_have_count(5)

    page.goto(f"/app/projects/{project.id}/tasks/3")
    section = page.locator("section.duplicates")
    expect(section).to_contain_text("exact")
    expect(section.get_by_role("link", name="Task 1")).to_be_visible()
    expect(section.get_by_role("link", name="Task 5")).to_be_visible()
    expect(section.get_by_role("link", name="Task 3")).to_have_count(0)
    section.get_by_role("link", name="all 3 tasks").click()
    expect(page.locator(".tasks-table tbody tr")).to_have_count(3)
    expect(page.locator(".cluster-filter")).to_be_visible()
