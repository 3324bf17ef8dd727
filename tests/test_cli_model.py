"""`labelwise model train|versions|prelabel`: built-in model versions from the command line."""

import json

from sqlalchemy import func, select

from labelwise.core.labeling import annotations
from labelwise.store.models import Prediction, Task
from tests.factories import add_tasks, make_project, make_user
from tests.test_cli import run

SCHEMA = {"objects": {"text": {"type": "text"}},
          "controls": {"sentiment": {"type": "choices", "object": "text", "options": ["positive", "negative"]}}}


def test_train_list_and_prelabel(monkeypatch, capsys, settings, session):
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner.user, schema=SCHEMA)
    add_tasks(session, owner.user, project, [{"text": f"{w} {i}"} for i in range(5)
                                             for w in ("great lovely", "awful broken")])
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:8]:
        annotations.submit(session, owner.user, task.id,
                           result={"sentiment": "positive" if "great" in task.data["text"] else "negative"})
    common = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]

    code, out, err = run(monkeypatch, capsys, "model", "train", str(project.id), *common)
    assert code == 0, err
    trained = json.loads(out.splitlines()[0])
    assert trained["name"] == "builtin-sentiment-v1" and trained["trained_on"] == 8
    assert 0 <= trained["metrics"]["accuracy"] <= 1
    assert "2 predictions stored as model version builtin-sentiment-v1" in out

    code, out, _ = run(monkeypatch, capsys, "model", "train", str(project.id), "--no-prelabel", *common)
    assert code == 0 and "predictions stored" not in out
    code, out, _ = run(monkeypatch, capsys, "model", "versions", str(project.id), *common)
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["builtin-sentiment-v2", "builtin-sentiment-v1"]

    code, out, _ = run(monkeypatch, capsys, "model", "prelabel", str(project.id), *common)
    assert code == 0 and "2 predictions stored as model version builtin-sentiment-v2" in out
    code, out, _ = run(monkeypatch, capsys, "model", "prelabel", str(project.id), str(trained["id"]), *common)
    assert code == 0 and "builtin-sentiment-v1" in out
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Prediction)
                          .where(Prediction.project_id == project.id)) == 6


def test_clear_errors(monkeypatch, capsys, settings, session):
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner.user, schema=SCHEMA)
    common = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
    code, _, err = run(monkeypatch, capsys, "model", "prelabel", str(project.id), *common)
    assert code == 1 and "no model version yet" in err
    code, _, err = run(monkeypatch, capsys, "model", "train", str(project.id), *common)
    assert code == 1 and "at least two labeled tasks" in err
    code, _, err = run(monkeypatch, capsys, "model", "prelabel", str(project.id), "42", *common)
    assert code == 1 and err.startswith("error:")
