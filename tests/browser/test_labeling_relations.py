"""Relations drawn as arrows over the text, from the source span to the target span, with the label on
the arrow; made by keyboard and read back through the API."""

from playwright.sync_api import expect

from labelwise.schema import TEMPLATES
from tests.browser.test_labeling_support import current_task_id, open_labeling, screenshot, wait_next_task

TEXT = "Ada works for ACME in London."


def test_relations_are_arrows_with_their_label(page, web_server, web_session):
    schema = TEMPLATES["ner_relations"]["schema"]  # entities 1-4, relations works_for 5, located_in 6
    ctx = open_labeling(page, web_server, web_session, schema, [{"text": TEXT}, {"text": "second"}])
    task = current_task_id(page)
    for key in ["Shift+ArrowRight"] * 3 + ["1"] + ["Alt+ArrowRight"] * 11 + ["Shift+ArrowRight"] * 4 + ["2"]:
        page.keyboard.press(key)  # Ada as PER, ACME as ORG
    for key in ["Alt+ArrowRight"] * 4 + ["Shift+ArrowRight"] * 6 + ["3"]:
        page.keyboard.press(key)  # London as LOC
    # Ada -> ACME works_for (the default relation label), ACME -> London located_in
    for key in ["Tab", "r", "Tab", "r", "6", "r", "Tab", "r"]:
        page.keyboard.press(key)
    arrows = page.locator(".lw-relation-arrows .lw-relation-arrow")
    expect(arrows).to_have_count(2)
    expect(arrows.locator("text")).to_have_text(["works_for", "located_in"])

    def span_box(needle):
        return page.evaluate("""(needle) => { const segs = [...document.querySelectorAll('.lw-text [data-marks]')];
            const seg = segs.find((s) => s.textContent === needle); const r = seg.getBoundingClientRect();
            return [r.left, r.right, r.top]; }""", needle)

    def ends(index):
        return page.evaluate("""(i) => { const path = document.querySelectorAll('.lw-relation-arrow path')[i];
            const len = path.getTotalLength(); const m = path.getScreenCTM();
            return [path.getPointAtLength(0), path.getPointAtLength(len)].map((p) => { const q = new DOMPoint(p.x, p.y).matrixTransform(m); return [q.x, q.y]; }); }""", index)

    for index, (source, target) in enumerate([("Ada", "ACME"), ("ACME", "London")]):
        (x1, y1), (x2, y2) = ends(index)
        s, t = span_box(source), span_box(target)
        assert s[0] <= x1 <= s[1] and abs(y1 - s[2]) < 3, (source, x1, y1, s)
        assert t[0] <= x2 <= t[1] and abs(y2 - t[2]) < 4, (target, x2, y2, t)
    # the relation-type dropdown shows its whole label
    width = page.evaluate("() => { const s = document.querySelector('.lw-relation select'); return s.scrollWidth - s.clientWidth; }")
    assert width <= 0
    screenshot(page, "relations")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    result = ctx.results()[0].result
    by_text = {s["text"]: s["id"] for s in result["entities"]}
    assert sorted((r["from"], r["to"], r["label"]) for r in result["relations"]) == sorted(
        [(by_text["Ada"], by_text["ACME"], "works_for"), (by_text["ACME"], by_text["London"], "located_in")])


def test_relations_between_boxes_are_arrows_over_the_image(page, web_server, web_session):
    from tests.browser.test_labeling_support import drag, image_point, png_data_uri

    schema = {"objects": {"photo": {"type": "image"}},
              "controls": {"objects": {"type": "boxes", "object": "photo", "labels": ["person", "bike"]},
                           "links": {"type": "relations", "controls": ["objects"], "labels": ["rides"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [{"photo": {"src": png_data_uri(320, 240), "width": 320, "height": 240}}])
    task = current_task_id(page)
    page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.photo.width > 0")
    drag(page, image_point(page, ".lw-image-svg", 20, 40), image_point(page, ".lw-image-svg", 80, 120))
    page.keyboard.press("2")  # bike for the next box
    drag(page, image_point(page, ".lw-image-svg", 200, 100), image_point(page, ".lw-image-svg", 300, 200))
    for key in ["Tab", "r", "Tab", "r"]:  # from the person to the bike
        page.keyboard.press(key)
    arrow = page.locator(".lw-relation-arrows .lw-relation-arrow")
    expect(arrow).to_have_count(1)
    expect(arrow.locator("text")).to_have_text("rides")
    (x1, y1), (x2, y2) = page.evaluate("""() => { const path = document.querySelector('.lw-relation-arrow path');
        const m = path.getScreenCTM(); const len = path.getTotalLength();
        return [0, len].map((l) => { const p = path.getPointAtLength(l); const q = new DOMPoint(p.x, p.y).matrixTransform(m); return [q.x, q.y]; }); }""")
    person_top = image_point(page, ".lw-image-svg", 50, 40)
    bike_top = image_point(page, ".lw-image-svg", 250, 100)
    assert abs(x1 - person_top[0]) < 3 and abs(y1 - person_top[1]) < 3
    assert abs(x2 - bike_top[0]) < 3 and abs(y2 - bike_top[1]) < 4
    screenshot(page, "relations-image")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    result = ctx.results()[0].result
    by_label = {b["label"]: b["id"] for b in result["objects"]}
    assert result["links"] == [{"from": by_label["person"], "to": by_label["bike"], "label": "rides"}]


def test_relations_between_boxes_on_a_pdf_page_follow_the_page(page, web_server, web_session):
    """On a paged document an arrow shows while both of its regions are on the page shown."""
    from tests.browser.test_labeling_support import png_data_uri

    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"fields": {"type": "boxes", "object": "doc", "labels": ["key", "value"]},
                           "links": {"type": "relations", "controls": ["fields"], "labels": ["has_value"]}}}
    pages = [{"src": png_data_uri(400, 520), "width": 400, "height": 520} for _ in range(2)]
    ctx = open_labeling(page, web_server, web_session, schema, [{"doc": pages}])
    task = current_task_id(page)
    page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.doc.width > 0")
    page.keyboard.press("PageDown")  # the second page
    # by the keyboard pointer: a key box from the centre, then a value box four steps to the right
    for key in ["1", "Alt+Enter", "Alt+ArrowRight", "Alt+ArrowDown", "Alt+Enter", "2",
                *["Alt+ArrowRight"] * 3, "Alt+Enter", "Alt+ArrowRight", "Alt+ArrowDown", "Alt+Enter"]:
        page.keyboard.press(key)
    for key in ["Tab", "r", "Tab", "r"]:  # from the key to the value
        page.keyboard.press(key)
    arrow = page.locator(".lw-relation-arrows .lw-relation-arrow")
    expect(arrow).to_have_count(1)
    expect(arrow.locator("text")).to_have_text("has_value")
    page.keyboard.press("Escape")
    page.keyboard.press("PageUp")  # the first page: its regions are not drawn, nor is the arrow
    expect(arrow).to_have_count(0)
    page.keyboard.press("PageDown")
    expect(arrow).to_have_count(1)
    screenshot(page, "relations-pdf")
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    result = ctx.results()[0].result
    by_label = {b["label"]: b for b in result["fields"]}
    assert {b["page"] for b in result["fields"]} == {1}
    assert by_label["value"]["x"] > by_label["key"]["x"] + by_label["key"]["width"]
    assert result["links"] == [{"from": by_label["key"]["id"], "to": by_label["value"]["id"], "label": "has_value"}]
