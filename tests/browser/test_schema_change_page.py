"""Settings: change a schema with answers present, see the conflict, apply a rename migration, and export the
result, read back by the JSONL reader."""

import copy
import io

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.labeling import annotations
from labelwise.formats import registry
from labelwise.schema import parse_schema
from labelwise.store.models import Annotation, Snapshot
from tests.browser.pages_helpers import allow_http_errors, login, screenshot
from tests.factories import TEXT_SCHEMA, add_tasks, make_project, make_user, texts


def test_rename_migration_previewed_and_applied_in_the_settings_page(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Sentiment")
    add_tasks(web_session, alice.user, project, texts(3))
    for task_id in (1, 2):
        annotations.submit(web_session, alice.user, task_id, result={"sentiment": "neutral"})
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/settings")
    editor = page.get_by_label("Label schema (YAML or JSON)")
    editor.fill(editor.input_value().replace("neutral", "mixed"))
    page.get_by_role("button", name="Preview change").click()
    conflict = page.locator(".schema-conflict")
    expect(conflict).to_contain_text("would leave stored results invalid")
    expect(page.locator(".schema-diff")).to_contain_text("- option 'neutral' of control 'sentiment'")
    row = page.locator(".schema-conflicts tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("2")
    screenshot(page, "schema-conflict")

    page.get_by_label("Migration of sentiment label neutral").select_option("to:mixed")
    page.get_by_role("button", name="Preview migration").click()
    expect(page.locator(".schema-rewritten")).to_have_text("The migration rewrites 2 annotations.")
    page.get_by_role("button", name="Apply change and migration").click()
    expect(page.locator(".schema-report .alert-success")).to_have_text("Saved as schema version 2.")
    expect(page.locator(".version[data-kind='schema'][data-number='2'] summary")).to_contain_text("Schema v2 (current)")
    assert allow_http_errors(console) == []

    web_session.expire_all()
    assert {a.result["sentiment"] for a in web_session.scalars(select(Annotation))} == {"mixed"}
    assert web_session.scalar(select(Snapshot.name)).startswith("before schema version 2")

    # a Label Studio export of the new labels, read back by the Label Studio reader against the new schema
    export = page.request.get(f"/api/v1/projects/{project.id}/export?format=labelstudio&only_labeled=true")
    assert export.ok
    schema = copy.deepcopy(TEXT_SCHEMA)
    schema["controls"]["sentiment"]["options"] = ["positive", "negative", "mixed"]
    rows = list(registry.read_rows(io.BytesIO(export.body()), "labelstudio", max_line_bytes=1 << 20,
                                   schema=parse_schema(schema), into="annotations"))
    assert len(rows) == 2
    assert [a["result"] for row in rows for a in row.value["annotations"]] == [{"sentiment": "mixed"}] * 2


def test_answers_under_older_guidelines_go_back_from_the_versions_card(page, web_session, console):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Sentiment")
    add_tasks(web_session, alice.user, project, texts(2))
    for task_id in (1, 2):
        annotations.submit(web_session, alice.user, task_id, result={"sentiment": "neutral"})
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/settings")
    page.get_by_label("Guidelines (Markdown)").fill("Sarcasm counts as negative.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".version[data-kind='guidelines'][data-number='2'] summary")).to_contain_text("(current)")
    page.get_by_label("Which answers").select_option("guidelines")
    page.get_by_role("button", name="Count").click()
    expect(page.locator(".reannotate-status")).to_have_text("2 answers on 2 tasks would go back.")
    page.get_by_role("button", name="Send back").click()
    expect(page.locator(".reannotate-status")).to_have_text("2 answers on 2 tasks sent back.")
    web_session.expire_all()
    assert {a.status for a in web_session.scalars(select(Annotation))} == {"rejected"}
