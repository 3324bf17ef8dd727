"""The labeling page's keyboard model, driven by keyboard as an annotator would.

While a text field has focus every key is text except Esc (leave the field) and Ctrl+Enter (submit);
each task starts on the first control; every label has one key across all controls; a new region
takes the label chosen before drawing and is not left selected. Results are read back through the API.
"""

import pytest
from playwright.sync_api import expect

from labelwise.schema import TEMPLATES
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.browser.test_labeling_support import LABEL_PAGE, current_task_id, open_labeling, wait_next_task, wav_data_uri
from tests.factories import PASSWORD, add_member, add_tasks, make_project, make_user

# Every page, tool and label key the page knows, with spaces (play/pause) and symbols.
SENTENCE = "hello segment: skip [a] r, m. t f e q h n k x c b g w y u i o p d j l z v 1 2 3 4 5 6 7 8 9 0 ? + - = done"

# Task data that a browser can load offline, per object type of the templates with text fields.
DATA = {"audio": lambda: {"src": wav_data_uri(2.0), "duration": 2.0}, "text": lambda: "Ada works for ACME in London.",
        "chat": lambda: [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there."},
                         {"role": "user", "content": "And?"},
                         {"role": "assistant", "alternatives": [{"content": "More."}, {"content": "Less."}]}]}
TEXT_TYPES = ("text", "edit")  # an edit box rewrites a chat message (the first reply, message 1, starts current)

NOTES_SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {
        "topic": {"type": "choices", "object": "text", "options": ["news", "sport"]},
        "entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG"]},
        "notes": {"type": "text", "object": "text"},
    },
}


def _schemas_with_text_fields():
    out = {name: t["schema"] for name, t in TEMPLATES.items() if any(c["type"] in TEXT_TYPES for c in t["schema"]["controls"].values())}
    out["notes (free text beside choices and spans)"] = NOTES_SCHEMA
    return out


class Requests:
    """Every request the page sends that would change something."""

    def __init__(self, page):
        self.writes: list[str] = []
        page.on("request", lambda r: r.method in ("POST", "PATCH", "PUT", "DELETE") and self.writes.append(f"{r.method} {r.url}"))


def _editor_value(page):
    return page.evaluate("() => document.querySelector('lw-task-editor').value")


def _stored_result(page, server_url, task_id):
    detail = page.request.get(f"{server_url}/api/v1/tasks/{task_id}").json()
    submitted = [a for a in detail["annotations"] if a["status"] == "submitted"]
    assert len(submitted) == 1, detail["annotations"]
    return submitted[0]["result"]


@pytest.mark.parametrize("template", sorted(_schemas_with_text_fields()))
def test_typing_in_every_text_field_changes_only_the_text(page, web_server, web_session, template):
    schema = _schemas_with_text_fields()[template]
    rows = [{spec.get("field", name): DATA[spec["type"]]() for name, spec in schema["objects"].items()} for _ in range(2)]
    ctx = open_labeling(page, web_server, web_session, schema, rows)
    requests = Requests(page)
    task = current_task_id(page)
    text_controls = [name for name, spec in schema["controls"].items() if spec["type"] in TEXT_TYPES]
    regions_of = {name: schema["controls"][name].get("regions_of") for name in text_controls}
    if any(regions_of.values()):
        # a segment by keyboard: m marks the start at the playhead, . moves it 0.5 s, m marks the end
        page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.audio.timeRange()[1] > 0")
        for key in ("m", ".", ".", "m"):
            page.keyboard.press(key)
    if schema["controls"][next(iter(schema["controls"]))]["type"] == "pairwise":
        page.keyboard.press("a")  # the required preference
        page.keyboard.press("]")  # t is tie while a pairwise control is active; elsewhere it types
    before = _editor_value(page)
    fields = page.locator("lw-task-editor textarea, lw-task-editor input:not([type=checkbox]):not([type=radio]), lw-task-editor [contenteditable=true]")
    assert fields.count() == len(text_controls) >= 1
    expected = {}
    for i in range(fields.count()):
        page.keyboard.press("t") if i == 0 else fields.nth(i).focus()
        expect(fields.nth(i)).to_be_focused()
        if schema["controls"][text_controls[i]]["type"] == "edit":
            page.keyboard.press("Control+a")  # the box starts with the message's text
        page.keyboard.type(SENTENCE)
        expect(fields.nth(i)).to_have_value(SENTENCE)
        assert current_task_id(page) == task
        page.keyboard.press("Escape")  # leaves the field, focus back to the page
        assert page.evaluate("() => document.activeElement === document.body")
        expected[text_controls[i]] = SENTENCE
    after = _editor_value(page)
    assert {k: v for k, v in after.items() if k not in text_controls} == before
    assert requests.writes == []  # nothing skipped, nothing submitted while typing
    assert page.locator("lw-labeling .lw-help").is_hidden() and page.locator("lw-labeling .lw-guidelines").is_hidden()

    page.keyboard.press("Enter")
    wait_next_task(page, task)
    stored = _stored_result(page, web_server.url, task)
    for name in text_controls:
        if regions_of[name]:
            (segment,) = stored[regions_of[name]]
            assert (segment["start"], segment["end"]) == (0.0, 1.0)
            assert stored[name] == {segment["id"]: SENTENCE}
        elif schema["controls"][name].get("per_message") or schema["controls"][name]["type"] == "edit":
            assert stored[name] == {"1": SENTENCE}
        else:
            assert stored[name] == SENTENCE
    assert len(requests.writes) == 1 and f"/tasks/{task}/annotations?next=true" in requests.writes[0]
    assert ctx.results()[0].result == stored


