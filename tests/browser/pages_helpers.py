"""Helpers shared by the page tests: log in through the form, screenshots, expected console errors."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
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
    """A 1280x800 PNG of the current page for the docs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    if size != {"width": 1280, "height": 800}:
        page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if size and size != {"width": 1280, "height": 800}:
        page.set_viewport_size(size)
