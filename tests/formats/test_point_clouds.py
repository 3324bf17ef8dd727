"""Point-cloud readers on a synthetic sweep (a ground plane and two box-shaped objects) written here in
every supported layout; each reads back to the same points, and broken files are refused by name."""

import numpy as np
import pytest

from labelwise.errors import Invalid
from labelwise.formats.point_clouds import read_point_cloud


def sweep(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ground = np.column_stack([rng.uniform(-40, 40, 3000), rng.uniform(-40, 40, 3000), rng.normal(-1.7, 0.02, 3000)])

    def box(centre, size, n):
        local = rng.uniform(-0.5, 0.5, (n, 3)) * size
        face = rng.integers(0, 3, n)  # points on the surface, as a LIDAR sees them
        local[np.arange(n), face] = np.sign(local[np.arange(n), face]) * np.asarray(size)[face] / 2
        return local + centre

    car = box([10.0, -2.0, -0.9], [4.0, 1.8, 1.5], 800)
    walker = box([6.0, 4.0, -0.8], [0.6, 0.6, 1.8], 200)
    xyz = np.vstack([ground, car, walker])
    return np.column_stack([xyz, rng.uniform(0, 1, len(xyz))]).astype(np.float32)


def pcd(points: np.ndarray, layout: str, *, extra: bool = False) -> bytes:
    fields = "x y z intensity" + (" ring" if extra else "")
    sizes = "4 4 4 4" + (" 2" if extra else "")
    types = "F F F F" + (" U" if extra else "")
    head = (f"# .PCD v0.7\nVERSION 0.7\nFIELDS {fields}\nSIZE {sizes}\nTYPE {types}\n"
            f"COUNT {' '.join(['1'] * (5 if extra else 4))}\nWIDTH {len(points)}\nHEIGHT 1\n"
            f"VIEWPOINT 0 0 0 1 0 0 0\nPOINTS {len(points)}\nDATA {layout}\n").encode()
    if layout == "ascii":
        return head + "\n".join(" ".join(f"{v:.9g}" for v in row) + (" 3" if extra else "") for row in points).encode()
    dtype = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("intensity", "<f4")] + ([("ring", "<u2")] if extra else []))
    rows = np.zeros(len(points), dtype=dtype)
    for k, name in enumerate(["x", "y", "z", "intensity"]):
        rows[name] = points[:, k]
    return head + rows.tobytes()


def ply(points: np.ndarray, layout: str) -> bytes:
    head = (f"ply\nformat {layout} 1.0\ncomment made here\nelement vertex {len(points)}\nproperty float x\n"
            "property float y\nproperty float z\nproperty uchar red\nproperty float intensity\n"
            "element face 0\nproperty list uchar int vertex_indices\nend_header\n").encode()
    if layout == "ascii":
        return head + "\n".join(f"{x:.9g} {y:.9g} {z:.9g} 7 {i:.9g}" for x, y, z, i in points).encode() + b"\n"
    order = "<" if layout == "binary_little_endian" else ">"
    dtype = np.dtype([("x", order + "f4"), ("y", order + "f4"), ("z", order + "f4"), ("red", "u1"), ("i", order + "f4")])
    rows = np.zeros(len(points), dtype=dtype)
    rows["x"], rows["y"], rows["z"], rows["red"], rows["i"] = points[:, 0], points[:, 1], points[:, 2], 7, points[:, 3]
    return head + rows.tobytes()


WRITERS = {
    "kitti.bin": lambda p: p.astype("<f4").tobytes(),
    "ascii.pcd": lambda p: pcd(p, "ascii"),
    "binary.pcd": lambda p: pcd(p, "binary"),
    "extra-field.pcd": lambda p: pcd(p, "binary", extra=True),
    "ascii.ply": lambda p: ply(p, "ascii"),
    "little.ply": lambda p: ply(p, "binary_little_endian"),
    "big.ply": lambda p: ply(p, "binary_big_endian"),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_layout_reads_back_the_same_points(name):
    points = sweep()
    read = read_point_cloud(name, WRITERS[name](points))
    assert read.shape == points.shape and read.dtype == np.float32
    np.testing.assert_allclose(read, points, rtol=1e-6, atol=1e-6)


def test_points_without_a_return_are_dropped_and_missing_intensity_is_zero():
    points = sweep()[:10].copy()
    points[3, :3] = np.nan
    read = read_point_cloud("a.bin", points.tobytes())
    assert len(read) == 9 and np.isfinite(read).all()
    head = b"ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
    read = read_point_cloud("xyz.ply", head + b"1 2 3\n4 5 6\n")
    np.testing.assert_array_equal(read, [[1, 2, 3, 0], [4, 5, 6, 0]])


@pytest.mark.parametrize("name, content, says", [
    ("cut.bin", sweep()[:5].tobytes()[:-3], "truncated"),
    ("cut.pcd", pcd(sweep()[:5], "binary")[:-10], "truncated"),
    ("cut.ply", ply(sweep()[:5], "binary_little_endian")[:-10], "truncated"),
    ("short.pcd", pcd(sweep()[:5], "ascii")[:-40], "truncated"),
    ("packed.pcd", pcd(sweep()[:5], "binary").replace(b"DATA binary", b"DATA binary_compressed"), "binary_compressed"),
    ("nohead.pcd", b"FIELDS x y z\n", "DATA"),
    ("nothing.ply", b"not a ply", "not a PLY"),
    ("noz.ply", b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nend_header\n1 2\n", "no z"),
    ("cloud.las", b"LASF", "LAS/LAZ"),
    ("cloud.xyz", b"1 2 3", "not a point cloud"),
])
def test_broken_files_are_refused_by_name(name, content, says):
    with pytest.raises(Invalid) as error:
        read_point_cloud(name, content)
    assert name in error.value.message and says in error.value.message
