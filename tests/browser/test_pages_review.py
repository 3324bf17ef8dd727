"""Review page: accept with a key, reject only with a comment, fix, then the queue runs dry."""

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.labeling import annotations, queue
from labelwise.store.models import Annotation, Review
from tests.browser.pages_helpers import login, screenshot
from tests.factories import add_member, add_tasks, make_project, make_user


def _submit(session, caller, project_id, sentiment):
    task = queue.next_task(session, caller.user, project_id, default_lease_seconds=600).task
    return annotations.submit(session, caller.user, task.id, result={"sentiment": sentiment}, lead_time_ms=2000).id


def test_accept_reject_and_fix(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Reviews", settings={"overlap": 2})
    add_tasks(web_session, alice.user, project, [{"text": "Loved it"}, {"text": "Meh, it broke"}])
    bob, carol, rita = (make_user(web_session, n) for n in ("bob", "carol", "rita"))
    for worker in (bob, carol):
        add_member(web_session, alice.user, project, worker.user, "annotator")
    add_member(web_session, alice.user, project, rita.user, "reviewer")
    bob_first = _submit(web_session, bob, project.id, "positive")
    carol_first = _submit(web_session, carol, project.id, "negative")
    bob_second = _submit(web_session, bob, project.id, "positive")

    login(page, "rita")
    page.goto(f"/app/projects/{project.id}/review")
    cards = page.locator(".review-card")
    expect(cards).to_have_count(2)
    expect(page.locator(".review-task h2")).to_contain_text("Task")
    screenshot(page, "review")

    # A accepts the active (first) annotation; the next one becomes active.
    page.keyboard.press("a")
    expect(cards.nth(0).locator(".verdict")).to_have_text("✓ Accepted.")
    expect(cards.nth(1)).to_have_class("card review-card active")
    # R without a comment asks for one and keeps the annotation open.
    page.keyboard.press("r")
    expect(cards.nth(1).get_by_role("alert")).to_contain_text("Write a comment")
    expect(cards.nth(1).get_by_label("Comment (required to reject)")).to_be_focused()
    page.keyboard.type("Loved it is positive, not negative")
    page.keyboard.press("Control+Enter")

    # Both reviewed: the next task loads with bob's second annotation; fix it through the editor.
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-annotation-id", str(bob_second))
    page.keyboard.press("f")
    expect(cards.first.get_by_role("button", name="Save fix (Ctrl+Enter)")).to_be_visible()
    editor = cards.first.locator("lw-task-editor")
    if editor.count():
        editor.get_by_text("negative", exact=True).first.click()
    else:
        cards.first.locator("textarea.json-edit").fill('{"sentiment": "negative"}')
    cards.first.get_by_role("button", name="Save fix (Ctrl+Enter)").click()
    expect(page.get_by_role("heading", name="Nothing to review")).to_be_visible()

    web_session.expire_all()
    verdicts = {r.annotation_id: (r.verdict, r.comment) for r in web_session.scalars(select(Review))}
    assert verdicts == {
        bob_first: ("accept", ""),
        carol_first: ("reject", "Loved it is positive, not negative"),
        bob_second: ("fix", ""),
    }
    assert web_session.get(Annotation, carol_first).status == "rejected"
    assert web_session.get(Annotation, bob_second).result == {"sentiment": "negative"}
