"""`labelwise worker` processes and `labelwise jobs ...`: real worker processes claim queued imports,
no job runs twice, and the jobs commands show, cancel and retry them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from labelwise.app import create_app
from labelwise.store.models import Task
from tests.factories import make_project, make_user
from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]


def queue_imports(settings, session, count: int) -> tuple[int, list[int]]:
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner.user)
    app = create_app(settings.model_copy(update={"run_jobs_in_server": False}))
    ids = []
    try:
        with TestClient(app) as client:
            for i in range(count):
                body = "".join(json.dumps({"text": f"job {i} row {r}"}) + "\n" for r in range(i % 5 + 1)).encode()
                response = client.post(f"/api/v1/projects/{project.id}/import", content=body, params={"async": "true"},
                                       headers={**owner.headers, "content-type": "application/jsonl"})
                ids.append(response.json()["id"])
    finally:
        app.state.engine.dispose()
    return project.id, ids


def worker(settings) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "labelwise", "worker", "--burst", "-d", settings.resolved_database_url,
                             "--data-dir", str(settings.data_dir)], env=env, stderr=subprocess.PIPE, text=True)


def test_worker_processes_share_the_queue_without_running_a_job_twice(settings, session):
    if settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("several claiming worker processes are a PostgreSQL deployment")
    project_id, ids = queue_imports(settings, session, 24)
    processes = [worker(settings) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[1] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    ran = [int(out.strip().splitlines()[-1].split()[1]) for out in outputs]
    assert sum(ran) == len(ids), outputs  # each job claimed by exactly one process
    session.expire_all()
    expected = sum(i % 5 + 1 for i in range(len(ids)))
    assert session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id)) == expected


def test_jobs_commands_show_cancel_and_retry(monkeypatch, capsys, settings, session):
    project_id, (first, second) = queue_imports(settings, session, 2)
    common = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
    code, out, _ = run(monkeypatch, capsys, "jobs", "cancel", str(second), *common)
    assert code == 0 and "cancelled" in out
    code, _, err = run(monkeypatch, capsys, "worker", "--burst", *common)
    assert code == 0 and "ran 1 job(s)" in err
    code, out, _ = run(monkeypatch, capsys, "jobs", "list", str(project_id), *common)
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["cancelled", "succeeded"]
    code, out, _ = run(monkeypatch, capsys, "jobs", "retry", str(second), *common)
    assert code == 0 and "queued" in out
    run(monkeypatch, capsys, "worker", "--burst", *common)
    code, out, _ = run(monkeypatch, capsys, "jobs", "show", str(second), "--follow", *common)
    assert code == 0 and json.loads(out)["result"]["imported"] == 2
    code, _, err = run(monkeypatch, capsys, "jobs", "retry", str(second), *common)
    assert code == 1 and "only failed or cancelled" in err


def test_backend_and_prelabel_commands(monkeypatch, capsys, settings, session):
    from examples.ml_backend.keyword_backend import create_app
    from tests.conftest import LiveServer
    from tests.factories import add_tasks

    owner = make_user(session, "owner", admin=True)
    schema = {"objects": {"text": {"type": "text"}},
              "controls": {"topic": {"type": "choices", "object": "text", "options": ["sports", "music"]}}}
    project = make_project(session, owner.user, schema=schema)
    add_tasks(session, owner.user, project, [{"data": {"text": f"music {i}"}} for i in range(5)])
    common = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
    server = LiveServer(create_app()).start()
    try:
        code, out, _ = run(monkeypatch, capsys, "backend", "add", str(project.id), "kw", server.url, *common)
        assert code == 0 and "ok, model version keywords-0" in out
        code, out, _ = run(monkeypatch, capsys, "backend", "list", str(project.id), *common)
        backend = json.loads(out)
        assert backend["name"] == "kw" and "auth_header" not in backend
        code, out, _ = run(monkeypatch, capsys, "prelabel", str(project.id), "--backend", str(backend["id"]), *common)
        assert code == 0 and "pre-labeling up to 5 tasks" in out
        job_id = out.split()[1].rstrip(":")
        assert run(monkeypatch, capsys, "worker", "--burst", *common)[0] == 0
        code, out, _ = run(monkeypatch, capsys, "jobs", "show", job_id, *common)
        assert json.loads(out)["result"]["predicted"] == 5
    finally:
        server.stop()
    code, _, err = run(monkeypatch, capsys, "backend", "check", str(backend["id"]), *common)
    assert code == 1 and "cannot reach the ML backend 'kw'" in err


def test_ocr_command_queues_a_job_a_worker_runs(monkeypatch, capsys, settings, session, tmp_path):
    pytest.importorskip("rapidocr", reason="the ocr extra is not installed")
    from tests.pdf_helpers import make_pdf

    owner = make_user(session, "owner", admin=True)
    schema = {"objects": {"doc": {"type": "pdf"}},
              "controls": {"bbox": {"type": "boxes", "object": "doc", "labels": ["Text"]},
                           "words": {"type": "text", "object": "doc", "per_region": True, "regions_of": "bbox"}}}
    project = make_project(session, owner.user, schema=schema)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "typed.pdf").write_bytes(make_pdf(2))  # a text layer: read without recognising, so this stays fast
    common = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
    assert run(monkeypatch, capsys, "import-media", str(project.id), str(folder), *common)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "ocr", str(project.id), "--level", "words", *common)
    assert code == 0 and "reading the text of up to 1 tasks" in out, out
    job_id = out.split()[1].rstrip(":")
    assert run(monkeypatch, capsys, "worker", "--burst", *common)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "jobs", "show", job_id, *common)
    result = json.loads(out)["result"]
    assert (result["predicted"], result["pages"], result["level"]) == (1, 2, "words")
    assert result["regions"] == 2 * len("Invoice page 1 Date: 2026-12-01 Total: 100 EUR".split())
    code, _, err = run(monkeypatch, capsys, "ocr", str(project.id), "--level", "letters", *common)
    assert code == 1 and "level must be one of lines, words" in err
