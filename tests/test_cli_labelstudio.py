"""`labelwise project create --schema config.xml` and `project convert-labelstudio`: a Label Studio config
is converted, and every warning is printed."""

import json

from tests.test_cli import db, run  # noqa: F401  (db is a fixture)

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" value="$options" perItem="true"/>
  <EllipseLabels name="e" toName="text"><Label value="a"/></EllipseLabels>
</View>"""


def test_create_a_project_from_a_label_studio_config_prints_each_warning(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    config = tmp_path / "config.xml"
    config.write_text(CONFIG)
    code, out, err = run(monkeypatch, capsys, "project", "create", "LS", "--schema", str(config), "-d", db)
    assert code == 0 and "created project 1" in out
    assert "warning: <Choices name=\"topic\">: attribute perItem='true'" in err
    assert "warning: <EllipseLabels name=\"e\">: EllipseLabels is not supported" in err
    assert "converted with 2 warning(s)" in err


def test_convert_prints_the_schema_as_json(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    config = tmp_path / "config.xml"
    config.write_text(CONFIG)
    code, out, err = run(monkeypatch, capsys, "project", "convert-labelstudio", str(config))
    assert code == 0
    assert json.loads(out)["controls"]["topic"] == {"type": "choices", "object": "text", "options": [],
                                                    "options_field": "options"}
