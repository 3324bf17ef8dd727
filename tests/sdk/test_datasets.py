"""The SDK's dataset methods against a live server: format exports, import jobs, snapshots, the audit log."""

import json

import pytest

from labelwise import ApiError, Client
from tests.factories import TEXT_SCHEMA, make_user


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_exports_jobs_snapshots_and_events(sdk, tmp_path):
    project = sdk.create_project("Reviews", TEXT_SCHEMA)
    rows = [{"data": {"text": f"Ann {i}"}, "annotations": [{"result": {"sentiment": ["positive", "negative"][i % 2]}}]}
            for i in range(40)]
    job = sdk.import_tasks(project["id"], rows, wait=False)
    assert sdk.wait_for_job(job["id"], poll_seconds=0.05, timeout=30)["result"]["imported"] == 40
    minimal = list(sdk.export(project["id"], format="jsonl-minimal", label="negative", split="true"))
    assert len(minimal) == 20 and all(r["sentiment"] == "negative" and r["split"] for r in minimal)
    path = sdk.export_to(project["id"], tmp_path / "out.parquet", format="parquet")
    assert path.read_bytes()[:4] == b"PAR1"
    assert {f["name"] for f in sdk.export_formats()} >= {"coco", "voc", "yolo", "conll", "spacy", "parquet"}

    v1 = sdk.create_snapshot(project["id"], "v1")
    sdk.import_tasks(project["id"], [{"text": "late"}])
    v2 = sdk.create_snapshot(project["id"], "v2")
    assert [s["name"] for s in sdk.list_snapshots(project["id"])] == ["v1", "v2"]
    assert sdk.diff_snapshots(v1["id"], v2["id"])["counts"] == {"added": 1, "removed": 0, "relabeled": 0}
    a = sdk.export_snapshot_to(v1["id"], tmp_path / "a.conll", format="csv-minimal").read_bytes()
    assert a == sdk.export_snapshot_to(v1["id"], tmp_path / "b.conll", format="csv-minimal").read_bytes()

    assert [e["action"] for e in sdk.iter_events(project["id"], action="snapshot.*")] == ["snapshot.created"] * 2
    sdk.export_events_to(project["id"], tmp_path / "events.jsonl", actor="admin")
    assert all(json.loads(x)["actor"] == "admin" for x in (tmp_path / "events.jsonl").read_text().splitlines())

    bad = sdk.import_tasks(project["id"], [{"txt": 1}], wait=False)
    with pytest.raises(ApiError, match="nothing was imported"):
        sdk.wait_for_job(bad["id"], poll_seconds=0.05, timeout=30)
    with pytest.raises(ApiError) as error:
        list(sdk.export(project["id"], since="soon"))
    assert error.value.field == "since"


def test_project_from_labelstudio(sdk):
    made = sdk.create_project_from_labelstudio("LS", '<View><Text name="t" value="$text"/>'
                                                     '<Choices name="c" toName="t"><Choice value="a"/></Choices></View>')
    assert made["project"]["label_schema"]["controls"]["c"]["options"] == ["a"] and made["warnings"] == []
