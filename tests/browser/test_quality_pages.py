"""Quality dashboard and adjudication pages in a real browser, against the API's own numbers."""

import pytest
from playwright.sync_api import expect

from labelwise.core.labeling import annotations
from tests.browser.pages_helpers import login
from tests.browser.screenshots import save_screenshot
from tests.factories import add_member, add_tasks, make_project, make_user, texts

pytestmark = pytest.mark.browser


def disputed_project(session):
    alice = make_user(session, "alice")
    project = make_project(session, alice.user, name="Sentiment", settings={"overlap": 3})
    add_tasks(session, alice.user, project, texts(3))
    task_ids = [t.id for t in project_tasks(session, project.id)]
    plan = {"bob": ["positive", "negative", "neutral"], "carol": ["positive", "negative", "negative"],
            "dave": ["positive", "positive", "positive"]}
    for name, labels in plan.items():
        worker = make_user(session, name)
        add_member(session, alice.user, project, worker.user, "reviewer")  # reviewers may answer unserved tasks
        for task_id, label in zip(task_ids, labels):
            annotations.submit(session, worker.user, task_id, result={"sentiment": label}, lead_time_ms=2000)
    return project, task_ids


def project_tasks(session, project_id):
    from sqlalchemy import select

    from labelwise.store.models import Task

    return list(session.scalars(select(Task).where(Task.project_id == project_id).order_by(Task.id)))


def test_quality_page_shows_heatmap_table_and_confusion(page, web_session):
    project, _ = disputed_project(web_session)
    login(page, "alice")
    report = page.request.get(f"/api/v1/projects/{project.id}/quality").json()
    page.goto(f"/app/projects/{project.id}/quality")
    expect(page.locator("[data-metric='answers'] .metric-value")).to_have_text(str(report["n_answers"]))
    expect(page.locator("[data-metric='alpha'] .metric-value")).to_have_text(
        f"{report['agreement']['krippendorff_alpha']['estimate']:.3f}")
    cells = page.locator("svg.kappa-heatmap g[data-pair]")
    expect(cells).to_have_count(9)
    kappa = report["agreement"]["pairwise"]["matrix"][0][1]
    expect(page.locator("svg.kappa-heatmap g[data-pair='bob|carol'] text")).to_have_text(f"{kappa:.2f}")
    rows = page.locator(".annotators-quality-table tbody tr")
    expect(rows).to_have_count(len(report["annotators"]))
    expect(rows.first.locator("th")).to_have_text("bob")
    confusion = page.locator(".confusion-table tbody tr")
    expect(confusion).to_have_count(3)
    save_screenshot(page, "quality")
    first = [int(x) for x in confusion.first.locator("td").all_inner_texts()]
    assert first == report["confusion"]["overall"][0]


def test_adjudication_page_picks_an_answer_and_decides(page, web_session):
    schema = {"objects": {"text": {"type": "text"}},
              "controls": {"entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG", "LOC"]}}}
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=schema, name="Entities", settings={"overlap": 2})
    add_tasks(web_session, alice.user, project, [{"text": "Ann met Bo in Rome"}])
    task_id = project_tasks(web_session, project.id)[0].id
    spans = {"bob": [{"id": "b1", "start": 0, "end": 3, "label": "PER", "text": "Ann"},
                     {"id": "b2", "start": 14, "end": 18, "label": "LOC", "text": "Rome"}],
             "carol": [{"id": "c1", "start": 0, "end": 3, "label": "PER", "text": "Ann"},
                       {"id": "c2", "start": 8, "end": 10, "label": "ORG", "text": "Bo"}]}
    for name, regions in spans.items():
        worker = make_user(web_session, name)
        add_member(web_session, alice.user, project, worker.user, "reviewer")
        annotations.submit(web_session, worker.user, task_id, result={"entities": regions}, lead_time_ms=2000)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/adjudication")
    expect(page.locator(".disputed-detail h2")).to_have_text(f"Task {task_id}")
    answers = page.locator(".answer lw-task-editor[readonly]")
    expect(answers).to_have_count(2)  # each answer drawn by the labeling editor, read-only
    expect(answers.nth(0).locator("[data-region]")).to_have_count(2)
    decision = page.locator(".decision lw-task-editor")
    page.keyboard.press("2")  # take carol's whole answer
    expect(decision.locator("[data-region]")).to_have_count(2)
    page.keyboard.press("Shift+Digit1")  # bob's first region, then his second
    page.keyboard.press("Shift+Digit1")
    page.keyboard.press("t")  # take it
    expect(decision.locator("[data-region]")).to_have_count(3)
    expect(page.locator(".takes li")).to_have_count(2)
    save_screenshot(page, "adjudication")
    page.keyboard.press("Tab")  # select the decision's regions: Ann, then Bo, which becomes a person
    page.keyboard.press("Tab")
    page.keyboard.press("1")
    page.keyboard.press("Escape")
    expect(decision.locator("[data-region]").nth(1)).to_contain_text("PER")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".adjudication .empty")).to_contain_text("You decided 1 task")
    stored = page.request.get(f"/api/v1/tasks/{task_id}/adjudication").json()
    bo = {**spans["carol"][1], "label": "PER"}
    assert stored["result"] == {"entities": [spans["carol"][0], bo, spans["bob"][1]]}
    assert page.request.get(f"/api/v1/tasks/{task_id}").json()["consensus"] == stored["result"]
    regions = stored["provenance"]["controls"]["entities"]["regions"]
    assert [(r["id"], r["username"], r["edited"]) for r in regions] == [("c1", "carol", False), ("c2", "carol", True),
                                                                        ("b2", "bob", False)]
    assert stored["decided_by"] == "alice" and stored["provenance"]["edited"] is True


