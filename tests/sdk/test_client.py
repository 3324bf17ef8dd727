"""The SDK against a real uvicorn server on a free port (SQLite and PostgreSQL)."""

import json

import pytest

import labelwise
from labelwise import ApiError, Client
from labelwise.sdk import __all__ as sdk_exports
from tests.factories import PASSWORD, TEXT_SCHEMA, make_user


@pytest.fixture
def admin(session):
    return make_user(session, "admin", admin=True)


@pytest.fixture
def sdk(live_server, admin):
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_exports_match_all():
    assert set(sdk_exports) == {"ApiError", "Client", "WebhookSignatureError", "parse_webhook", "verify_signature"}
    assert labelwise.Client is Client


def test_full_loop_through_the_sdk(sdk, live_server, tmp_path):
    project = sdk.create_project("Reviews", TEXT_SCHEMA, settings={"overlap": 2})
    rows = [{"text": f"review {i}", "external_id": f"r{i}"} for i in range(25)]
    assert sdk.import_tasks(project["id"], rows)["imported"] == 25
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("text,external_id\nfrom csv,c1\n", encoding="utf-8")
    assert sdk.import_tasks(project["id"], csv_file)["imported"] == 1

    sdk.create_user("ann", PASSWORD)
    sdk.add_member(project["id"], "ann", "annotator")
    with Client(live_server.url) as ann:
        ann.login("ann", PASSWORD)
        task = ann.next_task(project["id"])
        assert task["data"]["text"] == "review 0"
        created = ann.submit(task["id"], {"sentiment": "positive"}, lead_time_ms=1200)
        edited = ann.update_annotation(created["id"], {"sentiment": "negative"})
        assert edited["revision"] == 2
        assert [r["result"]["sentiment"] for r in ann.annotation_history(created["id"])] == ["positive", "negative"]
        with pytest.raises(ApiError) as denied:
            ann.stats(project["id"])
        assert denied.value.status == 403

    tasks = list(sdk.iter_tasks(project["id"], page_size=7))
    assert [t["external_id"] for t in tasks[:3]] == ["r0", "r1", "r2"] and len(tasks) == 26
    assert [t["id"] for t in sdk.iter_tasks(project["id"], status="labeled")] == [task["id"]]
    assert sdk.upload_predictions(project["id"], [{"external_id": "r3", "result": {"sentiment": "neutral"},
                                                   "model_version": "m1", "score": 0.7}]) == 1

    exported = list(sdk.export(project["id"], include_predictions=True))
    assert len(exported) == 26
    assert exported[0]["annotations"][0]["result"] == {"sentiment": "negative"}
    assert exported[3]["predictions"][0]["model_version"] == "m1"
    path = sdk.export_to(project["id"], tmp_path / "out.jsonl")
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [r["id"] for r in exported]

    stats = sdk.stats(project["id"])
    assert stats["tasks"] == 26 and stats["annotations_submitted"] == 1 and stats["labeled"] == 1
    actions = {event["action"] for event in sdk.iter_events(project["id"])}
    assert {"project.created", "tasks.imported", "member.set", "annotation.submitted", "annotation.edited",
            "predictions.uploaded"} <= actions


def test_errors_carry_status_message_and_field(sdk):
    with pytest.raises(ApiError) as bad_schema:
        sdk.create_project("Broken", {"objects": {"t": {"type": "text"}}, "controls": {"c": {"type": "choice"}}})
    assert bad_schema.value.status == 422
    assert "choice" in bad_schema.value.message and bad_schema.value.field.startswith("controls.c")
    with pytest.raises(ApiError) as missing:
        sdk.get_project(999)
    assert missing.value.status == 404


def test_token_lifecycle(sdk, live_server):
    token = sdk.create_token("ci")
    with Client(live_server.url, token=token["token"]) as other:
        assert other.me()["username"] == "admin"
        sdk.revoke_token(token["id"])
        with pytest.raises(ApiError) as revoked:
            other.me()
        assert revoked.value.status == 401


def test_next_task_is_none_when_queue_is_empty(sdk):
    project = sdk.create_project("Empty", TEXT_SCHEMA)
    assert sdk.next_task(project["id"]) is None


def test_submit_and_skip_with_next_walk_the_queue_in_one_call_each(sdk):
    project = sdk.create_project("Loop", TEXT_SCHEMA)
    sdk.import_tasks(project["id"], [{"text": f"review {i}"} for i in range(3)])
    first = sdk.next_task(project["id"])
    second = sdk.skip(first["id"], next=True)
    third = sdk.submit(second["id"], {"sentiment": "positive"}, next=True)
    assert len({first["id"], second["id"], third["id"]}) == 3
    assert sdk.submit(third["id"], {"sentiment": "negative"}, next=True) is None
    assert sdk.get_task(second["id"])["annotations"][0]["status"] == "submitted"
