"""The Rules page: write a keyword rule and watch its coverage preview, a bad regex named in words, save
and apply, run the label model, and find its suggestion on the labeling page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.app import create_app
from labelwise.core.weak import functions
from labelwise.settings import Settings
from labelwise.store.migrate import upgrade
from labelwise.store.models import Job
from labelwise.store.session import make_engine
from tests.browser.pages_helpers import allow_http_errors, login
from tests.factories import add_tasks, make_project, make_user

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"kind": {"type": "choices", "object": "text", "options": ["spam", "ham"], "required": True}},
}


def test_rule_preview_label_model_and_suggestion(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=SCHEMA, name="Comments")
    add_tasks(web_session, alice.user, project, [{"text": t} for t in
                                                 ["great song", "check my channel http://x", "love this song", "nice"]])
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weak supervision · Comments")

    page.get_by_label("Kind").select_option("regex")
    page.get_by_label("Pattern").fill("(song")
    expect(page.locator("#weak-preview")).to_contain_text("pattern: ")
    expect(page.locator("#weak-preview")).to_contain_text("invalid regular expression")
    allow_http_errors(console, 422)

    page.get_by_label("Kind").select_option("keywords")
    page.get_by_label("Name").fill("song")
    page.get_by_label("Votes").select_option("ham")
    page.get_by_label("Keywords (comma-separated)").fill("song")
    expect(page.locator("#weak-preview")).to_contain_text("Coverage 50.0%: votes on 2 of 4 sampled tasks")
    expect(page.locator(".weak-matches li")).to_have_count(2)
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator('table.weak-functions tr[data-function="song"]')).to_contain_text("no (apply)")

    page.get_by_role("button", name="Apply rules").click()
    expect(page.locator('table.weak-functions tr[data-function="song"]')).to_contain_text("yes")
    expect(page.locator('table.weak-analysis tr[data-function="song"]')).to_contain_text("50.0%")

    page.locator("#weak-model").select_option("majority_vote")
    page.get_by_role("button", name="Run label model").click()
    expect(page.locator(".weak-run-summary")).to_contain_text("2 of 4 tasks got a suggestion")

    page.goto(f"/app/projects/{project.id}/label")
    suggestion = page.locator(".lw-suggestion")
    for _ in range(4):  # the queue order is the project's; skip to a task the rule voted on
        page.wait_for_function("() => document.querySelector('lw-labeling')?.dataset.taskId")
        task_id = page.locator("lw-labeling").get_attribute("data-task-id")
        if "song" in page.locator("lw-labeling").inner_text():
            break
        page.keyboard.press("s")
        page.wait_for_function(f"() => {{ const p = document.querySelector('lw-labeling'); return p.dataset.taskId !== '{task_id}' && !p.sending; }}")
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("weak/majority_vote/")
    expect(suggestion).to_contain_text("ham")


@pytest.fixture
def web_app(tmp_path):
    """The browser tests' server, with the test module of installed Python labeling functions named."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=url, labeling_function_modules="tests.api.weak_plugin"))
    yield app
    app.state.engine.dispose()


def test_python_and_project_kinds_conflicts_in_the_data_browser_and_end_model(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=SCHEMA, name="Comments")
    source = make_project(web_session, alice.user, schema=SCHEMA, name="Older comments")
    add_tasks(web_session, alice.user, project, [{"text": t} for t in
                                                 ["great song", "song link http://x", "love this song", "nice",
                                                  "visit http://y"]])
    functions.create(web_session, alice.user, project.id,
                     {"name": "link", "kind": "keywords", "label": "spam", "keywords": ["http"], "mode": "substring"})
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/weak")
    editor = page.locator(".weak-rule-form")

    # An administrator-installed Python function: chosen from the installed ones, previewed, saved.
    page.get_by_label("Kind").select_option("python")
    expect(editor.get_by_label("Votes")).to_be_hidden()
    page.get_by_label("Installed function").select_option("tests.api.weak_plugin:mentions_song")
    expect(page.locator("#weak-preview")).to_contain_text("Coverage 60.0%: votes on 3 of 5 sampled tasks")
    expect(editor).to_contain_text("client.apply_labeling_functions")
    page.get_by_label("Name").fill("song_py")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator('table.weak-functions tr[data-function="song_py"]')).to_contain_text(
        "installed tests.api.weak_plugin:mentions_song")

    # Another project's labels.
    page.get_by_label("Kind").select_option("project")
    page.get_by_label("Source project").select_option(str(source.id))
    page.get_by_label("Same task when").select_option("content_hash")
    page.get_by_label("Name").fill("older")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator('table.weak-functions tr[data-function="older"]')).to_contain_text(
        f"labels of project #{source.id} by content hash")

    # The tasks where the functions conflict, one click away in the data browser.
    page.get_by_role("button", name="Apply rules").click()
    expect(page.locator('table.weak-functions tr[data-function="song_py"]')).to_contain_text("yes")
    page.locator('.weak-conflicts a[data-lf-conflict="1"]').click()
    expect(page).to_have_url(re.compile(r"/data\?lf_conflict=1$"))
    expect(page.get_by_label("Rules conflict")).to_have_value("1")
    expect(page.locator("table.tasks-table tbody tr")).to_have_count(1)
    expect(page.locator("table.tasks-table tbody")).to_contain_text("song link http://x")
    page.get_by_label("Rules conflict").select_option("")
    expect(page.locator("table.tasks-table tbody tr")).to_have_count(5)

    # The label model and the end model run as a job followed on the page.
    page.goto(f"/app/projects/{project.id}/weak")
    page.locator("#weak-model").select_option("ensemble")
    page.get_by_label("also train the end model (text classifier)").check()
    page.get_by_role("button", name="Run label model").click()
    expect(page.locator(".weak-run-job")).not_to_have_attribute("data-status", re.compile("queued|running"))
    expect(page.locator(".weak-run-job")).to_have_attribute("data-status", "succeeded")
    expect(page.locator(".weak-run-summary")).to_contain_text("4 of 5 tasks got a suggestion from weak/ensemble/")
    expect(page.locator(".weak-end-model-summary")).to_contain_text("5 predictions stored")
    job = web_session.scalars(select(Job).where(Job.project_id == project.id, Job.kind == "weak.label_model")).one()
    assert job.status == "succeeded" and job.result["end_model"]["trained_on"] == 4
