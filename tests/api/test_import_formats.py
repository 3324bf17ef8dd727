"""Import of COCO, CoNLL, Parquet and Label Studio through the API; import jobs; Label Studio configs."""

import io
import json
import time

import pytest
from sqlalchemy import func, select

from labelwise.store.models import Annotation, Prediction, Task
from tests.api._export_world import IMAGE_SCHEMA, export, text_world
from tests.factories import make_project, make_user


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


def post(client, caller, project_id, body: bytes, content_type="application/json", **params):
    return client.post(f"/api/v1/projects/{project_id}/import", content=body, params=params,
                       headers={**caller.headers, "content-type": content_type})


def count(session, model, project_id):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(model.project_id == project_id))


COCO = {
    "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
               {"id": 2, "file_name": "b.jpg", "width": 50, "height": 50}],
    "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40], "iscrowd": 0, "area": 1200}],
}


def test_coco_imports_as_predictions_or_annotations(client, session, owner):
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA)
    response = post(client, owner, project.id, json.dumps(COCO).encode(), format="coco",
                    image_root="https://example.com/images/")
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2, "predictions": 1, "gold": 0}
    prediction = session.scalar(select(Prediction).where(Prediction.project_id == project.id))
    task = session.scalar(select(Task).where(Task.project_id == project.id).order_by(Task.id))
    assert task.data["photo"] == {"src": "https://example.com/images/a.jpg", "width": 100, "height": 80}
    assert prediction.result["objects"][0]["width"] == 30
    other = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="as annotations")
    response = post(client, owner, other.id, json.dumps(COCO).encode(), format="coco", into="annotations",
                    image_root="/media/")
    assert response.json()["annotations"] == 1 and count(session, Annotation, other.id) == 1


def test_coco_pointing_at_a_missing_image_is_rejected_whole(client, session, owner):
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA)
    bad = {**COCO, "annotations": COCO["annotations"] + [{"id": 9, "image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1]}]}
    response = post(client, owner, project.id, json.dumps(bad).encode(), format="coco")
    assert response.status_code == 422
    assert "annotation 9 points at image 7" in response.json()["message"]
    assert response.json()["field"] == "annotations[1].image_id"
    assert count(session, Task, project.id) == 0


def test_conll_round_trips_through_the_api(client, session):
    owner, *_, project = text_world(client, session)
    conll = export(client, owner, project.id, format="conll", source="first").content
    spans_only = {"objects": {"text": {"type": "text"}},
                  "controls": {"entities": {"type": "spans", "object": "text", "labels": ["PER", "ORG", "LOC"]}}}
    copy = make_project(session, owner.user, name="copy", schema=spans_only)
    response = post(client, owner, copy.id, conll, "text/plain", format="conll", into="annotations")
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 12 and response.json()["annotations"] == 12
    first = session.scalar(select(Annotation).where(Annotation.project_id == copy.id).order_by(Annotation.id))
    assert [s["label"] for s in first.result["entities"]] == ["PER", "ORG", "LOC"]
    bad = post(client, owner, copy.id, b"Alice B-PER\nworks X-BAD\n", "text/plain", format="conll")
    assert bad.status_code == 422 and bad.json()["line"] == 2


def test_parquet_round_trips_through_the_api(client, session):
    owner, *_, project = text_world(client, session)
    parquet = export(client, owner, project.id, format="parquet", source="first").content
    copy = make_project(session, owner.user, name="copy")
    response = post(client, owner, copy.id, parquet, "application/vnd.apache.parquet")
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 12, "predictions": 12, "gold": 0}
    corrupt = post(client, owner, copy.id, b"PAR1 not really", "application/vnd.apache.parquet")
    assert corrupt.status_code == 422 and "Parquet" in corrupt.json()["message"]


def test_labelstudio_annotations_with_bad_entry_name_it(client, session, owner):
    project = make_project(session, owner.user)
    not_a_result = [{"data": {"text": "hello"}, "annotations": [{"result": [
        {"from_name": "sentiment", "to_name": "text", "value": {"choices": ["positive"]}}]}]}]  # no type
    response = post(client, owner, project.id, json.dumps(not_a_result).encode(), format="labelstudio")
    assert response.status_code == 422
    assert "task 1.annotations[0].result[0]: a result item needs a 'type'" in response.json()["message"]
    assert count(session, Task, project.id) == 0
    # a choice outside the options is data Label Studio accepted: kept as written and flagged, not refused
    unknown_choice = [{"data": {"text": "hello"}, "annotations": [{"result": [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["happy"]}}]}]}]
    response = post(client, owner, project.id, json.dumps(unknown_choice).encode(), format="labelstudio")
    assert response.status_code == 201 and response.json()["out_of_range"] == 1
    [task] = session.scalars(select(Task).where(Task.project_id == project.id)).all()
    assert any("annotations[0]" in flag and "happy" in flag for flag in task.meta["out_of_range"])
    broken = post(client, owner, project.id, b'[{"data": {"text": "a"}}, {"data": ', format="labelstudio")
    assert broken.status_code == 422 and "task 2" in broken.json()["message"]


