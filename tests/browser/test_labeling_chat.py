"""Labeling a conversation in a real browser by keyboard: a rating for an assistant reply, a pairwise
choice between two alternative replies, and a span inside a message; the stored result is read back
through the API."""

import httpx
from playwright.sync_api import expect

from labelwise.schema import TEMPLATES
from tests.browser.pages_helpers import login
from tests.browser.test_labeling_support import current_task_id, open_labeling, screenshot, wait_next_task

SCHEMA = {
    "objects": {"chat": {"type": "chat"}},
    "controls": {
        "helpful": {"type": "rating", "object": "chat", "per_message": True, "roles": ["assistant"]},
        "better": {"type": "pairwise", "object": "chat"},
        "unsafe": {"type": "spans", "object": "chat", "labels": ["unsafe", "personal data"]},
        "rewrite": {"type": "edit", "object": "chat"},
    },
}
CHAT = [
    {"role": "system", "content": "You are a **helpful** assistant."},
    {"role": "user", "content": "My name is Ann Lee. Suggest a *pet* name."},
    {"role": "assistant", "content": "How about **Biscuit**?", "model": "m-1"},
    {"role": "user", "content": "Another one?"},
    {"role": "assistant", "alternatives": [{"content": "Pepper.", "model": "m-1"}, {"content": "No.", "model": "m-2"}]},
]


def test_rate_compare_and_mark_a_span_in_a_chat_by_keyboard(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [{"chat": CHAT}, {"chat": CHAT}])
    first = current_task_id(page)
    # Markdown is rendered (and sanitised), roles and models are shown
    assert page.locator(".lw-msg[data-message='0'] strong").inner_text() == "helpful"
    assert page.locator(".lw-msg[data-message='2'] .lw-model").inner_text() == "m-1"
    # the first reply starts current; Alt+↓/↑ walk the messages; rate the first reply
    assert page.get_attribute(".lw-msg.lw-current", "data-message") == "2"
    page.keyboard.press("Alt+ArrowDown")
    assert page.get_attribute(".lw-msg.lw-current", "data-message") == "3"
    assert "pick an assistant message" in page.inner_text("[data-control=helpful] .lw-scope")
    page.keyboard.press("Alt+ArrowUp")
    assert page.get_attribute(".lw-msg.lw-current", "data-message") == "2"
    assert "message #2" in page.inner_text("[data-control=helpful] .lw-scope")
    page.keyboard.press("4")
    assert "helpful: 4" in page.inner_text(".lw-msg[data-message='2'] .lw-msg-answers")
    # pairwise: b works whatever control is active, for the turn with two alternatives
    page.keyboard.press("b")
    assert page.get_attribute("[data-control=better] [data-option=b]", "aria-checked") == "true"
    # spans: ] activates the spans control (messages become plain text), Alt+↓ walks the text blocks
    for _ in range(4):
        if page.get_attribute(".lw-control.lw-active", "data-control") == "unsafe":
            break
        page.keyboard.press("]")
    assert page.locator(".lw-chat-plain").count() == 1
    page.keyboard.press("Alt+ArrowUp")  # message 1 ("My name is Ann Lee...")
    for _ in range(11):
        page.keyboard.press("Alt+ArrowRight")  # the caret before "Ann"
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")  # "Ann Lee"
    key = page.locator("[data-control=unsafe] [data-label='personal data'] kbd").inner_text()
    page.keyboard.press(key)
    screenshot(page, "chat")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    stored = httpx.get(f"{ctx.server_url}/api/v1/tasks/{first}", headers=ctx.owner_headers).json()
    [annotation] = stored["annotations"]
    result = annotation["result"]
    assert result["helpful"] == {"2": 4}
    assert result["better"] == {"4": "b"}
    [span] = result["unsafe"]
    assert (span["message"], span["start"], span["end"], span["label"], span["text"]) == (1, 11, 18, "personal data", "Ann Lee")
    assert "rewrite" not in result


def test_edit_a_reply_and_rank_alternatives(page, web_server, web_session):
    schema = {"objects": {"chat": {"type": "chat"}},
              "controls": {"rewrite": {"type": "edit", "object": "chat"}, "order": {"type": "ranking", "object": "chat"}}}
    chat = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Pick one"},
            {"role": "assistant", "alternatives": [{"id": "x", "content": "One"}, {"id": "y", "content": "Two"},
                                                   {"id": "z", "content": "Three"}]}]
    ctx = open_labeling(page, web_server, web_session, schema, [{"chat": chat}])
    first = current_task_id(page)
    page.click(".lw-msg[data-message='1']")
    page.keyboard.press("e")
    page.keyboard.press("Control+a")
    page.keyboard.type("Hello! How can I help?")
    page.keyboard.press("Escape")
    page.click("[data-control=order] .lw-control-title")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowUp")  # z above y
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    result = ctx.results()[0].result
    assert result == {"rewrite": {"1": "Hello! How can I help?"}, "order": {"3": ["x", "z", "y"]}}


def test_the_chat_templates_are_offered_and_render(page, web_server, web_session):
    template = TEMPLATES["llm_chat_evaluation"]
    open_labeling(page, web_server, web_session, template["schema"], [template["example"]["data"]])
    # scope notes follow the current message; a user message is out of scope for assistant controls
    assert "message #2 (assistant)" in page.inner_text("[data-control=helpfulness] .lw-scope")
    page.click(".lw-msg[data-message='1']")
    assert "pick an assistant message" in page.inner_text("[data-control=helpfulness] .lw-scope")
    page.context.clear_cookies()
    login(page, "owner")
    page.goto("/app/projects/new")
    expect(page.get_by_role("radio", name="LLM chat evaluation", exact=True)).to_have_count(1)
    expect(page.get_by_role("radio", name="Preference (RLHF)", exact=True)).to_have_count(1)


def test_chat_markdown_is_sanitised(page, web_server, web_session):
    chat = [{"role": "user", "content": 'Hi <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script>'},
            {"role": "assistant", "content": "[click](javascript:window.pwned=3) and **bold** `code`",
             "model": "<b>m</b>", "tool_calls": [{"id": "<i>c</i>", "type": "function"}]}]
    open_labeling(page, web_server, web_session, SCHEMA, [{"chat": chat}])
    page.click(".lw-msg[data-message='1'] a, .lw-msg[data-message='1'] strong")
    assert page.evaluate("window.pwned") is None
    assert page.locator(".lw-chat img, .lw-chat script, .lw-chat a[href^='javascript']").count() == 0
    assert page.locator(".lw-msg[data-message='1'] .lw-model").inner_text() == "<b>m</b>"
    assert "<i>c</i>" in page.inner_text(".lw-tool-calls")
    assert "<img" in page.inner_text(".lw-msg[data-message='0'] .lw-msg-body")  # raw HTML shown as text
