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


class _FakeLabelStudio:
    """A real HTTP server answering the few Label Studio API routes the pull reads (pages and all)."""

    def __init__(self, token: str) -> None:
        import http.server
        import threading

        from tests.formats.test_labelstudio_migration import CONFIG, SNAPSHOT

        export = json.loads(json.dumps(SNAPSHOT))
        export[0]["annotations"][0]["completed_by"] = 1  # the default export names users by id
        routes = {
            "/api/users": [{"id": 1, "email": "ann@example.com", "username": "ann"}],
            "/api/projects": {"count": 2, "next": "/api/projects?page=2", "results": [
                {"id": 1, "title": "Moved", "label_config": CONFIG, "expert_instruction": "Be careful"}]},
            "/api/projects?page=2": {"count": 2, "next": None, "results": [
                {"id": 2, "title": "Broken", "label_config": "<View><Text name='t'"}]},
            "/api/projects/1/export?exportType=JSON&download_all_tasks=true": export,
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.headers.get("Authorization") != f"Token {token}":
                    self.send_response(401)
                    self.end_headers()
                    return
                body = routes.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_import_labelstudio_copies_projects_users_and_tasks(monkeypatch, capsys, tmp_path, db):  # noqa: F811
    from sqlalchemy import create_engine, text

    run(monkeypatch, capsys, "user", "create", "alice", "--admin", "-d", db)
    fake = _FakeLabelStudio("secret")
    try:
        code, out, err = run(monkeypatch, capsys, "import-labelstudio", fake.url, "--token", "secret", "-d", db)
        refused = run(monkeypatch, capsys, "import-labelstudio", fake.url, "--token", "wrong", "-d", db)
    finally:
        fake.close()
    assert code == 1  # one of the two projects has a broken config
    assert "project 1 'Moved' -> 1: 1 tasks, 1 annotations, 2 predictions, 1 gold, 1 flagged out of range" in out
    assert "project 2 'Broken': failed: the labeling config is not valid XML" in err
    assert "copied 1 of 2 projects, 1 tasks, 1 annotations" in out
    assert refused[0] == 1 and "refused the token (401)" in refused[2]
    with create_engine(f"sqlite:///{db}").connect() as conn:
        assert conn.execute(text("select username from users order by id")).scalars().all() == [
            "alice", "ann@example.com", "bob@example.com"]  # bob has a draft: a member, who sees it when labeling
        [(user,)] = conn.execute(text("select u.username from annotations a join users u on u.id = a.user_id"))
        assert user == "ann@example.com"
        assert conn.execute(text("select guidelines from projects")).scalar() == "Be careful"
