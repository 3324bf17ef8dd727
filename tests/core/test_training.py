"""Built-in model training: model versions with cross-validated metrics, and pre-labeling with them."""

import pytest
from sqlalchemy import select

from labelwise.assist.models import load_model
from labelwise.core.assist import jobs as assist_jobs
from labelwise.core.assist import training
from labelwise.core.platform import jobs
from labelwise.core.job_kinds import default_handlers
from labelwise.core.platform.job_runner import JobRunner
from labelwise.core.projects import projects
from labelwise.core.labeling import annotations
from labelwise.errors import Forbidden, Invalid, NotFound
from labelwise.store.models import Job, ModelVersion, Prediction, Task
from tests.factories import add_member, add_tasks, make_project, make_user

POSITIVE = ["great lovely product", "works great, lovely", "lovely and great value", "really great buy"]
NEGATIVE = ["awful broken thing", "broken on arrival, awful", "awful, simply broken", "really awful buy"]


@pytest.fixture
def labeled(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, settings={"routing": "uncertainty"})
    rows = [{"text": f"{t} {i}"} for i in range(3) for t in POSITIVE + NEGATIVE]
    add_tasks(session, owner.user, project, rows)
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:16]:
        text = task.data["text"]
        sentiment = "positive" if any(w in text for w in ("great", "lovely")) else "negative"
        start = text.index("really") if "really" in text else None
        entities = [{"start": start, "end": start + 6, "label": "ORG"}] if start is not None else []
        annotations.submit(session, owner.user, task.id, result={"sentiment": sentiment, "entities": entities})
    return owner, project, tasks


def test_training_stores_a_version_with_cross_validated_metrics(session, labeled):
    owner, project, _ = labeled
    first = training.train(session, owner.user, project.id)
    assert (first.control, first.version, first.model_class, first.trained_on) == \
        ("sentiment", 1, "TextClassifier", 16)
    assert first.metrics["folds"] == 5 and 0.8 <= first.metrics["accuracy"] <= 1 and first.metrics["f1"] > 0.8
    assert load_model(first.model).predict([{"text": "lovely"}]) == ["positive"]
    second = training.train(session, owner.user, project.id, control="sentiment")
    assert second.version == 2 and second.name == "builtin-sentiment-v2"
    assert [v.id for v in training.list_versions(session, owner.user, project.id)] == [second.id, first.id]


def test_spans_train_a_span_tagger(session, labeled):
    owner, project, _ = labeled
    version = training.train(session, owner.user, project.id, control="entities")
    assert version.model_class == "SpanTagger" and version.metrics["metric"].startswith("token")
    assert [c.control for c in training.trainable_controls(session, owner.user, project.id)] == \
        ["sentiment", "entities"]


def test_prelabel_predicts_every_unlabeled_task_and_reorders_the_queue(session, labeled):
    owner, project, tasks = labeled
    version = training.train(session, owner.user, project.id)
    assert training.prelabel(session, owner.user, project.id) == len(tasks) - 16
    rows = session.execute(select(Prediction.task_id, Prediction.result, Prediction.model_version)
                           .where(Prediction.project_id == project.id)).all()
    by_task = {t.id: t for t in tasks}
    assert {task_id for task_id, _, _ in rows} == {t.id for t in tasks[16:]}
    for task_id, result, model_version in rows:
        text = by_task[task_id].data["text"]
        expected = "positive" if any(w in text for w in ("great", "lovely")) else "negative"
        assert result == {"sentiment": expected} and model_version == version.name
    session.expire_all()
    assert any(session.get(Task, t.id).priority > 0 for t in tasks[16:])  # uncertainty routing re-scored


def test_training_refuses_what_it_cannot_learn(session, labeled):
    owner, project, _ = labeled
    with pytest.raises(Invalid, match="not a control"):
        training.train(session, owner.user, project.id, control="nope")
    with pytest.raises(NotFound, match="train one first"):
        training.prelabel(session, owner.user, project.id)
    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    with pytest.raises(Forbidden):
        training.train(session, annotator.user, project.id)
    empty = make_project(session, owner.user, name="Empty")
    with pytest.raises(Invalid, match="at least two labeled tasks"):
        training.train(session, owner.user, empty.id)
    images = make_project(session, owner.user, name="Images", schema={
        "objects": {"photo": {"type": "image"}},
        "controls": {"objects": {"type": "boxes", "object": "photo", "labels": ["car"]}}})
    with pytest.raises(Invalid, match="no control"):
        training.train(session, owner.user, images.id)


