"""Automated labeling through the API: a run auto-labels the confident unanswered tasks as a source of their
own, routes a verification sample to humans first (blind to the model's label), reports the precision those
answers achieve, and exports with or without the auto-labels."""

import csv
import io
import json
import time
from collections import Counter

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from labelwise.core.assist import training
from labelwise.core.labeling import annotations
from labelwise.store.models import Task
from tests.factories import add_member, add_tasks, make_project, make_user

POSITIVE = ["great", "lovely", "superb", "wonderful", "excellent"]
NEGATIVE = ["awful", "broken", "terrible", "horrid", "useless"]


def wait(client, caller, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed", "cancelled") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _project(session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    project.settings = {**project.settings, "verification_share": 0.1}
    session.commit()
    rows = [{"text": f"{words[i % 5]} {words[(i + 2) % 5]} item {i}"} for i in range(80)
            for words in (POSITIVE, NEGATIVE)]
    add_tasks(session, owner.user, project, rows)
    tasks = list(session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)))
    for task in tasks[:100]:
        label = "positive" if task.data["text"].split()[0] in POSITIVE else "negative"
        annotations.submit(session, owner.user, task.id, result={"sentiment": label})
    training.train(session, owner.user, project.id)
    return owner, project, tasks


def test_auto_labels_are_their_own_source_verified_by_humans_and_exported_on_request(client, session):
    owner, project, tasks = _project(session)
    queued = client.post(f"/api/v1/projects/{project.id}/auto-labels", json={}, headers=owner.headers)
    assert queued.status_code == 202 and queued.json()["kind"] == "autolabel", queued.text
    job = wait(client, owner, queued.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    result = job["result"]
    assert result["pool"] == 60 and result["auto_labeled"] > 30 and result["target_precision"] == 0.95
    assert result["calibration_lower_bound"] >= 0.95 and result["verification_sample"] >= 1
    url = f"/api/v1/projects/{project.id}/tasks"
    auto = client.get(url, params={"auto_labeled": "true", "limit": 1000}, headers=owner.headers).json()["items"]
    assert len(auto) == result["auto_labeled"]
    assert all(t["auto_label"]["label"] in ("positive", "negative") and t["annotation_count"] == 0 for t in auto)
    assert all(t["consensus"] is None for t in auto)  # never mixed into the human labels
    human = client.get(url, params={"auto_labeled": "false", "limit": 1000}, headers=owner.headers).json()["items"]
    assert len(human) + len(auto) == 160 and all(t["auto_label"] is None for t in human)

    annotator = make_user(session, "ann")
    add_member(session, owner.user, project, annotator.user)
    assert client.get(url, params={"auto_labeled": "true"}, headers=annotator.headers).status_code == 422
    served = client.get(f"/api/v1/projects/{project.id}/next", headers=annotator.headers).json()["task"]
    assert served["auto_label"]["verify"] is True and served["auto_label"]["label"] is None  # checked blind
    truth = "positive" if served["data"]["text"].split()[0] in POSITIVE else "negative"
    answer = client.post(f"/api/v1/tasks/{served['id']}/annotations", json={"result": {"sentiment": truth}},
                         headers=annotator.headers)
    assert answer.status_code == 201, answer.text
    summary = client.get(f"/api/v1/projects/{project.id}/auto-labels", headers=owner.headers).json()
    assert summary["auto_labeled"] == result["auto_labeled"]
    assert summary["verified"]["checked"] == 1 and summary["verified"]["correct"] == 1
    assert summary["last_run"]["threshold"] == result["threshold"]

    export = f"/api/v1/projects/{project.id}/export"
    plain = [json.loads(line) for line in client.get(export, headers=owner.headers).text.splitlines()]
    assert not any("auto_label" in r or "label_source" in r for r in plain)
    withauto = [json.loads(line) for line in client.get(export, params={"include_auto_labels": "true"},
                                                        headers=owner.headers).text.splitlines()]
    assert sum(r["auto_label"] is not None for r in withauto) == result["auto_labeled"]
    assert Counter(r["label_source"] for r in withauto) == Counter(
        {"human": 101, "auto": result["auto_labeled"] - 1, None: 160 - 101 - result["auto_labeled"] + 1})
    labeled = client.get(export, params={"include_auto_labels": "true", "only_labeled": "true"}, headers=owner.headers)
    assert len(labeled.text.splitlines()) == 101 + result["auto_labeled"] - 1  # human-labeled plus auto-labeled


def test_a_project_without_a_model_or_labels_is_refused_when_queued(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user)
    add_tasks(session, owner.user, project, [{"text": "a"}])
    response = client.post(f"/api/v1/projects/{project.id}/auto-labels", json={}, headers=owner.headers)
    assert response.status_code == 404 and "train one first" in response.text
    bad = client.post(f"/api/v1/projects/{project.id}/auto-labels", json={"control": "nope"}, headers=owner.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "control"


def test_every_row_format_names_the_label_source_and_reads_back(client, session):
    owner, project, tasks = _project(session)
    job = client.post(f"/api/v1/projects/{project.id}/auto-labels", json={}, headers=owner.headers).json()
    assert wait(client, owner, job["id"])["status"] == "succeeded"
    export = f"/api/v1/projects/{project.id}/export"

    def rows(fmt, auto=True):
        text = client.get(export, params={"format": fmt, "include_auto_labels": auto}, headers=owner.headers).text
        if fmt.startswith("csv"):
            return list(csv.DictReader(io.StringIO(text)))
        return json.loads(text) if fmt == "labelstudio" else [json.loads(line) for line in text.splitlines()]

    full = {r["id"]: r for r in rows("jsonl")}
    auto = {i: r["auto_label"] for i, r in full.items() if r["label_source"] == "auto"}
    assert len(auto) == sum(r["auto_label"] is not None for r in full.values()) >= 30
    for fmt in ("csv", "jsonl-minimal", "csv-minimal"):
        got = rows(fmt)
        assert len(got) == 160 and all(str(full[int(r["id"])]["label_source"] or "") == str(r["label_source"] or "")
                                       for r in got), fmt
    for r in rows("csv"):
        if int(r["id"]) in auto:
            assert json.loads(r["auto_label"]) == auto[int(r["id"])] and r["consensus"] == ""
    for fmt in ("jsonl-minimal", "csv-minimal"):
        for r in rows(fmt):
            i = int(r["id"])
            if i in auto:  # the auto-label fills the control, with its own confidence
                assert r["sentiment"] == auto[i]["label"]
                assert float(r["confidence"]) == pytest.approx(auto[i]["confidence"])
            elif full[i]["label_source"] is None:
                assert r["sentiment"] in (None, "")
    parquet = pq.read_table(io.BytesIO(client.get(export, params={"format": "parquet", "include_auto_labels": True},
                                                  headers=owner.headers).content))
    names = json.loads(parquet.schema.metadata[b"huggingface"])["info"]["features"]["sentiment"]["names"]
    table = {r["id"]: r for r in parquet.to_pylist()}  # one row per labeled task, human or auto
    assert {i for i, r in table.items() if r["label_source"] == "auto"} == set(auto)
    assert all(names[table[i]["sentiment"]] == a["label"] and table[i]["confidence"] == pytest.approx(a["confidence"])
               for i, a in auto.items())
    assert {i for i, r in table.items() if r["label_source"] == "human"} == {
        i for i, r in full.items() if r["label_source"] == "human"}
    ls = {t["meta"]["labelwise"]["id"]: t for t in rows("labelstudio")}
    for i, task in ls.items():
        mine = [p for p in task["predictions"] if p["model_version"].startswith("auto:")]
        assert len(mine) == (i in auto)
        if mine:
            assert mine[0]["result"][0]["value"]["choices"] == [auto[i]["label"]] and not task["annotations"]
    assert "label_source" not in rows("csv-minimal", auto=False)[0]
    assert not any(p["model_version"].startswith("auto:") for t in rows("labelstudio", auto=False)
                   for p in t["predictions"])
