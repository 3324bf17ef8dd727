"""`labelwise import-media PROJECT DATASET.zip --format yolo` and the SDK's `import_yolo`."""

import json

import pytest

from labelwise import ApiError, Client
from tests.api.test_yolo_import import dataset
from tests.factories import make_user
from tests.media_helpers import IMAGE_SCHEMA
from tests.test_cli import db, run  # noqa: F401


def test_cli_imports_a_yolo_zip_as_annotations(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(IMAGE_SCHEMA))
    assert run(monkeypatch, capsys, "project", "create", "Boxes", "--schema", str(schema), "-d", db)[0] == 0
    archive = tmp_path / "dataset.zip"
    archive.write_bytes(dataset())
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(archive), "--format", "yolo",
                         "--into", "annotations", "-d", db)
    assert code == 0, err
    assert "imported 2 YOLO images as tasks" in " ".join(out.split())
    bad = tmp_path / "bad.zip"
    bad.write_bytes(dataset(labels={"a": "0 1 2\n"}))
    code, out, err = run(monkeypatch, capsys, "import-media", "1", str(bad), "--format", "yolo", "-d", db)
    assert code != 0 and "labels/a.txt line 1" in " ".join((out + err).split())


def test_sdk_import_yolo(live_server, session, tmp_path):
    admin = make_user(session, "admin", admin=True)
    archive = tmp_path / "dataset.zip"
    archive.write_bytes(dataset())
    with Client(live_server.url, token=admin.token) as sdk:
        project = sdk.create_project("Boxes", IMAGE_SCHEMA)
        summary = sdk.import_yolo(project["id"], archive)
        assert summary["imported"] == 2 and summary["stored"] == 2
        tasks = list(sdk.iter_tasks(project["id"]))
        assert sorted(t["external_id"] for t in tasks) == ["a", "sub/b"]
        archive.write_bytes(dataset(labels={"a": "0 0.5 0.5 0.1\n"}))
        with pytest.raises(ApiError) as caught:
            sdk.import_yolo(project["id"], archive)
        assert "labels/a.txt line 1" in str(caught.value)
