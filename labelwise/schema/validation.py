"""Check one submitted result against its label schema and the task's data, and normalise it.

Shapes are those of `docs/result-shapes.md`. Every problem raises `Invalid` whose `field` is a path
into the result (`result.entities[2].end`) and whose message names the control and the problem.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from labelwise.errors import Invalid
from labelwise.schema import rle
from labelwise.schema.specs import (
    BoxesControl,
    ChoicesControl,
    ControlSpec,
    KeypointsControl,
    LabelSchema,
    MasksControl,
    NumberControl,
    PairwiseControl,
    ParagraphsObject,
    PolygonsControl,
    PolylinesControl,
    RankingControl,
    RatingControl,
    RegionControl,
    RelationsControl,
    SegmentsControl,
    SpansControl,
    TaxonomyControl,
    TaxonomyNode,
    TextControl,
    TimeseriesObject,
    TracksControl,
)

__all__ = ["validate_result"]


def validate_result(schema: LabelSchema, data: dict, result: dict) -> dict:
    """Return a normalised copy of `result` (region ids filled in, defaults set) or raise `Invalid`.

    `data` is the task's data payload; it supplies the text for span offsets, image sizes, durations,
    frame counts and ranking items. A control whose value is missing or null is unanswered.
    """
    if not isinstance(result, dict):
        raise Invalid(f"the result must be a JSON object keyed by control name, not {_kind(result)}", field="result")
    if not isinstance(data, dict):
        raise Invalid(f"the task data must be a JSON object, not {_kind(data)}", field="data")
    for name in result:
        if name not in schema.controls:
            raise Invalid(
                f"unknown control '{name}'; the schema's controls are: {', '.join(schema.controls)}",
                field=f"result.{name}",
            )
    ctx = _Context(schema=schema, data=data)
    answers = {name: result[name] for name in schema.controls if result.get(name) is not None}
    out: dict = {}
    # Regions first: relations and per-region text refer to their ids.
    ordered = sorted(schema.controls, key=lambda name: not isinstance(schema.controls[name], RegionControl))
    for name in ordered:
        control = schema.controls[name]
        if name in answers:
            out[name] = _CHECKERS[type(control)](_Here(name, control, f"result.{name}", ctx), answers[name])
        if control.required and _is_empty(out.get(name)):
            raise Invalid(f"control '{name}' is required", field=f"result.{name}")
    return {name: out[name] for name in schema.controls if name in out}


# --- context -----------------------------------------------------------------------------------------

@dataclass
class _Context:
    schema: LabelSchema
    data: dict
    region_owner: dict[str, str] = field(default_factory=dict)  # region id -> control name


@dataclass(frozen=True)
class _Here:
    """The control being checked and where its value sits in the result."""

    name: str
    control: ControlSpec
    path: str
    ctx: _Context

    def fail(self, message: str, path: str | None = None) -> Invalid:
        return Invalid(f"control '{self.name}': {message}", field=path or self.path)

    def object_value(self) -> Any:
        spec = self.ctx.schema.objects[self.control.object]
        return self.ctx.data.get(spec.field)


# --- single-value controls ---------------------------------------------------------------------------

def _check_choices(here: _Here, value: Any) -> str | list[str]:
    control: ChoicesControl = here.control
    if not control.multiple:
        if isinstance(value, list):
            raise here.fail("takes one choice (multiple is false), not a list")
        return _option(here, value, control.options, here.path)
    items = _list(here, value, "a list of choices (multiple is true)")
    seen: set[str] = set()
    for index, item in enumerate(items):
        _option(here, item, control.options, f"{here.path}[{index}]")
        if item in seen:
            raise here.fail(f"choice '{item}' is given twice", f"{here.path}[{index}]")
        seen.add(item)
    _count(here, len(items), control.min, control.max, "choices")
    return list(items)


def _check_taxonomy(here: _Here, value: Any) -> list[list[str]]:
    control: TaxonomyControl = here.control
    paths = _list(here, value, "a list of paths from the root, such as [[\"Animal\", \"Cat\"]]")
    out, seen = [], set()
    for index, path in enumerate(paths):
        where = f"{here.path}[{index}]"
        if not isinstance(path, list) or not path or not all(isinstance(step, str) for step in path):
            raise here.fail(f"path {index} must be a non-empty list of option names, not {path!r}", where)
        node = _walk(control.options, path)
        if node is None:
            raise here.fail(f"path {index} ({' / '.join(path)}) is not in the taxonomy", where)
        if control.leaf_only and node.children:
            raise here.fail(f"path {index} ({' / '.join(path)}) stops before a leaf; only leaves can be chosen", where)
        if tuple(path) in seen:
            raise here.fail(f"path {index} ({' / '.join(path)}) is given twice", where)
        seen.add(tuple(path))
        out.append(list(path))
    if not control.multiple and len(out) > 1:
        raise here.fail(f"takes one path (multiple is false), got {len(out)}")
    _count(here, len(out), control.min, control.max, "paths")
    return out


def _check_text(here: _Here, value: Any) -> str | dict[str, str]:
    control: TextControl = here.control
    if not control.per_region:
        return _text_value(here, value, here.path)
    if not isinstance(value, dict):
        raise here.fail(f"takes an object of region id to text (per_region is true), not {_kind(value)}")
    out = {}
    for region_id, text in value.items():
        where = f"{here.path}.{region_id}"
        if here.ctx.region_owner.get(region_id) != control.regions_of:
            raise here.fail(
                f"text for region '{region_id}', but control '{control.regions_of}' has no such region in this result",
                where,
            )
        out[region_id] = _text_value(here, text, where)
    return out


def _check_rating(here: _Here, value: Any) -> int:
    control: RatingControl = here.control
    if not _is_number(value) or not float(value).is_integer():
        raise here.fail(f"a rating is a whole number from 1 to {control.max}, not {value!r}")
    if not 1 <= value <= control.max:
        raise here.fail(f"rating {value:g} is outside 1..{control.max}")
    return int(value)


def _check_number(here: _Here, value: Any) -> int | float:
    control: NumberControl = here.control
    if not _is_number(value):
        raise here.fail(f"expects a number, not {value!r}")
    if control.integer and not float(value).is_integer():
        raise here.fail(f"{value:g} is not an integer")
    if control.min is not None and value < control.min:
        raise here.fail(f"{value:g} is below the minimum {control.min:g}")
    if control.max is not None and value > control.max:
        raise here.fail(f"{value:g} is above the maximum {control.max:g}")
    if control.step is not None:
        steps = (value - (control.min or 0)) / control.step
        if abs(steps - round(steps)) > 1e-9 * max(1.0, abs(steps)):
            raise here.fail(f"{value:g} is not a multiple of the step {control.step:g} from {control.min or 0:g}")
    return int(value) if control.integer else value


def _check_ranking(here: _Here, value: Any) -> list[str]:
    control: RankingControl = here.control
    items = _list(here, value, "a list of item ids, best first")
    known = _item_ids(here, here.ctx.schema.objects[control.object])
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"{here.path}[{index}]"
        if item not in known:
            raise here.fail(f"item {item!r} is not one of the task's items ({', '.join(known)})", where)
        if item in seen:
            raise here.fail(f"item '{item}' is ranked twice", where)
        seen.add(item)
    missing = [item for item in known if item not in seen]
    if missing:
        raise here.fail(f"the ranking leaves out {', '.join(repr(m) for m in missing)}; rank every item")
    return list(items)


def _check_pairwise(here: _Here, value: Any) -> str:
    control: PairwiseControl = here.control
    allowed = ("a", "b", "tie") if control.allow_tie else ("a", "b")
    if value not in allowed or not isinstance(value, str):
        raise here.fail(f"expects one of {', '.join(repr(a) for a in allowed)}, not {value!r}")
    return value


def _check_relations(here: _Here, value: Any) -> list[dict]:
    control: RelationsControl = here.control
    items = _list(here, value, "a list of relations")
    connectable = set(control.controls) if control.controls is not None else None
    out, seen = [], set()
    for index, item in enumerate(items):
        where = f"{here.path}[{index}]"
        keys = ("from", "to", "label") if control.labels else ("from", "to")
        item = _mapping(here, item, where, f"relation {index}", required=keys, optional=("score",))
        for end in ("from", "to"):
            region_id = item[end]
            owner = here.ctx.region_owner.get(region_id) if isinstance(region_id, str) else None
            if owner is None:
                raise here.fail(
                    f"relation {index} points at region {region_id!r}, which is not in this result",
                    f"{where}.{end}",
                )
            if connectable is not None and owner not in connectable:
                raise here.fail(
                    f"relation {index} points at region '{region_id}' of control '{owner}', "
                    "which this control does not connect",
                    f"{where}.{end}",
                )
        if item["from"] == item["to"]:
            raise here.fail(f"relation {index} connects region '{item['from']}' to itself", f"{where}.to")
        if control.labels:
            _option(here, item["label"], control.labels, f"{where}.label", what="label")
        key = (item["from"], item["to"], item.get("label"))
        if key in seen:
            raise here.fail(f"relation {index} repeats an earlier relation", where)
        seen.add(key)
        out.append(dict(item))
    _count(here, len(out), control.min, control.max, "relations")
    return out


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
                _option(here, item["label"], control.labels, f"{where}.label", what="label")
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
    elif obj_type == "video" and not isinstance(here.control, (TracksControl, SegmentsControl)):
        required.append("frame")
    elif obj_type == "paragraphs":
        required.append("paragraph")
    return tuple(required), tuple(optional)


@_regions({"start": False, "end": False, "text": True})
def _check_spans(here: _Here, index: int, span: dict, where: str) -> dict:
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
        raise here.fail(f"segment {index} starts at {start:g}, before the start ({low:g})", f"{where}.start")
    if high is not None and end > high + 1e-9:
        raise here.fail(f"segment {index} ends at {end:g}, past the end ({high:g})", f"{where}.end")
    return segment


@_regions({"keyframes": False})
def _check_track(here: _Here, index: int, track: dict, where: str) -> dict:
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
    if isinstance(spec, ParagraphsObject):
        if not isinstance(value, list):
            raise here.fail(f"the task data has no paragraphs under '{spec.field}'", f"data.{spec.field}")
        number = span["paragraph"]
        if not _is_count(number) or number >= len(value):
            raise here.fail(f"paragraph {number!r} does not exist; the task has {len(value)}", f"{where}.paragraph")
        value = value[number].get(spec.text_key) if isinstance(value[number], dict) else value[number]
    if not isinstance(value, str):
        raise here.fail(f"the task data has no text under '{spec.field}'", f"data.{spec.field}")
    return value


def _image_size(here: _Here, region: dict, where: str) -> tuple[float, float] | None:
    """(width, height) of the image, PDF page or video the region sits on, when the task data gives it."""
    spec = here.ctx.schema.objects[here.control.object]
    value = here.object_value()
    if spec.type == "pdf":
        page = region["page"]
        if not _is_count(page) or (isinstance(value, list) and page >= len(value)):
            pages = f"; the document has {len(value)} pages" if isinstance(value, list) else ""
            raise here.fail(f"page {page!r} does not exist{pages}", f"{where}.page")
        value = value[page] if isinstance(value, list) else None
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
        raise here.fail(f"{what} {extent} starts outside the image (negative coordinates)", f"{where}.{key}")
    if size is not None and (max(xs) > size[0] + slack or max(ys) > size[1] + slack):
        key = "rotation" if box["rotation"] else ("width" if max(xs) > size[0] + slack else "height")
        raise here.fail(f"{what} {extent} extends past the image ({size[0]:g}x{size[1]:g})", f"{where}.{key}")


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
        raise here.fail(f"{what} point ({x:g}, {y:g}) is outside the image{bounds}", path)
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


def _item_ids(here: _Here, spec: ParagraphsObject) -> list[str]:
    items = here.ctx.data.get(spec.field)
    if not isinstance(items, list) or not items:
        raise here.fail(f"the task data has no items to rank under '{spec.field}'", f"data.{spec.field}")
    return [
        str(item["id"]) if isinstance(item, dict) and "id" in item else str(index) for index, item in enumerate(items)
    ]


def _overlaps(here: _Here, regions: list[dict]) -> None:
    keyed = sorted(enumerate(regions), key=lambda pair: (pair[1].get("paragraph", 0), pair[1]["start"]))
    for (i, a), (j, b) in zip(keyed, keyed[1:]):
        if a.get("paragraph", 0) == b.get("paragraph", 0) and b["start"] < a["end"]:
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


# --- generic helpers ---------------------------------------------------------------------------------

def _list(here: _Here, value: Any, expected: str) -> list:
    if not isinstance(value, list):
        raise here.fail(f"expects {expected}, not {_kind(value)}")
    return value


def _mapping(here: _Here, value: Any, path: str, what: str, *, required: tuple, optional: tuple) -> dict:
    if not isinstance(value, dict):
        raise here.fail(f"{what} must be an object, not {_kind(value)}", path)
    for key in value:
        if key not in required and key not in optional:
            raise here.fail(
                f"{what} has unknown key '{key}'; expected: {', '.join((*required, *optional))}",
                f"{path}.{key}",
            )
    for key in required:
        if key not in value:
            raise here.fail(f"{what} has no '{key}'", f"{path}.{key}")
    return value


def _option(here: _Here, value: Any, options: tuple[str, ...], path: str, *, what: str = "choice") -> str:
    if not isinstance(value, str) or value not in options:
        raise here.fail(f"unknown {what} {value!r}; expected one of: {', '.join(options)}", path)
    return value


def _text_value(here: _Here, value: Any, path: str) -> str:
    control: TextControl = here.control
    if not isinstance(value, str):
        raise here.fail(f"expects text, not {_kind(value)}", path)
    if control.max_length is not None and len(value) > control.max_length:
        raise here.fail(f"text is {len(value)} characters, over the limit of {control.max_length}", path)
    return value


def _count(here: _Here, count: int, low: int | None, high: int | None, what: str) -> None:
    if low is not None and count < low and count:
        raise here.fail(f"needs at least {low} {what}, got {count}")
    if high is not None and count > high:
        raise here.fail(f"allows at most {high} {what}, got {count}")


def _walk(nodes: tuple[TaxonomyNode, ...], path: list[str]) -> TaxonomyNode | None:
    node = None
    for step in path:
        node = next((candidate for candidate in nodes if candidate.value == step), None)
        if node is None:
            return None
        nodes = node.children
    return node


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or (isinstance(value, str) and not value.strip())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )


_CHECKERS: dict[type[ControlSpec], Callable[[_Here, Any], Any]] = {
    ChoicesControl: _check_choices,
    TaxonomyControl: _check_taxonomy,
    SpansControl: _no_overlap_unless_allowed(_check_spans),
    RelationsControl: _check_relations,
    BoxesControl: _check_box,
    PolygonsControl: _check_polygon,
    PolylinesControl: _check_polygon,
    KeypointsControl: _check_keypoints,
    MasksControl: _check_mask,
    SegmentsControl: _no_overlap_unless_allowed(_check_segment),
    TracksControl: _check_track,
    TextControl: _check_text,
    RatingControl: _check_rating,
    NumberControl: _check_number,
    RankingControl: _check_ranking,
    PairwiseControl: _check_pairwise,
}
