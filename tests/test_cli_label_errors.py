"""`labelwise label-errors`: runs detection on a SQLite file and prints the worst flags as JSON."""

import json

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.store.models import Task
from labelwise.store.session import make_engine
from tests.api.test_label_errors import SCHEMA, WORDS, WRONG
from tests.test_cli import db, run  # noqa: F401  (db is a fixture)


def test_label_errors_command(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    assert run(monkeypatch, capsys, "project", "create", "Topics", "--schema", str(schema), "-d", db)[0] == 0
    code, _, err = run(monkeypatch, capsys, "label-errors", "1", "-d", db)
    assert code == 1 and "at least 10 labeled tasks" in err
    rng = np.random.default_rng(0)
    truth = [topic for topic in WORDS for _ in range(30)]
    rows = tmp_path / "tasks.jsonl"
    rows.write_text("".join(json.dumps({"text": " ".join(rng.choice(WORDS[t], 12))}) + "\n" for t in truth))
    assert run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)[0] == 0
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        tasks = session.scalars(select(Task).order_by(Task.id)).all()
        for i, task in enumerate(tasks):
            task.consensus = {"topic": WRONG.get(i, truth[i])}
        ids = [t.id for t in tasks]
        session.commit()
    engine.dispose()
    code, out, _ = run(monkeypatch, capsys, "label-errors", "1", "--limit", "3", "-d", db)
    assert code == 0
    result = json.loads(out)
    assert result["labeled"] == 90 and result["flagged"] >= 3 and len(result["flags"]) == 3
    assert {f["task_id"] for f in result["flags"]} == {ids[i] for i in WRONG}  # the worst three
    assert all(f["suspected"] != f["given"] for f in result["flags"])


def test_duplicates_command_runs_a_scan_job(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    assert run(monkeypatch, capsys, "project", "create", "Texts", "--schema", str(schema), "-d", db)[0] == 0
    rows = tmp_path / "tasks.jsonl"
    texts = ["the very same words", "the very same words", "a quick brown fox jumps over the lazy dog today",
             "a quick brown fox jumps over the lazy dog today!", "something else entirely"]
    rows.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    assert run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)[0] == 0
    code, out, err = run(monkeypatch, capsys, "duplicates", "1", "-d", db)
    assert code == 0, err
    result = json.loads(out)
    assert result["tasks"] == 5 and result["by_kind"] == {"exact": 1, "near_text": 1}
    assert sorted(c["task_ids"] for c in result["clusters"]) == [[1, 2], [3, 4]]
    code, out, _ = run(monkeypatch, capsys, "jobs", "list", "1", "-d", db)
    [job] = [json.loads(line) for line in out.splitlines()]
    assert job["kind"] == "duplicates.scan" and job["status"] == "succeeded" and job["id"] == result["job_id"]
