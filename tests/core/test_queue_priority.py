"""Uncertainty routing: the queue serves the tasks the model is least sure of first, keeps a random slice,
and leaves overlap and leases alone."""

import numpy as np
from sqlalchemy import select

from labelwise.assist.active import in_random_slice
from labelwise.core.assist import predictions
from labelwise.core.platform.clock import utcnow
from labelwise.core.projects import projects
from labelwise.core.projects.queue_priority import RANDOM_SHARE, reorder_active, reorder_cold
from labelwise.store.models import ModelVersion, Task
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _sentiment(p_positive: float) -> dict:
    return {"result": {"sentiment": "positive" if p_positive >= 0.5 else "negative"}, "score": max(p_positive, 1 - p_positive),
            "scores": {"positive": p_positive, "negative": 1 - p_positive}}


def _setup(session, n=40, routing="uncertainty"):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, settings={"routing": routing})
    add_tasks(session, owner.user, project, texts(n))
    ids = list(session.scalars(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)))
    return owner, project, ids


def test_uploaded_predictions_reorder_the_queue_by_uncertainty(session, client):
    owner, project, ids = _setup(session)
    modelled = [i for i in ids if not in_random_slice(i, RANDOM_SHARE)]
    unsure, sure = modelled[7], modelled[3]
    items = [{"task_id": i, **_sentiment(0.99)} for i in ids]
    items[ids.index(unsure)] = {"task_id": unsure, **_sentiment(0.51)}
    items[ids.index(sure)] = {"task_id": sure, **_sentiment(0.999)}
    assert predictions.upload(session, owner.user, project.id, items) == len(ids)
    priority = dict(session.execute(select(Task.id, Task.priority).where(Task.project_id == project.id)).all())
    assert priority[unsure] == max(priority[i] for i in modelled)
    assert priority[sure] < priority[modelled[0]]
    # the random slice is spread over [0, 1) independently of the model
    randoms = [i for i in ids if in_random_slice(i, RANDOM_SHARE)]
    assert all(0 <= priority[i] < 1 for i in randoms)
    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    served = next_task(client, annotator, project.id)
    best = max(ids, key=lambda i: (priority[i], -i))
    assert served["id"] == best


def test_a_newer_prediction_replaces_the_older_score(session):
    owner, project, ids = _setup(session, n=10)
    task = next(i for i in ids if not in_random_slice(i, RANDOM_SHARE))
    predictions.upload(session, owner.user, project.id, [{"task_id": task, **_sentiment(0.5)}])
    high = session.get(Task, task).priority
    predictions.upload(session, owner.user, project.id, [{"task_id": task, **_sentiment(0.95)}])
    session.expire_all()
    assert session.get(Task, task).priority < high


def test_switching_to_uncertainty_routing_scores_existing_predictions(session):
    owner, project, ids = _setup(session, n=20, routing="sequential")
    predictions.upload(session, owner.user, project.id, [{"task_id": i, **_sentiment(0.6)} for i in ids])
    assert {t.priority for t in session.scalars(select(Task).where(Task.project_id == project.id))} == {0.0}
    projects.update_project(session, owner.user, project.id, {"settings": {"routing": "uncertainty"}})
    session.expire_all()
    modelled = [i for i in ids if not in_random_slice(i, RANDOM_SHARE)]
    assert all(abs(session.get(Task, i).priority - 0.8) < 1e-9 for i in modelled)
    projects.update_project(session, owner.user, project.id, {"settings": {"routing": "sequential"}})
    session.expire_all()
    assert session.get(Task, ids[0]).priority == 0.0


def test_other_routings_ignore_predictions(session):
    owner, project, ids = _setup(session, n=5, routing="sequential")
    predictions.upload(session, owner.user, project.id, [{"task_id": ids[0], **_sentiment(0.5)}])
    assert session.get(Task, ids[0]).priority == 0.0


class _PointModel:
    """A stand-in model: each task's data holds its features and its class probabilities."""

    def predict_proba(self, data):
        return np.array([d["p"] for d in data])

    def transform(self, data):
        return np.array([d["x"] for d in data])


def test_the_typical_strategy_serves_uncertain_typical_tasks_before_uncertain_outliers(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, settings={"routing": "active_learning", "al_strategy": "typical"})
    rng = np.random.default_rng(0)
    rows = [{"x": rng.normal(0, 0.3, 2).tolist(), "p": [0.6, 0.4]} for _ in range(30)]  # dense, unsure
    rows += [{"x": rng.normal(0, 0.3, 2).tolist(), "p": [0.95, 0.05]} for _ in range(30)]  # dense, sure
    rows += [{"x": rng.uniform(20, 40, 2).tolist(), "p": [0.5, 0.5]} for _ in range(10)]  # alone, unsure
    add_tasks(session, owner.user, project, [{"text": f"task {i}", **row} for i, row in enumerate(rows)])
    ids = list(session.scalars(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)))
    for strategy, first in (("typical", range(30)), ("hybrid", range(60, 70))):
        assert reorder_active(session, project.id, _PointModel(), batch_size=3, strategy=strategy,
                              random_share=0.0) == 70
        session.expire_all()
        priority = {i: session.get(Task, i).priority for i in ids}
        served = sorted(ids, key=lambda i: -priority[i])[:3]
        if strategy == "typical":
            assert all(ids.index(i) in first for i in served)
        else:  # uncertainty alone (with diversity) serves some of the outliers first
            assert any(ids.index(i) in first for i in served)


def _topic_texts(rng, n_per_topic=(30, 20, 12), outliers=6):
    """Short texts from three topics of disjoint vocabulary, plus a few made of words used nowhere else."""
    vocab = [[f"{topic}{j}" for j in range(8)] for topic in ("alpha", "beta", "gamma")]
    rows = [{"text": " ".join(rng.choice(vocab[t], size=6)), "topic": t}
            for t, n in enumerate(n_per_topic) for _ in range(n)]
    rows += [{"text": " ".join(f"odd{i}x{j}" for j in range(6)), "topic": -1} for i in range(outliers)]
    return rows


def test_switching_on_the_typical_strategy_orders_the_queue_before_any_model(session, client):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, settings={"routing": "sequential"})
    rows = _topic_texts(np.random.default_rng(0))
    add_tasks(session, owner.user, project, rows)
    ids = list(session.scalars(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)))
    projects.update_project(session, owner.user, project.id, {"settings": {
        "routing": "active_learning", "al_strategy": "typical", "retrain_every": 3, "random_share": 0.0}})
    session.expire_all()
    priority = {i: session.get(Task, i).priority for i in ids}
    assert len(set(priority.values())) == len(ids)  # a full order
    first = sorted(ids, key=lambda i: -priority[i])[:3]
    # one typical text of each topic first, never an odd one
    assert sorted(rows[ids.index(i)]["topic"] for i in first) == [0, 1, 2]
    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    assert next_task(client, annotator, project.id)["id"] == first[0]


def test_no_cold_start_once_a_model_exists_or_for_strategies_without_one(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, _topic_texts(np.random.default_rng(1)))
    schema = projects.project_schema(project)
    assert reorder_cold(session, project.id, schema, batch_size=3, strategy="hybrid") == 0
    assert reorder_cold(session, project.id, schema, batch_size=3) == 68
    session.add(ModelVersion(project_id=project.id, control="sentiment", version=1, model_class="TextClassifier",
                             trained_on=2, model=b"", created_by=owner.user.id, created_at=utcnow()))
    session.flush()
    assert reorder_cold(session, project.id, schema, batch_size=3) == 0
