# Over 400 lines: one checker per region type, all sharing the same context, geometry and overlap rules.
"""Checks of region results (spans, boxes, polygons, polylines, keypoints, masks, segments, tracks).

Every region gets its shape, id, label and score checked, then its geometry against the task's data:
span offsets against the text, coordinates against the image size, frames and times against the
media, mask run-lengths against the pixel count. Overlaps are refused where the control forbids them.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, Callable

from labelwise.schema import rle
from labelwise.schema._checking import _count, _Here, _is_count, _is_number, _list, _mapping, _option
from labelwise.schema.chat import message_text, messages_of
from labelwise.schema.cuboid_regions import check_cuboid, check_cuboid_track, check_point_runs
from labelwise.schema.dynamic import labels_for
from labelwise.schema.html_text import html_text
from labelwise.schema.pdf_regions import check_pdf_span, page_size
from labelwise.schema.specs import (
    BoxesControl,
    ControlSpec,
    CuboidsControl,
    KeypointsControl,
    MasksControl,
    ParagraphsObject,
    PointLabelsControl,
    PolygonsControl,
    PolylinesControl,
    RegionControl,
    SegmentsControl,
    SpansControl,
    TimeseriesObject,
    TracksControl,
)
from labelwise.schema.volume_regions import check_slice, volume_length_mm

__all__ = ["REGION_CHECKERS"]


# --- region controls ---------------------------------------------------------------------------------

def _regions(extra_keys: dict[str, Any]) -> Callable:
    """Wrap a per-region checker with what all regions share: shape, id, label, score and counts."""

    def decorate(check_one: Callable) -> Callable:
        def check(here: _Here, value: Any) -> list[dict]:
            control: RegionControl = here.control
            items = _list(here, value, "a list of regions")
            required, optional = _region_keys(here, extra_keys)
            out = []
            for index, item in enumerate(items):
                where = f"{here.path}[{index}]"
                item = _mapping(here, item, where, f"region {index}", required=required, optional=optional)
                region = dict(item)
                region["id"] = _region_id(here, item.get("id"), f"{where}.id")
                _option(here, item["label"], labels_for(control, here.ctx.data), f"{where}.label", what="label")
                if "score" in item and not (_is_number(item["score"]) and 0 <= item["score"] <= 1):
                    raise here.fail(f"region {index} score must be a number from 0 to 1", f"{where}.score")
                out.append(check_one(here, index, region, where))
            _count(here, len(out), control.min, control.max, "regions")
            return out

        return check

    return decorate


def _region_keys(here: _Here, extra_keys: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    required = ["label", *(k for k, optional in extra_keys.items() if not optional)]
    optional = ["id", "score", *(k for k, optional in extra_keys.items() if optional)]
    obj_type = here.ctx.schema.objects[here.control.object].type
    if obj_type == "pdf":
        required.append("page")
        if isinstance(here.control, SpansControl):
            optional.append("boxes")
    elif obj_type == "video" and not isinstance(here.control, (TracksControl, SegmentsControl)):
        required.append("frame")
    elif obj_type == "dicom":
        required.append("slice")
        if isinstance(here.control, PolylinesControl):
            optional.append("length_mm")
    elif obj_type == "paragraphs":
        required.append("paragraph")
    elif obj_type == "chat":
        required.append("message")
        optional.append("alternative")
    elif obj_type == "pointcloud" and isinstance(here.control, (CuboidsControl, PointLabelsControl)):
        optional.append("frame")
    return tuple(required), tuple(optional)


@_regions({"start": False, "end": False, "text": True})
def _check_spans(here: _Here, index: int, span: dict, where: str) -> dict:
    if here.ctx.schema.objects[here.control.object].type == "pdf":
        return check_pdf_span(here, index, span, where)
    text = _span_text(here, span, where)
    start, end = span["start"], span["end"]
    for key in ("start", "end"):
        if not isinstance(span[key], int) or isinstance(span[key], bool):
            raise here.fail(
                f"span {index} {key} must be a whole number of characters, not {span[key]!r}",
                f"{where}.{key}",
            )
    if start < 0:
        raise here.fail(f"span {index} starts at {start}, before the start of the text", f"{where}.start")
    if start >= end:
        raise here.fail(
            f"span {index} starts at {start} but ends at {end}; the end must be after the start",
            f"{where}.end",
        )
    if end > len(text):
        raise here.fail(
            f"span {index} ends at {end}, past the end of the text ({len(text)} characters)",
            f"{where}.end",
        )
    if "text" in span and span["text"] != text[start:end]:
        raise here.fail(
            f"span {index} says its text is {span['text']!r} but characters {start}..{end} are {text[start:end]!r}",
            f"{where}.text",
        )
    return span


@_regions({"x": False, "y": False, "width": False, "height": False, "rotation": True})
def _check_box(here: _Here, index: int, box: dict, where: str) -> dict:
    control: BoxesControl = here.control
    rotation = box.get("rotation", 0)
    if not _is_number(rotation):
        raise here.fail(f"box {index} rotation must be a number of degrees", f"{where}.rotation")
    if rotation % 360 and not control.rotatable:
        raise here.fail(
            f"box {index} is rotated by {rotation:g} degrees but the schema does not allow rotation",
            f"{where}.rotation",
        )
    box["rotation"] = rotation % 360
    _check_rect(here, f"box {index}", box, where, _image_size(here, box, where))
    return box


@_regions({"points": False})
def _check_polygon(here: _Here, index: int, shape: dict, where: str) -> dict:
    least = 3 if isinstance(here.control, PolygonsControl) else 2
    what = "polygon" if least == 3 else "polyline"
    points = shape["points"]
    if not isinstance(points, list) or len(points) < least:
        count = len(points) if isinstance(points, list) else 0
        raise here.fail(f"{what} {index} has {count} points; it needs at least {least}", f"{where}.points")
    size = _image_size(here, shape, where)
    shape["points"] = [
        _point(here, point, f"{what} {index}", f"{where}.points[{i}]", size, dims=2) for i, point in enumerate(points)
    ]
    if "slice" in shape:
        shape["length_mm"] = volume_length_mm(here.object_value(), shape["points"])
    return shape


@_regions({"points": False})
def _check_keypoints(here: _Here, index: int, region: dict, where: str) -> dict:
    control: KeypointsControl = here.control
    points = region["points"]
    if not isinstance(points, list) or len(points) != len(control.points):
        count = len(points) if isinstance(points, list) else 0
        raise here.fail(
            f"keypoints {index} has {count} points; the schema's skeleton has {len(control.points)} "
            f"({', '.join(control.points)})",
            f"{where}.points",
        )
    size = _image_size(here, region, where)
    region["points"] = [
        _point(here, point, f"keypoints {index}", f"{where}.points[{i}]", size, dims=3)
        for i, point in enumerate(points)
    ]
    return region


@_regions({"rle": False})
def _check_mask(here: _Here, index: int, mask: dict, where: str) -> dict:
    encoded = _mapping(here, mask["rle"], f"{where}.rle", f"mask {index} rle", required=("size", "counts"), optional=())
    size = encoded["size"]
    if not (isinstance(size, list) and len(size) == 2 and all(_is_count(n) and n > 0 for n in size)):
        raise here.fail(f"mask {index} rle size must be [height, width] in pixels, not {size!r}", f"{where}.rle.size")
    image = _image_size(here, mask, where)
    if image is not None and (size[1], size[0]) != image:
        raise here.fail(
            f"mask {index} is {size[0]}x{size[1]} but the image is {image[1]:g}x{image[0]:g} (height x width)",
            f"{where}.rle.size",
        )
    problem = _rle_problem(encoded["counts"], size[0] * size[1])
    if problem:
        raise here.fail(f"mask {index} rle counts {problem}", f"{where}.rle.counts")
    counts = encoded["counts"]
    mask["rle"] = {"size": list(size), "counts": counts if isinstance(counts, str) else list(counts)}
    return mask


@_regions({"start": False, "end": False})
def _check_segment(here: _Here, index: int, segment: dict, where: str) -> dict:
    start, end = segment["start"], segment["end"]
    for key in ("start", "end"):
        if not _is_number(segment[key]):
            raise here.fail(f"segment {index} {key} must be a number, not {segment[key]!r}", f"{where}.{key}")
    if start >= end:
        raise here.fail(
            f"segment {index} starts at {start:g} but ends at {end:g}; the end must be after the start",
            f"{where}.end",
        )
    low, high = _time_range(here)
    if low is not None and start < low:
        here.beyond(f"segment {index} starts at {start:g}, before the start ({low:g})", f"{where}.start")
    if high is not None and end > high + 1e-9:
        here.beyond(f"segment {index} ends at {end:g}, past the end ({high:g})", f"{where}.end")
    return segment


@_regions({"x": False, "y": False, "z": False, "length": False, "width": False, "height": False, "yaw": False,
           "pitch": True, "roll": True})
def _check_cuboid(here: _Here, index: int, cuboid: dict, where: str) -> dict:
    return check_cuboid(here, index, cuboid, where)


@_regions({"runs": False})
def _check_point_labels(here: _Here, index: int, region: dict, where: str) -> dict:
    return check_point_runs(here, index, region, where)


@_regions({"keyframes": False})
def _check_track(here: _Here, index: int, track: dict, where: str) -> dict:
    if here.ctx.schema.objects[here.control.object].type == "pointcloud":
        return check_cuboid_track(here, index, track, where)
    frames = here.object_value().get("frames") if isinstance(here.object_value(), dict) else None
    frames = frames if _is_count(frames) else None
    keyframes = track["keyframes"]
    if not isinstance(keyframes, list) or not keyframes:
        raise here.fail(f"track {index} needs a non-empty list of keyframes", f"{where}.keyframes")
    size = _image_size(here, track, where)
    out, previous = [], None
    for k, keyframe in enumerate(keyframes):
        at = f"{where}.keyframes[{k}]"
        keyframe = dict(_mapping(
            here, keyframe, at, f"track {index} keyframe {k}",
            required=("frame", "x", "y", "width", "height"), optional=("visible",),
        ))
        frame = keyframe["frame"]
        if not _is_count(frame):
            raise here.fail(
                f"track {index} keyframe {k} frame must be a whole number from 0, not {frame!r}",
                f"{at}.frame",
            )
        if frames is not None and frame >= frames:
            raise here.fail(
                f"track {index} keyframe {k} is at frame {frame}, past the video's {frames} frames",
                f"{at}.frame",
            )
        if previous is not None and frame == previous:
            raise here.fail(f"track {index} has two keyframes at frame {frame}", f"{at}.frame")
        if previous is not None and frame < previous:
            raise here.fail(f"track {index} keyframes are not in frame order ({previous} then {frame})", f"{at}.frame")
        previous = frame
        keyframe.setdefault("visible", True)
        if not isinstance(keyframe["visible"], bool):
            raise here.fail(f"track {index} keyframe {k} visible must be true or false", f"{at}.visible")
        _check_rect(here, f"track {index} keyframe {k}", {**keyframe, "rotation": 0}, at, size)
        out.append(keyframe)
    track["keyframes"] = out
    return track


# --- region helpers ----------------------------------------------------------------------------------

def _region_id(here: _Here, value: Any, path: str) -> str:
    if value is None:
        value = uuid.uuid4().hex
    elif not isinstance(value, str) or not value:
        raise here.fail(f"region ids are non-empty strings, not {value!r}", path)
    owner = here.ctx.region_owner.get(value)
    if owner is not None:
        where = "this control" if owner == here.name else f"control '{owner}'"
        raise here.fail(f"region id '{value}' is already used by another region of {where}", path)
    here.ctx.region_owner[value] = here.name
    return value


def _span_text(here: _Here, span: dict, where: str) -> str:
    spec = here.ctx.schema.objects[here.control.object]
    value = here.object_value()
    if spec.type == "chat":
        return _message_text(here, span, where)
    if isinstance(spec, ParagraphsObject):
        if not isinstance(value, list):
            raise here.fail(f"the task data has no paragraphs under '{spec.field}'", f"data.{spec.field}")
        number = span["paragraph"]
        if not _is_count(number) or number >= len(value):
            raise here.fail(f"paragraph {number!r} does not exist; the task has {len(value)}", f"{where}.paragraph")
        value = value[number].get(spec.text_key) if isinstance(value[number], dict) else value[number]
    if not isinstance(value, str):
        raise here.fail(f"the task data has no text under '{spec.field}'", f"data.{spec.field}")
    return html_text(value) if getattr(spec, "html", False) else value


def _message_text(here: _Here, span: dict, where: str) -> str:
    messages = messages_of(here.object_value())
    spec = here.ctx.schema.objects[here.control.object]
    if messages is None:
        raise here.fail(f"the task data has no chat under '{spec.field}'", f"data.{spec.field}")
    number, alternative = span["message"], span.get("alternative")
    if not _is_count(number) or number >= len(messages):
        raise here.fail(f"message {number!r} does not exist; the chat has {len(messages)}", f"{where}.message")
    if alternative is not None and not _is_count(alternative):
        raise here.fail(f"alternative must be a whole number from 0, not {alternative!r}", f"{where}.alternative")
    text = message_text(messages[number], alternative)
    if text is None and alternative is None and isinstance(messages[number], dict) and messages[number].get("alternatives"):
        raise here.fail(f"message {number} offers alternatives; say which one with 'alternative'", f"{where}.alternative")
    if text is None:
        what = f"alternative {alternative} of message {number}" if alternative is not None else f"message {number}"
        field = f"{where}.alternative" if alternative is not None or messages[number].get("alternatives") else f"{where}.message"
        raise here.fail(f"{what} has no text to mark", field)
    return text


def _image_size(here: _Here, region: dict, where: str) -> tuple[float, float] | None:
    """(width, height) of the image, PDF page or video the region sits on, when the task data gives it."""
    spec = here.ctx.schema.objects[here.control.object]
    value = here.object_value()
    if spec.type == "pdf":
        return page_size(here, value, region["page"], where)
    if spec.type == "dicom":
        check_slice(here, value, region["slice"], where)
    if spec.type == "video" and "frame" in region:
        _check_frame(here, region["frame"], f"{where}.frame")
    if isinstance(value, dict) and _is_number(value.get("width")) and _is_number(value.get("height")):
        if value["width"] > 0 and value["height"] > 0:
            return value["width"], value["height"]
    return None


def _check_frame(here: _Here, frame: Any, path: str) -> None:
    value = here.object_value()
    frames = value.get("frames") if isinstance(value, dict) else None
    if not _is_count(frame):
        raise here.fail(f"frame must be a whole number from 0, not {frame!r}", path)
    if _is_count(frames) and frame >= frames:
        raise here.fail(f"frame {frame} is past the video's {frames} frames", path)


def _check_rect(here: _Here, what: str, box: dict, where: str, size: tuple[float, float] | None) -> None:
    for key in ("x", "y", "width", "height"):
        if not _is_number(box[key]):
            raise here.fail(f"{what} {key} must be a number, not {box[key]!r}", f"{where}.{key}")
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    if w <= 0 or h <= 0:
        key = "width" if w <= 0 else "height"
        raise here.fail(f"{what} has {key} {box[key]:g}; a box needs a positive width and height", f"{where}.{key}")
    theta = math.radians(box["rotation"])
    cos, sin = math.cos(theta), math.sin(theta)
    # Rotation is clockwise about the top-left corner (x, y); y grows downwards.
    corners = [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]
    slack = 1e-6 * max(1.0, w, h)
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    extent = f"(x {min(xs):g}..{max(xs):g}, y {min(ys):g}..{max(ys):g})"
    if min(xs) < -slack or min(ys) < -slack:
        key = "rotation" if box["rotation"] else ("x" if min(xs) < -slack else "y")
        here.beyond(f"{what} {extent} starts outside the image (negative coordinates)", f"{where}.{key}")
    if size is not None and (max(xs) > size[0] + slack or max(ys) > size[1] + slack):
        key = "rotation" if box["rotation"] else ("width" if max(xs) > size[0] + slack else "height")
        here.beyond(f"{what} {extent} extends past the image ({size[0]:g}x{size[1]:g})", f"{where}.{key}")


def _point(here: _Here, point: Any, what: str, path: str, size: tuple[float, float] | None, *, dims: int) -> list:
    shape = "[x, y]" if dims == 2 else "[x, y] or [x, y, visibility]"
    if not isinstance(point, list) or len(point) not in (2, dims) or not all(_is_number(v) for v in point[:2]):
        raise here.fail(f"{what} point must be {shape}, not {point!r}", path)
    if dims == 3:
        visibility = point[2] if len(point) == 3 else 2
        if visibility not in (0, 1, 2) or isinstance(visibility, bool) or not float(visibility).is_integer():
            raise here.fail(
                f"{what} visibility must be 0 (not labeled), 1 (hidden) or 2 (visible), not {visibility!r}",
                path,
            )
        point = [point[0], point[1], int(visibility)]
        if visibility == 0:  # COCO puts unlabeled points at (0, 0): nothing to bound-check
            return point
    x, y = point[0], point[1]
    if x < 0 or y < 0 or (size is not None and (x > size[0] or y > size[1])):
        bounds = f" ({size[0]:g}x{size[1]:g})" if size else ""
        here.beyond(f"{what} point ({x:g}, {y:g}) is outside the image{bounds}", path)
    return list(point)


def _rle_problem(counts: Any, pixels: int) -> str | None:
    """Why `counts` is not a COCO RLE of `pixels` pixels, or None when it is."""
    if isinstance(counts, list):
        if not all(_is_count(c) for c in counts):
            return "must be whole numbers from 0"
        total = sum(counts)
    elif isinstance(counts, str):
        try:
            decoded = rle.decode(counts)
        except ValueError:
            return "is not a valid compressed COCO RLE string"
        if any(c < 0 for c in decoded):
            return "decode to a negative run length"
        total = sum(decoded)
    else:
        return "must be a compressed string or a list of run lengths"
    if total != pixels:
        return f"cover {total} pixels but the mask has {pixels} (height x width)"
    return None


def _time_range(here: _Here) -> tuple[float | None, float | None]:
    spec = here.ctx.schema.objects[here.control.object]
    value = here.object_value()
    if isinstance(spec, TimeseriesObject):
        times = value.get(spec.time_key) if isinstance(value, dict) else None
        if isinstance(times, list) and times and all(_is_number(t) for t in times):
            return min(times), max(times)
        return None, None
    duration = value.get("duration") if isinstance(value, dict) else None
    return 0, duration if _is_number(duration) and duration > 0 else None


def _overlaps(here: _Here, regions: list[dict]) -> None:
    def block(region: dict) -> tuple:
        return (region.get("paragraph", 0), region.get("message", 0), region.get("alternative", -1),
                region.get("page", 0))

    keyed = sorted(enumerate(regions), key=lambda pair: (block(pair[1]), pair[1]["start"]))
    for (i, a), (j, b) in zip(keyed, keyed[1:]):
        if block(a) == block(b) and b["start"] < a["end"]:
            first, second = sorted((i, j))
            raise here.fail(
                f"regions {first} and {second} overlap ({a['start']:g}..{a['end']:g} and {b['start']:g}..{b['end']:g}) "
                "but the schema does not allow overlapping",
                f"{here.path}[{second}]",
            )


def _no_overlap_unless_allowed(check: Callable) -> Callable:
    def wrapped(here: _Here, value: Any) -> list[dict]:
        regions = check(here, value)
        if not here.control.allow_overlap:
            _overlaps(here, regions)
        return regions

    return wrapped


REGION_CHECKERS: dict[type[ControlSpec], Callable[[_Here, Any], list[dict]]] = {
    SpansControl: _no_overlap_unless_allowed(_check_spans),
    BoxesControl: _check_box,
    PolygonsControl: _check_polygon,
    PolylinesControl: _check_polygon,
    KeypointsControl: _check_keypoints,
    MasksControl: _check_mask,
    SegmentsControl: _no_overlap_unless_allowed(_check_segment),
    TracksControl: _check_track,
    CuboidsControl: _check_cuboid,
    PointLabelsControl: _check_point_labels,
}
