"""The demo's LIDAR project: a synthetic five-frame sequence stored once, whose boxes are where `truth` says."""

import math

import numpy as np
from sqlalchemy import select

from labelwise.core.dataio.demo import LIDAR_DEMO, LIDAR_FRAMES, LIDAR_POINTS, seed_demo
from labelwise.core.dataio.lidar_demo import sweep, truth
from labelwise.storage.local import LocalStorage
from labelwise.store.models import Project, Task


def test_the_lidar_demo_is_one_sequence_task_seeded_once(session, tmp_path):
    storage = LocalStorage(tmp_path / "media")
    seed_demo(session, storage=storage)
    seed_demo(session, storage=storage)
    [project] = session.scalars(select(Project).where(Project.name == LIDAR_DEMO)).all()
    [task] = session.scalars(select(Task).where(Task.project_id == project.id)).all()
    frames = task.data["sweep"]["frames"]
    assert len(frames) == LIDAR_FRAMES and all(f["points"] == LIDAR_POINTS for f in frames)
    assert len(list((tmp_path / "media").rglob("*.bin"))) == LIDAR_FRAMES


def test_synthetic_objects_stand_inside_their_true_cuboids():
    points = sweep(3, points=20_000)
    for box in truth(3):
        c, s = math.cos(box["yaw"]), math.sin(box["yaw"])
        d = points[:, :3] - [box["x"], box["y"], box["z"]]
        local = np.column_stack([d[:, 0] * c + d[:, 1] * s, -d[:, 0] * s + d[:, 1] * c, d[:, 2]])
        size = np.array([box["length"], box["width"], box["height"]]) / 2 + 1e-3
        inside = (np.abs(local) <= size).all(axis=1) & (points[:, 2] > -1.6)  # above the ground
        assert inside.sum() > 100, box["label"]


def test_blobs_of_every_frame_count_as_used_when_a_failed_import_cleans_up(session, tmp_path):
    from labelwise.core.dataio import media_import

    storage = LocalStorage(tmp_path / "media")
    seed_demo(session, storage=storage)
    [project] = session.scalars(select(Project).where(Project.name == LIDAR_DEMO)).all()
    keys = [p.relative_to(tmp_path / "media").as_posix() for p in sorted((tmp_path / "media").rglob("*.bin"))]
    assert len(keys) == LIDAR_FRAMES
    media_import.delete_unreferenced(session, storage, project.id, keys)  # as a failed import of the same files
    assert all(storage.exists(key) for key in keys)
