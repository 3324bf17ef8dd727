"""`labelwise webhook ...`: add, list, ping, send what is due to a real receiver, read the log, redeliver."""

import json

from labelwise.sdk import verify_signature
from tests.factories import make_project, make_user
from tests.test_cli import run
from tests.webhook_receiver import Receiver, closed_port_url


def test_webhook_commands_from_add_to_redeliver(monkeypatch, capsys, settings, session):
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner.user)
    db = ["-d", settings.resolved_database_url, "--data-dir", str(settings.data_dir), "--as", "owner"]
    monkeypatch.setenv("LABELWISE_WEBHOOK_MAX_ATTEMPTS", "1")
    code, out, err = run(monkeypatch, capsys, "webhook", "add", str(project.id), "ftp://nowhere", *db)
    assert code == 1 and "'url' must be an http:// or https:// URL" in err
    with Receiver() as receiver:
        code, out, _ = run(monkeypatch, capsys, "webhook", "add", str(project.id), receiver.url,
                           "-e", "snapshot.created", "-e", "job.finished", *db)
        assert code == 0, out
        hook = json.loads(out)
        assert hook["events"] == ["snapshot.created", "job.finished"] and hook["secret"].startswith("whsec_")
        code, out, _ = run(monkeypatch, capsys, "webhook", "list", str(project.id), *db)
        assert json.loads(out)["secret"] is None
        assert run(monkeypatch, capsys, "webhook", "ping", str(hook["id"]), *db)[0] == 0
        code, _, err = run(monkeypatch, capsys, "webhook", "send", *db[:4])
        assert code == 0 and "attempted 1 webhook delivery" in err
        request = receiver.received[0]
        verify_signature(request["body"], request["headers"]["Labelwise-Signature"], hook["secret"])
        assert json.loads(request["body"])["event"] == "ping"
    # the receiver is gone: the next delivery fails (one attempt allowed here), shows in the log, and is redelivered
    assert run(monkeypatch, capsys, "webhook", "update", str(hook["id"]), "--url", closed_port_url(), *db)[0] == 0
    run(monkeypatch, capsys, "webhook", "ping", str(hook["id"]), *db)
    run(monkeypatch, capsys, "webhook", "send", *db[:4])
    code, out, _ = run(monkeypatch, capsys, "webhook", "deliveries", str(hook["id"]), *db)
    log = [json.loads(line) for line in out.splitlines()]
    assert [(d["status"], d["attempts"]) for d in log] == [("failed", 1), ("delivered", 1)]
    assert "ConnectError" in log[0]["last_error"] and log[1]["last_status_code"] == 200
    code, out, _ = run(monkeypatch, capsys, "webhook", "redeliver", str(log[0]["id"]), *db)
    assert code == 0 and f"redelivering {log[0]['id']}" in out
    code, out, _ = run(monkeypatch, capsys, "webhook", "deliveries", str(hook["id"]), "--status", "pending", *db)
    assert json.loads(out)["redelivery_of"] == log[0]["id"]
    assert run(monkeypatch, capsys, "webhook", "remove", str(hook["id"]), *db)[0] == 0