def test_quality_page_shows_the_method_choice_and_takes_an_override(page, web_session):
    from labelwise.core.dataio import importing
    from labelwise.core.projects import projects
    from labelwise.formats.rows import Row

    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, name="Crowd", settings={"overlap": 3})
    people = ["bob", "carol", "dave", "erin"]
    for name in people:
        add_member(web_session, alice.user, project, make_user(web_session, name).user)
    rows = [Row(i + 1, {"data": {"text": f"t{i}"}, "annotations": [
        {"user": name, "result": {"sentiment": ["positive", "negative"][(i + (j == 3 and i % 3 == 0)) % 2]}}
        for j, name in enumerate(people)]}) for i in range(24)]
    importing.import_tasks(web_session, alice.user, project.id, rows)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/quality")
    section = page.locator(".aggregation-method")
    expect(section.locator(".method-choice")).to_contain_text("not been estimated")
    page.locator("#method-override").select_option("mv")
    page.get_by_role("button", name="Re-estimate skills").press("Enter")
    expect(section.locator(".method-choice")).to_contain_text("Majority vote — chosen by a manager's override")
    expect(section.locator(".method-scores-table tbody tr")).to_have_count(6)
    stored = page.request.get(f"/api/v1/projects/{project.id}").json()["settings"]["aggregation_methods"]
    assert stored == {"sentiment": "mv"}
    save_screenshot(page, "quality-method")
    page.locator("#method-override").select_option("")
    page.get_by_role("button", name="Re-estimate skills").click()
    expect(section.locator(".method-choice")).to_contain_text("chosen by likelihood of withheld answers")
    assert page.request.get(f"/api/v1/projects/{project.id}").json()["settings"]["aggregation_methods"] == {}
    report = page.request.get(f"/api/v1/projects/{project.id}/quality").json()
    best = max((s for s in report["method"]["scores"].values() if s["value"] is not None), key=lambda s: s["value"])
    assert report["method"]["method"] == best["method"]
    expect(section.locator(".method-choice strong")).to_have_text(
        {"mv": "Majority vote", "wmv": "Weighted majority vote", "onecoin": "One-coin Dawid–Skene", "ds": "Dawid–Skene",
         "glad": "GLAD", "mace": "MACE"}[best["method"]])


def test_quality_page_covers_every_control_with_its_measure(page, web_session):
    from labelwise.core.dataio import importing
    from labelwise.formats.rows import Row

    schema = {"objects": {"text": {"type": "text"}},
              "controls": {"sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative"]},
                           "stars": {"type": "rating", "object": "text", "max": 5},
                           "summary": {"type": "text", "object": "text"}}}
    alice = make_user(web_session, "alice")
    project = make_project(web_session, alice.user, schema=schema, name="Mixed")
    for name in ("bob", "carol"):
        add_member(web_session, alice.user, project, make_user(web_session, name).user)
    rows = [Row(i + 1, {"data": {"text": f"t{i}"}, "annotations": [
        {"user": "bob", "result": {"sentiment": "positive", "stars": 4, "summary": "fine"}},
        {"user": "carol", "result": {"sentiment": "positive" if i else "negative", "stars": 2 + i, "summary": "fine"}}]})
        for i in range(3)]
    importing.import_tasks(web_session, alice.user, project.id, rows)
    login(page, "alice")
    page.goto(f"/app/projects/{project.id}/quality")
    overview = page.locator(".controls-overview-table tbody tr")
    expect(overview).to_have_count(3)
    expect(overview.nth(0)).to_contain_text("66.7%")  # sentiment: two of three pairs alike
    expect(overview.nth(1)).to_contain_text("1.00")  # stars: |4-2|, |4-3|, |4-4| -> mean difference 1
    expect(page.locator("[data-metric='answers'] .metric-value")).to_have_text("6")  # the categorical report below
    page.locator("#quality-control").select_option("stars")
    expect(page.locator(".control-annotators-table tbody tr")).to_have_count(2)
    expect(page.locator(".control-annotators-table tbody tr").first).to_contain_text("bob")
    expect(page.locator("[data-metric='answers']")).to_have_count(0)
    overview.nth(2).get_by_role("button", name="summary").press("Enter")
    expect(page.locator(".quality h2").first).to_contain_text("summary: edit similarity")
    expect(page.locator(".control-over-time-table tbody tr").first).to_contain_text("100.0%")
    save_screenshot(page, "quality-controls")
