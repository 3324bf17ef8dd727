"""A Label Studio ML backend, built with `label-studio-ml` from PyPI and started unchanged, pre-labels a
labelwise project: health, setup with the labeling config XML, /predict with Label Studio tasks, and its
result items converted back into our results.

The package is installed into its own virtualenv, cached under ~/.cache/labelwise-test-venvs (or
$LABELWISE_TEST_VENVS); the test skips with the pip output when that install cannot be done.
"""

import json
import os
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from labelwise.store.models import Prediction, Task
from tests.factories import add_tasks, make_project, make_user

pytestmark = pytest.mark.peers

PACKAGES = ["label-studio-ml==1.0.9", "redis", "rq"]  # the package imports redis and rq without declaring them
VENVS = Path(os.environ.get("LABELWISE_TEST_VENVS", Path.home() / ".cache" / "labelwise-test-venvs"))
SCHEMA = {
    "objects": {"text": {"type": "text"}},
    "controls": {"topic": {"type": "choices", "object": "text", "options": ["sports", "music", "food"]}},
}
TEXTS = ["the sports final", "a new music album", "street food tour", "nothing to see here"]

MODEL = '''
from label_studio_ml.model import LabelStudioMLBase


class KeywordModel(LabelStudioMLBase):
    """Picks the first choice whose name appears in the text."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.from_name, info = next((k, v) for k, v in self.parsed_label_config.items() if v["type"] == "Choices")
        self.to_name = info["to_name"][0]
        self.value = info["inputs"][0]["value"]
        self.labels = info["labels"]

    def predict(self, tasks, **kwargs):
        out = []
        for task in tasks:
            text = str(task["data"].get(self.value, "")).lower()
            hit = next((label for label in self.labels if label.lower() in text), None)
            if hit is None:
                out.append({"result": [], "score": 0.0})
                continue
            out.append({"result": [{"from_name": self.from_name, "to_name": self.to_name, "type": "choices",
                                    "value": {"choices": [hit]}}], "score": 0.9})
        return out

    def fit(self, tasks, workdir=None, **kwargs):
        # label-studio-ml 1.0.x calls fit((), event=..., data=<the webhook body>) for a training event; what it
        # returns becomes the next model version's train output (an empty answer would keep INITIAL).
        data = kwargs.get("data") or {}
        labeled = [t for t in data.get("tasks", []) if t.get("annotations")]
        return {"event": kwargs.get("event"), "trained_on": len(labeled),
                "choices": sorted({c for t in labeled for a in t["annotations"] for r in a["result"]
                                   for c in r["value"].get("choices", [])})}
'''


@pytest.fixture(scope="session")
def ls_ml_python() -> Path:
    home = VENVS / "label-studio-ml-1.0.9"
    python = home / "bin" / "python"
    done = home / ".installed"
    if not done.exists():
        try:
            venv.create(home, with_pip=True, clear=True)
            install = subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], capture_output=True,
                                     text=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"could not create a virtualenv for label-studio-ml: {exc}")
        if install.returncode != 0:
            pytest.skip(f"pip install {' '.join(PACKAGES)} failed:\n{install.stdout[-1500:]}{install.stderr[-1500:]}")
        done.write_text(" ".join(PACKAGES))
    return python


@pytest.fixture
def ls_backend(ls_ml_python, tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    init = subprocess.run([str(ls_ml_python.parent / "label-studio-ml"), "init", "keywords", "--script", "model.py",
                           "--force"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(tmp_path / "backend.log", "w")
    process = subprocess.Popen([str(ls_ml_python), "keywords/_wsgi.py", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the Label Studio ML backend did not start:\n{(tmp_path / 'backend.log').read_text()}")
        time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_a_label_studio_ml_backend_prelabels_a_project_unchanged(client, session, ls_backend):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, name="Topics", schema=SCHEMA)
    add_tasks(session, owner.user, project, [{"data": {"text": f"{TEXTS[i % 4]} {i}"}} for i in range(40)])
    created = client.post(f"/api/v1/projects/{project.id}/ml-backends", headers=owner.headers,
                          json={"name": "ls-keywords", "url": ls_backend, "kind": "labelstudio"})
    assert created.status_code == 201, created.text
    backend = created.json()
    checked = client.post(f"/api/v1/ml-backends/{backend['id']}/check", headers=owner.headers).json()
    assert checked["last_status"] == "ok", checked["last_error"]
    assert checked["model_version"] == "INITIAL"

    started = time.monotonic()
    job = client.post(f"/api/v1/projects/{project.id}/prelabel", headers=owner.headers,
                      json={"backend_id": backend["id"], "batch_size": 10}).json()
    while job["status"] in ("queued", "running"):
        assert time.monotonic() - started < 120, job
        time.sleep(0.05)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=owner.headers).json()
    assert job["status"] == "succeeded", job["error"]
    assert job["result"] == {**job["result"], "tasks": 40, "predicted": 30, "empty": 10, "model_version": "INITIAL"}
    rows = session.scalars(select(Prediction).where(Prediction.project_id == project.id)).all()
    texts = dict(session.execute(select(Task.id, Task.data).where(Task.project_id == project.id)).all())
    assert len(rows) == 30 and {p.model_version for p in rows} == {"INITIAL"} and {p.score for p in rows} == {0.9}
    assert {p.result["topic"] for p in rows} == {"sports", "music", "food"}
    assert all(p.result["topic"] in texts[p.task_id]["text"] for p in rows)  # the keyword it saw
    print(f"\nLabel Studio ML backend: 4 /predict calls of 10 tasks, job in {job['result']['seconds']:.2f} s "
          f"({1000 * job['result']['seconds'] / 4:.0f} ms a batch, setup included)", file=sys.stderr)


def test_a_train_job_trains_a_label_studio_ml_backend_and_its_model_version_changes(client, session, ls_backend,
                                                                                     tmp_path):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, name="Topics", schema=SCHEMA)
    add_tasks(session, owner.user, project, [{"data": {"text": f"{TEXTS[i % 4]} {i}"}} for i in range(8)])
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    for task, topic in zip(tasks[:5], ["sports", "music", "food", "sports", "music"]):
        answer = client.post(f"/api/v1/tasks/{task.id}/annotations", json={"result": {"topic": topic}},
                             headers=owner.headers)
        assert answer.status_code == 201, answer.text
    backend = client.post(f"/api/v1/projects/{project.id}/ml-backends", headers=owner.headers,
                          json={"name": "ls-keywords", "url": ls_backend, "kind": "labelstudio"}).json()
    check = f"/api/v1/ml-backends/{backend['id']}/check"
    assert client.post(check, headers=owner.headers).json()["model_version"] == "INITIAL"

    job = client.post(f"/api/v1/ml-backends/{backend['id']}/train", headers=owner.headers).json()
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=owner.headers).json()
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["trained_on"] == 5
    trained = str(job["result"]["answer"]["job_id"])  # the backend's id of the run: its next model version
    # The backend trains in a child process; its /setup then reports the new version.
    while (version := client.post(check, headers=owner.headers).json()["model_version"]) == "INITIAL":
        assert time.monotonic() < deadline, "the backend's model version never changed"
        time.sleep(0.2)
    assert str(version) == trained
    [result_file] = list(tmp_path.rglob(f"{trained}/job_result.json"))
    output = json.loads(result_file.read_text())
    output = output.get("train_output", output)
    assert output["trained_on"] == 5 and output["choices"] == ["food", "music", "sports"]
