"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server on SQLite.

Every page records console errors and uncaught exceptions; a test fails if any appeared.
"""

import os
import shutil
from collections.abc import Iterator

import pytest

from labelwise.app import create_app
from labelwise.settings import Settings
from tests.conftest import LiveServer

CHROMIUM = os.environ.get("LABELWISE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; install it with 'apt-get install -y chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def web_app(tmp_path, migrated_sqlite):
    shutil.copyfile(migrated_sqlite, tmp_path / "web.db")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(Settings(data_dir=tmp_path, database_url=url))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def web_server(web_app) -> Iterator[LiveServer]:
    server = LiveServer(web_app).start()
    yield server
    server.stop()


@pytest.fixture
def web_session(web_app):
    with web_app.state.session_factory() as session:
        yield session


class ConsoleLog:
    def __init__(self) -> None:
        self.errors: list[str] = []


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, web_server, console):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=web_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: message.type == "error" and console.errors.append(message.text))
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    yield page
    context.close()
    assert console.errors == [], f"the page logged errors: {console.errors}"
