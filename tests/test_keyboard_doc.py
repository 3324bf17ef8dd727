"""docs/keyboard.md documents every page key and every rule of the ? sheet."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "labelwise/web/labeling/labeling-page.js").read_text()
DOC = (ROOT / "docs/keyboard.md").read_text()


def test_every_page_key_is_in_the_doc():
    block = PAGE[PAGE.index("const PAGE_KEYS = ["):]
    block = block[:block.index("];")]
    keys = re.findall(r'\["([^"]+)", "', block)
    assert len(keys) >= 10
    for key in keys:
        for part in re.split(r" or | / |, | \(|\)", key):
            if not part.strip():
                continue
            assert f"`{part.strip()}`" in DOC, f"docs/keyboard.md does not mention the key {part!r}"


def test_the_rules_of_the_sheet_are_in_the_doc():
    for phrase in ("every key is text", "Ctrl+Enter", "its own key", "first control", "label chosen before drawing",
                   "select it first", "nothing is sent"):
        assert phrase in DOC
