"""Weak supervision from the SDK against a live server: rules, Python functions run client-side, the
analysis and the label model's predictions."""

import pytest

from labelwise import ApiError, Client
from labelwise.assist.weak import LabelingFunctionError
from tests.factories import make_user

SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"kind": {"type": "choices", "object": "text", "options": ["spam", "ham"], "required": True}},
}
TEXTS = ["check out my channel http://a.b", "great song", "subscribe to my channel", "love this song",
         "nice", "http://spam.example please", "what a song, love it", "plz subscribe"]


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_python_functions_run_client_side_and_feed_the_label_model(sdk):
    project = sdk.create_project("Spam", SCHEMA)["id"]
    sdk.import_tasks(project, [{"data": {"text": t}} for t in TEXTS])
    preview = sdk.preview_labeling_function(project, "keywords", label="ham", keywords=["song"])
    assert preview["votes"] == 3 and preview["sample"] == 8
    sdk.create_labeling_function(project, "song", "keywords", label="ham", keywords=["song"])
    assert sdk.apply_rules(project)["recomputed"] == ["song"]

    def has_link(data):
        return "spam" if "http" in data["text"] else None

    def short(data):
        return "ham" if len(data["text"].split()) < 3 else None

    stored = sdk.apply_labeling_functions(project, [has_link, short], batch_size=3)  # batches of 3 tasks
    assert stored == {"has_link": 2, "short": 4}
    # Running again replaces the votes instead of adding to them.
    assert sdk.apply_labeling_functions(project, {"has_link": has_link}) == {"has_link": 2}
    kinds = {f["name"]: f["kind"] for f in sdk.list_labeling_functions(project)}
    assert kinds == {"song": "keywords", "has_link": "client", "short": "client"}

    analysis = sdk.analyze_labeling_functions(project)
    assert {f["name"]: f["n_votes"] for f in analysis["functions"]} == {"song": 0, "has_link": 0, "short": 0}
    by = {f["name"]: f["coverage"] for f in analysis["functions"]}
    assert by == {"song": 3 / 8, "has_link": 2 / 8, "short": 4 / 8}

    assert [t["data"]["text"] for t in sdk.iter_tasks(project, lf_conflict=1)] == ["http://spam.example please"]

    run = sdk.run_label_model(project, model="majority_vote")  # a job, waited for
    assert run["predictions"] == 7 and run["model_version"].startswith("weak/majority_vote/")
    task = next(t for t in sdk.iter_tasks(project) if t["data"]["text"] == "great song")
    predictions = sdk.get_task(task["id"])["predictions"]
    assert [p["result"] for p in predictions] == [{"kind": "ham"}]
    job = sdk.run_label_model(project, wait=False)
    assert job["kind"] == "weak.label_model"
    assert sdk.wait_for_job(job["id"], timeout=30)["result"]["model"] == "ensemble"


def test_function_errors_name_the_function(sdk):
    project = sdk.create_project("Spam", SCHEMA)["id"]
    sdk.import_tasks(project, [{"data": {"text": t}} for t in TEXTS[:2]])

    def broken(data):
        return data["missing"]

    def wrong_label(data):
        return "eggs"

    with pytest.raises(LabelingFunctionError, match="'broken'.*KeyError.*task 0"):
        sdk.apply_labeling_functions(project, [broken])
    with pytest.raises(ApiError) as err:
        sdk.apply_labeling_functions(project, [wrong_label])
    assert err.value.status == 422 and "wrong_label" in err.value.message and err.value.field == "votes[0].label"
    with pytest.raises(ApiError) as err:
        sdk.create_labeling_function(project, "bad", "regex", label="spam", pattern="(")
    assert err.value.field == "pattern"
