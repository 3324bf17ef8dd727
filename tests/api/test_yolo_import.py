"""YOLO dataset zips through the media route: stored images become tasks, label files their boxes."""

import time

import pytest
import yaml
from sqlalchemy import func, select

from labelwise.store.models import Annotation, Prediction, Task
from tests.factories import make_project, make_user
from tests.media_helpers import IMAGE_SCHEMA, jpeg, png, zip_of

SIZES = {"a.png": (640, 480), "sub/b.jpg": (300, 200)}
LABELS = {
    "a": "0 0.5 0.5 0.25 0.5\n1 0.123457 0.654321 0.1 0.2\n",
    "sub/b": "1 0.333333 0.666667 0.2 0.3\n",
}


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Boxes")


def dataset(*, classes: str = "yaml", labels: dict[str, str] = LABELS, extra: dict[str, bytes] | None = None) -> bytes:
    entries = {"images/a.png": png(1, SIZES["a.png"]), "images/sub/b.jpg": jpeg(2, SIZES["sub/b.jpg"])}
    entries.update({f"labels/{stem}.txt": text.encode() for stem, text in labels.items()})
    if classes == "yaml":
        entries["data.yaml"] = yaml.safe_dump({"nc": 2, "names": {0: "car", 1: "person"}}).encode()
    else:
        entries["classes.txt"] = b"car\nperson\n"
    entries.update(extra or {})
    return zip_of(entries)


def post(client, owner, project, body: bytes, **params):
    return client.post(f"/api/v1/projects/{project.id}/media", content=body, headers={
        **owner.headers, "content-type": "application/zip"}, params={"format": "yolo", **params})


def expected_box(line: str, size: tuple[int, int]) -> tuple[float, float, float, float]:
    _, cx, cy, w, h = (float(v) for v in line.split())
    width, height = size
    return (cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(b), 1e-12)


def test_images_become_stored_tasks_and_labels_predictions_in_pixels(client, session, owner, project):
    response = post(client, owner, project, dataset())
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2 and response.json()["stored"] == 2
    tasks = client.get(f"/api/v1/projects/{project.id}/tasks", headers=owner.headers).json()["items"]
    by_external = {t["external_id"]: t for t in tasks}
    assert set(by_external) == {"a", "sub/b"}
    for stem, name in (("a", "a.png"), ("sub/b", "sub/b.jpg")):
        task = by_external[stem]
        photo = task["data"]["photo"]
        assert photo["src"].startswith("/api/v1/media/") and (photo["width"], photo["height"]) == SIZES[name]
        assert client.get(photo["src"], headers=owner.headers).status_code == 200
        [prediction] = client.get(f"/api/v1/tasks/{task['id']}", headers=owner.headers).json()["predictions"]
        assert prediction["model_version"] == "yolo"
        boxes = prediction["result"]["objects"]
        lines = LABELS[stem].splitlines()
        assert [b["label"] for b in boxes] == [["car", "person"][int(line.split()[0])] for line in lines]
        for box, line in zip(boxes, lines):
            want = expected_box(line, SIZES[name])
            got = (box["x"], box["y"], box["width"], box["height"])
            assert all(close(g, w) for g, w in zip(got, want)), (got, want)


def test_labels_can_become_annotations_and_classes_txt_names_them(client, session, owner, project):
    response = post(client, owner, project, dataset(classes="txt"), into="annotations")
    assert response.status_code == 201, response.text
    assert session.scalar(select(func.count()).select_from(Annotation)) == 2
    assert session.scalar(select(func.count()).select_from(Prediction)) == 0


def test_a_bad_label_line_is_named_by_file_and_line_and_nothing_is_kept(client, session, owner, project, settings):
    labels = {**LABELS, "sub/b": "1 0.5 0.5 0.2 0.2\n0 0.5 oops 0.1 0.1\n"}
    response = post(client, owner, project, dataset(labels=labels))
    assert response.status_code in (400, 422), response.text
    assert "labels/sub/b.txt line 2" in response.text
    unknown = post(client, owner, project, dataset(labels={"a": "7 0.5 0.5 0.1 0.1\n"}))
    assert unknown.status_code in (400, 422) and "labels/a.txt line 1" in unknown.text
    assert session.scalar(select(func.count()).select_from(Task)) == 0
    media = settings.resolved_media_dir
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_traversal_entries_are_refused(client, session, owner, project, settings, tmp_path):
    body = dataset(extra={"../evil.txt": b"0 0.5 0.5 0.1 0.1\n"})
    response = post(client, owner, project, body)
    assert response.status_code in (400, 422) and "../evil.txt" in response.text and "traversal" in response.text
    assert session.scalar(select(func.count()).select_from(Task)) == 0
    assert not list(tmp_path.parent.rglob("evil.txt"))


