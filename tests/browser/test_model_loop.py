"""Model in the loop, in the browser (issue #11's "done when"): train a built-in model from the Model page,
pre-label, accept the suggestion by keyboard and submit, read the answer back through the API; then switch
to active learning, retrain, and see the queue serve the task the model is least sure about."""

import os
import time

from playwright.sync_api import expect
from sqlalchemy import select

from labelwise.core.labeling import annotations
from labelwise.store.models import Task
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.factories import add_tasks, make_project, make_user

SCHEMA = {"objects": {"text": {"type": "text"}},
          "controls": {"sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative"]}}}
POSITIVE = ["great lovely product", "works great, lovely", "lovely and great value"]
NEGATIVE = ["awful broken thing", "broken on arrival, awful", "awful, simply broken"]
# Unlabeled: clear ones first (sequential routing serves them first), then ones that mix both words.
UNLABELED = ["great lovely lovely great", "awful broken broken", "great value, lovely day", "broken awful mess",
             "great but broken", "lovely yet awful", "works great, awful, lovely and broken"]


def _wait_for_job(page, kind: str, project_id: int, *, after: int = 0) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        jobs = page.request.get(f"/api/v1/projects/{project_id}/jobs?kind={kind}").json()
        done = [j for j in jobs if j["id"] > after and j["status"] not in ("queued", "running")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {kind} job finished in time")


def test_train_prelabel_accept_by_keyboard_and_active_learning_reorders(page, web_session, tmp_path):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=SCHEMA, name="Reviews",
                           settings={"lease_seconds": 5})
    labeled = [f"{t} {i}" for i in range(2) for t in POSITIVE + NEGATIVE]
    add_tasks(web_session, alice.user, project, [{"text": t} for t in labeled + UNLABELED])
    tasks = list(web_session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:len(labeled)]:
        label = "positive" if "great" in task.data["text"] else "negative"
        annotations.submit(web_session, alice.user, task.id, result={"sentiment": label})

    login(page, "alice")
    page.goto(f"/app/projects/{project.id}")
    page.get_by_role("link", name="Model", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model · Reviews")
    page.get_by_role("button", name="Train a new version").click()
    row = page.locator("tr[data-model-version='builtin-sentiment-v1']")
    expect(row).to_be_visible(timeout=90_000)
    trained = _wait_for_job(page, "train", project.id)
    assert trained["status"] == "succeeded", trained["error"]
    expect(page.locator(".model-job[data-status='succeeded']")).to_be_visible(timeout=15_000)
    expect(row.locator(".metric-accuracy")).to_contain_text("%")
    expect(row.locator(".metric-f1")).to_contain_text("%")

    row.get_by_role("button", name="Pre-label").click()
    prelabel = _wait_for_job(page, "prelabel", project.id)
    assert prelabel["status"] == "succeeded" and prelabel["result"] == {"predictions": len(UNLABELED)}

    page.get_by_role("link", name="Start labeling").click()
    suggestion = page.locator(".lw-suggestion")
    expect(suggestion).to_be_visible(timeout=15_000)
    expect(suggestion).to_contain_text("builtin-sentiment-v1")
    served = int(page.locator("[data-task-id]").first.get_attribute("data-task-id"))
    assert served == tasks[len(labeled)].id  # sequential: the first unlabeled task
    task = page.request.get(f"/api/v1/tasks/{served}").json()
    prediction = task["predictions"][0]
    page.keyboard.press("Shift+A")
    page.keyboard.press("Enter")
    expect(page.locator(f"[data-task-id='{served}']")).to_have_count(0, timeout=15_000)
    page.wait_for_function("() => !document.querySelector('lw-labeling').sending")  # the answer has landed
    [answer] = [a for a in page.request.get(f"/api/v1/tasks/{served}").json()["annotations"]
                if a["status"] == "submitted"]
    assert answer["result"] == prediction["result"]
    deadline = time.monotonic() + 15  # the page reports the suggestion's outcome right after the submit
    while not (usage := page.request.get(f"/api/v1/projects/{project.id}/suggestions").json())["versions"]:
        assert time.monotonic() < deadline, "the accepted suggestion was not recorded"
        time.sleep(0.2)
    [used] = usage["versions"]
    assert (used["model_version"], used["shown"], used["accepted"], used["edited"], used["rejected"]) == \
        ("builtin-sentiment-v1", 1, 1, 0, 0)

    # Active learning: retrain, then the next task served is the one the new model is least sure about.
    page.get_by_role("link", name="Model", exact=True).click()
    expect(page.locator(".suggestions-table tr[data-model-version='builtin-sentiment-v1']")).to_contain_text("100.0 %")
    page.get_by_label("Routing").select_option("active_learning")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    page.get_by_role("button", name="Train a new version").click()
    retrained = _wait_for_job(page, "train", project.id, after=trained["id"])
    assert retrained["status"] == "succeeded", retrained["error"]
    assert retrained["result"]["reordered"] > 0
    expect(page.locator("tr[data-model-version='builtin-sentiment-v2']")).to_be_visible(timeout=15_000)
    expect(page.locator(".model-job[data-status='succeeded']")).to_be_visible(timeout=15_000)
    page.screenshot(path=os.environ.get("LABELWISE_MODEL_SHOT", str(tmp_path / "model.png")), full_page=True)

    time.sleep(5.5)  # the lease the labeling page took on its next task runs out (lease_seconds 5)
    save_screenshot(page, "model", viewport={"width": 1280, "height": 1060})  # the toasts are gone by now
    margins = {}
    for t in tasks[len(labeled):]:
        body = page.request.get(f"/api/v1/tasks/{t.id}").json()
        if any(a["status"] == "submitted" for a in body["annotations"]):
            continue
        latest = next(p for p in body["predictions"] if p["model_version"] == "builtin-sentiment-v2")
        top = sorted(latest["scores"].values(), reverse=True)  # {option: probability}
        margins[t.id] = top[0] - top[1]
    least_sure = min(margins.values())
    expected = {tid for tid, m in margins.items() if abs(m - least_sure) < 1e-9}
    first_unlabeled = min(margins)
    assert first_unlabeled not in expected  # the order really changes from sequential
    response = page.request.get(f"/api/v1/projects/{project.id}/next")
    assert response.status == 200
    assert response.json()["task"]["id"] in expected, (response.json()["task"]["id"], margins)


def test_model_page_shows_a_running_prelabel_and_cancels_it(page, web_app, web_session):
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=SCHEMA, name="Slow")
    add_tasks(web_session, alice.user, project, [{"text": f"{t} {i}"} for i in range(2) for t in POSITIVE + NEGATIVE])
    for task in web_session.scalars(select(Task).where(Task.project_id == project.id)):
        annotations.submit(web_session, alice.user, task.id,
                           result={"sentiment": "positive" if "great" in task.data["text"] else "negative"})
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/model")
    page.get_by_role("button", name="Train a new version").click()
    row = page.locator("tr[data-model-version='builtin-sentiment-v1']")
    expect(row).to_be_visible(timeout=90_000)

    def slow(ctx):  # stands in for a long pre-label, so the page can be seen following and cancelling it
        for step in range(1, 3001):
            ctx.check_cancelled()
            ctx.progress(step, total=3000)
            time.sleep(0.01)
        return {"predictions": 3000}

    web_app.state.job_runner.handlers["prelabel"] = slow
    row.get_by_role("button", name="Pre-label").click()
    line = page.locator(".model-job[data-status='running']")
    expect(line).to_contain_text("Pre-labeling", timeout=15_000)
    bar = line.locator("progress")
    deadline = time.monotonic() + 15
    while float(bar.get_attribute("value") or 0) <= 0.02 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 0.02 < float(bar.get_attribute("value")) < 1
    line.get_by_role("button", name="Cancel").click()
    expect(page.locator(".model-job[data-status='cancelled']")).to_be_visible(timeout=15_000)
