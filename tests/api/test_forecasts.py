"""Forecasts: ETA with an interval and cost to go, per project and batch, from the answers' times."""

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import update

from labelwise.core.crowd.forecast_model import forecast, hour_of_week
from labelwise.core.platform.clock import utcnow
from labelwise.store.models import Annotation
from tests.factories import add_member, add_tasks, make_project, make_user, next_task, texts


def _label_all(client, caller, project_id, count, lead_time_ms=4000):
    ids = []
    for _ in range(count):
        task = next_task(client, caller, project_id)
        response = client.post(f"/api/v1/tasks/{task['id']}/annotations", headers=caller.headers,
                               json={"result": {"sentiment": "positive"}, "lead_time_ms": lead_time_ms})
        ids.append(response.json()["id"])
    return ids


def test_project_and_batch_forecast_from_a_steady_pace(client, session):
    manager, annotator = make_user(session, "m"), make_user(session, "a")
    project = make_project(session, manager.user)
    add_tasks(session, manager.user, project, texts(60))
    add_member(session, manager.user, project, annotator.user)
    batch = client.post(f"/api/v1/projects/{project.id}/batches", headers=manager.headers,
                        json={"name": "b", "pay_per_task": 0.05, "pay_per_second": 0.01, "budget": 10,
                              "deadline": (utcnow() + timedelta(days=30)).isoformat()}).json()
    listed = client.get(f"/api/v1/projects/{project.id}/tasks?limit=1000", headers=manager.headers).json()["items"]
    client.post(f"/api/v1/batches/{batch['id']}/tasks", json={"task_ids": [t["id"] for t in listed]},
                headers=manager.headers)
    answered = _label_all(client, annotator, project.id, 30)
    # spread the 30 answers over the last 30 hours, one an hour, around the clock
    now = utcnow()
    for i, annotation_id in enumerate(answered):
        session.execute(update(Annotation).where(Annotation.id == annotation_id)
                        .values(created_at=now - timedelta(hours=30 - i - 0.5)))
    session.commit()
    response = client.get(f"/api/v1/projects/{project.id}/forecast", headers=manager.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    whole, [one] = body["project"], body["batches"]
    assert whole["remaining"] == 30 and whole["done"] == 30
    assert 0.8 < whole["rate_per_hour"] < 1.2
    assert 20 < whole["eta_hours"] < 45  # 30 more at about one an hour
    assert whole["eta_low"] <= whole["eta_high"]
    assert one["basis"] == "batch" and one["on_time"] is True and one["over_budget"] is False
    assert abs(one["cost_spent"] - 30 * (0.05 + 4 * 0.01)) < 1e-6
    assert abs(one["cost_remaining"] - 30 * (0.05 + 4 * 0.01)) < 1e-6
    assert one["history"][0][1] == 60 and one["history"][-1][1] == 30
    assert one["forecast"] and one["forecast"][-1][1] <= 1
    assert list(one["annotators"]) == ["a"]
    alone = client.get(f"/api/v1/batches/{batch['id']}/forecast", headers=manager.headers).json()
    assert alone["remaining"] == 30
    assert client.get(f"/api/v1/projects/{project.id}/forecast", headers=annotator.headers).status_code == 403


def test_no_answers_yet_means_no_eta():
    result = forecast(np.array([]), np.array([]), now=1e9, remaining=10)
    assert result.eta_seconds is None and result.rate_per_hour == 0.0


def test_the_hour_of_week_profile_waits_for_working_hours():
    """Answers only 9-17 UTC on weekdays for two weeks: a forecast made on Friday evening for one more day's
    work lands on Monday, not Saturday."""
    monday = datetime(2026, 1, 5)
    times, workers = [], []
    for day in range(12):
        if day % 7 >= 5:
            continue
        for minute in range(0, 8 * 60, 2):
            t = monday + timedelta(days=day, hours=9, minutes=minute)
            times.append((t - datetime(1970, 1, 1)).total_seconds())
            workers.append("w")
    friday_evening = (monday + timedelta(days=11, hours=19) - datetime(1970, 1, 1)).total_seconds()
    result = forecast(np.array(times), np.array(workers), now=friday_evening, remaining=120)
    done = friday_evening + result.eta_seconds
    assert hour_of_week(np.array([done]))[0] < 24  # Monday
    assert result.eta_low_seconds <= result.eta_high_seconds


def test_the_interval_widens_by_the_projects_own_past_errors():
    """A job whose pace halves after a while: the bootstrap of the recent pace alone is narrow, the forecasts
    the same model would have made earlier were too early by about 2x, and the upper bound says so."""
    from labelwise.core.crowd import forecast_model

    rng = np.random.default_rng(3)
    start = 1_700_000_000.0
    gaps = np.concatenate([rng.exponential(60.0, 600), rng.exponential(120.0, 600), rng.exponential(240.0, 600)])
    times = start + np.cumsum(gaps)
    workers = rng.integers(0, 20, len(times)).astype(str)
    now = float(times[-1]) + 1.0
    result = forecast(times, workers, now=now, remaining=300)
    errors = forecast_model._past_errors(times, now, 300, forecast_model.WINDOW)
    assert len(errors) >= 3 and np.median(errors) > np.log(1.3)  # the past forecasts came too early
    assert result.eta_high_seconds >= result.eta_seconds * np.exp(np.quantile(errors, 0.9)) * 0.999
