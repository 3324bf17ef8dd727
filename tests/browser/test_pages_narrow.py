"""A 400 px wide window: every page lays out in one column without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages_helpers import login, screenshot
from tests.browser.screenshots import save_screenshot
from tests.factories import add_tasks, make_project, make_user, texts


@pytest.fixture
def narrow(page):
    page.set_viewport_size({"width": 400, "height": 800})
    return page


def test_pages_fit_a_narrow_window(narrow, web_session):
    page = narrow
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="A project with a rather long name to wrap")
    add_tasks(web_session, alice.user, project, texts(30, prefix="a long sentence that should be cut off in the narrow table"))
    login(page, "alice")
    base = f"/app/projects/{project.id}"
    for path, ready in [
        ("/app/projects", ".project-card"),
        ("/app/projects/new", ".template"),
        (base, ".metric"),
        (f"{base}/data", ".tasks-table tbody tr"),
        (f"{base}/import", ".import-form"),
        (f"{base}/settings", ".settings-form"),
        (f"{base}/members", ".member-form"),
        (f"{base}/guidelines", ".guidelines"),
    ]:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 400px"
        if path == f"{base}/data":
            save_screenshot(page, "data-browser-narrow", viewport={"width": 400, "height": 800})
    # After client-side navigation focus sits on the page heading, and Tab goes on from there.
    page.get_by_role("link", name="Projects").first.click()
    expect(page.get_by_role("heading", level=1, name="Projects")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("main").get_by_role("link", name="New project")).to_be_focused()
    # The skip link is the first stop from the top of a fresh page.
    page.reload()
    expect(page.locator(".project-card")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()


def test_label_route_mounts_the_labeling_element(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Start labeling").first.click()
    expect(page).to_have_url(f"/app/projects/{project.id}/label")
    expect(page.locator("lw-labeling")).to_have_attribute("project-id", str(project.id))
    screenshot(page, "label-route")
