"""Pascal VOC detection XML (the VOC2012 devkit's annotation layout): one file per image, boxes only.

Files go to `Annotations/<image stem>.xml` (the stem gets `_<task id>` when two tasks share it)
plus `ImageSets/Main/default.txt` listing the stems, in a directory or a zip. VOC pixel indices are
1-based and inclusive, so a box covering `[x, x + width)` in our top-left-origin pixel units is
written as `xmin = round(x) + 1`, `xmax = round(x + width)`; integer boxes survive exactly, others
move by at most half a pixel. Rotated boxes are written as the axis-aligned box around them.
Polygons, key points and masks have no VOC detection form and are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import IO, Any
from xml.etree import ElementTree as ET

from labelwise.schema import LabelSchema
from labelwise.formats._images import box_corners, controls_on, enclosing, image_file_name, image_info, image_object, unique_stem
from labelwise.formats._sink import Sink
from labelwise.formats.labels import Source, final_results

__all__ = ["NAME", "EXTENSIONS", "write"]

NAME = "voc"
EXTENSIONS = (".zip",)


def write(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike | IO[bytes],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    image: str | None = None,
    depth: int = 3,
) -> None:
    """Write one VOC XML per task into `target`: a directory, a `.zip` path, or a binary stream (zip)."""
    object_name, field = image_object(schema, image)
    controls = controls_on(schema, object_name, ("boxes",))
    with Sink(target) as sink:
        seen: set[str] = set()
        stems = []
        for record in records:
            src, width, height = image_info(record, field)
            name = image_file_name(record, src)
            stem = unique_stem(name, record["id"], seen)
            stems.append(stem)
            boxes = [box for result in final_results(record, source=source) for name in controls for box in result.get(name) or ()]
            sink.put(f"Annotations/{stem}.xml", _xml(name or f"{stem}.jpg", width, height, depth, boxes))
        sink.put("ImageSets/Main/default.txt", "".join(f"{stem}\n" for stem in stems).encode())


def _xml(name: str, width: float, height: float, depth: int, boxes: list[Mapping[str, Any]]) -> bytes:
    root = ET.Element("annotation")
    _text(root, "folder", "JPEGImages")
    _text(root, "filename", name)
    _text(_sub(root, "source"), "database", "labelwise")
    size = _sub(root, "size")
    for key, value in (("width", width), ("height", height), ("depth", depth)):
        _text(size, key, str(int(round(value))))
    _text(root, "segmented", "0")
    for box in boxes:
        x, y, w, h = enclosing(box_corners(box))
        xmin, ymin = max(1, round(x) + 1), max(1, round(y) + 1)
        xmax, ymax = min(round(width), max(xmin, round(x + w))), min(round(height), max(ymin, round(y + h)))
        obj = _sub(root, "object")
        _text(obj, "name", box["label"])
        _text(obj, "pose", "Unspecified")
        _text(obj, "truncated", "0")
        _text(obj, "difficult", "0")
        bndbox = _sub(obj, "bndbox")
        for key, value in (("xmin", xmin), ("ymin", ymin), ("xmax", xmax), ("ymax", ymax)):
            _text(bndbox, key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _sub(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, tag)


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value
