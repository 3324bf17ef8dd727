"""The labeling loop's hard cases in a real browser: a result the server rejects (422) keeps the work,
a submit while offline keeps the work and lands once back online, undo/redo, a prediction accepted with
one key, skipping, editing the previous answer, broken media, and the empty queue."""

import httpx
from sqlalchemy import select

from labelwise.store.models import Annotation
from tests.browser.test_labeling_support import current_task_id, open_labeling, png_data_uri, wait_next_task
from tests.factories import PASSWORD, TEXT_SCHEMA


def test_rejected_result_keeps_work_and_offline_submit_retries(page, web_server, web_session, console):
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, [{"text": "Ada met Bob."}, {"text": "second"}, {"text": "third"}])
    first = current_task_id(page)
    # the owner makes entities required while the page is open: the page does not know, the server says no
    schema = {**TEXT_SCHEMA, "controls": {**TEXT_SCHEMA["controls"], "entities": {**TEXT_SCHEMA["controls"]["entities"], "required": True}}}
    assert httpx.patch(f"{ctx.server_url}/api/v1/projects/{ctx.project_id}", headers=ctx.owner_headers, json={"label_schema": schema}).is_success
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    message = page.locator(".lw-message.lw-error")
    message.wait_for()
    assert "required" in message.inner_text() and "result.entities" in message.inner_text()
    assert current_task_id(page) == first
    assert page.locator("[data-control=entities].lw-invalid").count() == 1
    assert page.get_attribute("[data-control=sentiment] [data-option=positive]", "aria-checked") == "true"
    # the work is kept: add the span by keyboard (the entities keys follow sentiment's 1-3)
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("4")
    assert page.locator("[data-control=entities] .lw-region").count() == 1
    # undo / redo on the choice
    page.keyboard.press("2")
    page.keyboard.press("Control+z")
    assert page.get_attribute("[data-control=sentiment] [data-option=positive]", "aria-checked") == "true"
    page.keyboard.press("Control+Shift+z")
    assert page.get_attribute("[data-control=sentiment] [data-option=negative]", "aria-checked") == "true"
    page.keyboard.press("Control+z")
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    assert ctx.results()[0].result == {"sentiment": "positive", "entities": [ctx.results()[0].result["entities"][0]]}
    assert ctx.results()[0].result["entities"][0]["start"] == 0 and ctx.results()[0].result["entities"][0]["end"] == 3

    console.errors.clear()  # the browser logged the 422 response
    assert httpx.patch(f"{ctx.server_url}/api/v1/projects/{ctx.project_id}", headers=ctx.owner_headers, json={"label_schema": TEXT_SCHEMA}).is_success
    # offline: the work stays, the page says so, and it lands after the connection returns
    second = current_task_id(page)
    page.keyboard.press("3")
    page.context.set_offline(True)
    page.keyboard.press("Enter")
    page.locator(".lw-message.lw-warning").wait_for()
    assert "connection was lost" in page.inner_text(".lw-message")
    assert current_task_id(page) == second
    assert page.get_attribute("[data-control=sentiment] [data-option=neutral]", "aria-checked") == "true"
    page.context.set_offline(False)
    wait_next_task(page, second)
    console.errors.clear()  # failed fetches while offline
    assert ctx.results()[1].result == {"sentiment": "neutral"}

    # skip, then go back to edit the first answer (a new revision), then the queue is empty
    third = current_task_id(page)
    page.keyboard.press("s")
    page.locator(".lw-empty").wait_for()
    assert "No more tasks" in page.inner_text(".lw-empty")
    assert "null" not in page.inner_text(".lw-empty")
    assert ctx.results()[2].status == "skipped"
    page.keyboard.press("Control+ArrowLeft")
    page.wait_for_function(f"() => document.querySelector('lw-labeling').dataset.taskId === '{second}'")
    assert page.get_attribute("[data-control=sentiment] [data-option=neutral]", "aria-checked") == "true"
    page.keyboard.press("2")  # neutral -> negative
    page.keyboard.press("Enter")
    page.locator(".lw-empty").wait_for()
    edited = ctx.results()[1]
    assert edited.result == {"sentiment": "negative"} and edited.revision == 2
    assert third is not None


