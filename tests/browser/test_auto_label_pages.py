"""Auto-labels in the pages: the data browser badges and filters them (a source of their own), the labeling
page tells an annotator a verification task is one (without the model's label), the export page offers
them as an option, and the settings page edits the model-loop settings."""

import json

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.assist import autolabel, training
from labelwise.core.labeling import annotations
from labelwise.store.models import Project, Task
from tests.browser.pages_helpers import allow_http_errors, login
from tests.factories import add_member, add_tasks, make_project, make_user

POSITIVE = ["great", "lovely", "superb", "wonderful", "excellent"]
NEGATIVE = ["awful", "broken", "terrible", "horrid", "useless"]


def test_auto_labels_in_the_data_labeling_export_and_settings_pages(page, console, web_session):
    alice, bob = make_user(web_session, "alice"), make_user(web_session, "bob")
    project = make_project(web_session, alice.user)
    add_member(web_session, alice.user, project, bob.user)
    add_tasks(web_session, alice.user, project, [{"text": f"{words[i % 5]} {words[(i + 2) % 5]} item {i}"}
                                                 for i in range(65) for words in (POSITIVE, NEGATIVE)])
    tasks = list(web_session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:100]:
        label = "positive" if task.data["text"].split()[0] in POSITIVE else "negative"
        annotations.submit(web_session, alice.user, task.id, result={"sentiment": label})
    training.train(web_session, alice.user, project.id)
    run = autolabel.auto_label(web_session, alice.user, project.id)
    assert run["auto_labeled"] > 10

    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/data")
    page.get_by_label("Auto-labels").select_option("true")
    rows = page.locator(".tasks-table tbody tr")
    expect(rows).to_have_count(run["auto_labeled"])
    expect(rows.locator(".auto-label-badge").first).to_contain_text("auto: ")
    assert "auto_labeled=true" in page.url

    page.goto(f"/app/projects/{project.id}/export")
    page.get_by_label("include auto-labels").check()
    href = page.get_by_role("link", name="Download", exact=True).get_attribute("href")
    assert "include_auto_labels=true" in href
    records = [json.loads(line) for line in page.request.get(href).text().splitlines()]
    assert sum(r["auto_label"] is not None for r in records) == run["auto_labeled"]

    page.goto(f"/app/projects/{project.id}/settings")
    page.get_by_label("Retrain every N labels").fill("25")
    page.get_by_label("Active-learning strategy").select_option("margin")
    page.get_by_label("Random slice share").fill("0.2")
    page.get_by_label("Auto-label target precision").fill("0.9")
    page.get_by_label("Verification sample share").fill("0.1")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".form-message")).to_contain_text("Saved.")
    web_session.expire_all()
    saved = web_session.get(Project, project.id).settings
    assert {k: saved[k] for k in ("retrain_every", "al_strategy", "random_share", "auto_label_precision",
                                  "verification_share")} == {"retrain_every": 25, "al_strategy": "margin",
                                                             "random_share": 0.2, "auto_label_precision": 0.9,
                                                             "verification_share": 0.1}

    page.context.clear_cookies()  # sign in as the annotator (the app's probe of the dropped session is a 401)
    login(page, "bob")
    page.goto(f"/app/projects/{project.id}/label")
    note = page.locator(".lw-auto-label")
    expect(note).to_be_visible()
    expect(note).to_contain_text("your answer checks it (verification sample)")
    for label in ("positive", "negative"):
        expect(note).not_to_contain_text(label)
    allow_http_errors(console, 401)
