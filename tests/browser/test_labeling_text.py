"""Labeling text in a real browser: choices, taxonomy, spans (mouse and keyboard, emoji offsets),
relations, free text, rating and number; checked against what the server stored."""

from tests.browser.test_labeling_support import current_task_id, open_labeling, screenshot, wait_next_task

TEXT = "Ada 👩‍💻 works for ACME in London."

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {
        "sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative", "neutral"], "required": True,
                      "hotkeys": {"positive": "p", "negative": "n", "neutral": "u"}},
        "topics": {"type": "choices", "object": "text", "options": ["work", "travel", "food"], "multiple": True,
                   "hotkeys": {"work": "w", "travel": "v", "food": "f"}},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG", "LOC"]},
        "links": {"type": "relations", "controls": ["entities"], "labels": ["works_for", "located_in"], "hotkeys": {}},
        "category": {"type": "taxonomy", "object": "text", "options": [{"Business": ["Tech", {"Finance": ["Banking"]}]}, "Sport"]},
        "summary": {"type": "text", "object": "text", "max_length": 200},
        "quality": {"type": "rating", "object": "text", "max": 5},
        "people": {"type": "number", "object": "text", "min": 0, "max": 10, "integer": True},
    },
}


def select_text(page, needle: str, occurrence: int = 0) -> None:
    """Select `needle` in the text viewer with the mouse (press at its first character, release after its last)."""
    boxes = page.evaluate(
        """([needle, occurrence]) => {
            const root = document.querySelector('.lw-text');
            const full = root.textContent;
            let at = -1; for (let i = 0; i <= occurrence; i++) at = full.indexOf(needle, at + 1);
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            const locate = (offset) => { let node; let seen = 0;
              while ((node = walker.nextNode())) { if (seen + node.data.length >= offset) return [node, offset - seen]; seen += node.data.length; } };
            const [a, ao] = locate(at); walker.currentNode = root;
            const [b, bo] = locate(at + needle.length);
            const r1 = document.createRange(); r1.setStart(a, ao); r1.setEnd(a, Math.min(ao + 1, a.data.length));
            const r2 = document.createRange(); r2.setStart(b, Math.max(0, bo - 1)); r2.setEnd(b, bo);
            const s = r1.getBoundingClientRect(), e = r2.getBoundingClientRect();
            return [s.left + 1, s.top + s.height / 2, e.right - 1, e.top + e.height / 2];
        }""",
        [needle, occurrence],
    )
    page.mouse.move(boxes[0], boxes[1])
    page.mouse.down()
    page.mouse.move(boxes[2], boxes[3], steps=5)
    page.mouse.up()


def test_label_text_with_every_text_control(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [{"text": TEXT}, {"text": "second task"}],
                        guidelines="Mark people, organisations and places.\nLink them with relations.")
    first = current_task_id(page)
    page.keyboard.press("p")  # schema hotkey for sentiment
    page.keyboard.press("w")
    page.keyboard.press("v")
    page.keyboard.press("v")  # toggles travel back off
    # spans: mouse selection of "Ada" with the default label; the label key comes before the selection
    page.click("[data-control=entities] .lw-control-title")
    select_text(page, "Ada")
    page.keyboard.press("2")  # ORG for the next span; "Ada" stays PER
    select_text(page, "ACME")
    # keyboard span: put the caret after the last span, extend over " in " is skipped, select "London"
    for _ in range(4):
        page.keyboard.press("Alt+ArrowRight")
    for _ in range(6):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")
    # overlapping span: "ACME in London" as ORG over the other two
    page.keyboard.press("2")
    select_text(page, "ACME in London")
    # relations: Ada -> ACME works_for
    page.click("[data-control=entities] .lw-region-pick >> nth=0")
    page.keyboard.press("r")
    page.click("[data-control=entities] .lw-region-pick >> nth=1")
    page.keyboard.press("r")
    # taxonomy by keys: open Business (1), choose Tech (1)
    page.click("[data-control=category] .lw-control-title")
    page.keyboard.press("1")
    page.keyboard.press("1")
    # rating by click, number and free text by typing
    page.click("[data-control=quality] [data-value='4']")
    page.fill("[data-control=people] input", "2")
    page.fill("[data-control=summary] textarea", "Ada <b>works</b> at ACME")
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    assert page.is_visible(".lw-guidelines")
    assert "Link them with relations." in page.inner_text(".lw-guidelines")
    page.keyboard.press("g")
    screenshot(page, "text")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    stored = ctx.results()[0]
    result = stored.result
    assert result["sentiment"] == "positive"
    assert result["topics"] == ["work"]
    spans = {(s["start"], s["end"], s["label"]) for s in result["entities"]}
    # code points: "Ada " (4) + emoji ZWJ sequence 👩‍💻 (3 code points) + " works for " ...
    assert len(TEXT.encode("utf-16-le")) // 2 != len(TEXT)  # UTF-16 offsets would be wrong here
    cps = list(TEXT)
    acme_cp = len(TEXT[:TEXT.find("ACME")])
    assert (0, 3, "PER") in spans
    assert (acme_cp, acme_cp + 4, "ORG") in spans
    london_cp = len(TEXT[:TEXT.find("London")])
    assert (london_cp, london_cp + 6, "LOC") in spans
    assert (acme_cp, london_cp + 6, "ORG") in spans
    by_span = {(s["start"], s["end"]): s["id"] for s in result["entities"]}
    assert result["links"] == [{"from": by_span[(0, 3)], "to": by_span[(acme_cp, acme_cp + 4)], "label": "works_for"}]
    assert all(s["text"] == "".join(cps[s["start"]:s["end"]]) for s in result["entities"])
    assert result["category"] == [["Business", "Tech"]]
    assert result["quality"] == 4
    assert result["people"] == 2
    assert result["summary"] == "Ada <b>works</b> at ACME"
    assert stored.lead_time_ms > 0
