"""The API reference page renders the OpenAPI document offline, under the strict CSP."""

from tests.browser.screenshots import save_screenshot


def test_docs_page_lists_and_expands_endpoints(page, web_server):
    page.goto("/api/v1/docs")
    page.locator("details").first.wait_for()
    paths = page.locator(".path").all_inner_texts()
    assert "/api/v1/projects/{project_id}/next" in paths and len(paths) > 20
    submit = page.locator("details", has_text="/api/v1/tasks/{task_id}/annotations").first
    submit.locator("summary").click()
    assert submit.get_by_text("lead_time_ms").is_visible()
    save_screenshot(page, "api-docs")
