"""Task import: every format, all or nothing, bad rows reported by line."""

import json

import pytest
from sqlalchemy import func, select

from labelwise.store.models import Event, GoldAnswer, Prediction, Task
from tests.factories import make_project, make_user


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user)


def post(client, owner, project, body: bytes, content_type: str, **params):
    return client.post(f"/api/v1/projects/{project.id}/import", content=body, params=params,
                       headers={**owner.headers, "content-type": content_type})


def task_count(session, project) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project.id))


@pytest.mark.parametrize("content_type, body", [
    ("application/json", b'[{"text": "a"}, {"data": {"text": "b"}, "external_id": "x2"}]'),
    ("application/jsonl", b'{"text": "a"}\n\n{"data": {"text": "b"}, "external_id": "x2"}\n'),
    ("text/csv", b'text,external_id\na,\nb,x2\n'),
    ("text/tab-separated-values", b'text\texternal_id\na\t\nb\tx2\n'),
])
def test_each_format_imports(client, session, owner, project, content_type, body):
    response = post(client, owner, project, body, content_type)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    assert [t.data["text"] for t in tasks] == ["a", "b"]
    assert tasks[1].external_id == "x2"
    assert len(tasks[0].content_hash) == 64 and tasks[0].content_hash != tasks[1].content_hash


def test_format_query_overrides_content_type(client, session, owner, project):
    response = post(client, owner, project, b'text\nhello\n', "application/octet-stream", format="csv")
    assert response.status_code == 201 and task_count(session, project) == 1


def test_unknown_content_type_is_rejected(client, owner, project):
    response = post(client, owner, project, b'text\nhello\n', "application/octet-stream")
    assert response.status_code == 422 and "content type" in response.json()["message"]


def test_bad_rows_are_reported_by_line_and_nothing_is_stored(client, session, owner, project):
    post(client, owner, project, b'{"text": "kept"}\n', "application/jsonl")
    body = b'{"text": "ok"}\n{"txt": "wrong key"}\n{"text": 5}\n{"text": "fine"}\n'
    response = post(client, owner, project, body, "application/jsonl")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [2, 3]
    assert "no 'text'" in errors[0]["message"] and errors[1]["field"] == "data.text"
    assert task_count(session, project) == 1


def test_malformed_json_line_names_the_line(client, session, owner, project):
    response = post(client, owner, project, b'{"text": "a"}\n{"text": "b"\n', "application/jsonl")
    assert response.status_code == 422
    assert response.json()["line"] == 2 and "not valid JSON" in response.json()["message"]
    assert task_count(session, project) == 0


def test_malformed_json_array(client, session, owner, project):
    response = post(client, owner, project, b'[{"text": "a"}, {"text": ', "application/json")
    assert response.status_code == 422 and "item 2" in response.json()["message"]
    response = post(client, owner, project, b'{"text": "a"}', "application/json")
    assert response.status_code == 422 and "array" in response.json()["message"]


def test_wrong_encoding_is_reported(client, session, owner, project):
    body = "text\ncafé\n".encode("latin-1")
    response = post(client, owner, project, body, "text/csv")
    assert response.status_code == 422 and "UTF-8" in response.json()["message"]
    assert task_count(session, project) == 0


def test_csv_with_a_mismatched_row(client, session, owner, project):
    response = post(client, owner, project, b'text,external_id\na,1\nb,2,3\n', "text/csv")
    assert response.status_code == 422 and response.json()["line"] == 3


def test_huge_line_is_refused(client, session, owner, project, app):
    app.state.settings.max_line_bytes = 1024
    body = json.dumps({"text": "x" * 5000}).encode() + b"\n"
    response = post(client, owner, project, body, "application/jsonl")
    assert response.status_code == 413
    assert response.json()["message"] == "line 1 is longer than 1024 bytes" and response.json()["line"] == 1
    assert task_count(session, project) == 0


def test_oversize_upload_is_refused(client, session, owner, project, app):
    app.state.settings.max_upload_bytes = 100
    response = post(client, owner, project, b'{"text": "a"}\n' * 20, "application/jsonl")
    assert response.status_code == 413 and "limit" in response.json()["message"]
    assert task_count(session, project) == 0