def test_unknown_format_and_into(client, session, owner):
    project = make_project(session, owner.user)
    assert post(client, owner, project.id, b"[]", format="yolo").json()["field"] == "format"
    assert post(client, owner, project.id, b"[]", format="coco", into="labels").json()["field"] == "into"


def _wait(client, caller, job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=caller.headers).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_async_import_reports_progress_and_the_summary(client, session, owner, settings):
    project = make_project(session, owner.user)
    body = "".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(2500)).encode()
    response = client.post(f"/api/v1/projects/{project.id}/import", content=body, params={"async": "true"},
                           headers={**owner.headers, "content-type": "application/jsonl"})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running", "succeeded") and job["total"] == len(body)
    assert response.headers["location"] == f"/api/v1/jobs/{job['id']}"
    done = _wait(client, owner, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["imported"] == 2500 and done["progress"] == 1.0 and done["rows"] == 2500
    assert count(session, Task, project.id) == 2500
    assert not (settings.data_dir / "jobs" / f"{job['id']}.json").exists()


def test_async_import_failure_is_on_the_job_and_nothing_is_kept(client, session, owner):
    project = make_project(session, owner.user)
    response = client.post(f"/api/v1/projects/{project.id}/import", content=b'{"text": "a"}\n{"txt": 1}\n',
                           params={"async": "true"}, headers={**owner.headers, "content-type": "application/jsonl"})
    done = _wait(client, owner, response.json()["id"])
    assert done["status"] == "failed" and done["error"]["errors"][0]["line"] == 2
    assert count(session, Task, project.id) == 0
    stranger = make_user(session, "stranger")
    assert client.get(f"/api/v1/jobs/{done['id']}", headers=stranger.headers).status_code == 404


def test_progress_is_written_per_batch(session, owner, settings, app):
    from labelwise.core.dataio.import_files import import_file
    from labelwise.core.platform import jobs
    from labelwise.core.platform.job_runner import JobRunner

    project = make_project(session, owner.user)
    job = jobs.enqueue(session, owner.user, project.id, kind="probe", total=100)
    seen = []
    body = io.BytesIO("".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(30)).encode())

    def work(ctx):
        def on_batch(rows):
            ctx.progress(rows, rows=rows)
            if jobs.is_sqlite(session):
                session.expire_all()
                seen.append(jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs").rows)
            else:  # the heartbeat thread writes the row within half a second
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    session.expire_all()
                    if jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs").rows == rows:
                        break
                    time.sleep(0.05)
                seen.append(jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs").rows)
        return import_file(ctx.session, ctx.user, project.id, body, "jsonl", batch_size=10, on_batch=on_batch).__dict__

    runner = JobRunner(app.state.session_factory, handlers={"probe": work}, settings=settings, storage=None)
    assert runner.run_once()
    assert seen == [10, 20, 30]
    session.expire_all()
    assert jobs.get_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs").status == "succeeded"


LS_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Labels name="ner" toName="text"><Label value="PER"/></Labels>
  <Ellipse name="blob" toName="text"/>
</View>"""


def test_project_from_a_labelstudio_config(client, owner):
    response = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                           json={"name": "from LS", "label_config_xml": LS_CONFIG})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["project"]["label_schema"]["controls"]["sentiment"]["options"] == ["pos", "neg"]
    assert isinstance(body["warnings"], list)
    bad = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                      json={"name": "bad", "label_config_xml": "<View><Text name="})
    assert bad.status_code == 422




def test_imported_annotations_give_tasks_a_consensus(client, session, owner):
    project = make_project(session, owner.user)
    rows = [{"data": {"text": "great"}, "annotations": [{"result": {"sentiment": "positive"}},
                                                        {"result": {"sentiment": "positive"}, "user": "someone"}]},
            {"data": {"text": "meh"}}]
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    response = client.post(f"/api/v1/projects/{project.id}/import", content=body,
                           headers={**owner.headers, "content-type": "application/jsonl"})
    assert response.status_code == 201, response.text
    session.expire_all()
    tasks = session.scalars(select(Task).where(Task.project_id == project.id).order_by(Task.id)).all()
    assert tasks[0].consensus == {"sentiment": "positive"} and tasks[0].confidence is not None
    assert tasks[1].consensus is None
