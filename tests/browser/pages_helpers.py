"""Helpers shared by the page tests: log in through the form, screenshots, expected console errors."""

import re

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.browser.screenshots import save_screenshot

# Chromium logs every 4xx/5xx response as a console error; tests that provoke one on purpose drop it.
FAILED_RESOURCE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def login(page: Page, username: str, password: str = PASSWORD, *, then: str | None = None) -> None:
    page.goto(f"/app/login?next={then}" if then else "/app/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-name")).to_have_text(f"Signed in as {username}")


def allow_http_errors(console, *statuses: int) -> list[str]:
    """Remove the console errors of deliberately failed requests with these statuses; return them."""
    wanted = {str(s) for s in statuses}
    dropped = [e for e in console.errors if (m := FAILED_RESOURCE.search(e)) and m.group(1) in wanted]
    console.errors[:] = [e for e in console.errors if e not in dropped]
    return dropped


def screenshot(page: Page, name: str) -> None:
    """A 1280x800 PNG of the current page for the docs, unfocused and scrolled to the top."""
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    save_screenshot(page, name)
