"""3D cuboids out and in: KITTI object labels (one text file per sweep) and a documented JSON of every
cuboid and track (`docs/point_clouds.md`).

KITTI labels are in the rectified camera frame (x right, y down, z forward) with the box's bottom centre
as its location and `rotation_y` about the camera's y axis. Without a calibration the sweep's frame (x
forward, y left, z up) maps to it by the nominal axes of the KITTI rig: camera (x, y, z) = lidar (-y, -z, x),
so `location = (-y, -(z - height / 2), x)`, `dimensions = (height, width, length)` and
`rotation_y = -yaw - pi / 2`. Reading applies the inverse, so a cuboid with yaw only goes out and comes
back the same (to the 2 decimals KITTI writes). `truncated`, `occluded` and the 2D box are written as 0:
there is no camera image to measure them against. Tracks are written frame by frame, interpolated
between keyframes.
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from labelwise.errors import Invalid
from labelwise.formats.labels import Source, final_results
from labelwise.schema import LabelSchema
from labelwise.schema.cuboid_regions import cuboid_at, frames_of, normal_angle, point_count

__all__ = ["JSON_VERSION", "kitti_line", "read_kitti_labels", "sweep_files", "write_cuboids_json", "write_kitti",
           "write_point_labels"]

JSON_VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def kitti_line(cuboid: Mapping[str, Any], label: str, *, score: float | None = None) -> str:
    """One KITTI label line for a cuboid in the sweep's frame."""
    x, y, z = cuboid["x"], cuboid["y"], cuboid["z"]
    length, width, height = cuboid["length"], cuboid["width"], cuboid["height"]
    cam = (-y, -(z - height / 2), x)
    rotation_y = normal_angle(-cuboid["yaw"] - math.pi / 2)
    alpha = normal_angle(rotation_y - math.atan2(cam[0], cam[2]))
    fields = [label.replace(" ", "_"), "0.00", "0", f"{alpha:.2f}", "0.00", "0.00", "0.00", "0.00",
              f"{height:.2f}", f"{width:.2f}", f"{length:.2f}", f"{cam[0]:.2f}", f"{cam[1]:.2f}", f"{cam[2]:.2f}",
              f"{rotation_y:.2f}"]
    if score is not None:
        fields.append(f"{score:.4f}")
    return " ".join(fields)


def read_kitti_labels(text: str, name: str) -> list[dict[str, Any]]:
    """The cuboids of one KITTI label file, in the sweep's frame (`DontCare` lines skipped); a 16th column is
    the `score` (0..1) of a detector's output."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words or words[0] == "DontCare":
            continue
        if len(words) not in (15, 16):
            raise Invalid(f"{name} line {number}: a KITTI label has 15 fields (16 with a score), not {len(words)}",
                          field=name)
        try:
            height, width, length, cx, cy, cz, rotation_y = (float(v) for v in words[8:15])
            score = float(words[15]) if len(words) == 16 else None
        except ValueError:
            raise Invalid(f"{name} line {number}: the dimensions, location and rotation must be numbers",
                          field=name) from None
        if min(height, width, length) <= 0 or not all(math.isfinite(v) for v in (cx, cy, cz, rotation_y)):
            raise Invalid(f"{name} line {number}: a cuboid needs a positive size and finite numbers", field=name)
        cuboid = {"label": words[0], "x": cz, "y": -cx, "z": -cy + height / 2, "length": length, "width": width,
                  "height": height, "yaw": normal_angle(-rotation_y - math.pi / 2)}
        if score is not None:
            cuboid["score"] = min(1.0, max(0.0, score))
        out.append(cuboid)
    return out


def sweep_files(record: Mapping[str, Any], object_field: str) -> list[str]:
    """The file stem of each frame of a task's point cloud: its uploaded name, else `<task id>_<frame>`."""
    value = (record.get("data") or {}).get(object_field)
    frames = frames_of(value)
    meta = record.get("meta") or {}
    if frames is None:
        uploaded = meta.get("filename")
        names = [uploaded] if isinstance(uploaded, str) and uploaded else [None]
    else:
        names = [f.get("name") if isinstance(f, Mapping) else None for f in frames]
    return [posixpath.splitext(posixpath.basename(n.replace("\\", "/")))[0] if n else f"{record.get('id')}_{k:06d}"
            for k, n in enumerate(names)]


def write_kitti(records: Iterable[Mapping[str, Any]], fp: IO[bytes], *, schema: LabelSchema,
                source: Source = "consensus", sweep: str | None = None) -> None:
    """A zip of `label_2/<sweep>.txt` (one per frame; an empty file for a frame without cuboids) and
    `index.json` saying which task and frame each file is."""
    object_name, field = _pointcloud(schema, sweep)
    controls = _cuboid_controls(schema, object_name)
    index, used = [], set()
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            stems = sweep_files(record, field)
            lines: list[list[str]] = [[] for _ in stems]
            for result in final_results(record, source=source)[:1]:
                for frame, cuboid, label, _ in _cuboids(result, controls, len(stems)):
                    lines[frame].append(kitti_line(cuboid, label))
            for frame, stem in enumerate(stems):
                name = stem if stem not in used else f"{stem}_{record.get('id')}"
                used.add(name)
                _entry(archive, f"label_2/{name}.txt", "".join(line + "\n" for line in lines[frame]))
                index.append({"file": f"label_2/{name}.txt", "task": record.get("id"), "frame": frame})
        _entry(archive, "index.json", json.dumps(index, indent=1) + "\n")


