"""A crowd worker opens a worker link with their marketplace id, labels by keyboard, and gets the completion
code; the answers are read back through the API under the worker id."""

from playwright.sync_api import expect

from labelwise.core.crowd import links
from tests.browser.pages_helpers import allow_http_errors, login
from tests.browser.test_labeling_support import current_task_id, wait_next_task
from tests.factories import add_tasks, make_project, make_user, texts


def test_worker_link_flow_by_keyboard(page, web_server, web_session):
    manager = make_user(web_session, "manager")
    project = make_project(web_session, manager.user, name="Crowd job")
    add_tasks(web_session, manager.user, project, texts(2))
    link = links.create_link(web_session, manager.user, project.id, name="mturk", max_tasks_per_worker=5)
    page.goto(f"/w/{link.token}?workerId=A1B2C3&assignmentId=X")
    page.wait_for_function("() => document.querySelector('lw-labeling')?.dataset.taskId")
    expect(page.locator("#lw-worker-status")).to_contain_text("A1B2C3")
    answered = {}
    for key, label in (("1", "positive"), ("2", "negative")):
        task_id = current_task_id(page)
        page.keyboard.press(key)
        page.keyboard.press("Enter")
        answered[task_id] = label
        wait_next_task(page, task_id)
    expect(page.locator("#lw-completion-code")).to_be_visible()
    code = page.locator("#lw-completion-code").inner_text()
    assert len(code) == 16
    headers = {"Authorization": f"Bearer {manager.token}"}
    for task_id, label in answered.items():
        detail = page.request.get(f"{web_server.url}/api/v1/tasks/{task_id}", headers=headers).json()
        [annotation] = detail["annotations"]
        assert annotation["username"] == f"ext-p{project.id}-A1B2C3"
        assert annotation["result"] == {"sentiment": label}
    verified = page.request.post(f"{web_server.url}/api/v1/worker-links/{link.id}/verify", headers=headers,
                                 data={"code": code}).json()
    assert verified["worker_id"] == "A1B2C3" and verified["tasks_done"] == 2


def test_expired_link_says_so(page, web_server, web_session, console):
    manager = make_user(web_session, "manager")
    project = make_project(web_session, manager.user)
    add_tasks(web_session, manager.user, project, texts(1))
    link = links.create_link(web_session, manager.user, project.id, expires_at="2020-01-01T00:00:00Z")
    page.goto(f"/w/{link.token}?workerId=W1")
    expect(page.locator(".lw-worker-reason")).to_contain_text("expired on 2020-01-01")
    assert len(allow_http_errors(console, 403)) == 1  # the refused join; the page said why


def test_crowd_page_creates_a_batch_and_a_link(page, web_session):
    manager = make_user(web_session, "manager")
    project = make_project(web_session, manager.user, name="Crowd page")
    add_tasks(web_session, manager.user, project, texts(3))
    login(page, "manager")
    page.goto(f"/app/projects/{project.id}/crowd")
    page.get_by_label("Name", exact=True).first.fill("wave 1")
    page.get_by_label("Priority").fill("4")
    page.get_by_label("Budget").fill("5")
    page.get_by_role("button", name="Create batch").click()
    row = page.locator(".crowd-batches tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text("wave 1")
    expect(row).to_contain_text("0.00 of 5.00")
    expect(row.locator("td").nth(2)).to_have_text("3")  # the latest import's tasks
    page.locator(".link-form select").select_option(label="Batch: wave 1")
    page.get_by_label("Tasks per worker").fill("2")
    page.get_by_role("button", name="Open link").click()
    link = page.locator(".crowd-links tbody tr")
    expect(link).to_have_count(1)
    expect(link.locator(".link-url")).to_contain_text("/w/")
    expect(link).to_contain_text("2/worker")
    row.get_by_role("button", name="Pause").click()
    expect(row.locator(".badge")).to_have_text("paused")
    link.get_by_role("button", name="Revoke").click()
    expect(link.locator(".badge")).to_have_text("revoked")
