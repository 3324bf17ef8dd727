"""Label-error detection from the SDK against a live server."""

import numpy as np
import pytest
from sqlalchemy import select

from labelwise import Client
from labelwise.store.models import Task
from tests.api.test_label_errors import SCHEMA, WORDS, WRONG
from tests.factories import make_user


@pytest.fixture
def sdk(live_server, session):
    admin = make_user(session, "admin", admin=True)
    with Client(live_server.url, token=admin.token) as client:
        yield client


def test_run_and_list_label_errors(sdk, session):
    project = sdk.create_project("Topics", SCHEMA)["id"]
    rng = np.random.default_rng(0)
    truth = [topic for topic in WORDS for _ in range(30)]
    sdk.import_tasks(project, [{"data": {"text": " ".join(rng.choice(WORDS[t], 12))}} for t in truth])
    tasks = session.scalars(select(Task).where(Task.project_id == project).order_by(Task.id)).all()
    for i, task in enumerate(tasks):
        task.consensus = {"topic": WRONG.get(i, truth[i])}
    session.commit()
    assert sdk.label_errors(project)["total"] == 0
    run = sdk.label_errors(project, run=True, folds=4)
    assert run["folds"] == 4 and run["labeled"] == 90
    assert {tasks[i].id for i in WRONG} <= {f["task_id"] for f in run["flags"]}
    listed = sdk.label_errors(project, limit=2)
    assert listed["total"] == run["total"] and listed["flags"] == run["flags"][:2]
