"""Settings (PATCH persists, delete with confirmation) and members (add, change role, remove)."""

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.store.models import Member, Project
from tests.browser.pages_helpers import allow_http_errors, login, screenshot
from tests.factories import make_project, make_user


def test_settings_change_persists_and_delete_needs_the_name(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Old name")
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/settings")
    page.get_by_label("Name", exact=True).fill("New name")
    page.get_by_label("Guidelines (Markdown)").fill("## Be kind\n\n*Always* read twice.")
    page.get_by_label("Overlap (annotators per task)").fill("2")
    page.get_by_label("Review policy").select_option("sample")
    page.get_by_label("Skipped tasks return to the annotator").select_option("after")
    page.get_by_label("Return skipped tasks after (minutes)").fill("15")
    page.get_by_label("Review sample").fill("0.25")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".settings-form .alert-success")).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings · New name")
    screenshot(page, "settings")

    web_session.expire_all()
    saved = web_session.get(Project, project.id)
    assert saved.name == "New name" and saved.guidelines.startswith("## Be kind")
    assert saved.settings["overlap"] == 2 and saved.settings["review_policy"] == "sample"
    assert saved.settings["review_sample"] == 0.25
    assert saved.settings["skipped_return"] == "after" and saved.settings["skipped_return_minutes"] == 15
    page.reload()
    expect(page.get_by_label("Overlap (annotators per task)")).to_have_value("2")
    page.get_by_role("link", name="Guidelines").click()
    expect(page.locator(".guidelines em")).to_have_text("Always")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Delete project…").click()
    dialog = page.get_by_role("dialog", name="Delete this project?")
    expect(dialog.get_by_role("button", name="Delete project")).to_be_disabled()
    dialog.get_by_label('Type "New name" to confirm').fill("New name")
    dialog.get_by_role("button", name="Delete project").click()
    expect(page).to_have_url("/app/projects")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    web_session.expunge_all()
    assert web_session.scalars(select(Project).where(Project.id == project.id)).first() is None


def test_members_add_change_role_and_remove(page, web_session, console):
    alice = make_user(web_session, "alice")
    make_user(web_session, "bob")
    project = make_project(web_session, alice.user)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/members")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_role("button", name="Add member").click()
    row = page.locator("tr[data-username='bob']")
    expect(row.get_by_label("Role of bob")).to_have_value("reviewer")

    page.get_by_label("Username").fill("nobody")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator(".member-form").get_by_role("alert")).to_contain_text("Could not add nobody:")
    assert allow_http_errors(console, 404, 422)
    screenshot(page, "members")

    row.get_by_label("Role of bob").select_option("annotator")
    expect(page.locator(".toast").last).to_have_text("bob is now annotator.×")
    members = lambda: {m.user_id: m.role for m in web_session.scalars(select(Member).where(Member.project_id == project.id))}  # noqa: E731
    web_session.expire_all()
    assert "annotator" in members().values()

    row.get_by_role("button", name="Remove bob").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(page.locator("tr[data-username='bob']")).to_have_count(0)
    web_session.expire_all()
    assert "annotator" not in members().values()


def test_an_annotator_sees_no_manager_pages(page, web_session):
    from tests.factories import add_member

    alice = make_user(web_session, "alice")
    ann = make_user(web_session, "ann")
    project = make_project(web_session, alice.user, name="Shared")
    add_member(web_session, alice.user, project, ann.user, "annotator")
    login(page, "ann")
    expect(page.get_by_role("link", name="Shared")).to_have_attribute("href", f"/app/projects/{project.id}/label")
    page.goto(f"/app/projects/{project.id}/settings")
    expect(page.get_by_role("status").filter(has_text="Only managers")).to_have_text(
        "Only managers of this project can change its settings; your role is annotator.")
    tabs = page.get_by_role("navigation", name="Project sections").get_by_role("link")
    expect(tabs).to_have_text(["Data", "Start labeling", "Guidelines"])
    page.get_by_role("link", name="Guidelines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidelines · Shared")
