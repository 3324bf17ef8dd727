"""The Rules page: write a keyword rule and watch its coverage preview, a bad regex named in words, save
and apply, run the label model, and find its suggestion on the labeling page."""

from playwright.sync_api import expect

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
