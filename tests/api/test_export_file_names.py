"""COCO, YOLO and VOC exports of uploaded images name them as they were uploaded, not by the content
hash the media store keys them by."""

import io
import json
import zipfile

from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, jpeg, png


def _labelled_uploads(client, session):
    owner = make_user(session, "owner")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    files = [("files", ("street 1.png", png(1), "image/png")), ("files", ("park.jpg", jpeg(2, (200, 100)), "image/jpeg"))]
    response = client.post(f"/api/v1/projects/{project.id}/media", files=files, headers=owner.headers)
    assert response.status_code == 201, response.text
    for task in client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"]:
        box = {"id": f"b{task['id']}", "x": 10, "y": 10, "width": 50, "height": 40, "rotation": 0, "label": "car"}
        response = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"objects": [box]}}, headers=owner.headers)
        assert response.status_code == 201, response.text
    return owner, project


def test_coco_yolo_and_voc_keep_the_uploaded_file_names(client, session):
    owner, project = _labelled_uploads(client, session)

    def export(fmt):
        response = client.get(f"/api/v1/projects/{project.id}/export", params={"format": fmt}, headers=owner.headers)
        assert response.status_code == 200, response.text
        return response.content

    coco = json.loads(export("coco"))
    assert sorted(image["file_name"] for image in coco["images"]) == ["park.jpg", "street 1.png"]
    yolo = zipfile.ZipFile(io.BytesIO(export("yolo"))).namelist()
    assert {"labels/street 1.txt", "labels/park.txt"} <= set(yolo)
    voc = zipfile.ZipFile(io.BytesIO(export("voc")))
    assert {"Annotations/street 1.xml", "Annotations/park.xml"} <= set(voc.namelist())
    assert b"<filename>park.jpg</filename>" in voc.read("Annotations/park.xml")
