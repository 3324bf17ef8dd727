"""Hostile task content in a real browser: markup shows literally and nothing runs, and media URLs
cannot reach javascript: or scripted SVG."""

from labelwise.store.models import Task
from tests.browser.test_labeling_support import open_labeling, png_data_uri, wav_data_uri

SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
SVG = "<svg onload=\"window.__pwned = 'svg'\"><script>window.__pwned = 'svg-script'</script></svg>"
JS_URL = "javascript:window.__pwned='js-url'"
SVG_URL = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload=\"window.__pwned='svg-url'\"><script>window.__pwned='svg-url-script'</script></svg>"

SCHEMA = {
    "objects": {
        "text": {"type": "text"},
        "chat": {"type": "paragraphs"},
        "record": {"type": "table"},
        "photo": {"type": "image"},
        "scan": {"type": "image"},
        "clip": {"type": "audio"},
    },
    "controls": {
        "verdict": {"type": "choices", "object": "text", "options": ["safe", "<b>unsafe</b>"]},
        "marks": {"type": "spans", "object": "text", "labels": ["<i>x</i>"]},
    },
}


def test_task_content_never_runs(page, web_server, web_session, console):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    row = {
        "text": f"{SCRIPT} {IMG} {SVG} <a href=\"{JS_URL}\">click</a>",
        "chat": [{"author": IMG, "text": SCRIPT}, SVG],
        "record": {"<b>col</b>": IMG, "link": JS_URL},
        "photo": JS_URL,
        "scan": SVG_URL,
        "clip": "javascript:alert(1)",
    }
    # The importer already refuses javascript: and SVG media URLs; write them straight into the
    # database to prove the page refuses them too.
    safe = {**row, "photo": png_data_uri(8, 8), "scan": png_data_uri(8, 8), "clip": wav_data_uri(0.1)}
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [safe], guidelines=f"Read this: {SCRIPT} {IMG}", wait_for_task=False)
    page.wait_for_selector("lw-labeling[data-task-id]")  # the first load's requests are done before the rewrite
    task = web_session.get(Task, ctx.task_ids()[0])
    task.data = row
    web_session.commit()
    page.reload()
    page.wait_for_selector("lw-labeling[data-task-id]", timeout=30_000)
    page.keyboard.press("g")
    page.click(".lw-seg")  # interact with the text
    page.mouse.move(10, 10)
    page.wait_for_timeout(300)

    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    text = page.inner_text(".lw-text-viewer")
    assert SCRIPT in text and IMG in text and SVG in text and JS_URL in text
    assert SCRIPT in page.inner_text(".lw-paragraphs-viewer") and IMG in page.inner_text(".lw-paragraphs-viewer")
    assert IMG in page.inner_text(".lw-table") and "<b>col</b>" in page.inner_text(".lw-table")
    assert SCRIPT in page.inner_text(".lw-guidelines")
    assert "<b>unsafe</b>" in page.inner_text("[data-control=verdict]")
    # no element came from task content: no scripts, images, anchors or svg roots inside the editor but ours
    assert page.locator("lw-task-editor script, lw-task-editor img, lw-task-editor a, .lw-guidelines *:not(h3):not(div):not(p)").count() == 0
    assert page.locator("lw-task-editor svg[onload], lw-task-editor [onerror]").count() == 0
    # unsafe media URLs are refused in words and never set as a source
    photo, scan = page.locator(".lw-image-viewer").all()
    assert "not allowed" in photo.inner_text() and "not allowed" in scan.inner_text()
    hrefs = page.eval_on_selector_all(".lw-image-svg image", "nodes => nodes.map(n => n.getAttribute('href'))")
    assert all(not h for h in hrefs)
    assert "not allowed" in page.inner_text(".lw-audio-viewer")
    assert page.eval_on_selector(".lw-audio-viewer audio", "a => a.getAttribute('src')") is None
    page.keyboard.press("g")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.locator(".lw-empty").wait_for()
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