def test_model_bytes_are_not_loaded_with_version_listings(session, labeled):
    owner, project, _ = labeled
    training.train(session, owner.user, project.id)
    session.expire_all()
    [row] = training.list_versions(session, owner.user, project.id)
    assert "model" not in row.__dict__
    assert session.scalar(select(ModelVersion.trained_on)) == 16


def test_train_job_trains_then_prelabels_with_progress(app, settings, session, labeled):
    owner, project, tasks = labeled
    job = assist_jobs.queue_train(session, owner.user, project.id)
    runner = JobRunner(app.state.session_factory, handlers=default_handlers(), settings=settings, storage=None)
    assert runner.run_once()
    session.expire_all()
    view = jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs")
    assert view.status == "succeeded", view.error
    assert view.result["model_version"] == "builtin-sentiment-v1" and view.result["trained_on"] == 16
    assert view.result["predictions"] == len(tasks) - 16 and view.result["metrics"]["accuracy"] > 0.8
    again = assist_jobs.queue_prelabel(session, owner.user, project.id, version_id=view.result["version_id"])
    assert runner.run_once()
    session.expire_all()
    done = jobs.get_job(session, owner.user, again.id, progress_dir=settings.data_dir / "jobs")
    assert done.status == "succeeded" and done.result == {"predictions": len(tasks) - 16}


def test_a_train_job_that_cannot_train_fails_with_the_reason(app, settings, session, labeled):
    owner, project, _ = labeled
    job = assist_jobs.queue_train(session, owner.user, project.id, control="nope")
    JobRunner(app.state.session_factory, handlers=default_handlers(), settings=settings, storage=None).run_once()
    session.expire_all()
    view = jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs")
    assert view.status == "failed" and "not a control" in view.error["message"]


def test_every_n_submitted_labels_queue_one_retrain(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, settings={"retrain_every": 3})
    add_tasks(session, owner.user, project, [{"text": f"t{i}"} for i in range(8)])
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))

    def train_jobs():
        session.expire_all()
        return list(session.scalars(select(Job).where(Job.project_id == project.id, Job.kind == "train")
                                    .order_by(Job.id)))

    for task in tasks[:2]:
        annotations.submit(session, owner.user, task.id, result={"sentiment": "positive"})
    assert train_jobs() == []
    annotations.submit(session, owner.user, tasks[2].id, result={"sentiment": "negative"})
    [first] = train_jobs()
    assert first.status == "queued" and first.params["labeled"] == 3 and first.created_by == owner.user.id
    for task in tasks[3:6]:  # a queued train job is not queued twice
        annotations.submit(session, owner.user, task.id, result={"sentiment": "negative"})
    assert len(train_jobs()) == 1
    first.status = "succeeded"
    session.commit()
    annotations.submit(session, owner.user, tasks[6].id, result={"sentiment": "positive"})
    jobs_now = train_jobs()
    assert len(jobs_now) == 2 and jobs_now[1].params["labeled"] == 7


def test_no_retrain_is_queued_when_the_setting_is_off(session, labeled):
    _, project, _ = labeled
    assert session.scalars(select(Job).where(Job.project_id == project.id)).all() == []


@pytest.mark.parametrize("strategy", ["hybrid", "typical"])
def test_a_retrain_reorders_an_active_learning_queue(app, settings, session, labeled, strategy):
    owner, project, tasks = labeled
    projects.update_project(session, owner.user, project.id,
                            {"settings": {"routing": "active_learning", "al_strategy": strategy}})
    job = assist_jobs.queue_train(session, owner.user, project.id)
    JobRunner(app.state.session_factory, handlers=default_handlers(), settings=settings, storage=None).run_once()
    session.expire_all()
    view = jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs")
    assert view.status == "succeeded", view.error
    unlabeled = tasks[16:]
    assert view.result["reordered"] == len(unlabeled)
    priorities = sorted(session.get(Task, t.id).priority for t in unlabeled)
    n = len(unlabeled)
    assert priorities == pytest.approx([(i + 1) / n for i in range(n)])  # a full order, highest first


def test_uncertainty_routing_is_not_reordered_by_a_retrain(app, settings, session, labeled):
    owner, project, _ = labeled
    job = assist_jobs.queue_train(session, owner.user, project.id, prelabel=False)
    JobRunner(app.state.session_factory, handlers=default_handlers(), settings=settings, storage=None).run_once()
    session.expire_all()
    assert jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs").result["reordered"] == 0
