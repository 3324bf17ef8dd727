"""Suggestion outcomes: recording what an annotation did with the shown prediction, and the per-version
summary (shown, accepted, edited, rejected, lead time with and without a suggestion)."""

from sqlalchemy import select

from labelwise.core.assist import predictions
from labelwise.core.labeling import annotations
from labelwise.store.models import Prediction, Task
from tests.factories import add_member, add_tasks, make_project, make_user


def _setup(session):
    owner = make_user(session, "owner")
    ann = make_user(session, "ann")
    project = make_project(session, owner.user)
    add_member(session, owner.user, project, ann.user, role="reviewer")
    add_tasks(session, owner.user, project, [{"text": f"t{i}"} for i in range(5)])
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    predictions.upload(session, owner.user, project.id, [
        {"task_id": t.id, "model_version": "builtin-sentiment-v1", "result": {"sentiment": "positive"}, "score": 0.9}
        for t in tasks[:4]])
    preds = {p.task_id: p.id for p in session.scalars(select(Prediction).where(Prediction.project_id == project.id))}
    return owner, ann, project, tasks, preds


def _answer(client, session, caller, task, label, ms, prediction_id=None, accepted=None):
    a = annotations.submit(session, caller.user, task.id, result={"sentiment": label}, lead_time_ms=ms)
    if prediction_id is None:
        return None
    response = client.post(f"/api/v1/annotations/{a.id}/suggestion", headers=caller.headers,
                           json={"prediction_id": prediction_id, "accepted": accepted})
    assert response.status_code == 200, response.text
    return response.json()


def test_outcomes_and_summary(client, session):
    owner, ann, project, tasks, preds = _setup(session)
    assert _answer(client, session, ann, tasks[0], "positive", 1000, preds[tasks[0].id], True)["outcome"] == "accepted"
    assert _answer(client, session, ann, tasks[1], "negative", 3000, preds[tasks[1].id], True)["outcome"] == "edited"
    assert _answer(client, session, ann, tasks[2], "positive", 2000, preds[tasks[2].id], False)["outcome"] == "rejected"
    _answer(client, session, ann, tasks[4], "neutral", 8000)
    body = client.get(f"/api/v1/projects/{project.id}/suggestions", headers=owner.headers).json()
    assert body["mean_lead_time_ms_without"] == 8000
    [v] = body["versions"]
    assert (v["model_version"], v["shown"], v["accepted"], v["edited"], v["rejected"]) == ("builtin-sentiment-v1", 3, 1, 1, 1)
    assert v["accepted_share"] == 2 / 3 and v["mean_lead_time_ms"] == 2000 and v["time_saved_ms"] == 6000
    assert client.get(f"/api/v1/projects/{project.id}/suggestions", headers=ann.headers).status_code == 403  # managers only


def test_bad_reports_are_refused(client, session):
    owner, ann, project, tasks, preds = _setup(session)
    a = annotations.submit(session, ann.user, tasks[0].id, result={"sentiment": "positive"})
    other_task = client.post(f"/api/v1/annotations/{a.id}/suggestion", headers=ann.headers,
                             json={"prediction_id": preds[tasks[1].id], "accepted": True})
    assert other_task.status_code == 422 and other_task.json()["field"] == "prediction_id"
    not_yours = client.post(f"/api/v1/annotations/{a.id}/suggestion", headers=owner.headers,
                            json={"prediction_id": preds[tasks[0].id], "accepted": True})
    assert not_yours.status_code == 404
    typo = client.post(f"/api/v1/annotations/{a.id}/suggestion", headers=ann.headers,
                       json={"prediction": preds[tasks[0].id], "accepted": True})
    assert typo.status_code == 422
