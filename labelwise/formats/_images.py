"""Helpers shared by the image formats (COCO, Pascal VOC, YOLO): which object, its size, box geometry."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from labelwise.errors import Invalid
from labelwise.schema import ControlSpec, LabelSchema

REGION_KINDS = ("boxes", "polygons", "keypoints", "masks")


def image_object(schema: LabelSchema, name: str | None = None) -> tuple[str, str]:
    """(object name, data field) of the image object to export: `name`, or the schema's first image."""
    if name is not None:
        spec = schema.objects.get(name)
        if spec is None or spec.type != "image":
            raise Invalid(f"'{name}' is not an image object of this schema", field="image")
        return name, spec.field
    for object_name, spec in schema.objects.items():
        if spec.type == "image":
            return object_name, spec.field
    raise Invalid("this export needs an image object in the schema, and it has none", field="image")


def controls_on(schema: LabelSchema, object_name: str, kinds: Iterable[str]) -> dict[str, ControlSpec]:
    wanted = set(kinds)
    return {
        name: spec for name, spec in schema.controls.items()
        if spec.type in wanted and getattr(spec, "object", None) == object_name
    }


def label_names(controls: Mapping[str, ControlSpec]) -> list[str]:
    """Every label of the controls, in schema order, each once: the class list of YOLO and COCO."""
    return list(dict.fromkeys(label for spec in controls.values() for label in spec.labels))


def image_info(record: Mapping[str, Any], field: str, *, need_size: bool = True) -> tuple[str, float | None, float | None]:
    """(src, width, height) of a task's image; raise `Invalid` naming the task when the size is needed but absent."""
    value = (record.get("data") or {}).get(field)
    if isinstance(value, Mapping):
        src, width, height = value.get("src"), value.get("width"), value.get("height")
    else:
        src, width, height = value, None, None
    task = record.get("id")
    if not isinstance(src, str) or not src:
        raise Invalid(f"task {task}: data.{field} has no image URL", field=f"data.{field}")
    if need_size and not (_positive(width) and _positive(height)):
        raise Invalid(
            f"task {task}: data.{field} needs width and height ({{\"src\", \"width\", \"height\"}}) for this format",
            field=f"data.{field}",
        )
    return src, width, height


def file_name(src: str) -> str:
    """The base name of a URL's or path's last segment, percent-decoded ("a/b/c%201.jpg" -> "c 1.jpg")."""
    path = urlsplit(src).path if "://" in src or src.startswith("/") else src
    if src.startswith("data:"):
        return ""
    return posixpath.basename(unquote(path))


def image_file_name(record: Mapping[str, Any], src: str) -> str:
    """The image's file name: the name it was uploaded under (the media import keeps it in the task's
    `meta.filename`), else the base name of its URL (stored media URLs are content hashes)."""
    uploaded = (record.get("meta") or {}).get("filename")
    if isinstance(uploaded, str) and uploaded.strip():
        return posixpath.basename(uploaded.replace("\\", "/"))
    return file_name(src)


def unique_stem(name: str, task_id: Any, seen: set[str]) -> str:
    """A file stem for a task's label file: the image file's stem, suffixed with the task id when taken."""
    stem = posixpath.splitext(name)[0] or f"task_{task_id}"
    if stem in seen:
        stem = f"{stem}_{task_id}"
    seen.add(stem)
    return stem


def box_corners(box: Mapping[str, Any]) -> list[tuple[float, float]]:
    """Corners of a box rotated clockwise (on screen, y down) by `rotation` degrees about (x, y)."""
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    angle = math.radians(box.get("rotation") or 0)
    cos, sin = math.cos(angle), math.sin(angle)
    return [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]


def enclosing(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the axis-aligned box around the points."""
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def polygon_area(points: list[tuple[float, float]]) -> float:
    """Shoelace area of a simple polygon."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def tidy(value: float, digits: int = 6) -> float | int:
    """Round away float noise and give whole numbers back as ints, so files diff cleanly."""
    rounded = round(value, digits)
    return int(rounded) if float(rounded).is_integer() else rounded


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
