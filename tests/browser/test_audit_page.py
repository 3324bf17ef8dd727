"""The audit log page filters events, pages them, links to the export; the export page makes snapshots."""

from playwright.sync_api import expect

from tests.browser.pages_helpers import allow_http_errors, login
from tests.factories import add_member, add_tasks, make_project, make_user, texts
from tests.browser.screenshots import save_screenshot


def test_audit_log_filters_and_exports(page, web_session, console):
    alice = make_user(web_session, "alice")
    bob = make_user(web_session, "bob")
    project = make_project(web_session, alice.user, name="Audited")
    add_tasks(web_session, alice.user, project, texts(3))
    add_member(web_session, alice.user, project, bob.user)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log · Audited")
    rows = page.locator(".audit-table tbody tr")
    expect(rows).to_have_count(3)  # created, imported, member added
    expect(page.locator(".audit-table")).to_contain_text("tasks.imported")
    save_screenshot(page, "audit")

    page.get_by_label("Action").fill("member*")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("alice")
    assert "action=member*" in page.url.replace("%2A", "*")
    href = page.get_by_role("link", name="Export CSV").get_attribute("href")
    assert "format=csv" in href and "action=member" in href
    response = page.request.get(href)
    assert response.ok and response.text().splitlines()[0].startswith("id,created_at,actor_id,actor,action")
    rows.first.locator("summary", has_text="after").click()
    expect(rows.first.locator("pre").last).to_contain_text("annotator")

    page.get_by_label("Since").fill("next tuesday")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".alert")).to_contain_text("since")
    expect(page.get_by_label("Since")).to_have_attribute("aria-invalid", "true")
    allow_http_errors(console, 422)
    page.get_by_role("button", name="Clear").click()
    expect(rows).to_have_count(3)


def test_export_page_creates_a_snapshot(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Versions")
    add_tasks(web_session, alice.user, project, texts(2))
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/export")
    page.get_by_label("Format").select_option("csv-minimal")
    href = page.get_by_role("link", name="Download").first.get_attribute("href")
    assert "format=csv-minimal" in href and page.request.get(href).ok
    page.get_by_label("Name").fill("v1")
    page.get_by_role("button", name="Create snapshot").click()
    expect(page.locator(".snapshot-form tbody tr")).to_have_count(1)
    expect(page.locator(".snapshot-form tbody tr")).to_contain_text("v1")
    save_screenshot(page, "export")


def test_annotators_do_not_see_the_audit_log(page, web_session):
    alice = make_user(web_session, "alice")
    bob = make_user(web_session, "bob")
    project = make_project(web_session, alice.user, name="Private")
    add_member(web_session, alice.user, project, bob.user)
    login(page, "bob")
    page.goto(f"/app/projects/{project.id}/audit")
    expect(page.get_by_text("Only managers of this project can read its audit log")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
