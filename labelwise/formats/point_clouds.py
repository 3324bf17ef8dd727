"""Read LIDAR sweeps into one array of points: KITTI `.bin`, PCD (ascii and binary), PLY (ascii and
binary) and LAS/LAZ, each point as x, y, z and intensity (0 where the file has none).

Pure numpy; LAS/LAZ through the optional `laspy` (with its `lazrs` backend for LAZ), imported only for
those files, and refused by name with the install hint when it is missing. A file that is truncated, malformed or of a layout not supported here raises `Invalid`
naming the file and what is wrong, so an import can refuse it before anything is stored.
"""

from __future__ import annotations

from pathlib import PurePath

import numpy as np

from labelwise.errors import Invalid

__all__ = ["LAS_SUFFIXES", "POINT_CLOUD_SUFFIXES", "read_point_cloud"]

LAS_SUFFIXES = (".las", ".laz")
POINT_CLOUD_SUFFIXES = (".bin", ".pcd", ".ply", *LAS_SUFFIXES)
_PCD_TYPES = {("F", 4): "f4", ("F", 8): "f8", ("I", 1): "i1", ("I", 2): "i2", ("I", 4): "i4", ("I", 8): "i8",
              ("U", 1): "u1", ("U", 2): "u2", ("U", 4): "u4", ("U", 8): "u8"}
_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2", "int16": "i2",
              "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
              "float": "f4", "float32": "f4", "double": "f8", "float64": "f8"}
_INTENSITY = ("intensity", "reflectance", "remission", "i")


