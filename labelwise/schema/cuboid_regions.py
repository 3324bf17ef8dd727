"""Cuboids and 3D tracks on a point cloud: their geometry, the frames of a sequence, and interpolation.

A cuboid is `{x, y, z, length, width, height, yaw}` in the sweep's own frame (metres, z up, as
`quality.cuboids`): the centre, the size along its own x (length), y (width) and z (height), and its
heading in radians about z, kept in (-pi, pi]. `pitch` and `roll` (radians) come only when the control
says `pitch_roll: true`. On a sequence (`{"frames": [...]}`) a cuboid names its `frame`; a track is
`{keyframes: [{frame, x, y, z, length, width, height, yaw, visible}]}` and `cuboid_at` interpolates it:
linearly for centre and size, along the shorter arc for angles.
"""

from __future__ import annotations

import math
from typing import Any

from labelwise.schema._checking import _Here, _is_count, _is_number, _mapping

__all__ = ["GEOMETRY", "check_cuboid", "check_cuboid_track", "check_point_runs", "cuboid_at", "frame_count",
           "frames_of", "normal_angle", "point_count"]

GEOMETRY = ("x", "y", "z", "length", "width", "height", "yaw")
_SIZES = ("length", "width", "height")
_TILT = ("pitch", "roll")


def frames_of(value: Any) -> list | None:
    """The frames of a point-cloud sequence (`{"frames": [...]}` or a plain list), or None for one sweep."""
    if isinstance(value, dict) and isinstance(value.get("frames"), list):
        return value["frames"]
    if isinstance(value, list):
        return value
    return None


def frame_count(value: Any) -> int | None:
    frames = frames_of(value)
    return None if frames is None else len(frames)


def normal_angle(angle: float) -> float:
    """The same angle in (-pi, pi]."""
    turned = math.remainder(angle, math.tau)
    return math.pi if turned == -math.pi else turned


def check_cuboid(here: _Here, index: int, cuboid: dict, where: str) -> dict:
    """One cuboid region (shape, label and id already checked): its numbers, angles and frame."""
    count = frame_count(here.object_value())
    if count is not None and "frame" not in cuboid:
        raise here.fail(f"cuboid {index} needs a 'frame': the point cloud is a sequence of {count} frames",
                        f"{where}.frame")
    if "frame" in cuboid:
        _check_frame(here, cuboid["frame"], count, f"cuboid {index}", f"{where}.frame")
    _geometry(here, cuboid, f"cuboid {index}", where)
    return cuboid


def check_cuboid_track(here: _Here, index: int, track: dict, where: str) -> dict:
    """One 3D track: keyframes in frame order, each a cuboid with `frame` and `visible`."""
    count = frame_count(here.object_value())
    keyframes = track["keyframes"]
    if not isinstance(keyframes, list) or not keyframes:
        raise here.fail(f"track {index} needs a non-empty list of keyframes", f"{where}.keyframes")
    optional = ("visible", *(_TILT if here.control.pitch_roll else ()))
    out, previous = [], None
    for k, keyframe in enumerate(keyframes):
        at = f"{where}.keyframes[{k}]"
        what = f"track {index} keyframe {k}"
        keyframe = dict(_mapping(here, keyframe, at, what, required=("frame", *GEOMETRY), optional=optional))
        _check_frame(here, keyframe["frame"], count, what, f"{at}.frame")
        frame = keyframe["frame"]
        if previous is not None and frame <= previous:
            problem = f"two keyframes at frame {frame}" if frame == previous else \
                f"keyframes not in frame order ({previous} then {frame})"
            raise here.fail(f"track {index} has {problem}", f"{at}.frame")
        previous = frame
        keyframe.setdefault("visible", True)
        if not isinstance(keyframe["visible"], bool):
            raise here.fail(f"{what} visible must be true or false", f"{at}.visible")
        _geometry(here, keyframe, what, at)
        out.append(keyframe)
    track["keyframes"] = out
    return track


