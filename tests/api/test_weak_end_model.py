"""The end model: after a label-model run, the built-in text classifier trains on the label model's labels
(weighted by confidence, covered tasks only), is stored as a model version, and predicts every task,
including those no function votes on."""

from sqlalchemy import select

from labelwise.store.models import ModelVersion, Prediction
from tests.api.test_weak import SCHEMA, create
from tests.factories import add_tasks, make_project, make_user

SPAM = ["buy cheap pills now", "cheap pills offer now", "win money now cheap", "free money offer pills"]
HAM = ["lovely song and video", "great song lovely voice", "this video is lovely", "nice song great video"]


def test_end_model_predicts_beyond_the_functions_coverage(client, session):
    manager = make_user(session, "manager")
    project = make_project(session, manager.user, schema=SCHEMA)
    covered = [t + " http" for t in SPAM * 3] + [t + " song" for t in HAM * 3]
    uncovered = ["cheap pills offer", "money pills cheap", "lovely video great", "lovely great voice"]
    add_tasks(session, manager.user, project, [{"text": t} for t in covered + uncovered])
    create(client, manager, project, {"name": "http", "kind": "keywords", "label": "spam", "keywords": ["http"]})
    create(client, manager, project, {"name": "song", "kind": "keywords", "label": "ham", "keywords": ["song"]})
    client.post(f"/api/v1/projects/{project.id}/labeling-functions/apply", headers=manager.headers)
    response = client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers,
                           json={"end_model": True})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["predictions"] == 24
    end = body["end_model"]
    assert end["trained_on"] == 24 and end["predictions"] == 28
    session.expire_all()
    version = session.get(ModelVersion, end["version_id"])
    assert version.name == end["model_version"] and version.model_class == "TextClassifier"
    predicted = {p.task_id: p.result["kind"] for p in session.scalars(
        select(Prediction).where(Prediction.model_version == end["model_version"]))}
    tasks = client.get(f"/api/v1/projects/{project.id}/tasks?limit=100", headers=manager.headers).json()["items"]
    by_text = {t["data"]["text"]: predicted[t["id"]] for t in tasks}
    assert [by_text[t] for t in uncovered] == ["spam", "spam", "ham", "ham"]
    # without the flag no model version is trained
    again = client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers, json={}).json()
    assert "end_model" not in again


def test_end_model_needs_a_text_control(client, session):
    manager = make_user(session, "manager")
    schema = {"objects": {"image": {"type": "image"}},
              "controls": {"kind": {"type": "choices", "object": "image", "options": ["a", "b"]}}}
    project = make_project(session, manager.user, schema=schema)
    add_tasks(session, manager.user, project, [{"image": f"https://x/{i}.png", "tag": i % 2} for i in range(4)])
    create(client, manager, project, {"name": "odd", "kind": "condition", "label": "a", "field": "tag", "op": "eq",
                                      "value": 1})
    create(client, manager, project, {"name": "even", "kind": "condition", "label": "b", "field": "tag",
                                      "op": "eq", "value": 0})
    client.post(f"/api/v1/projects/{project.id}/labeling-functions/apply", headers=manager.headers)
    response = client.post(f"/api/v1/projects/{project.id}/label-model", headers=manager.headers,
                           json={"end_model": True})
    assert response.status_code == 422 and response.json()["field"] == "end_model", response.text
