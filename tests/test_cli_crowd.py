"""`labelwise batch`, `labelwise link` and `labelwise forecast` on a real database."""

import json

from tests.factories import add_tasks, make_project, make_user, texts
from tests.test_cli import run


def test_batch_link_and_forecast_commands(settings, session, monkeypatch, capsys):
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, texts(3))
    where = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir), "--as", "owner"]
    code, out, err = run(monkeypatch, capsys, "batch", "create", str(project.id), "urgent", "--priority", "5",
                         "--pay-per-task", "0.1", "--budget", "1", *where)
    assert code == 0, err
    batch = json.loads(out)
    assert batch["priority"] == 5 and batch["budget"] == 1.0
    code, out, err = run(monkeypatch, capsys, "batch", "add", str(batch["id"]), "--from-import", "latest", *where)
    assert (code, json.loads(out)) == (0, {"changed": 3}), err
    code, out, err = run(monkeypatch, capsys, "batch", "set", str(batch["id"]), "status=paused", *where)
    assert code == 0 and json.loads(out)["status"] == "paused", err
    code, out, err = run(monkeypatch, capsys, "batch", "set", str(batch["id"]), "priority=abc", *where)
    assert code == 1 and "priority" in err
    code, out, err = run(monkeypatch, capsys, "link", "create", str(project.id), "--batch", str(batch["id"]),
                         "--per-worker", "2", *where)
    assert code == 0, err
    link = json.loads(out)
    assert link["url"] == f"/w/{link['token']}" and link["max_tasks_per_worker"] == 2
    code, out, err = run(monkeypatch, capsys, "link", "block", str(link["id"]), "W9", *where)
    assert json.loads(out)["blocked"] == ["W9"]
    code, out, err = run(monkeypatch, capsys, "link", "revoke", str(link["id"]), *where)
    assert json.loads(out)["revoked_at"] is not None
    code, out, err = run(monkeypatch, capsys, "forecast", str(project.id), *where)
    assert code == 0, err
    result = json.loads(out)
    assert result["batches"][0]["status"] == "paused"
    assert (result["project"]["status"], result["project"]["eta"]) == ("paused", None)
