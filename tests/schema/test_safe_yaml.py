"""YAML from users is loaded without anchors and aliases: a "billion laughs" schema is refused at once."""

import time

import pytest

from labelwise.errors import Invalid
from labelwise.schema import parse_schema
from tests.factories import make_user
from tests.test_cli import run

LAUGHS = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                   + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
                   + ["objects: {text: {type: text}}", "controls: {c: {type: choices, object: text, options: *i}}"])


def test_an_alias_bomb_schema_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(Invalid) as refused:
        parse_schema(LAUGHS)
    assert time.perf_counter() - start < 1
    assert "aliases" in refused.value.message and refused.value.line == 1


def test_a_single_alias_is_refused_too():
    with pytest.raises(Invalid, match="anchors"):
        parse_schema("objects: {text: &t {type: text}}\ncontrols: {c: {type: text, object: text}}\nx: *t\n")


def test_plain_yaml_schemas_still_parse():
    schema = parse_schema("objects: {text: {type: text}}\ncontrols: {c: {type: choices, object: text, options: [a]}}")
    assert list(schema.controls) == ["c"]


def test_the_api_answers_422(client, session):
    owner = make_user(session, "owner")
    response = client.post("/api/v1/projects", json={"name": "x", "label_schema": LAUGHS}, headers=owner.headers)
    assert response.status_code == 422 and "aliases" in response.json()["message"]
    assert len(response.content) < 2000


def test_the_cli_names_the_file(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("LABELWISE_DATA_DIR", str(tmp_path))
    db = str(tmp_path / "cli.db")
    monkeypatch.setenv("LABELWISE_NEW_PASSWORD", "a long password")
    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    path = tmp_path / "bomb.yaml"
    path.write_text(LAUGHS)
    code, _, err = run(monkeypatch, capsys, "project", "create", "X", "--schema", str(path), "-d", db)
    assert code == 1 and str(path) in err and "aliases" in err and err.count("\n") == 1
