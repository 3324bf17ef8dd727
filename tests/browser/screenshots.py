"""Screenshots for docs/screenshots/, written only when LABELWISE_SCREENSHOTS=1.

Pages show dates and ids that change on every run; regenerating the PNGs on each test run would leave
every checkout dirty. Refresh them with `LABELWISE_SCREENSHOTS=1 python -m pytest tests/browser`.
"""

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def save_screenshot(page, name: str, *, viewport: dict | None = None) -> None:
    if os.environ.get("LABELWISE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wanted = viewport or {"width": 1280, "height": 800}
    size = page.viewport_size
    if size != wanted:
        page.set_viewport_size(wanted)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if size and size != wanted:
        page.set_viewport_size(size)
