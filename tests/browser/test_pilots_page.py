"""Pilots page: a round's report, and a confused pair turned into a guidelines note and a merge migration."""

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.iteration import pilots
from labelwise.core.labeling import annotations
from labelwise.store.models import Annotation, Project
from tests.browser.pages_helpers import login, screenshot
from tests.factories import add_member, add_tasks, make_project, make_user, texts

ANSWERS = {"ann": ["positive", "neutral", "negative"], "bob": ["positive", "negative", "negative"]}


def test_pilot_report_and_one_click_fixes(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Sentiment")
    add_tasks(web_session, alice.user, project, texts(5))
    people = {name: make_user(web_session, name).user for name in ANSWERS}
    for person in people.values():
        add_member(web_session, alice.user, project, person)
    pilot = pilots.create_pilot(web_session, alice.user, project.id, name="round 1", annotators=list(ANSWERS),
                                sample=3)
    for name, labels in ANSWERS.items():
        for task_id, label in zip(pilot.task_ids, labels):
            annotations.submit(web_session, people[name], task_id, result={"sentiment": label})

    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/pilots")
    expect(page.locator("tr[data-pilot='1']")).to_contain_text("6 / 6")
    page.get_by_role("button", name="Report of round 1").click()
    control = page.locator(".pilot-control[data-control='sentiment']")
    expect(control.locator(".pilot-agreement")).to_contain_text("Agreement 66.7%")
    pair = control.locator(".confused-pair")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("negative ↔ neutral 1 pairs on #2")
    screenshot(page, "pilot-report")

    pair.get_by_role("link", name="Clarify in guidelines").click()
    expect(page.get_by_label("Guidelines (Markdown)")).to_have_value(
        "### negative or neutral?\n\nPilot “round 1” confused these on tasks #2. Explain when each applies.\n")
    page.go_back()
    page.get_by_role("button", name="Report of round 1").click()
    page.locator(".confused-pair").get_by_role("link", name="Merge neutral into negative").click()
    expect(page.locator(".schema-rewritten")).to_have_text("The migration rewrites 1 annotations.")
    page.get_by_role("button", name="Apply change and migration").click()
    expect(page.locator(".schema-report .alert-success")).to_have_text("Saved as schema version 2.")
    web_session.expire_all()
    assert web_session.get(Project, project.id).label_schema["controls"]["sentiment"]["options"] == [
        "positive", "negative"]
    assert {a.result["sentiment"] for a in web_session.scalars(select(Annotation))} == {"positive", "negative"}
