"""Point-cloud files in as tasks of a `pointcloud` object (one sweep each, or one sequence), decoded on the
server into float32 points for the viewer; broken files refused by name with nothing imported."""

import io
import sys

import numpy as np
import pytest
from sqlalchemy import func, select

from labelwise.core.dataio.lidar_demo import sequence, sweep
from labelwise.store.models import Task
from tests.factories import make_project, make_user
from tests.formats.test_point_clouds import WRITERS

SCHEMA = {"objects": {"sweep": {"type": "pointcloud"}},
          "controls": {"objects": {"type": "cuboids", "object": "sweep", "labels": ["car", "pedestrian", "van"]}}}


@pytest.fixture
def world(session):
    owner = make_user(session, "owner", admin=False)
    stranger = make_user(session, "stranger")
    project = make_project(session, owner.user, schema=SCHEMA, name="Sweeps")
    return owner, stranger, project


def upload(client, caller, project_id, files, **params):
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post(f"/api/v1/projects/{project_id}/media", files=parts, headers=caller.headers, params=params)


def tasks_of(client, owner, project_id) -> list[dict]:
    return client.get(f"/api/v1/projects/{project_id}/tasks", headers=owner.headers).json()["items"]


def decoded(response) -> np.ndarray:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    points = np.frombuffer(response.content, dtype="<f4").reshape(-1, 4)
    assert int(response.headers["x-point-count"]) == len(points)
    return points


def test_every_format_imports_and_serves_the_same_points(client, world):
    owner, stranger, project = world
    points = sweep(0, points=3000)
    files = [(f"sweep-{name}", writer(points)) for name, writer in WRITERS.items()]
    response = upload(client, owner, project.id, files)
    assert response.status_code == 201, response.text
    tasks = tasks_of(client, owner, project.id)
    assert len(tasks) == len(files)
    for task in tasks:
        value = task["data"]["sweep"]
        assert value["points"] == len(points)
        assert value["bounds"][0][2] == pytest.approx(float(points[:, 2].min()), abs=1e-3)
        served = decoded(client.get(value["src"] + "/points", headers=owner.headers))
        assert np.allclose(served, points, atol=1e-5), task["meta"]["filename"]
    src = tasks[0]["data"]["sweep"]["src"]
    assert client.get(src + "/points", headers=stranger.headers).status_code == 404
    first = client.get(src + "/points", headers=owner.headers)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, max-age=3600, immutable"  # the blob's name is its hash
    assert client.get(src + "/points", headers={**owner.headers, "If-None-Match": etag}).status_code == 304


def test_a_sequence_becomes_one_task_with_frames_in_name_order(client, world):
    owner, _, project = world
    frames = sequence(3, points=2000)
    response = upload(client, owner, project.id, list(reversed(frames)), sequence="true")
    assert response.status_code == 201, response.text
    [task] = tasks_of(client, owner, project.id)
    value = task["data"]["sweep"]
    assert [f["name"] for f in value["frames"]] == ["000000.bin", "000001.bin", "000002.bin"]
    for k, frame in enumerate(value["frames"]):
        served = decoded(client.get(frame["src"] + "/points", headers=owner.headers))
        assert np.array_equal(served, np.frombuffer(frames[k][1], "<f4").reshape(-1, 4))


BROKEN = [
    ("short.bin", sweep(0, points=50).tobytes()[:-6], "short.bin: a KITTI .bin holds 16 bytes a point"),
    ("cut.pcd", WRITERS["binary.pcd"](sweep(0, points=50))[:-40], "cut.pcd: the PCD says 50 points"),
    ("noise.ply", b"\x00garbage" * 20, "noise.ply: not a PLY file"),
    ("noise.las", b"\x00garbage" * 20, "noise.las: not a readable LAS/LAZ file"),
]


def test_a_broken_file_is_refused_by_name_and_nothing_is_imported(client, world, session):
    owner, _, project = world
    good = ("good.bin", sweep(0, points=100).tobytes())
    for name, content, words in BROKEN:  # truncated .bin and .pcd, garbled .ply and .las
        response = upload(client, owner, project.id, [good, (name, content)])
        assert 400 <= response.status_code < 500
        assert words in response.json()["detail"], response.json()
        assert session.scalar(select(func.count()).select_from(Task).where(Task.project_id == project.id)) == 0


