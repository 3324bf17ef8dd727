"""Export as a background job: the file it writes is the same as the direct download, progress counts task
records, options are checked when queued, the file is there only once the job has succeeded, and a
cancelled export stores nothing."""

import time

import pytest

from labelwise.core.dataio import export_job
from labelwise.core.platform.job_runner import Cancelled, JobContext
from labelwise.errors import Conflict
from tests.factories import add_member, add_tasks, make_project, make_user


def wait(client, caller, job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _project(client, session, n=450):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, [{"text": f"review number {i}"} for i in range(n)])
    items = client.get(f"/api/v1/projects/{project.id}/tasks?limit=3", headers=owner.headers).json()["items"]
    for task in items:
        client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                    headers=owner.headers)
    return owner, project


def test_an_export_job_writes_the_same_file_as_the_direct_download(client, session):
    owner, project = _project(client, session)
    for body, params in (({"format": "jsonl"}, {"format": "jsonl"}),
                         ({"format": "csv", "only_labeled": True}, {"format": "csv", "only_labeled": "true"}),
                         ({"format": "jsonl", "split": "50,25,25"}, {"format": "jsonl", "split": "50,25,25"})):
        queued = client.post(f"/api/v1/projects/{project.id}/exports", json=body, headers=owner.headers)
        assert queued.status_code == 202 and queued.json()["kind"] == "export", queued.text
        job = wait(client, owner, queued.json()["id"])
        assert job["status"] == "succeeded", job["error"]
        assert job["total"] == 450 and job["progress"] == 1.0
        assert job["result"]["records"] == (3 if body.get("only_labeled") else 450)
        got = client.get(f"/api/v1/jobs/{job['id']}/file", headers=owner.headers)
        direct = client.get(f"/api/v1/projects/{project.id}/export", params=params, headers=owner.headers)
        assert got.status_code == 200 and got.headers["content-type"].startswith(direct.headers["content-type"])
        assert got.headers["content-disposition"] == direct.headers["content-disposition"]
        assert got.content == direct.content


def test_bad_options_are_422_when_queued_and_the_file_waits_for_success(client, session):
    owner, project = _project(client, session, n=5)
    url = f"/api/v1/projects/{project.id}/exports"
    for body, field in (({"format": "nope"}, "format"), ({"source": "x"}, "source"), ({"status": "odd"}, "status"),
                        ({"annotator": "ghost"}, "annotator"), ({"colour": "red"}, None)):
        response = client.post(url, json=body, headers=owner.headers)
        assert response.status_code == 422, (body, response.text)
        if field:
            assert field in response.text
    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    assert client.post(url, json={}, headers=annotator.headers).status_code == 403
    train = client.post(f"/api/v1/projects/{project.id}/model-versions", json={"prelabel": False},
                        headers=owner.headers).json()
    assert client.get(f"/api/v1/jobs/{train['id']}/file", headers=owner.headers).status_code == 404


def test_a_queued_export_has_no_file_yet_and_a_cancelled_one_stores_nothing(app, session, settings):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, [{"text": f"t{i}"} for i in range(450)])
    job = export_job.queue_export(session, owner.user, project.id, fmt="jsonl", options={})
    progress_dir = settings.data_dir / "jobs"
    with pytest.raises(Conflict, match="queued"):
        export_job.export_file(session, owner.user, job.id, progress_dir=progress_dir)
    storage = app.state.storage
    before = set(storage.root.rglob("*")) if hasattr(storage, "root") else None
    reports = []
    ctx = JobContext(job.id, project.id, job.kind, dict(job.params), 1, session, owner.user,
                     app.state.session_factory, settings, storage, lambda done, total, rows: reports.append(done),
                     lambda: len(reports) > 2)  # asked to stop after a few hundred records
    with pytest.raises(Cancelled):
        export_job.run_export(ctx)
    assert reports == [0, 200, 400]
    if before is not None:
        assert set(storage.root.rglob("*")) == before
