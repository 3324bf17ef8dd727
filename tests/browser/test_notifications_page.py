"""An annotator paused for low gold accuracy: the manager sees the alert in the header and reads it."""

import pytest
from playwright.sync_api import expect

from labelwise.core.labeling import annotations, queue
from labelwise.core.review import gold
from tests.browser.pages_helpers import login
from tests.factories import add_member, add_tasks, make_project, make_user, texts

pytestmark = pytest.mark.browser


def test_manager_reads_the_pause_alert(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Sentiment",
                           settings={"gold_ratio": 1.0, "min_gold_accuracy": 0.9, "min_gold_answers": 2})
    add_tasks(web_session, alice.user, project, texts(4))
    bob = make_user(web_session, "bob")
    add_member(web_session, alice.user, project, bob.user)
    for task in gold_tasks(web_session, alice, project):
        gold.set_gold(web_session, alice.user, task, {"sentiment": "positive"})
    for _ in range(2):
        served = queue.next_task(web_session, bob.user, project.id, default_lease_seconds=600)
        annotations.submit(web_session, bob.user, served.task.id, result={"sentiment": "negative"})

    login(page, "alice")
    link = page.locator("#alerts-link")
    expect(link).to_have_text("Notifications (1)")
    link.click()
    message = page.locator(".notification.unread .notification-message")
    expect(message).to_contain_text("bob")
    page.get_by_role("button", name="Mark as read").click()
    expect(page.locator(".notification.read")).to_have_count(1)
    expect(link).to_have_text("Notifications")


def gold_tasks(session, owner, project):
    from sqlalchemy import select

    from labelwise.store.models import Task

    return list(session.scalars(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)))
