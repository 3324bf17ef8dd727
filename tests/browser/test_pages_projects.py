"""New-project page: templates, live schema validation, creation; guidelines render safely."""

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.schema.templates import TEMPLATES
from labelwise.store.models import Project
from tests.browser.screenshots import save_screenshot
from tests.browser.pages_helpers import allow_http_errors, login, screenshot
from tests.factories import make_project, make_user


def test_create_a_project_from_a_template(page, web_session, console):
    make_user(web_session, "alice")
    login(page, "alice")
    page.get_by_role("link", name="New project").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New project")
    expect(page.locator(".template")).to_have_count(len(TEMPLATES))

    # A schema typed by hand is checked as you type; the server's message and field are shown.
    schema = page.get_by_label("Label schema (YAML or JSON)")
    schema.fill("objects:\n  text: {type: text}\ncontrols:\n  label: {type: choices, object: txt, options: [a, b]}\n")
    expect(page.locator(".schema-status")).to_contain_text("Field: controls.label.object")
    expect(schema).to_have_attribute("aria-invalid", "true")
    assert allow_http_errors(console, 422)

    page.once("dialog", lambda dialog: dialog.accept())  # "Replace the schema you wrote?"
    page.get_by_role("radio", name="Named entities and relations").check()
    expect(page.locator(".schema-status")).to_contain_text("Valid schema")
    expect(page.locator(".schema-status")).to_contain_text("relations (relations)")
    page.get_by_label("Name", exact=True).fill("News NER")
    page.get_by_label("Description").fill("People and companies in the news")
    page.get_by_label("Guidelines (Markdown)").fill("# Entities\n\n- **PER**: people\n- **ORG**: companies")
    page.get_by_label("Overlap (annotators per task)").fill("3")
    page.get_by_label("Routing").select_option("random")
    page.get_by_label("Gold ratio").fill("0.1")
    screenshot(page, "project-new")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import data into News NER")
    project = web_session.scalars(select(Project).where(Project.name == "News NER")).one()
    assert page.url.endswith(f"/app/projects/{project.id}/import")
    assert project.description == "People and companies in the news"
    assert project.guidelines.startswith("# Entities")
    assert project.settings["overlap"] == 3 and project.settings["routing"] == "random"
    assert project.settings["gold_ratio"] == 0.1
    assert set(project.label_schema["controls"]) == {"entities", "relations"}


def test_every_template_round_trips_through_the_yaml_editor(page, web_session):
    """The editor shows templates as YAML; the server must read back exactly the template's schema."""
    make_user(web_session, "alice")
    login(page, "alice")
    page.goto("/app/projects/new")
    expect(page.locator(".template")).to_have_count(len(TEMPLATES))
    results = page.evaluate("""async () => {
        const { toYaml } = await import('/static/components/yaml.js');
        const templates = await (await fetch('/api/v1/schema/templates')).json();
        const out = {};
        for (const [key, tpl] of Object.entries(templates)) {
            const viaYaml = await fetch('/api/v1/schema/validate', {method: 'POST', headers: {'content-type': 'application/json'},
                body: JSON.stringify({source: toYaml(tpl.schema)})});
            const direct = await fetch('/api/v1/schema/validate', {method: 'POST', headers: {'content-type': 'application/json'},
                body: JSON.stringify({source: tpl.schema})});
            out[key] = [viaYaml.status, JSON.stringify((await viaYaml.json()).schema) === JSON.stringify((await direct.json()).schema)];
        }
        return out;
    }""")
    assert results and all(v == [200, True] for v in results.values()), results


def test_a_name_is_required_and_errors_are_in_words(page, web_session):
    make_user(web_session, "alice")
    login(page, "alice")
    page.goto("/app/projects/new")
    page.get_by_role("radio", name="Text classification", exact=True).check()
    expect(page.locator(".schema-status")).to_contain_text("Valid schema")
    page.get_by_label("Overlap (annotators per task)").fill("0")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("alert")).to_have_text("Overlap must be a whole number from 1 to 50.")
    expect(page.get_by_label("Overlap (annotators per task)")).to_be_focused()


def test_guidelines_render_markdown_but_never_html(page, web_session):
    alice = make_user(web_session, "alice")
    guidelines = (
        "# Rules\n\nLabel **people** and *places*, see [the wiki](https://example.org/wiki).\n\n"
        "- one `code`\n- two\n\n<script>window.__pwned = 1</script>\n\n"
        "<img src=x onerror=\"window.__pwned = 2\">\n\n[click](javascript:window.__pwned=3)\n\n"
        "See [Pipe](https://en.wikipedia.org/wiki/Pipe_(fluid_conveyance)) for the term."
    )
    project = make_project(web_session, alice.user, name="Safe")
    project.guidelines = guidelines
    web_session.commit()
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/guidelines")
    body = page.locator(".guidelines")
    expect(body.get_by_role("heading", name="Rules")).to_be_visible()
    expect(body.locator("strong")).to_have_text("people")
    expect(body.locator("em")).to_have_text("places")
    expect(body.get_by_role("link", name="the wiki")).to_have_attribute("href", "https://example.org/wiki")
    # a URL with parentheses stays whole
    expect(body.get_by_role("link", name="Pipe")).to_have_attribute("href", "https://en.wikipedia.org/wiki/Pipe_(fluid_conveyance)")
    expect(body.locator("li")).to_have_count(2)
    expect(body).to_contain_text("<script>window.__pwned = 1</script>")
    expect(body).to_contain_text('<img src=x onerror="window.__pwned = 2">')
    assert body.locator("script, img").count() == 0
    assert body.get_by_role("link", name="click").count() == 0
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "guidelines")
    # the labeling page's guidelines panel (g) renders the same Markdown the same way
    rendered = body.locator(".markdown").inner_html()
    page.goto(f"/static/labeling/label.html?project={project.id}")
    expect(page.locator(".lw-empty")).to_be_visible()
    page.keyboard.press("g")
    panel = page.locator(".lw-guidelines .markdown")
    expect(panel.get_by_role("link", name="Pipe")).to_have_attribute("href", "https://en.wikipedia.org/wiki/Pipe_(fluid_conveyance)")
    assert panel.inner_html() == rendered
    save_screenshot(page, "labeling-guidelines")
    assert page.evaluate("window.__pwned") is None
