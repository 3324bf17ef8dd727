"""A synthetic LIDAR sequence with known answers, made here: a ground plane plus box-shaped objects with
known poses (a car driving and turning, a pedestrian walking, a parked van), sampled on their surfaces.

Used by the point-cloud demo project, the tests and the benchmark: every sweep comes with the cuboids
that are truly in it, so a drawn, imported or aggregated cuboid can be checked against the truth.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["OBJECTS", "sequence", "sweep", "truth"]

# label, centre at frame 0, size (length, width, height), yaw at frame 0, velocity (m/frame), yaw rate (rad/frame)
OBJECTS = (
    ("car", (12.0, -3.0, -0.95), (4.2, 1.8, 1.5), 0.3, (1.0, 0.25, 0.0), 0.05),
    ("pedestrian", (7.0, 4.0, -0.8), (0.6, 0.6, 1.8), -1.2, (0.1, -0.3, 0.0), 0.0),
    ("van", (20.0, 6.0, -0.6), (5.5, 2.1, 2.2), math.pi / 2, (0.0, 0.0, 0.0), 0.0),
)
GROUND_Z = -1.7


def truth(frame: int = 0) -> list[dict]:
    """The cuboids in frame `frame`, as the schema stores them (without ids)."""
    out = []
    for label, centre, size, yaw, velocity, turn in OBJECTS:
        x, y, z = (c + v * frame for c, v in zip(centre, velocity, strict=True))
        heading = math.remainder(yaw + turn * frame, math.tau)
        out.append({"label": label, "x": round(x, 4), "y": round(y, 4), "z": round(z, 4), "length": size[0],
                    "width": size[1], "height": size[2], "yaw": round(heading, 6)})
    return out


def sweep(frame: int = 0, *, points: int = 20_000, seed: int = 0) -> np.ndarray:
    """One sweep as an (n, 4) float32 array (x, y, z, intensity): 85 % ground within 40 m, the rest on the
    objects' surfaces (split by surface area)."""
    rng = np.random.default_rng(seed + frame)
    boxes = truth(frame)
    on_objects = int(points * 0.15)
    areas = np.array([2 * (b["length"] * b["width"] + b["length"] * b["height"] + b["width"] * b["height"])
                      for b in boxes])
    counts = np.floor(on_objects * areas / areas.sum()).astype(int)
    ground_n = points - int(counts.sum())
    radius = 40 * np.sqrt(rng.uniform(0.002, 1, ground_n))
    angle = rng.uniform(-math.pi, math.pi, ground_n)
    ground = np.column_stack([radius * np.cos(angle), radius * np.sin(angle), rng.normal(GROUND_Z, 0.02, ground_n),
                              rng.uniform(0.0, 0.3, ground_n)])
    parts = [ground]
    for box, n in zip(boxes, counts, strict=True):
        size = np.array([box["length"], box["width"], box["height"]])
        local = rng.uniform(-0.5, 0.5, (n, 3)) * size
        face = rng.integers(0, 3, n)
        rows = np.arange(n)
        local[rows, face] = np.where(rng.random(n) < 0.5, -0.5, 0.5) * size[face]
        c, s = math.cos(box["yaw"]), math.sin(box["yaw"])
        xyz = local @ np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]]) + [box["x"], box["y"], box["z"]]
        parts.append(np.column_stack([xyz, rng.uniform(0.5, 1.0, n)]))
    return np.vstack(parts).astype(np.float32)


def sequence(frames: int = 5, *, points: int = 20_000, seed: int = 0) -> list[tuple[str, bytes]]:
    """KITTI `.bin` files of consecutive sweeps, named 000000.bin, 000001.bin, ..."""
    return [(f"{frame:06d}.bin", sweep(frame, points=points, seed=seed).astype("<f4").tobytes())
            for frame in range(frames)]
