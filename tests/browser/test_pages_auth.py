"""Login page: wrong password in words, redirect to the page asked for, logout."""

from playwright.sync_api import expect

from tests.browser.pages_helpers import allow_http_errors, login, screenshot
from tests.factories import make_project, make_user


def test_wrong_password_shows_the_server_message(page, web_session, console):
    make_user(web_session, "alice")
    page.goto("/app/projects")
    expect(page).to_have_url("/app/login?next=%2Fapp%2Fprojects")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Login failed: wrong username or password")
    expect(page.get_by_label("Password")).to_be_focused()
    screenshot(page, "login")
    assert allow_http_errors(console, 401)


def test_login_returns_to_the_page_asked_for_and_logout_ends_the_session(page, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Support tickets")
    page.goto(f"/app/projects/{project.id}/guidelines")
    expect(page).to_have_url(f"/app/login?next=%2Fapp%2Fprojects%2F{project.id}%2Fguidelines")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct horse battery")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"/app/projects/{project.id}/guidelines")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidelines · Support tickets")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/app/login")
    page.goto("/app/projects")
    expect(page).to_have_url("/app/login?next=%2Fapp%2Fprojects")


def test_project_list_shows_each_role(page, web_session):
    alice = make_user(web_session, "alice")
    bob = make_user(web_session, "bob")
    from tests.factories import add_member

    mine = make_project(web_session, alice.user, name="Mine")
    theirs = make_project(web_session, bob.user, name="Theirs")
    add_member(web_session, bob.user, theirs, alice.user, "reviewer")
    login(page, "alice")
    cards = page.locator(".project-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Mine").locator(".badge")).to_have_text("manager")
    expect(cards.filter(has_text="Theirs").locator(".badge")).to_have_text("reviewer")
    assert mine.id != theirs.id
    screenshot(page, "projects")