def write_cuboids_json(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema,
                       source: Source = "consensus", sweep: str | None = None) -> None:
    """`{"version", "coordinates", "tasks": [{"task", "external_id", "frames": [{"frame", "file", "src"}],
    "cuboids": [...], "tracks": [...]}]}`: cuboids as stored (metres, radians, `frame`, `control`), tracks
    with their keyframes and, per frame they are in view, the interpolated cuboid."""
    object_name, field = _pointcloud(schema, sweep)
    controls = _cuboid_controls(schema, object_name)
    head = json.dumps({"version": JSON_VERSION, "coordinates": "sweep frame: x forward, y left, z up; metres; "
                       "angles in radians, yaw about z, rotations applied roll, pitch, yaw"})
    fp.write(head[:-1] + ', "tasks": [')
    for count, record in enumerate(records):
        value = (record.get("data") or {}).get(field)
        frames = frames_of(value)
        sweeps = frames if frames is not None else [value]
        stems = sweep_files(record, field)
        out: dict[str, Any] = {
            "task": record.get("id"), "external_id": record.get("external_id"),
            "frames": [{"frame": k, "file": stems[k], "src": s.get("src") if isinstance(s, Mapping) else s}
                       for k, s in enumerate(sweeps)],
            "cuboids": [], "tracks": []}
        for result in final_results(record, source=source)[:1]:
            for name, spec in controls.items():
                for region in result.get(name) or ():
                    if spec.type == "cuboids":
                        out["cuboids"].append({"control": name, "frame": region.get("frame", 0), **region})
                    else:
                        per_frame = []
                        for k in range(len(sweeps)):
                            at = cuboid_at(region, k)
                            if at is not None:
                                per_frame.append({"frame": k, **at})
                        out["tracks"].append({"control": name, **region, "frames": per_frame})
        fp.write(("," if count else "") + "\n" + json.dumps(out, ensure_ascii=False))
    fp.write("\n]}\n")


def write_point_labels(records: Iterable[Mapping[str, Any]], fp: IO[bytes], *, schema: LabelSchema,
                       source: Source = "consensus", sweep: str | None = None) -> None:
    """SemanticKITTI-style per-point labels: a zip of `labels/<sweep>.label`, one little-endian uint32 per
    point in the sweep's order (0: unlabelled, k: the k-th label of the schema's point_labels control,
    from 1; later regions win), and `labels.json` naming each number."""
    import numpy as np

    object_name, field = _pointcloud(schema, sweep)
    name = next((n for n, s in schema.controls.items()
                 if s.type == "point_labels" and getattr(s, "object", None) == object_name), None)
    if name is None:
        raise Invalid(f"this export needs a point_labels control on '{object_name}'", field="format")
    numbers = {label: k for k, label in enumerate(schema.controls[name].labels, start=1)}
    used = set()
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            value = (record.get("data") or {}).get(field)
            stems = sweep_files(record, field)
            results = final_results(record, source=source)[:1]
            for frame, stem in enumerate(stems):
                count = point_count(value, frame)
                if count is None:
                    raise Invalid(f"task {record.get('id')} frame {frame}: the task data does not say how many points "
                                  "the sweep has (upload the file to have it counted)", field="data")
                labels = np.zeros(count, dtype="<u4")
                for result in results:
                    for region in result.get(name) or ():
                        if region.get("frame", 0) == frame:
                            for start, length in region["runs"]:
                                labels[start:start + length] = numbers.get(region["label"], 0)
                entry = stem if stem not in used else f"{stem}_{record.get('id')}"
                used.add(entry)
                info = zipfile.ZipInfo(f"labels/{entry}.label", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, labels.tobytes())
        _entry(archive, "labels.json", json.dumps({"0": None, **{str(k): v for v, k in numbers.items()}}) + "\n")


def _cuboids(result: Mapping[str, Any], controls: Mapping[str, Any], frames: int) -> Iterator[tuple]:
    for name, spec in controls.items():
        for region in result.get(name) or ():
            if spec.type == "cuboids":
                frame = region.get("frame", 0)
                if 0 <= frame < frames:
                    yield frame, region, region["label"], name
            else:
                for frame in range(frames):
                    at = cuboid_at(region, frame)
                    if at is not None:
                        yield frame, at, region["label"], name


def _pointcloud(schema: LabelSchema, name: str | None) -> tuple[str, str]:
    clouds = {n: s for n, s in schema.objects.items() if s.type == "pointcloud"}
    if name is not None and name not in clouds:
        raise Invalid(f"'{name}' is not a pointcloud object of this schema", field="sweep")
    if not clouds:
        raise Invalid("this export needs a pointcloud object in the schema", field="format")
    name = name or next(iter(clouds))
    return name, clouds[name].field


def _cuboid_controls(schema: LabelSchema, object_name: str) -> dict[str, Any]:
    return {n: s for n, s in schema.controls.items()
            if s.type in ("cuboids", "tracks") and getattr(s, "object", None) == object_name}


def _entry(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with archive.open(info, "w") as out, io.TextIOWrapper(out, encoding="utf-8", newline="") as text_out:
        text_out.write(text)
