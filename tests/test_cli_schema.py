"""`labelwise schema ...`: versions, a refused breaking change, its preview, and applying it with a migration."""

import json

from labelwise.cli._shared import open_session, settings_for
from labelwise.core.projects import projects
from labelwise.store.models import User
from tests.test_cli import db, run  # noqa: F401  (db is a fixture)

SCHEMA = "objects:\n  text: {type: text}\ncontrols:\n  label: {type: choices, object: text, options: [spam, ham]}\n"


def test_schema_change_refused_previewed_and_migrated(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    assert run(monkeypatch, capsys, "project", "create", "Spam", "--schema", str(schema), "-d", db)[0] == 0
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"data": {"text": t}, "predictions": [
        {"model_version": "m1", "result": {"label": "spam"}}]}) for t in ("buy now", "win big")) + "\n")
    assert run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)[0] == 0

    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(SCHEMA.replace("spam", "junk"))
    code, _, err = run(monkeypatch, capsys, "schema", "apply", "1", str(renamed), "-d", db)
    assert code == 1 and "would leave stored results invalid: 'label' (2 predictions)" in err

    steps = tmp_path / "migration.json"
    steps.write_text(json.dumps([{"op": "rename_label", "control": "label", "from": "spam", "to": "junk"}]))
    code, out, _ = run(monkeypatch, capsys, "schema", "preview", "1", str(renamed), "--migration", str(steps), "-d", db)
    report = json.loads(out)
    assert code == 0 and report["allowed"] and report["rewritten"]["predictions"] == 2
    assert report["diff"] == ["- option 'spam' of control 'label'", "+ option 'junk' of control 'label'"]

    code, out, _ = run(monkeypatch, capsys, "schema", "apply", "1", str(renamed), "--migration", str(steps), "-d", db)
    assert code == 0 and "schema version 2" in out
    code, out, _ = run(monkeypatch, capsys, "schema", "versions", "1", "--kind", "schema", "-d", db)
    assert code == 0 and out.index("schema v2 (current)") < out.index("schema v1")
    assert "- option 'spam' of control 'label'" in out
    code, out, _ = run(monkeypatch, capsys, "export", "1", "-", "--include-predictions", "-d", db)
    assert code == 0 and '"junk"' in out and "spam" not in out

    code, out, _ = run(monkeypatch, capsys, "schema", "reannotate", "1", "--before-schema-version", "2", "--dry-run",
                       "-d", db)
    assert code == 0 and "0 answers on 0 tasks would go back (relabel)" in out  # predictions are not answers
    code, _, err = run(monkeypatch, capsys, "schema", "reannotate", "1", "-d", db)
    assert code == 1 and "say which answers go back" in err

    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    code, _, err = run(monkeypatch, capsys, "schema", "apply", "1", str(renamed), "--migration", str(bad), "-d", db)
    assert code == 1 and "is not valid JSON" in err


def test_pilot_start_and_report(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    assert run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)[0] == 0
    assert run(monkeypatch, capsys, "user", "create", "bob", "-d", db)[0] == 0
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    assert run(monkeypatch, capsys, "project", "create", "Spam", "--schema", str(schema), "-d", db)[0] == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("text\nbuy now\nhello\nwin big\n")
    assert run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)[0] == 0
    code, _, err = run(monkeypatch, capsys, "pilot", "start", "1", "first", "--annotators", "alice,bob", "--sample",
                       "2", "-d", db)
    assert code == 1 and "'bob' is not a member of project 1" in err
    with open_session(settings_for(db)) as session:
        alice = session.query(User).filter_by(username="alice").one()
        bob = session.query(User).filter_by(username="bob").one()
        projects.set_member(session, alice, 1, member=bob, role="annotator")
    code, out, _ = run(monkeypatch, capsys, "pilot", "start", "1", "first", "--annotators", "alice,bob", "--sample",
                       "2", "-d", db)
    assert code == 0 and "pilot 1 'first': 2 tasks x 2 annotators" in out
    code, out, _ = run(monkeypatch, capsys, "pilot", "report", "1", "-d", db)
    report = json.loads(out)
    assert code == 0 and report["expected"] == 4 and report["controls"]["label"]["percent_agreement"] is None
