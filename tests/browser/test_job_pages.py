"""Long work on the job runner, followed in the page: an export in the background ends with a download
link whose file matches the direct export, and a duplicate scan reports its clusters and filters to them."""

from playwright.sync_api import expect

from tests.browser.pages_helpers import login
from tests.factories import add_tasks, make_project, make_user


def test_export_in_background_and_scan_for_duplicates(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    add_tasks(web_session, alice.user, project, [{"text": t} for t in ("same words", "same words", "other", "more")])
    login(page, "alice")

    page.goto(f"/app/projects/{project.id}/export")
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Export in background").click()
    download_link = page.get_by_role("link", name="Download project-")
    expect(download_link).to_be_visible(timeout=20_000)
    expect(page.locator(".export-ready")).to_contain_text("4 task records ready")
    href = download_link.get_attribute("href")
    direct = page.request.get(f"/api/v1/projects/{project.id}/export?format=csv&source=consensus")
    assert page.request.get(href).body() == direct.body()

    page.goto(f"/app/projects/{project.id}/data")
    expect(page.locator(".tasks-table tbody tr")).to_have_count(4)
    page.get_by_role("button", name="Scan for duplicates").click()
    expect(page.locator(".duplicate-scan-job")).to_contain_text("1 duplicate cluster among 4 tasks", timeout=20_000)
    expect(page.locator(".tasks-table tbody tr")).to_have_count(2)
    page.goto(f"/app/projects/{project.id}/jobs")
    expect(page.locator("code", has_text="duplicates.scan")).to_be_visible()
    expect(page.locator("code", has_text="export")).to_be_visible()
