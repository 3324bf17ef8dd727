"""The import page's paste example fits the project's schema (it imports as shown, for every template),
and the export page offers only the formats this install can write."""

from playwright.sync_api import expect

from labelwise.formats import exporters
from labelwise.schema import TEMPLATES
from tests.browser.pages_helpers import login, screenshot
from tests.factories import make_project, make_user


def test_the_paste_example_fits_every_template(page, web_session):
    alice = make_user(web_session, "alice")
    login(page, "alice")
    for name, template in TEMPLATES.items():
        project = make_project(web_session, alice.user, schema=template["schema"], name=name)
        page.goto(f"/app/projects/{project.id}/import")
        box = page.get_by_label("…or paste the data")
        example = box.get_attribute("placeholder")
        fields = {spec.get("field", obj) for obj, spec in template["schema"]["objects"].items()}
        assert all(f'"{f}":' in example for f in fields), example
        box.fill(example)
        page.get_by_role("button", name="Import").click()
        expect(page.locator(".import-count")).to_have_text("Imported 2 tasks")
        if name == "image_boxes":
            box.fill("")
            screenshot(page, "import-image-example")


def test_the_export_page_offers_only_formats_this_install_can_write(page, web_session, monkeypatch):
    monkeypatch.setattr(exporters, "installed", lambda module: module != "pyarrow")
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/export")
    expect(page.get_by_label("Format").locator("option[value=jsonl]")).to_have_count(1)
    offered = page.get_by_label("Format").locator("option").all_inner_texts()
    assert "parquet" not in offered and {"jsonl", "csv", "coco", "spacy"} <= set(offered)
    expect(page.locator(".export-missing")).to_contain_text("parquet (needs pyarrow (pip install 'labelwise[formats]'))")
    listing = {f["name"]: f for f in page.request.get("/api/v1/export-formats").json()}
    assert listing["parquet"]["available"] is False and listing["jsonl"]["available"] is True