def las_bytes(points: np.ndarray, *, compress: bool) -> bytes:
    import laspy

    header = laspy.LasHeader(point_format=3, version="1.2")
    header.scales, header.offsets = np.array([0.001] * 3), np.zeros(3)
    las = laspy.LasData(header)
    las.x, las.y, las.z = points[:, 0], points[:, 1], points[:, 2]
    las.intensity = np.round(points[:, 3] * 1000).astype(np.uint16)
    out = io.BytesIO()
    las.write(out, do_compress=compress)
    return out.getvalue()


@pytest.mark.parametrize("suffix", ["las", "laz"])
def test_las_and_laz_through_laspy(client, world, suffix):
    pytest.importorskip("laspy")
    owner, _, project = world
    points = sweep(1, points=1500)
    response = upload(client, owner, project.id, [(f"tile.{suffix}", las_bytes(points, compress=suffix == "laz"))])
    assert response.status_code == 201, response.text
    [task] = tasks_of(client, owner, project.id)
    served = decoded(client.get(task["data"]["sweep"]["src"] + "/points", headers=owner.headers))
    assert np.allclose(served[:, :3], points[:, :3], atol=1e-3)
    assert np.allclose(served[:, 3], np.round(points[:, 3] * 1000), atol=0.5)


def test_without_laspy_a_las_file_gets_a_clear_4xx(client, world, monkeypatch):
    owner, _, project = world
    monkeypatch.setitem(sys.modules, "laspy", None)  # as on a server installed without labelwise[lidar]
    response = upload(client, owner, project.id, [("tile.las", b"LASF" + b"\x00" * 300)])
    assert response.status_code == 422
    assert "tile.las: reading LAS/LAZ needs the optional laspy library" in response.json()["detail"]
    assert "labelwise[lidar]" in response.json()["detail"]


def test_kitti_export_of_answers_comes_back_as_predictions(client, world):
    import zipfile

    from labelwise.core.dataio.lidar_demo import truth
    from labelwise.formats.kitti3d import read_kitti_labels

    owner, _, project = world
    upload(client, owner, project.id, [(f"00000{k}.bin", sweep(k, points=500).tobytes()) for k in range(2)])
    tasks = sorted(tasks_of(client, owner, project.id), key=lambda t: t["meta"]["filename"])
    for k, task in enumerate(tasks):
        result = {"objects": [{"id": f"c{k}{i}", **box} for i, box in enumerate(truth(k))]}
        answer = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": result}, headers=owner.headers)
        assert answer.status_code == 201, answer.text
    exported = client.get(f"/api/v1/projects/{project.id}/export", params={"format": "kitti3d"}, headers=owner.headers)
    assert exported.status_code == 200, exported.text
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert sorted(n for n in archive.namelist() if n.endswith(".txt")) == ["label_2/000000.txt", "label_2/000001.txt"]
    assert sorted(c["label"] for c in read_kitti_labels(archive.read("label_2/000001.txt").decode(), "1")) == \
        ["car", "pedestrian", "van"]
    back = client.post(f"/api/v1/projects/{project.id}/predictions/kitti", content=exported.content,
                       headers={**owner.headers, "content-type": "application/zip"})
    assert back.status_code == 201 and back.json()["created"] == 2, back.text
    for k, task in enumerate(tasks):
        [prediction] = client.get(f"/api/v1/tasks/{task['id']}", headers=owner.headers).json()["predictions"]
        got_sorted = sorted(prediction["result"]["objects"], key=lambda c: c["label"])
        for got, want in zip(got_sorted, sorted(truth(k), key=lambda c: c["label"]), strict=True):
            assert got["label"] == want["label"]
            assert [got[key] for key in ("x", "y", "z", "length", "width", "height", "yaw")] == pytest.approx(
                [want[key] for key in ("x", "y", "z", "length", "width", "height", "yaw")], abs=0.006)


def test_without_a_pointcloud_object_bin_and_ply_files_are_passed_over(client, session):
    from tests.media_helpers import IMAGE_SCHEMA, png

    owner = make_user(session, "photographer")
    project = make_project(session, owner.user, schema=IMAGE_SCHEMA, name="Photos")
    response = upload(client, owner, project.id, [("a.png", png(1)), ("weights.bin", b"\x00" * 7)])
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 1 and response.json()["ignored"] == ["weights.bin"]
