"""The SDK's job methods against a live server: list, wait, retry and cancel."""

import pytest

from labelwise import ApiError, Client
from tests.factories import TEXT_SCHEMA, make_user


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_list_retry_and_cancel_jobs(sdk):
    project = sdk.create_project("Jobs", TEXT_SCHEMA)
    bad = sdk.import_tasks(project["id"], [{"data": {"text": "a"}}, {"data": {"text": "b"}, "annotations": 3}],
                           wait=False)
    with pytest.raises(ApiError):
        sdk.wait_for_job(bad["id"], poll_seconds=0.05, timeout=30)
    assert sdk.retry_job(bad["id"])["status"] == "queued"
    with pytest.raises(ApiError):
        sdk.wait_for_job(bad["id"], poll_seconds=0.05, timeout=30)
    assert [job["id"] for job in sdk.list_jobs(project["id"], status="failed")] == [bad["id"]]
    assert sdk.get_job(bad["id"])["attempts"] == 2
    with pytest.raises(ApiError) as finished:
        sdk.cancel_job(bad["id"])
    assert finished.value.status == 409


def test_prelabel_and_train_through_an_ml_backend(sdk, live_server):
    from examples.ml_backend.keyword_backend import create_app
    from tests.conftest import LiveServer

    backend_server = LiveServer(create_app()).start()
    try:
        schema = {"objects": {"text": {"type": "text"}},
                  "controls": {"topic": {"type": "choices", "object": "text", "options": ["sports", "music"]}}}
        project = sdk.create_project("Assisted", schema)
        sdk.import_tasks(project["id"], [{"data": {"text": f"sports day {i}"}} for i in range(6)])
        backend = sdk.add_ml_backend(project["id"], name="kw", url=backend_server.url)
        assert sdk.check_ml_backend(backend["id"])["last_status"] == "ok"
        assert [b["name"] for b in sdk.list_ml_backends(project["id"])] == ["kw"]
        job = sdk.prelabel(project["id"], backend["id"], batch_size=4, timeout=60)
        assert job["result"]["predicted"] == 6 and job["result"]["model_version"] == "keywords-0"
        with pytest.raises(ApiError, match="no labeled tasks"):
            sdk.train_ml_backend(backend["id"], timeout=60)
    finally:
        backend_server.stop()


def test_train_list_and_prelabel_built_in_model_versions(sdk):
    schema = {"objects": {"text": {"type": "text"}},
              "controls": {"sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative"]}}}
    project = sdk.create_project("Built-in", schema)
    words = {"positive": "great lovely", "negative": "awful broken"}
    sdk.import_tasks(project["id"], [{"data": {"text": f"{words[label]} {i}"}, "annotations": [
        {"result": {"sentiment": label}}]} for i in range(4) for label in words])
    sdk.import_tasks(project["id"], [{"data": {"text": "lovely great day"}}, {"data": {"text": "broken, awful"}}])
    job = sdk.train_model(project["id"], timeout=60)
    assert job["kind"] == "train" and job["result"]["predictions"] == 2
    [version] = sdk.model_versions(project["id"])
    assert version["id"] == job["result"]["version_id"] and version["trained_on"] == 8
    assert version["metrics"]["accuracy"] == job["result"]["metrics"]["accuracy"]
    queued = sdk.prelabel_model(project["id"], version["id"], wait=False)
    assert queued["kind"] == "prelabel"
    assert sdk.wait_for_job(queued["id"], timeout=60)["result"] == {"predictions": 2}
    with pytest.raises(ApiError) as missing:
        sdk.prelabel_model(project["id"], 999)
    assert missing.value.status == 404