def read_point_cloud(name: str, content: bytes) -> np.ndarray:
    """The points of a sweep as an (n, 4) float32 array: x, y, z, intensity."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".bin":
        return _kitti(name, content)
    if suffix == ".pcd":
        return _pcd(name, content)
    if suffix == ".ply":
        return _ply(name, content)
    if suffix in LAS_SUFFIXES:
        return _las(name, content)
    raise Invalid(f"{name}: not a point cloud this reads (KITTI .bin, .pcd, .ply, .las or .laz)", field="file")


def _las(name: str, content: bytes) -> np.ndarray:
    try:
        import laspy
    except ImportError:
        raise Invalid(f"{name}: reading LAS/LAZ needs the optional laspy library, not installed on this server "
                      "(pip install 'labelwise[lidar]')", field="file") from None
    import io

    try:
        las = laspy.read(io.BytesIO(content))
    except laspy.errors.LaspyException as exc:
        raise Invalid(f"{name}: not a readable LAS/LAZ file ({exc})", field="file") from None
    except (ValueError, EOFError, OSError) as exc:
        raise Invalid(f"{name}: the LAS/LAZ file is truncated or corrupt ({exc})", field="file") from None
    intensity = np.asarray(las.intensity, dtype=np.float32) if "intensity" in las.point_format.dimension_names \
        else np.zeros(len(las.x), np.float32)
    # Coordinates come scaled to metres; georeferenced ones far from 0 lose precision in float32 (see
    # docs/point_clouds.md): shift such tiles to a local origin before import.
    return _xyzi(name, {"x": np.asarray(las.x), "y": np.asarray(las.y), "z": np.asarray(las.z),
                        "intensity": intensity})


def _kitti(name: str, content: bytes) -> np.ndarray:
    if len(content) % 16:
        raise Invalid(f"{name}: a KITTI .bin holds 16 bytes a point (x, y, z, intensity as float32); its "
                      f"{len(content)} bytes leave {len(content) % 16} over: truncated?", field="file")
    return _finite(name, np.frombuffer(content, dtype="<f4").reshape(-1, 4).copy())


def _pcd(name: str, content: bytes) -> np.ndarray:
    header: dict[str, list[str]] = {}
    offset = 0
    while True:
        end = content.find(b"\n", offset)
        if end < 0:
            raise Invalid(f"{name}: the PCD header has no DATA line", field="file")
        line = content[offset:end].decode("ascii", "replace").strip()
        offset = end + 1
        if not line or line.startswith("#"):
            continue
        key, *values = line.split()
        header[key.upper()] = values
        if key.upper() == "DATA":
            break
    try:
        fields = header["FIELDS"]
        sizes = [int(v) for v in header["SIZE"]]
        kinds = header["TYPE"]
        counts = [int(v) for v in header.get("COUNT", ["1"] * len(fields))]
        points = int(header["POINTS"][0]) if "POINTS" in header else int(header["WIDTH"][0]) * int(header["HEIGHT"][0])
        layout = header["DATA"][0].lower()
    except (KeyError, IndexError, ValueError):
        raise Invalid(f"{name}: the PCD header needs FIELDS, SIZE, TYPE, POINTS (or WIDTH and HEIGHT) and DATA",
                      field="file") from None
    if not len(fields) == len(sizes) == len(kinds) == len(counts):
        raise Invalid(f"{name}: the PCD header's FIELDS, SIZE, TYPE and COUNT differ in length", field="file")
    columns = []
    for field_name, size, kind, count in zip(fields, sizes, kinds, counts, strict=True):
        dtype = _PCD_TYPES.get((kind.upper(), size))
        if dtype is None:
            raise Invalid(f"{name}: PCD field {field_name} has TYPE {kind} SIZE {size}, which is not a number type",
                          field="file")
        columns.append((field_name, "<" + dtype, (count,)) if count > 1 else (field_name, "<" + dtype))
    dtype = np.dtype(columns)
    if layout == "ascii":
        text = content[offset:].decode("ascii", "replace").split()
        if len(text) < points * sum(counts):
            raise Invalid(f"{name}: the PCD says {points} points but holds fewer: truncated?", field="file")
        flat = np.array(text[:points * sum(counts)], dtype=float).reshape(points, sum(counts))
        return _xyzi(name, {f: flat[:, sum(counts[:k])] for k, f in enumerate(fields)})
    if layout == "binary":
        if len(content) - offset < points * dtype.itemsize:
            raise Invalid(f"{name}: the PCD says {points} points of {dtype.itemsize} bytes but holds "
                          f"{len(content) - offset} bytes: truncated?", field="file")
        rows = np.frombuffer(content, dtype=dtype, count=points, offset=offset)
        return _xyzi(name, {f: rows[f] for f in fields})
    raise Invalid(f"{name}: PCD DATA {layout} is not read here (ascii and binary are; save binary_compressed "
                  "as binary)", field="file")


def _ply(name: str, content: bytes) -> np.ndarray:
    end = content.find(b"end_header")
    if not content.startswith(b"ply") or end < 0:
        raise Invalid(f"{name}: not a PLY file (no 'ply' ... 'end_header' header)", field="file")
    body = content.index(b"\n", end) + 1
    lines = content[:end].decode("ascii", "replace").splitlines()
    layout, vertices, properties, in_vertex = None, 0, [], False
    for line in lines:
        words = line.split()
        if not words:
            continue
        if words[0] == "format":
            layout = words[1]
        elif words[0] == "element":
            in_vertex = words[1] == "vertex"
            if in_vertex:
                vertices = int(words[2])
            elif vertices == 0:
                raise Invalid(f"{name}: PLY element {words[1]} comes before the vertices; only vertex-first "
                              "files are read", field="file")
        elif words[0] == "property" and in_vertex:
            if words[1] == "list" or words[1] not in _PLY_TYPES:
                raise Invalid(f"{name}: PLY vertex property {' '.join(words[1:])} is not a number type", field="file")
            properties.append((words[2], _PLY_TYPES[words[1]]))
    if not properties:
        raise Invalid(f"{name}: the PLY file has no vertex properties", field="file")
    names = [p for p, _ in properties]
    if layout == "ascii":
        text = content[body:].decode("ascii", "replace").split()
        if len(text) < vertices * len(properties):
            raise Invalid(f"{name}: the PLY says {vertices} vertices but holds fewer: truncated?", field="file")
        flat = np.array(text[:vertices * len(properties)], dtype=float).reshape(vertices, len(properties))
        return _xyzi(name, {p: flat[:, k] for k, p in enumerate(names)})
    order = {"binary_little_endian": "<", "binary_big_endian": ">"}.get(layout or "")
    if order is None:
        raise Invalid(f"{name}: PLY format {layout} is not ascii or binary", field="file")
    dtype = np.dtype([(p, order + t) for p, t in properties])
    if len(content) - body < vertices * dtype.itemsize:
        raise Invalid(f"{name}: the PLY says {vertices} vertices of {dtype.itemsize} bytes but holds "
                      f"{len(content) - body} bytes: truncated?", field="file")
    rows = np.frombuffer(content, dtype=dtype, count=vertices, offset=body)
    return _xyzi(name, {p: rows[p] for p in names})


def _xyzi(name: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    lower = {k.lower(): v for k, v in columns.items()}
    missing = [axis for axis in "xyz" if axis not in lower]
    if missing:
        raise Invalid(f"{name}: the points have no {', '.join(missing)} coordinate", field="file")
    intensity = next((lower[k] for k in _INTENSITY if k in lower), None)
    n = len(lower["x"])
    out = np.column_stack([np.asarray(lower[a], dtype=np.float32).reshape(n) for a in "xyz"]
                          + [np.zeros(n, np.float32) if intensity is None else np.asarray(intensity, np.float32).reshape(n)])
    return _finite(name, out)


def _finite(name: str, points: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(points[:, :3]).all(axis=1)
    if bad.any():  # sensors write NaN for no return; such points carry nothing to label
        points = points[~bad]
    return points


