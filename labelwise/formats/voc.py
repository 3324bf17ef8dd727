"""Pascal VOC detection XML (the VOC2012 devkit's annotation layout): one file per image, boxes only.

Files go to `Annotations/<image stem>.xml` (the stem gets `_<task id>` when two tasks share it)
plus `ImageSets/Main/default.txt` listing the stems, in a directory or a zip. VOC pixel indices are
1-based and inclusive, so a box covering `[x, x + width)` in our top-left-origin pixel units is
written as `xmin = round(x) + 1`, `xmax = round(x + width)`; integer boxes survive exactly, others
move by at most half a pixel. Rotated boxes are written as the axis-aligned box around them.
Polygons, key points and masks have no VOC detection form and are left out.

`read` takes such a zip (any `*.xml` in it; Label Studio's VOC export has `Annotations/` and `images/`)
or one XML file, and gives one task per annotation file: the image as `{"src": <folder-less file name,
or image_root + it>, "width", "height"}` and its boxes, back to top-left pixel units, in the schema's
first boxes control on its first image object.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from labelwise.errors import Invalid
from labelwise.formats._images import (
    box_corners,
    controls_on,
    enclosing,
    image_file_name,
    image_info,
    image_object,
    unique_stem,
)
from labelwise.formats._sink import Sink
from labelwise.formats.labels import Source, final_results, import_row
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema

__all__ = ["NAME", "EXTENSIONS", "write", "read"]

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


def read(fp: IO[bytes], *, schema: LabelSchema, into: str = "predictions", image_root: str = "") -> Iterator[Row]:
    """One row per VOC annotation file, in name order."""
    object_name, field = image_object(schema)
    controls = controls_on(schema, object_name, ("boxes",))
    if not controls:
        raise Invalid(f"VOC boxes need a boxes control on image object '{object_name}'", field="schema")
    control = next(iter(controls))
    for line, (name, xml) in enumerate(_files(fp), start=1):
        root = _parse(xml, name)
        filename = (root.findtext("filename") or os.path.basename(name).rsplit(".", 1)[0] + ".jpg").strip()
        width, height = _number(root, "size/width", name), _number(root, "size/height", name)
        boxes = []
        for index, obj in enumerate(root.iter("object")):
            box = [_number(obj, f"bndbox/{key}", name) for key in ("xmin", "ymin", "xmax", "ymax")]
            xmin, ymin = box[0] - 1, box[1] - 1  # 1-based inclusive pixel indices
            boxes.append({"id": f"voc-{line}-{index + 1}", "x": xmin, "y": ymin, "width": box[2] - xmin,
                          "height": box[3] - ymin, "label": (obj.findtext("name") or "").strip()})
        data = {field: {"src": image_root + filename, "width": width, "height": height}}
        yield Row(line, import_row(data, {control: boxes} if boxes else None, into=into,
                                   external_id=filename, model_version="voc"))


def _files(fp: IO[bytes]) -> list[tuple[str, bytes]]:
    head = fp.read(4)
    fp.seek(0)
    if head != b"PK\x03\x04":
        return [("annotation.xml", fp.read())]
    try:
        with zipfile.ZipFile(io.BytesIO(fp.read()) if not fp.seekable() else fp) as archive:
            names = sorted(n for n in archive.namelist() if n.lower().endswith(".xml") and not n.startswith("__MACOSX"))
            return [(n, archive.read(n)) for n in names]
    except zipfile.BadZipFile:
        raise Invalid("the VOC upload is not a readable zip", field="file") from None


def _parse(xml: bytes, name: str) -> ET.Element:
    try:
        root = fromstring(xml)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise Invalid(f"{name}: not a VOC annotation ({type(exc).__name__}: {exc})", field=name) from None
    if root.tag != "annotation":
        raise Invalid(f"{name}: a VOC annotation file has an <annotation> root, not <{root.tag}>", field=name)
    return root


def _number(element: ET.Element, path: str, name: str) -> float:
    text = element.findtext(path)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise Invalid(f"{name}: <{path}> must be a number, not {text!r}", field=f"{name}.{path}") from None
    return int(value) if value.is_integer() else value