def test_a_multipart_zip_and_the_missing_pieces(client, session, owner, project):
    files = [("files", ("dataset.zip", dataset(), "application/zip"))]
    response = client.post(f"/api/v1/projects/{project.id}/media", files=files, headers=owner.headers,
                           params={"format": "yolo"})
    assert response.status_code == 201, response.text
    no_classes = zip_of({"images/a.png": png(1), "labels/a.txt": b"0 0.5 0.5 0.1 0.1\n"})
    missing = post(client, owner, project, no_classes)
    assert missing.status_code in (400, 422) and "classes.txt" in missing.text


LAUGHS = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                   + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
                   + ["names: *i"])


def test_a_data_yaml_with_aliases_is_refused_at_once(client, session, owner, project):
    body = dataset(extra={"data.yaml": LAUGHS.encode()})
    assert len(LAUGHS) < 1000
    start = time.perf_counter()
    response = post(client, owner, project, body)
    assert time.perf_counter() - start < 5
    assert response.status_code == 422, response.text[:500]
    assert "data.yaml" in response.json()["message"] and "aliases" in response.json()["message"]
    assert len(response.content) < 2000
    assert session.scalar(select(func.count()).select_from(Task)) == 0


def labels_only(labels: dict[str, str] = LABELS) -> bytes:
    """A zip as Label Studio's YOLO export writes it: classes.txt, notes.json and labels/, no images."""
    entries = {f"labels/{stem}.txt": text.encode() for stem, text in labels.items()}
    entries["classes.txt"] = b"car\nperson\n"
    entries["notes.json"] = b'{"categories": [{"id": 0, "name": "car"}, {"id": 1, "name": "person"}], "info": {}}'
    return zip_of(entries)


def test_labels_without_images_stay_percentages_flagged_and_go_back_to_label_studio(client, session, owner, project):
    response = post(client, owner, project, labels_only(), into="annotations")
    assert response.status_code == 201, response.text
    assert (response.json()["imported"], response.json()["stored"], response.json()["out_of_range"]) == (2, 0, 2)
    back = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "labelstudio"}, headers=owner.headers)
    by_image = {task["data"]["photo"]: task for task in back.json()}
    assert set(by_image) == {"a", "sub/b"}
    items = by_image["a"]["annotations"][0]["result"]
    assert [item["value"]["rectanglelabels"] for item in items] == [["car"], ["person"]]
    for item, line in zip(items, LABELS["a"].splitlines()):  # YOLO's fractions as Label Studio's percentages
        want = expected_box(line, (100, 100))
        got = tuple(item["value"][key] for key in ("x", "y", "width", "height"))
        assert all(close(g, w) for g, w in zip(got, want)), (got, want)
    flagged = session.scalars(select(Task.meta).where(Task.project_id == project.id)).all()
    assert all("of an image of unknown size" in meta["out_of_range"][0] for meta in flagged)


def test_labels_without_images_go_onto_the_tasks_showing_those_images(client, session, owner, project):
    first = post(client, owner, project, dataset(labels={}))  # the images alone, uploaded before
    assert first.status_code == 201, first.text
    response = post(client, owner, project, labels_only({"a": LABELS["a"]}))
    assert response.status_code == 201, response.text
    assert (response.json()["imported"], response.json()["predictions"]) == (0, 1)
    task = session.scalars(select(Task).where(Task.project_id == project.id, Task.external_id == "a")).one()
    [prediction] = session.scalars(select(Prediction).where(Prediction.task_id == task.id)).all()
    assert prediction.model_version == "yolo"
    box = prediction.result["objects"][0]
    want = expected_box(LABELS["a"].splitlines()[0], SIZES["a.png"])
    assert all(close(g, w) for g, w in zip((box["x"], box["y"], box["width"], box["height"]), want))
    mixed = post(client, owner, project, labels_only({"a": LABELS["a"], "c": LABELS["a"]}))
    assert mixed.status_code == 422 and "labels/c.txt: no task of this project shows an image named c" in mixed.text
    as_gold = post(client, owner, project, labels_only({"a": LABELS["a"]}), into="gold")
    assert as_gold.status_code == 422 and "come in as its predictions" in as_gold.text


def test_an_archive_with_neither_images_nor_labels_is_refused_by_name(client, session, owner, project):
    response = post(client, owner, project, zip_of({"classes.txt": b"car\n"}))
    assert response.status_code == 422 and "no images/ or labels/ folder" in response.json()["message"]


def test_labels_without_images_in_a_project_asking_more_are_flagged_not_refused(client, session, owner):
    schema = {**IMAGE_SCHEMA, "controls": {**IMAGE_SCHEMA["controls"],
                                           "transcription": {"type": "text", "object": "photo", "required": True}}}
    project = make_project(session, owner.user, schema=schema, name="OCR")
    response = post(client, owner, project, labels_only({"a": LABELS["a"]}), into="annotations")
    assert response.status_code == 201, response.text
    meta = session.scalars(select(Task.meta).where(Task.project_id == project.id)).one()
    assert "annotations[0]: result.transcription: control 'transcription' is required but has no answer" in \
        meta["out_of_range"]
