"""Comparing LLM outputs in a real browser: ranking (keyboard and drag), pairwise (a/b/t keys), rating,
spans inside paragraphs by keyboard, and a table record shown alongside."""

from tests.browser.test_labeling_support import current_task_id, open_labeling, screenshot, wait_next_task

SCHEMA = {
    "objects": {
        "prompt": {"type": "text"},
        "meta": {"type": "table", "columns": ["model_a", "model_b", "temperature"]},
        "answers": {"type": "paragraphs"},
        "answer_a": {"type": "text"},
        "answer_b": {"type": "text"},
    },
    "controls": {
        "ranking": {"type": "ranking", "object": "answers", "required": True},
        "preference": {"type": "pairwise", "objects": ["answer_a", "answer_b"]},
        "quality": {"type": "rating", "object": "answers", "max": 5},
        "claims": {"type": "spans", "object": "answers", "labels": ["claim", "hedge"]},
    },
}

ROW = {
    "prompt": "Name a prime number and explain.",
    "meta": {"model_a": "m-1", "model_b": "m-2", "temperature": 0.7, "ignored": "x"},
    "answers": [{"id": "m1", "author": "model-1", "text": "7 is prime."}, {"id": "m2", "author": "model-2", "text": "Nine is prime."},
                {"id": "m3", "author": "model-3", "text": "Maybe 11."}],
    "answer_a": "7 is prime.",
    "answer_b": "Nine is prime.",
}


def test_rank_compare_and_rate_llm_outputs(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, SCHEMA, [ROW, ROW])
    first = current_task_id(page)
    assert page.inner_text(".lw-table").count("m-1") == 1 and "ignored" not in page.inner_text(".lw-table")
    page.keyboard.press("b")  # pairwise, whichever control is active
    page.click("[data-control=ranking] .lw-control-title")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowUp")  # m2 to the top
    assert page.locator(".lw-rank-item").evaluate_all("items => items.map(i => i.dataset.item)") == ["m2", "m1", "m3"]
    page.drag_and_drop(".lw-rank-item[data-item=m3]", ".lw-rank-item[data-item=m1]")  # m3 above m1
    assert page.locator(".lw-rank-item").evaluate_all("items => items.map(i => i.dataset.item)") == ["m2", "m3", "m1"]
    page.click("[data-control=quality] .lw-control-title")
    page.keyboard.press("4")
    page.click("[data-control=claims] .lw-control-title")
    page.keyboard.press("Alt+ArrowDown")  # paragraph 2
    page.keyboard.press("Alt+ArrowDown")  # paragraph 3
    page.keyboard.press("Control+Shift+ArrowRight")  # "Maybe"
    page.keyboard.press("2")
    screenshot(page, "llm")
    page.keyboard.press("Enter")
    wait_next_task(page, first)

    result = ctx.results()[0].result
    assert result["ranking"] == ["m2", "m3", "m1"]
    assert result["preference"] == "b"
    assert result["quality"] == 4
    [claim] = result["claims"]
    assert (claim["paragraph"], claim["start"], claim["end"], claim["label"], claim["text"]) == (2, 0, 5, "hedge", "Maybe")
