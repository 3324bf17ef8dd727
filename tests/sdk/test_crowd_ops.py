"""The SDK runs a crowd operation: a batch with a budget, a worker link, a worker's answer, the forecast."""

import pytest

from labelwise import ApiError, Client
from tests.factories import TEXT_SCHEMA, make_user, texts


def test_batch_link_worker_and_forecast_through_the_sdk(session, live_server):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as sdk:
        project = sdk.create_project("Crowd", TEXT_SCHEMA)
        sdk.import_tasks(project["id"], texts(4))
        batch = sdk.create_batch(project["id"], "wave 1", priority=3, pay_per_task=0.2, budget=0.2)
        assert sdk.add_to_batch(batch["id"], from_import="latest") == 4
        link = sdk.create_worker_link(project["id"], batch_id=batch["id"], max_tasks_per_worker=3)
        joined = sdk._call("POST", f"/links/{link['token']}/join", json={"worker_id": "P1"})
        with Client(live_server.url, token=joined["token"]) as worker:
            task = worker._call("GET", f"/projects/{project['id']}/next")["task"]
            worker._call("POST", f"/tasks/{task['id']}/annotations", json={"result": {"sentiment": "neutral"}})
        [row] = sdk.link_workers(link["id"])
        assert row["worker_id"] == "P1" and row["tasks_done"] == 1
        assert sdk.verify_completion_code(link["id"], row["completion_code"])["worker_id"] == "P1"
        with pytest.raises(ApiError) as refused:
            sdk.verify_completion_code(link["id"], "WRONG")
        assert refused.value.status == 404
        state = sdk.get_batch(batch["id"])
        assert state["status"] == "paused" and state["spent"] == pytest.approx(0.2)  # the budget paid one task
        assert sdk.update_batch(batch["id"], budget=1.0)["status"] == "active"
        forecast = sdk.forecast(project["id"])
        assert forecast["batches"][0]["remaining"] == 3 and forecast["project"]["done"] == 1
        assert sdk.block_worker(link["id"], "P2")["blocked"] == ["P2"]
        assert sdk.revoke_worker_link(link["id"])["revoked_at"] is not None
