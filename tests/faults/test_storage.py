"""A media folder that is really full, or really read-only (a small tmpfs, remounted read-only): 507 or 503 with a
message, nothing stored half, nothing earlier lost, and writes work again once the disk is fixed.

Needs root (mount); skipped without it.
"""

import errno
import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from labelwise.api.errors import DISK_FULL, READ_ONLY
from labelwise.app import create_app
from labelwise.settings import Settings
from labelwise.store.models import Annotation, Task
from tests.factories import add_tasks, make_project, make_user, texts
from tests.media_helpers import IMAGE_SCHEMA, png

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]


@pytest.fixture
def mounted(tmp_path):
    """A 2 MiB tmpfs as the media folder (tmp_path/data/media), unmounted at the end. (The data folder itself
    holds the job runner's open lock file, which would keep a remount read-only busy.)"""
    where = tmp_path / "data" / "media"
    where.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def settings(mounted, database_url) -> Settings:
    return Settings(data_dir=mounted.parent, database_url=database_url)


def upload(client, caller, project_id: int, seed: int):
    return client.post(f"/api/v1/projects/{project_id}/media", files=[("files", (f"{seed}.png", png(seed)))],
                       headers=caller.headers)


def fill(directory) -> None:
    """Write until the disk says it is full."""
    with open(directory / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


def count_tasks(session, project_id: int) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project_id))


def test_a_full_data_disk_answers_507_and_loses_nothing(client, session, mounted):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    first = upload(client, owner, project.id, 1)
    assert first.status_code == 201, first.text
    media = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"][0]
    url = media["data"]["photo"]["src"]
    before = client.get(url, headers=owner.headers).content
    fill(mounted)
    full = upload(client, owner, project.id, 2)
    assert full.status_code == 507, full.text
    assert full.json()["message"] == DISK_FULL
    assert count_tasks(session, project.id) == 1
    assert client.get(url, headers=owner.headers).content == before  # the earlier file is whole
    (mounted / "filler").unlink()
    again = upload(client, owner, project.id, 2)
    assert again.status_code == 201, again.text
    assert count_tasks(session, project.id) == 2


def test_a_read_only_data_folder_answers_503_and_still_serves_what_it_has(client, session, mounted):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    assert upload(client, owner, project.id, 1).status_code == 201
    url = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"][0]["data"]["photo"]["src"]
    subprocess.run(["mount", "-o", "remount,ro", str(mounted)], check=True)
    try:
        refused = upload(client, owner, project.id, 2)
        assert refused.status_code == 503, refused.text
        assert refused.json()["message"] == READ_ONLY and refused.headers["retry-after"]
        assert count_tasks(session, project.id) == 1
        assert client.get(url, headers=owner.headers).status_code == 200
        labeled = client.get(f"/api/v1/projects/{project.id}/next", headers=owner.headers)
        assert labeled.status_code == 200  # the database is elsewhere: labeling goes on
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mounted)], check=True)
    assert upload(client, owner, project.id, 2).status_code == 201
    assert count_tasks(session, project.id) == 2


def test_a_full_disk_under_the_sqlite_database_answers_507_and_keeps_acknowledged_answers(mounted, tmp_path,
                                                                                        database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL server's disk is not ours to fill")
    database = mounted / "labelwise.db"
    shutil.copyfile(database_url.removeprefix("sqlite:///"), database)
    app = create_app(Settings(data_dir=tmp_path / "other", database_url=f"sqlite:///{database}"))
    with TestClient(app) as client, app.state.session_factory() as session:
        owner = make_user(session, "owner")
        project = make_project(session, owner.user)
        add_tasks(session, owner.user, project, texts(200))
        answered = []
        fill(mounted)
        statuses = set()
        for _ in range(60):
            task = client.get(f"/api/v1/projects/{project.id}/next", headers=owner.headers)
            if task.status_code != 200:
                statuses.add(task.status_code)
                continue
            task_id = task.json()["task"]["id"]
            done = client.post(f"/api/v1/tasks/{task_id}/annotations", json={"result": {"sentiment": "positive"}},
                               headers=owner.headers)
            statuses.add(done.status_code)
            if done.status_code == 201:
                answered.append(task_id)
        assert 507 in statuses and statuses <= {201, 507}, statuses
        (mounted / "filler").unlink()
        session.expire_all()
        stored = set(session.scalars(select(Annotation.task_id).where(Annotation.project_id == project.id)))
        assert set(answered) <= stored
        task = client.get(f"/api/v1/projects/{project.id}/next", headers=owner.headers).json()["task"]
        assert client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "negative"}},
                           headers=owner.headers).status_code == 201
    app.state.engine.dispose()
