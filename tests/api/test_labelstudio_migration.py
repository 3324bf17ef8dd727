"""A Label Studio project moved through the API: the project from its config (warnings in the answer), its
full export imported (gold, drafts, times, a flagged out-of-range segment), and exported back."""

import json

from sqlalchemy import select

from labelwise.store.models import Annotation, GoldAnswer, Prediction, Task
from tests.factories import add_member, make_user
from tests.formats.test_labelstudio_migration import CONFIG, OTHERS, REGIONS, SNAPSHOT


def test_a_label_studio_project_moves_over_and_back(client, session):
    owner = make_user(session, "owner")
    ann = make_user(session, "ann")
    made = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                       json={"name": "from LS", "label_config_xml": CONFIG + ""})
    assert made.status_code == 201, made.text
    assert made.json()["warnings"] == []
    project_id = made.json()["project"]["id"]
    from labelwise.store.models import Project
    add_member(session, owner.user, session.get(Project, project_id), ann.user)

    export = json.loads(json.dumps(SNAPSHOT))
    export[0]["data"]["audio"] = "https://example.com/a.wav"
    response = client.post(f"/api/v1/projects/{project_id}/import", params={"format": "labelstudio"},
                           content=json.dumps(export).encode(),
                           headers={**owner.headers, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    summary = response.json()
    assert (summary["imported"], summary["annotations"], summary["gold"], summary["predictions"]) == (1, 1, 1, 2)
    assert summary["out_of_range"] == 1
    session.expire_all()
    task = session.scalars(select(Task).where(Task.project_id == project_id)).one()
    assert sorted(task.meta["out_of_range"]) == [
        "annotations[0]: result.speech[0].start: control 'speech': segment 0 starts at -0.05, before the start (0)",
        "gold: result.speech[0].start: control 'speech': segment 0 starts at -0.05, before the start (0)",
        "predictions[0]: result.speech[0].start: control 'speech': segment 0 starts at -0.05, before the start (0)"]
    annotation = session.scalars(select(Annotation).where(Annotation.task_id == task.id)).one()
    assert annotation.created_at.isoformat() == "2025-05-02T11:12:13.456789"
    assert annotation.result["speech"][0]["start"] == -0.05
    assert session.get(GoldAnswer, task.id) is not None
    versions = sorted(p.model_version for p in session.scalars(select(Prediction).where(Prediction.task_id == task.id)))
    assert versions == ["asr-1", "draft:bob"]

    back = client.get(f"/api/v1/projects/{project_id}/export", params={"format": "labelstudio"}, headers=owner.headers)
    assert back.status_code == 200, back.text
    [written] = back.json()
    [entry] = written["annotations"]
    assert entry["ground_truth"] is True and entry["lead_time"] == 42.5
    assert entry["created_at"] == "2025-05-02T11:12:13.456789Z"
    items = {(i.get("id"), i.get("from_name"), i.get("from_id")): i for i in entry["result"]}
    for original in REGIONS:
        written_item = items[(original.get("id"), original.get("from_name"), original.get("from_id"))]
        assert {k: written_item[k] for k in original} == original
    for original in OTHERS:  # classification items too, ids and all
        assert items[(original["id"], original["from_name"], None)] == original


def test_a_label_studio_coco_export_imports_annotations_without_an_image_root(client, session):
    from tests.factories import make_project
    owner = make_user(session, "owner")
    schema = {"objects": {"image": {"type": "image"}},
              "controls": {"label": {"type": "boxes", "object": "image", "labels": ["Car"]}}}
    project = make_project(session, owner.user, schema=schema)
    coco = {"images": [{"id": 0, "width": 800, "height": 600, "file_name": "images/3f2a-car.jpg"}],
            "categories": [{"id": 0, "name": "Car"}],
            "annotations": [{"id": 0, "image_id": 0, "category_id": 0, "bbox": [10, 20, 30, 40], "area": 1200,
                             "iscrowd": 0, "segmentation": []}]}
    response = client.post(f"/api/v1/projects/{project.id}/import", params={"format": "coco", "into": "annotations"},
                           content=json.dumps(coco).encode(), headers={**owner.headers, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    session.expire_all()
    task = session.scalars(select(Task).where(Task.project_id == project.id)).one()
    assert task.data["image"]["src"] == "images/3f2a-car.jpg"
    assert session.scalars(select(Annotation).where(Annotation.task_id == task.id)).one().result["label"][0]["x"] == 10


def test_every_corpus_template_makes_a_project_whose_warnings_come_back(client, session):
    from tests.formats.ls_templates import TEMPLATES
    owner = make_user(session, "owner")
    for key, config in TEMPLATES.items():
        response = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                               json={"name": key, "label_config_xml": config})
        assert response.status_code == 201, (key, response.text)
        assert isinstance(response.json()["warnings"], list)
    assert client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                       json={"name": "x", "label_config_xml": TEMPLATES["question_answering"]}
                       ).json()["warnings"][0].startswith('<Label name="">: alias \'answer\'')


def test_a_label_studio_draft_opens_for_its_author_only(client, session):
    from labelwise.store.models import Project

    owner, ann, bob = make_user(session, "owner"), make_user(session, "ann@example.com"), make_user(session, "bob")
    config = '<View><Text name="text" value="$text"/><Choices name="topic" toName="text">' \
             '<Choice value="a"/><Choice value="b"/></Choices></View>'
    made = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                       json={"name": "drafts", "label_config_xml": config}).json()
    project_id = made["project"]["id"]
    project = session.get(Project, project_id)
    add_member(session, owner.user, project, ann.user)
    patched = client.patch(f"/api/v1/projects/{project_id}", headers=owner.headers,
                           json={"settings": {"show_predictions": False}})
    assert patched.status_code == 200, patched.text
    draft = {"id": 4, "user": "ann@example.com", "created_username": "ann@example.com, 2", "lead_time": 3.5,
             "result": [{"id": "x", "from_name": "topic", "to_name": "text", "type": "choices",
                         "value": {"choices": ["b"]}}]}
    response = client.post(f"/api/v1/projects/{project_id}/import", params={"format": "labelstudio"},
                           content=json.dumps([{"data": {"text": "hello"}, "drafts": [draft]}]).encode(),
                           headers={**owner.headers, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    task_id = session.scalars(select(Task.id).where(Task.project_id == project_id)).one()

    def seen(caller, served=True):
        answer = client.get(f"/api/v1/projects/{project_id}/next" if served else f"/api/v1/tasks/{task_id}",
                            headers=caller.headers)
        assert answer.status_code == 200, answer.text
        task = answer.json()["task"] if served else answer.json()
        assert task["id"] == task_id
        return [(p["model_version"], p["result"], p["yours"]) for p in task["predictions"]]

    assert seen(ann) == [("draft:ann@example.com", {"topic": "b"}, True)]  # hidden predictions, but her draft
    assert seen(owner, served=False) == [("draft:ann@example.com", {"topic": "b"}, False)]
    client.patch(f"/api/v1/projects/{project_id}", headers=owner.headers, json={"settings": {"show_predictions": True, "overlap": 2}})
    add_member(session, owner.user, project, bob.user)
    assert seen(bob) == []  # predictions shown, but not someone else's draft


def test_item_ids_survive_an_annotation_credited_to_the_importer(client, session):
    owner = make_user(session, "owner")
    config = '<View><Audio name="audio" value="$audio"/><TextArea name="transcription" toName="audio"/></View>'
    project_id = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                             json={"name": "asr", "label_config_xml": config}).json()["project"]["id"]
    item = {"id": "abc", "from_name": "transcription", "to_name": "audio", "type": "textarea",
            "value": {"text": ["hello"]}}
    task = {"id": 1, "data": {"audio": "a.wav"}, "annotations": [{"completed_by": 1, "result": [item]}],
            "drafts": [{"user": "someone@example.com", "result": [{**item, "id": "d1"}]}]}
    response = client.post(f"/api/v1/projects/{project_id}/import", params={"format": "labelstudio"},
                           content=json.dumps([task]).encode(),
                           headers={**owner.headers, "content-type": "application/json"})
    assert response.json()["annotations_by_importer"] == 1, response.text  # user 1 is nobody here
    [back] = client.get(f"/api/v1/projects/{project_id}/export", params={"format": "labelstudio"},
                        headers=owner.headers).json()
    assert back["annotations"][0]["result"] == [item] and back["annotations"][0]["created_username"] == "owner"
    assert back["predictions"][0]["result"] == [{**item, "id": "d1"}]


def test_items_label_studio_never_checked_are_imported_flagged_and_exported_back(client, session):
    from tests.formats.test_labelstudio_kept import CONFIG as KEPT_CONFIG
    from tests.formats.test_labelstudio_kept import DATA, GOOD, KEPT
    owner = make_user(session, "owner")
    made = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers,
                       json={"name": "kept", "label_config_xml": KEPT_CONFIG})
    project_id = made.json()["project"]["id"]
    export = [{"id": 3, "data": DATA, "annotations": [{"completed_by": {"username": "ann"}, "result": [GOOD, *KEPT]}],
               "predictions": [{"model_version": "sdk", "result": KEPT}]}]
    response = client.post(f"/api/v1/projects/{project_id}/import", params={"format": "labelstudio"},
                           content=json.dumps(export).encode(),
                           headers={**owner.headers, "content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert (response.json()["imported"], response.json()["out_of_range"]) == (1, 1)
    session.expire_all()
    task = session.scalars(select(Task).where(Task.project_id == project_id)).one()
    assert len(task.meta["out_of_range"]) == 10
    annotation = session.scalars(select(Annotation).where(Annotation.task_id == task.id)).one()
    assert [region["id"] for region in annotation.result["ner"]] == ["n1"]
    back = client.get(f"/api/v1/projects/{project_id}/export", params={"format": "labelstudio"}, headers=owner.headers)
    [written] = back.json()

    def same(items):  # in any order, keys too (PostgreSQL's JSONB stores them sorted)
        return sorted(json.dumps(item, sort_keys=True) for item in items)
    assert same(written["annotations"][0]["result"][1:]) == same(KEPT)
    assert same(written["predictions"][0]["result"]) == same(KEPT)


def test_a_label_studio_voc_box_past_the_image_is_kept_and_flagged(client, session):
    owner = make_user(session, "owner")
    made = client.post("/api/v1/projects/from-labelstudio", headers=owner.headers, json={"name": "voc",
                       "label_config_xml": '<View><Image name="image" value="$image"/><RectangleLabels name="label" '
                                           'toName="image"><Label value="Car"/></RectangleLabels></View>'})
    project_id = made.json()["project"]["id"]
    xml = (b"<annotation><folder>images</folder><filename>a.jpg</filename><size><width>1024</width><height>768"
           b"</height><depth>3</depth></size><object><name>Car</name><pose>Unspecified</pose><truncated>0</truncated>"
           b"<difficult>0</difficult><bndbox><xmin>920</xmin><ymin>191</ymin><xmax>1801</xmax><ymax>399</ymax>"
           b"</bndbox></object></annotation>")
    response = client.post(f"/api/v1/projects/{project_id}/import", params={"format": "voc", "into": "annotations"},
                           content=xml, headers={**owner.headers, "content-type": "application/octet-stream"})
    assert response.status_code == 201, response.text
    assert (response.json()["imported"], response.json()["out_of_range"]) == (1, 1)
    session.expire_all()
    task = session.scalars(select(Task).where(Task.project_id == project_id)).one()
    assert "extends past the image (1024x768)" in task.meta["out_of_range"][0]
    annotation = session.scalars(select(Annotation).where(Annotation.task_id == task.id)).one()
    assert annotation.result["label"][0]["width"] == 882  # VOC counts both edge pixels
