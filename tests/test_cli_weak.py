"""`labelwise weak ...`: add rules from JSON, apply, analyze, run the label model; bad rules exit 1 naming the field."""

import json

from tests.test_cli import db, run  # noqa: F401  (db is a fixture)

SCHEMA = "objects:\n  text: {type: text}\ncontrols:\n  label: {type: choices, object: text, options: [spam, ham]}\n"


def test_weak_commands_end_to_end(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    assert run(monkeypatch, capsys, "project", "create", "Spam", "--schema", str(schema), "-d", db)[0] == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("text\ngreat song\ncheck http://x\nlove the song\nplz subscribe\n")
    assert run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)[0] == 0
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([
        {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]},
        {"name": "link", "kind": "regex", "label": "spam", "pattern": r"https?://"},
    ]))
    code, out, _ = run(monkeypatch, capsys, "weak", "add", "1", str(rules), "-d", db)
    assert code == 0 and "'song' (keywords) added" in out and "'link' (regex) added" in out
    code, out, _ = run(monkeypatch, capsys, "weak", "apply", "1", "-d", db)
    assert code == 0 and json.loads(out)["votes_written"] == 3
    code, out, _ = run(monkeypatch, capsys, "weak", "list", "1", "-d", db)
    assert [json.loads(line)["votes_current"] for line in out.splitlines()] == [True, True]
    code, out, _ = run(monkeypatch, capsys, "weak", "analyze", "1", "-d", db)
    assert code == 0 and "total coverage 75.0%" in out and "song: coverage 50.0%" in out
    code, out, _ = run(monkeypatch, capsys, "weak", "run", "1", "-d", db)
    assert code == 0 and "3 predictions stored as model version weak/ensemble/" in out
    code, out, _ = run(monkeypatch, capsys, "weak", "run", "1", "--model", "ensemble", "--queue", "-d", db)
    assert code == 0 and "label model ensemble queued" in out
    code, out, _ = run(monkeypatch, capsys, "jobs", "list", "1", "-d", db)
    assert "weak.label_model" in out

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "kind": "regex", "label": "spam", "pattern": "("}))
    code, _, err = run(monkeypatch, capsys, "weak", "add", "1", str(bad), "-d", db)
    assert code == 1 and err.startswith("error: ") and "invalid regular expression" in err