def test_prediction_accepted_with_one_key(page, web_server, web_session):
    prediction = {"sentiment": "negative", "entities": [{"id": "p1", "start": 0, "end": 3, "label": "PER", "score": 0.8}]}
    rows = [{"data": {"text": "Bob is unhappy."}, "predictions": [{"result": prediction, "model_version": "bert-1", "score": 0.91}]}]
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, rows)
    assert "bert-1" in page.inner_text(".lw-suggestion") and "0.91" in page.inner_text(".lw-suggestion")
    first = current_task_id(page)
    page.keyboard.press("a")
    assert page.get_attribute("[data-control=sentiment] [data-option=negative]", "aria-checked") == "true"
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    assert ctx.results()[0].result == {"sentiment": "negative", "entities": [{"id": "p1", "start": 0, "end": 3, "label": "PER"}]}


def test_broken_media_is_reported_in_words(page, web_server, web_session, console):
    schema = {"objects": {"photo": {"type": "image"}}, "controls": {"ok": {"type": "choices", "object": "photo", "options": ["fine", "broken"]}}}
    rows = [{"photo": "/static/labeling/missing.png"}, {"photo": png_data_uri(20, 20)}]
    ctx = open_labeling(page, web_server, web_session, schema, rows)
    problem = page.locator(".lw-image-viewer .lw-error")
    problem.wait_for()
    assert "could not be loaded" in problem.inner_text()
    console.errors.clear()  # the 404 of the missing image
    first = current_task_id(page)
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    assert ctx.results()[0].result == {"ok": "broken"}
    web_session.rollback()
    assert web_session.scalar(select(Annotation.lead_time_ms).where(Annotation.project_id == ctx.project_id)) > 0


def test_labeling_inside_the_app_shell(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, [{"text": "Shell task."}, {"text": "next"}], wait_for_task=False)
    page.goto(f"/app/projects/{ctx.project_id}/label")
    page.wait_for_selector("lw-labeling[data-task-id], input[type=password]")
    if page.get_by_label("Username").is_visible():  # the shell keeps its own login state
        page.get_by_label("Username").fill("annie")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # The login page's own URL matches /app/ (and carries ?next=...label), so wait until we left it.
        page.wait_for_url(lambda url: "/app/login" not in url)
        if not page.url.split("?")[0].endswith("/label"):
            page.goto(f"/app/projects/{ctx.project_id}/label")
    page.wait_for_selector("lw-labeling[data-task-id]")
    first = current_task_id(page)
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    assert ctx.results()[0].result == {"sentiment": "positive"}


def test_submit_and_skip_show_the_task_leased_ahead_and_bring_the_next_in_the_same_round_trip(page, web_server, web_session):
    ctx = open_labeling(page, web_server, web_session, TEXT_SCHEMA, [{"text": "one"}, {"text": "two"}, {"text": "three"}])
    page.wait_for_function("() => document.querySelector('lw-labeling').ahead")  # the second task, leased ahead
    requests: list[str] = []
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))
    first = current_task_id(page)
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    wait_next_task(page, first)
    second = current_task_id(page)
    page.keyboard.press("s")
    wait_next_task(page, second)
    third = current_task_id(page)
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for()

    api_calls = [r for r in requests if "/api/v1/" in r and "/suggestion" not in r]
    assert not [r for r in api_calls if r.startswith("GET") and "/next" in r], api_calls  # no extra round trip
    assert [r.split("/api/v1")[1] for r in api_calls if r.startswith("POST")] == [
        f"/tasks/{first}/annotations?next=true&holding={second}", f"/tasks/{second}/skip?next=true&holding={third}",
        f"/tasks/{third}/annotations?next=true"]
    ids = ctx.task_ids()
    stored = {ids[position]: (a.status, a.result) for position, a in ctx.results().items()}
    assert stored[first] == ("submitted", {"sentiment": "positive"})
    assert stored[second][0] == "skipped"
    assert stored[third] == ("submitted", {"sentiment": "negative"})