def test_duplicate_external_ids_within_and_across_imports(client, session, owner, project):
    response = post(client, owner, project, b'{"text": "a", "external_id": "e1"}\n{"text": "b", "external_id": "e1"}\n',
                    "application/jsonl")
    assert response.status_code == 422 and response.json()["line"] == 2
    assert post(client, owner, project, b'{"text": "a", "external_id": "e1"}\n', "application/jsonl").status_code == 201
    again = post(client, owner, project, b'{"text": "z"}\n{"text": "a", "external_id": "e1"}\n', "application/jsonl")
    assert again.status_code == 422 and "already exists" in again.json()["message"] and again.json()["line"] == 2
    assert task_count(session, project) == 1


def test_duplicates_across_batches_are_caught(client, session, owner, project, app):
    app.state.settings.import_batch_size = 2
    rows = [{"text": str(i), "external_id": f"e{i}"} for i in range(5)] + [{"text": "x", "external_id": "e0"}]
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    response = post(client, owner, project, body, "application/jsonl")
    assert response.status_code == 422 and response.json()["line"] == 6
    assert task_count(session, project) == 0


def test_predictions_and_gold_come_with_tasks(client, session, owner, project):
    row = {"data": {"text": "Ann works at Acme"}, "gold": {"sentiment": "neutral"},
           "predictions": [{"model_version": "v1", "score": 0.9,
                            "result": {"sentiment": "positive",
                                       "entities": [{"start": 0, "end": 3, "label": "PER"}]}}]}
    response = post(client, owner, project, json.dumps(row).encode() + b"\n", "application/jsonl")
    assert response.json() == {"imported": 1, "predictions": 1, "gold": 1}
    prediction = session.scalar(select(Prediction))
    assert prediction.result["entities"][0]["end"] == 3 and prediction.result["entities"][0]["id"]
    assert session.scalar(select(GoldAnswer)).result == {"sentiment": "neutral"}


def test_invalid_prediction_names_row_and_field(client, session, owner, project):
    row = {"data": {"text": "short"}, "predictions": [{"result": {"entities": [{"start": 0, "end": 99,
                                                                                  "label": "PER"}]}}]}
    response = post(client, owner, project, json.dumps(row).encode(), "application/jsonl")
    assert response.status_code == 422
    body = response.json()
    assert body["line"] == 1 and body["field"].startswith("predictions[0].")
    assert task_count(session, project) == 0


def test_unknown_wrapper_keys_are_refused(client, owner, project):
    response = post(client, owner, project, b'{"data": {"text": "a"}, "metadata": {}}\n', "application/jsonl")
    assert response.status_code == 422 and "metadata" in response.json()["message"]


def test_unsafe_media_urls_are_refused(client, session, owner):
    schema = {"objects": {"img": {"type": "image"}},
              "controls": {"boxes": {"type": "boxes", "object": "img", "labels": ["car"]}}}
    project = make_project(session, owner.user, schema=schema)
    for url in ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"]:
        response = post(client, owner, project, json.dumps({"img": url}).encode(), "application/jsonl")
        assert response.status_code == 422, url
        assert response.json()["field"] == "data.img"
    ok = post(client, owner, project, b'{"img": "https://example.org/a.png"}\n{"img": "/media/b.png"}\n',
              "application/jsonl")
    assert ok.status_code == 201


def test_one_event_per_import(client, session, owner, project):
    post(client, owner, project, b'{"text": "a"}\n{"text": "b"}\n', "application/jsonl")
    event = session.scalar(select(Event).where(Event.action == "tasks.imported"))
    first = session.scalar(select(func.min(Task.id)).where(Task.project_id == project.id))
    assert event.after == {"imported": 2, "predictions": 0, "gold": 0, "task_ids": [first, first + 1]}
    assert event.actor_id == owner.user.id


def test_random_routing_shuffles_deterministically(client, session, owner):
    project = make_project(session, owner.user, settings={"routing": "random"})
    body = "".join(json.dumps({"text": str(i)}) + "\n" for i in range(50)).encode()
    post(client, owner, project, body, "application/jsonl")
    order = session.scalars(select(Task.data).where(Task.project_id == project.id)
                            .order_by(Task.priority.desc(), Task.id)).all()
    assert [d["text"] for d in order] != [str(i) for i in range(50)]
    assert sorted(d["text"] for d in order) == sorted(str(i) for i in range(50))


def test_lone_surrogates_are_a_bad_row_not_a_crash(client, session, owner, project):
    response = post(client, owner, project, b'{"text": "ok"}\n{"text": "bad \\udbbb"}\n', "application/jsonl")
    assert response.status_code == 422 and response.json()["line"] == 2
    assert "Unicode" in response.json()["message"]
    assert task_count(session, project) == 0
