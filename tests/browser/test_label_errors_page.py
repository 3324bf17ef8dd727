"""Label errors in the data browser: a manager runs detection, flagged rows get a badge naming the
suspected label, and the filter shows only them."""

import numpy as np
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.labeling import annotations
from labelwise.core.review import label_errors
from labelwise.store.models import Task
from tests.api.test_label_errors import SCHEMA, WORDS, WRONG
from tests.browser.pages_helpers import login
from tests.factories import add_member, add_tasks, make_project, make_user

pytestmark = pytest.mark.browser


def _project(web_session, owner):
    project = make_project(web_session, owner.user, schema=SCHEMA)
    rng = np.random.default_rng(0)
    truth = [topic for topic in WORDS for _ in range(30)]
    add_tasks(web_session, owner.user, project, [{"text": " ".join(rng.choice(WORDS[t], 12))} for t in truth])
    tasks = web_session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    for i, task in enumerate(tasks):
        task.consensus = {"topic": WRONG.get(i, truth[i])}
    web_session.commit()
    return project, tasks


def test_find_label_errors_badges_and_filters_the_flagged_tasks(page, web_session):
    alice = make_user(web_session, "alice")
    project, tasks = _project(web_session, alice)

    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/data?limit=100")
    rows = page.locator(".tasks-table tbody tr")
    expect(rows).to_have_count(90)
    expect(page.locator(".label-error-badge")).to_have_count(0)
    page.get_by_role("button", name="Find label errors").click()
    # Five cross-validation fits on a shared machine can take a while.
    expect(page.get_by_role("status").filter(has_text="likely label error")).to_contain_text(
        "among 90 labeled tasks", timeout=60_000)
    assert "label_error=true" in page.url
    expect(rows.locator(".label-error-badge").first).to_be_visible()
    flagged = rows.count()
    assert 3 <= flagged <= 5
    first = page.locator(".tasks-table tbody tr", has=page.get_by_role("link", name=f"Task {tasks[3].id}", exact=True))
    expect(first.locator(".label-error-badge")).to_have_text("label error? → food")
    page.get_by_label("Label errors").select_option("")
    expect(rows).to_have_count(90)
    expect(page.locator(".label-error-badge")).to_have_count(flagged)


def test_the_review_page_says_what_the_model_suspects(page, web_session):
    alice, rita = make_user(web_session, "alice"), make_user(web_session, "rita")
    project, tasks = _project(web_session, alice)
    add_member(web_session, alice.user, project, rita.user, "reviewer")
    annotations.submit(web_session, alice.user, tasks[0].id, result={"topic": "food"}, lead_time_ms=1000)
    annotations.submit(web_session, alice.user, tasks[3].id, result={"topic": "sport"}, lead_time_ms=1000)
    label_errors.detect(web_session, alice.user, project.id)
    login(page, "rita")
    page.goto(f"/app/projects/{project.id}/review")
    expect(page.locator(".review-task h2")).to_contain_text(f"Task {tasks[3].id}")
    expect(page.locator(".label-error-note")).to_contain_text("the model suggests “food”")
