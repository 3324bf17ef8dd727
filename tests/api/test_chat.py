"""Chat projects through the API: import of chat JSON, malformed chats refused, answers, DPO and ratings exports."""

import io
import json

import datasets
import pytest
from sqlalchemy import func, select

from labelwise.core.dataio.demo import CHAT_DEMOS, seed_demo
from labelwise.schema import TEMPLATES
from labelwise.store.models import Project, Task
from tests.factories import make_project, make_user

SCHEMA = TEMPLATES["preference_rlhf"]["schema"]
ROWS = [
    {"messages": [{"role": "user", "content": "2+2?"},
                  {"role": "assistant", "alternatives": [{"content": "4", "model": "m1"}, {"content": "5", "model": "m2"}]}]},
    {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
]


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


def post(client, caller, project_id, body: bytes, **params):
    return client.post(f"/api/v1/projects/{project_id}/import", content=body, params=params,
                       headers={**caller.headers, "content-type": "application/jsonl"})


def jsonl(rows) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_chat_jsonl_imports_and_answers_export_as_dpo_pairs(client, session, owner, tmp_path):
    project = make_project(session, owner.user, schema=SCHEMA)
    response = post(client, owner, project.id, jsonl(ROWS))
    assert response.status_code == 201, response.text
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    assert tasks[1].data["chat"] == [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    answer = client.post(f"/api/v1/tasks/{tasks[0].id}/annotations", headers=owner.headers, json={"result": {
        "preference": {"1": "b"}, "problems": [{"message": 1, "alternative": 0, "start": 0, "end": 1, "label": "wrong"}]}})
    assert answer.status_code == 201, answer.text
    bad = client.post(f"/api/v1/tasks/{tasks[1].id}/annotations", headers=owner.headers,
                      json={"result": {"preference": {"1": "a"}}})
    assert bad.status_code == 422 and bad.json()["field"] == "result.preference.1"
    assert "no alternatives" in bad.json()["message"]

    export = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "dpo"}, headers=owner.headers)
    assert export.status_code == 200, export.text
    [pair] = [json.loads(line) for line in export.text.splitlines()]
    assert pair["prompt"] == [{"role": "user", "content": "2+2?"}]
    assert pair["chosen"] == [{"role": "assistant", "content": "5"}] and pair["rejected"][0]["content"] == "4"
    path = tmp_path / "pairs.jsonl"
    path.write_text(export.text)
    assert datasets.load_dataset("json", data_files=str(path), split="train").num_rows == 1


@pytest.mark.parametrize("row, field, words", [
    ({"messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role", "unknown role 'wizard'"),
    ({"messages": [{"role": "user", "content": 5}]}, "data.chat[0].content", "must be text"),
    ({"messages": []}, "data.chat", "no messages"),
    ({"text": "no chat here"}, "data.chat", "no 'chat'"),
])
def test_malformed_chats_are_refused_naming_row_and_field(client, session, owner, row, field, words):
    project = make_project(session, owner.user, schema=SCHEMA)
    response = post(client, owner, project.id, jsonl([ROWS[0], row]), format="chat")
    assert response.status_code == 422, response.text
    body = response.json()
    text = json.dumps(body)
    assert "row 2" in text and field in text and words in text, body
    assert session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project.id)) == 0


def test_ratings_export_through_the_api_loads_with_datasets(client, session, owner, tmp_path):
    project = make_project(session, owner.user, schema=TEMPLATES["llm_chat_evaluation"]["schema"])
    conversation = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey", "model": "m"}]}
    assert post(client, owner, project.id, jsonl([conversation])).status_code == 201
    task = session.scalar(select(Task).where(Task.project_id == project.id))
    answer = client.post(f"/api/v1/tasks/{task.id}/annotations", headers=owner.headers,
                         json={"result": {"helpfulness": {"1": 2}, "overall": 3, "rewrite": {"1": "Hello! How can I help?"}}})
    assert answer.status_code == 201, answer.text
    export = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "chat-ratings"}, headers=owner.headers)
    assert export.status_code == 200, export.text
    path = tmp_path / "ratings.parquet"
    path.write_bytes(export.content)
    rows = datasets.load_dataset("parquet", data_files={"train": str(path)}, split="train").to_list()
    assert [(r["control"], r["message"], r["rating"], r["model"]) for r in rows] == [
        ("helpfulness", 1, 2.0, "m"), ("overall", None, 3.0, None)]
    pairs = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "dpo"}, headers=owner.headers)
    assert json.loads(pairs.text)["kind"] == "edit"


def test_the_demo_seeds_the_two_chat_projects(session):
    seed_demo(session)
    seed_demo(session)  # once
    for name in CHAT_DEMOS:
        [project] = session.scalars(select(Project).where(Project.name == name)).all()
        count = session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project.id))
        assert count >= 3


def test_chat_exports_of_a_project_without_chats_are_a_clear_4xx(client, session, owner):
    project = make_project(session, owner.user)
    for name in ("dpo", "chat-ratings"):
        response = client.get(f"/api/v1/projects/{project.id}/export", params={"format": name}, headers=owner.headers)
        assert response.status_code == 422 and "chat object" in response.json()["message"]


def test_a_label_studio_chat_config_creates_a_chat_project(client, owner):
    from tests.formats.test_labelstudio_chat_config import CHATBOT_EVALUATION

    response = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                           json={"name": "chat eval", "label_config_xml": CHATBOT_EVALUATION})
    assert response.status_code == 201, response.text
    controls = response.json()["project"]["label_schema"]["controls"]
    assert controls["response_quality"]["per_message"] is True and controls["chat_edit"]["type"] == "edit"


def test_the_quality_report_of_a_chat_project_works(client, session, owner):
    schema = {"objects": {"chat": {"type": "chat"}},
              "controls": {"better": {"type": "pairwise", "object": "chat"},
                           "verdict": {"type": "choices", "object": "chat", "options": ["good", "bad"]},
                           "issue": {"type": "choices", "object": "chat", "options": ["x", "y"], "per_message": True}}}
    project = make_project(session, owner.user, schema=schema)
    assert post(client, owner, project.id, jsonl([ROWS[0]])).status_code == 201
    task = session.scalar(select(Task).where(Task.project_id == project.id))
    result = {"better": {"1": "a"}, "verdict": "good", "issue": {"0": "x"}}
    assert client.post(f"/api/v1/tasks/{task.id}/annotations", headers=owner.headers,
                       json={"result": result}).status_code == 201
    report = client.get(f"/api/v1/projects/{project.id}/quality", headers=owner.headers)
    assert report.status_code == 200, report.text
    assert report.json()["control"] == "verdict" and report.json()["controls"] == ["verdict"]
    session.expire_all()
    assert session.get(Task, task.id).consensus == result


def test_a_repeated_conversation_is_a_near_duplicate_at_import(client, session, owner):
    project = make_project(session, owner.user, schema=SCHEMA)
    words = " ".join(f"word{i}" for i in range(40))
    chat = {"messages": [{"role": "user", "content": f"Please summarise: {words}"},
                         {"role": "assistant", "content": f"Summary of {words}."}]}
    again = {"messages": [{"role": "user", "content": f"Please summarise: {words}!"},
                          {"role": "assistant", "content": f"Summary of {words}."}]}
    response = post(client, owner, project.id, jsonl([chat, again]), duplicates="skip")
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 1 and response.json()["near_duplicates"] == 1