def test_ctrl_enter_in_a_text_field_submits(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, NOTES_SCHEMA, [{"text": "one"}, {"text": "two"}])
    task = current_task_id(page)
    page.keyboard.press("t")
    page.keyboard.type("s1 g? done")
    page.keyboard.press("Control+Enter")
    wait_next_task(page, task)
    assert ctx.results()[0].result == {"notes": "s1 g? done"}


def test_review_comment_box_leaves_with_escape(page, web_server, web_session):
    owner = make_user(web_session, "olga", admin=True)
    project = make_project(web_session, owner.user, name="Review keys", settings={"overlap": 1})
    add_tasks(web_session, owner.user, project, [{"text": "Loved it"}, {"text": "Broke"}])
    annie, rita = make_user(web_session, "annie"), make_user(web_session, "rita")
    add_member(web_session, owner.user, project, annie.user, "annotator")
    add_member(web_session, owner.user, project, rita.user, "reviewer")
    # annie labels both tasks by keyboard on the labeling page
    page.request.post(web_server.url + "/api/v1/auth/login", data={"username": "annie", "password": PASSWORD})
    page.goto(LABEL_PAGE.format(id=project.id))
    ctx_task_ids = []
    for _ in range(2):
        page.wait_for_selector("lw-labeling[data-task-id]")
        task = current_task_id(page)
        ctx_task_ids.append(task)
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        wait_next_task(page, task)
    page.context.clear_cookies()

    login(page, "rita")
    page.goto(f"/app/projects/{project.id}/review")
    card = page.locator(".review-card")
    expect(card).to_have_count(1)
    comment = card.get_by_label("Comment (required to reject)")
    comment.focus()
    page.keyboard.type("wrong topic")  # no a/r/f/j/k shortcut may fire here
    page.keyboard.press("Escape")
    expect(comment).not_to_be_focused()
    first_id = card.get_attribute("data-annotation-id")
    page.keyboard.press("r")
    # rejected: the second task's annotation is shown next
    expect(card).to_have_count(1)
    expect(card).not_to_have_attribute("data-annotation-id", first_id)
    second = card.first
    second.get_by_label("Comment (required to reject)").focus()
    page.keyboard.type("a r f j k")
    page.keyboard.press("Escape")
    page.keyboard.press("f")
    expect(second.get_by_role("button", name="Save fix (Ctrl+Enter)")).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name="Nothing to review")).to_be_visible()

    verdicts = []
    for task_id in ctx_task_ids:
        (annotation,) = page.request.get(f"{web_server.url}/api/v1/tasks/{task_id}").json()["annotations"]
        verdicts.append((annotation["review"]["verdict"], annotation["review"]["comment"]))
    assert sorted(verdicts) == [("fix", "a r f j k"), ("reject", "wrong topic")]


DEMO_SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {
        "spam": {"type": "choices", "object": "text", "options": ["spam", "ham"], "required": True},
        "mentions": {"type": "spans", "object": "text", "labels": ["PERSON", "CHANNEL", "URL"]},
    },
}


def test_a_label_key_means_the_same_on_every_task(page, web_server, web_session):
    """The demo bug: ] to mentions, submit; on the next task 1 must still pick spam, not PERSON."""
    ctx = open_labeling(page, web_server, web_session, DEMO_SCHEMA, [{"text": "check out my channel"}, {"text": "Eve sings well"}])
    keys = page.eval_on_selector_all("lw-task-editor kbd", "ks => ks.map((k) => k.closest('[data-option],[data-label]').textContent)")
    assert keys == ["1spam", "2ham", "3PERSON", "4CHANNEL", "5URL"]  # one key per label, no key twice
    page.keyboard.press("?")  # the sheet states the keyboard model and lists every label key
    sheet = page.locator(".lw-help")
    expect(sheet).to_contain_text("Only Esc (leave the box, back to the page) and Ctrl+Enter (submit) act there.")
    expect(sheet.locator("tr", has_text="mentions: label PERSON").locator("kbd")).to_have_text("3")
    save_screenshot(page, "labeling-shortcuts")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    first = current_task_id(page)
    page.keyboard.press("1")
    page.keyboard.press("]")  # mentions active: its labels keep their own keys 3-5
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("4")  # CHANNEL for "check"
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    expect(page.locator("[data-control=spam]")).to_have_class("lw-control lw-control-choices lw-active")
    second = current_task_id(page)
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    wait_next_task(page, second)
    results = ctx.results()
    assert results[0].result["spam"] == "spam"
    assert [(r["label"], r["start"], r["end"]) for r in results[0].result["mentions"]] == [("CHANNEL", 0, 5)]
    assert results[1].result == {"spam": "ham"}


