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