def point_count(value: Any, frame: int) -> int | None:
    """How many points the sweep of `frame` has, when the task data says (`points` of a stored sweep)."""
    frames = frames_of(value)
    sweep = frames[frame] if frames is not None and frame < len(frames) else (value if frames is None else None)
    count = sweep.get("points") if isinstance(sweep, dict) else None
    return count if _is_count(count) else None


def check_point_runs(here: _Here, index: int, region: dict, where: str) -> dict:
    """One region of per-point labels: `runs` of point indices, sorted and apart, within the sweep."""
    value = here.object_value()
    count = frame_count(value)
    if count is not None and "frame" not in region:
        raise here.fail(f"region {index} needs a 'frame': the point cloud is a sequence of {count} frames",
                        f"{where}.frame")
    frame = region.get("frame", 0)
    if "frame" in region:
        _check_frame(here, frame, count, f"region {index}", f"{where}.frame")
    runs = region["runs"]
    if not isinstance(runs, list) or not runs:
        raise here.fail(f"region {index} runs must be a non-empty list of [start, length] point index runs",
                        f"{where}.runs")
    points = point_count(value, frame)
    end = -1
    for k, run in enumerate(runs):
        at = f"{where}.runs[{k}]"
        if not (isinstance(run, list) and len(run) == 2 and _is_count(run[0]) and _is_count(run[1]) and run[1] > 0):
            raise here.fail(f"region {index} run {k} must be [start, length] with whole numbers, length from 1, "
                            f"not {run!r}", at)
        if run[0] <= end:
            raise here.fail(f"region {index} run {k} starts at point {run[0]}, not after the previous run "
                            f"(which ends at {end}): runs are sorted and apart", at)
        end = run[0] + run[1] - 1
        if points is not None and end >= points:
            raise here.fail(f"region {index} run {k} reaches point {end}, past the sweep's {points} points", at)
    return region


def cuboid_at(track: dict, frame: int) -> dict | None:
    """The cuboid of a track at `frame`: a keyframe's, interpolated between two, or None before its first
    keyframe and from a keyframe marked not visible until the next one."""
    keys = track["keyframes"]
    if not keys or frame < keys[0]["frame"]:
        return None
    i = max(k for k, key in enumerate(keys) if key["frame"] <= frame)
    a = keys[i]
    if not a.get("visible", True):
        return None
    geometry = [key for key in (*GEOMETRY, *_TILT) if key in a]
    if a["frame"] == frame or i + 1 == len(keys):
        return {key: a[key] for key in geometry}
    b = keys[i + 1]
    t = (frame - a["frame"]) / (b["frame"] - a["frame"])
    out = {}
    for key in geometry:
        start, end = a[key], b.get(key, 0.0)
        if key in ("yaw", *_TILT):
            out[key] = normal_angle(start + math.remainder(end - start, math.tau) * t)
        else:
            out[key] = start + (end - start) * t
    return out


def _check_frame(here: _Here, frame: Any, count: int | None, what: str, path: str) -> None:
    if not _is_count(frame):
        raise here.fail(f"{what} frame must be a whole number from 0, not {frame!r}", path)
    if count is None and frame != 0:
        raise here.fail(f"{what} is at frame {frame} but the point cloud is one sweep (frame 0)", path)
    if count is not None and frame >= count:
        raise here.fail(f"{what} is at frame {frame}, past the sequence's {count} frames", path)


def _geometry(here: _Here, cuboid: dict, what: str, where: str) -> None:
    tilted = [key for key in _TILT if key in cuboid]
    if tilted and not here.control.pitch_roll:
        raise here.fail(f"{what} has {tilted[0]} but the schema's cuboids only turn about z "
                        "(set pitch_roll: true to allow it)", f"{where}.{tilted[0]}")
    for key in (*GEOMETRY, *tilted):
        if not _is_number(cuboid[key]):
            raise here.fail(f"{what} {key} must be a finite number, not {cuboid[key]!r}", f"{where}.{key}")
    for key in _SIZES:
        if cuboid[key] <= 0:
            raise here.fail(f"{what} has {key} {cuboid[key]:g}; a cuboid needs a positive length, width and height",
                            f"{where}.{key}")
    for key in ("yaw", *tilted):
        cuboid[key] = normal_angle(float(cuboid[key]))