def test_a_new_region_takes_the_label_chosen_before_drawing(page, web_server, web_session):
    from tests.browser.test_labeling_support import drag, image_point, png_data_uri

    schema = {"objects": {"photo": {"type": "image"}},
              "controls": {"kind": {"type": "choices", "object": "photo", "options": ["day", "night"]},
                           "objects": {"type": "boxes", "object": "photo", "labels": ["car", "person", "bicycle"]}}}
    ctx = open_labeling(page, web_server, web_session, schema, [{"photo": {"src": png_data_uri(320, 240), "width": 320, "height": 240}}])
    task = current_task_id(page)
    page.wait_for_function("() => document.querySelector('lw-task-editor').viewers.photo.width > 0")
    page.keyboard.press("4")  # person (keys 1-2 are day/night, 3-5 the box labels)
    drag(page, image_point(page, ".lw-image-svg", 20, 20), image_point(page, ".lw-image-svg", 100, 80))
    page.keyboard.press("5")  # bicycle for the next box: the new box is not relabelled
    drag(page, image_point(page, ".lw-image-svg", 150, 100), image_point(page, ".lw-image-svg", 250, 200))
    page.keyboard.press("1")  # day
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    result = ctx.results()[0].result
    assert result["kind"] == "day"
    assert sorted((b["label"], round(b["x"])) for b in result["objects"]) == [("bicycle", 150), ("person", 20)]


def test_required_controls_and_limits_are_checked_before_anything_is_sent(page, web_server, web_session):
    schema = {"objects": DEMO_SCHEMA["objects"],
              "controls": {**DEMO_SCHEMA["controls"], "mentions": {**DEMO_SCHEMA["controls"]["mentions"], "min": 2}}}
    ctx = open_labeling(page, web_server, web_session, schema, [{"text": "check out my channel"}, {"text": "two"}])
    requests = Requests(page)
    task = current_task_id(page)
    message = page.locator(".lw-message.lw-error")

    page.keyboard.press("Enter")  # nothing chosen: spam is required
    expect(message).to_contain_text("spam is required")
    expect(page.locator("[data-control=spam]")).to_have_class("lw-control lw-control-choices lw-active lw-invalid")
    page.keyboard.press("1")
    expect(page.locator("[data-control=spam].lw-invalid")).to_have_count(0)

    page.keyboard.press("]")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("4")  # one CHANNEL span: mentions needs at least 2
    page.keyboard.press("Enter")
    expect(message).to_contain_text("mentions needs at least 2 regions, got 1")
    expect(page.locator("[data-control=mentions].lw-invalid")).to_have_count(1)
    assert requests.writes == [] and current_task_id(page) == task  # nothing was sent

    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")  # "out" as PERSON
    page.keyboard.press("Enter")
    wait_next_task(page, task)
    assert len(requests.writes) == 1
    stored = _stored_result(page, web_server.url, task)
    assert stored["spam"] == "spam" and [(m["label"], m["text"]) for m in stored["mentions"]] == [("CHANNEL", "check"), ("PERSON", "out")]
    assert ctx.results()[0].result == stored


def test_the_page_and_the_server_give_labels_the_same_keys(page, web_server):
    from labelwise.schema.hotkeys import assign_hotkeys

    schemas = [t["schema"] for t in TEMPLATES.values()] + [DEMO_SCHEMA, NOTES_SCHEMA, {
        "objects": {"photo": {"type": "image"}, "clip": {"type": "audio"}},
        "controls": {"kind": {"type": "choices", "object": "photo", "options": ["a", "b"], "hotkeys": {"a": "1", "b": "w"}},
                     "boxes": {"type": "boxes", "object": "photo", "labels": [f"l{i}" for i in range(25)], "rotatable": True},
                     "speech": {"type": "segments", "object": "clip", "labels": ["x", "y"]}}}]
    # an empty page of the server's origin, so that the module imports from it
    page.route(web_server.url + "/blank", lambda route: route.fulfill(body="<!doctype html><link rel=icon href='data:,'>", content_type="text/html"))
    page.goto(web_server.url + "/blank")
    in_browser = page.evaluate("async (schemas) => { const m = await import('/static/labeling/hotkeys.js');"
                               " return schemas.map((s) => m.assignHotkeys(s)); }", schemas)
    assert in_browser == [assign_hotkeys(s["objects"], s["controls"]) for s in schemas]
