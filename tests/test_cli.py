"""The `labelwise` command: each command end to end on a SQLite file, and one-line errors with exit 1."""

import json

import pytest

from labelwise.cli import main

SCHEMA = "objects:\n  text: {type: text}\ncontrols:\n  label: {type: choices, object: text, options: [a, b]}\n"


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["labelwise", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELWISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LABELWISE_NEW_PASSWORD", "a long password")
    return str(tmp_path / "cli.db")


def test_user_project_import_export_stats(monkeypatch, capsys, tmp_path, db):
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    code, out, _ = run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    assert code == 0 and "created user alice" in out
    code, out, _ = run(monkeypatch, capsys, "user", "token", "alice", "-d", db)
    assert code == 0 and out.strip().startswith("lw_")
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    code, out, _ = run(monkeypatch, capsys, "project", "create", "Demo", "--schema", str(schema), "--overlap", "2",
                       "-d", db)
    assert code == 0 and "created project 1" in out
    rows = tmp_path / "rows.csv"
    rows.write_text("text,external_id\nfirst,e1\nsecond,e2\n")
    code, out, _ = run(monkeypatch, capsys, "import", "1", str(rows), "-d", db)
    assert code == 0 and "imported 2 tasks" in out
    target = tmp_path / "out.jsonl"
    code, out, _ = run(monkeypatch, capsys, "export", "1", str(target), "-d", db)
    assert code == 0
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["external_id"] for r in records] == ["e1", "e2"]
    code, out, _ = run(monkeypatch, capsys, "export", "1", str(tmp_path / "out.csv"), "--format", "csv", "-d", db)
    assert code == 0 and (tmp_path / "out.csv").read_text().startswith("id,external_id,data.text")
    code, out, _ = run(monkeypatch, capsys, "stats", "1", "-d", db)
    assert code == 0 and json.loads(out)["tasks"] == 2


def test_demo_seeds_once(monkeypatch, capsys, tmp_path, db):
    code, out, _ = run(monkeypatch, capsys, "demo", "--no-serve", "--data-dir", str(tmp_path))
    assert code == 0 and "login demo / labelwise-demo" in out
    assert run(monkeypatch, capsys, "demo", "--no-serve", "--data-dir", str(tmp_path))[0] == 0
    # the demo and every other command share the default database
    code, out, _ = run(monkeypatch, capsys, "stats", "1")
    assert json.loads(out)["tasks"] == 120
    code, out, _ = run(monkeypatch, capsys, "user", "token", "demo")
    assert code == 0 and out.strip().startswith("lw_")
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["labelwise.db"]


def test_commands_do_not_create_an_empty_database(monkeypatch, capsys, tmp_path, db):
    code, _, err = run(monkeypatch, capsys, "user", "token", "demo")
    assert code == 1 and f"error: no database at {tmp_path / 'labelwise.db'}" in err and "labelwise demo" in err
    code, _, err = run(monkeypatch, capsys, "stats", "1", "-d", db)
    assert code == 1 and "no database at" in err
    assert list(tmp_path.glob("*.db")) == []


@pytest.mark.parametrize("args, message", [
    (["import", "1", "missing.jsonl"], "error: no such file: missing.jsonl"),
    (["stats", "7"], "error: no administrator exists yet"),
    (["project", "create", "X", "--schema", "nope.yaml"], "error: no such schema file: nope.yaml"),
    (["user", "token", "ghost"], "error: user 'ghost' not found"),
])
def test_mistakes_print_one_error_line_and_exit_1(monkeypatch, capsys, db, args, message):
    assert run(monkeypatch, capsys, "db", "upgrade", "-d", db)[0] == 0
    code, _, err = run(monkeypatch, capsys, *args, "-d", db)
    assert code == 1
    assert err.startswith(message) and "Traceback" not in err


def test_bad_rows_are_listed_and_nothing_is_imported(monkeypatch, capsys, tmp_path, db):
    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA)
    run(monkeypatch, capsys, "project", "create", "Demo", "--schema", str(schema), "-d", db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"txt": "typo"}\n')
    code, _, err = run(monkeypatch, capsys, "import", "1", str(bad), "-d", db)
    assert code == 1 and "row 2" in err and "Traceback" not in err
    code, out, _ = run(monkeypatch, capsys, "stats", "1", "-d", db)
    assert json.loads(out)["tasks"] == 0


def test_invalid_schema_file_names_the_problem(monkeypatch, capsys, tmp_path, db):
    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    schema = tmp_path / "schema.yaml"
    schema.write_text("objects:\n  t: {type: txt}\ncontrols:\n  c: {type: text, object: t}\n")
    code, _, err = run(monkeypatch, capsys, "project", "create", "X", "--schema", str(schema), "-d", db)
    assert code == 1 and err.startswith("error: ") and "txt" in err


def test_usage_errors_exit_2(monkeypatch, capsys, db):
    code, _, err = run(monkeypatch, capsys, "serve", "--port", "notanumber")
    assert code == 2 and "port" in err


def test_bare_database_argument_means_serve(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "some.db", "--help")
    assert code == 0 and "Run the web app and API" in out
