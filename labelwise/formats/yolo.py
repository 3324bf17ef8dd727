"""YOLO text labels (the Darknet/Ultralytics layout): `labels/<stem>.txt`, `classes.txt` and `data.yaml`.

Each line is `class cx cy w h`, normalised to the image size (0-1, six decimals); with
`task="segment"` polygons are written as `class x1 y1 x2 y2 ...` (normalised) and boxes as their
four corners. Classes are the labels of the exported controls in schema order (`classes.txt`, and
`names` in `data.yaml`). Every task gets a label file, empty when it has no regions (a background
image). In detect mode polygons are left out, but their labels stay in the class list so class
numbers are the same in both modes. Rotated boxes are written as the axis-aligned box around them.

`read` takes a dataset directory holding `images/` and `labels/` (mirrored sub-folders such as
`images/train` are fine) and class names from `classes.txt` or `data.yaml`; image sizes come from
the image files. `read_labels` takes `labels/` alone (Label Studio's YOLO export has no images): a
label file's image is the one given for its name, and without a known size its regions stay
percentages, kept as Label Studio result items (as `labelstudio_json` keeps them) and flagged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal

import yaml

from labelwise.errors import Invalid
from labelwise.formats._images import (
    box_corners,
    controls_on,
    enclosing,
    image_file_name,
    image_info,
    image_object,
    label_names,
    tidy,
    unique_stem,
)
from labelwise.formats._ls_results import ls_name
from labelwise.formats._sink import Sink
from labelwise.formats.labels import Source, final_results, import_row
from labelwise.formats.labelstudio_json import FLAGS_META, UNSIZED_META
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema
from labelwise.schema.safe_yaml import NoAliasLoader

__all__ = ["NAME", "EXTENSIONS", "IMAGE_SUFFIXES", "write", "read", "read_labels"]

NAME = "yolo"
EXTENSIONS = (".zip",)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def write(
    records: Iterable[Mapping[str, Any]],
    target: str | os.PathLike | IO[bytes],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    image: str | None = None,
    task: Literal["detect", "segment"] = "detect",
) -> None:
    """Write `labels/*.txt`, `classes.txt` and `data.yaml` into a directory, a `.zip` path or a binary stream."""
    if task not in ("detect", "segment"):
        raise ValueError("task must be 'detect' or 'segment'")
    object_name, field = image_object(schema, image)
    # Classes come from boxes and polygons in both modes, so class numbers do not depend on the mode.
    classes = label_names(controls_on(schema, object_name, ("boxes", "polygons")))
    controls = controls_on(schema, object_name, ("boxes",) if task == "detect" else ("boxes", "polygons"))
    index = {label: number for number, label in enumerate(classes)}
    with Sink(target) as sink:
        seen: set[str] = set()
        for record in records:
            src, width, height = image_info(record, field)
            lines = []
            for result in final_results(record, source=source):
                for name, spec in controls.items():
                    for region in result.get(name) or ():
                        lines.append(_line(spec.type, task, region, index[region["label"]], width, height))
            sink.put(f"labels/{unique_stem(image_file_name(record, src), record['id'], seen)}.txt", "".join(lines).encode())
        sink.put("classes.txt", "".join(f"{label}\n" for label in classes).encode())
        config = {"path": ".", "train": "images", "val": "images", "nc": len(classes),
                  "names": dict(enumerate(classes))}
        sink.put("data.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode())


def read(
    directory: str | os.PathLike,
    *,
    schema: LabelSchema | None = None,
    image: str | None = None,
    into: str = "predictions",
    image_root: str = "",
    model_version: str = "yolo",
) -> Iterator[Row]:
    """One row per image under `images/` (sorted; `Row.line` = its 1-based position).

    Data is `{<image field>: {"src": image_root + path under images/, "width", "height"}}`; a
    5-number line becomes a box, a longer one a polygon. Without a schema the field is `image` and
    the controls `boxes` and `polygons`.
    """
    root = Path(directory)
    field, targets = _targets(schema, image)
    classes = _classes(root)
    images_dir = root / "images"
    if not images_dir.is_dir():
        raise Invalid(f"{root}: no images/ folder; YOLO needs the images to know their size", field="images")
    paths = sorted(p for p in images_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    for line, path in enumerate(paths, start=1):
        relative = path.relative_to(images_dir)
        width, height = _size(path, relative)
        label_path = (root / "labels" / relative).with_suffix(".txt")
        result = _parse_labels(label_path, root, classes, targets, width, height) if label_path.is_file() else {}
        data = {field: {"src": image_root + relative.as_posix(), "width": width, "height": height}}
        yield Row(line, import_row(data, result or None, into=into, external_id=relative.with_suffix("").as_posix(),
                                   model_version=model_version))


def read_labels(
    directory: str | os.PathLike,
    *,
    schema: LabelSchema,
    images: Mapping[str, Any],
    image: str | None = None,
    into: str = "predictions",
    model_version: str = "yolo",
) -> Iterator[Row]:
    """One row per `labels/**/<name>.txt` (sorted), without images: its image is `images[<name>]` (a task's
    value, `{"src", "width", "height"}` or a URL), else `<name>` itself. With the image's size the regions
    are ours; without it they stay percentages, as Label Studio result items in `meta.labelstudio_unsized`
    (written back by the Label Studio export), and `meta.out_of_range` says so."""
    root = Path(directory)
    object_name, field = image_object(schema, image)
    _, targets = _targets(schema, object_name)
    classes = _classes(root)
    paths = sorted(p for p in (root / "labels").rglob("*.txt") if p.is_file())
    for line, path in enumerate(paths, start=1):
        name = path.relative_to(root / "labels").with_suffix("").as_posix()
        value = images.get(Path(name).name, name)
        size = (value.get("width"), value.get("height")) if isinstance(value, Mapping) else (None, None)
        if size[0] and size[1]:
            result = _parse_labels(path, root, classes, targets, size[0], size[1])
            yield Row(line, import_row({field: value}, result or None, into=into, external_id=name,
                                       model_version=model_version))
            continue
        percent = _parse_labels(path, root, classes, targets, 100, 100)
        items = [_percent_item(schema, control, object_name, region)
                 for control, regions in percent.items() for region in regions]
        row = import_row({field: value}, None, external_id=name)
        if items:
            if into == "gold":
                raise Invalid(f"labels/{name}.txt: gold needs the image's size, and the project has no task with a "
                              f"sized image named {Path(name).name}", field="into", line=line)
            owner = f"p:{model_version}" if into == "predictions" else "a:None"  # the importer's, once stored
            row.update({"predictions": [{"model_version": model_version, "result": {}}]} if into == "predictions"
                       else {"annotations": [{"result": {}}]})
            row["meta"] = {UNSIZED_META: {owner: items}, FLAGS_META: [
                f"labels/{name}.txt: {len(items)} region(s) kept as percentages of an image of unknown size"]}
        yield Row(line, row)


def _percent_item(schema: LabelSchema, control: str, object_name: str, region: Mapping[str, Any]) -> dict[str, Any]:
    """A Label Studio result item for a region read with a 100x100 image: its coordinates are percentages."""
    base = {"id": region["id"], "from_name": ls_name(schema, control), "to_name": object_name}
    if "points" in region:
        return {**base, "type": "polygonlabels", "value": {"points": region["points"], "closed": True,
                                                           "polygonlabels": [region["label"]]}}
    return {**base, "type": "rectanglelabels", "value": {
        **{key: region[key] for key in ("x", "y", "width", "height", "rotation")}, "rectanglelabels": [region["label"]]}}


def _line(kind: str, task: str, region: Mapping[str, Any], number: int, width: float, height: float) -> str:
    if kind == "polygons":
        coords = [c for x, y in ((p[0], p[1]) for p in region["points"]) for c in (x / width, y / height)]
        return f"{number} " + " ".join(_num(c) for c in coords) + "\n"
    corners = box_corners(region)
    if task == "segment":
        return f"{number} " + " ".join(_num(c) for x, y in corners for c in (x / width, y / height)) + "\n"
    x, y, w, h = enclosing(corners)
    values = ((x + w / 2) / width, (y + h / 2) / height, w / width, h / height)
    return f"{number} " + " ".join(_num(v) for v in values) + "\n"


def _num(value: float) -> str:
    return f"{value:.6f}"


def _targets(schema: LabelSchema | None, image: str | None) -> tuple[str, dict[str, str]]:
    if schema is None:
        return image or "image", {"boxes": "boxes", "polygons": "polygons"}
    object_name, field = image_object(schema, image)
    targets: dict[str, str] = {}
    for name, spec in controls_on(schema, object_name, ("boxes", "polygons")).items():
        targets.setdefault(spec.type, name)
    if not targets:
        raise Invalid(f"the schema has no boxes or polygons control on '{object_name}'", field="schema")
    return field, targets


def _classes(root: Path) -> list[str]:
    classes_txt, data_yaml = root / "classes.txt", root / "data.yaml"
    if classes_txt.is_file():
        return [name.strip() for name in classes_txt.read_text(encoding="utf-8").splitlines() if name.strip()]
    if data_yaml.is_file():
        try:
            config = yaml.load(data_yaml.read_text(encoding="utf-8"), Loader=NoAliasLoader)  # noqa: S506
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise Invalid(f"data.yaml: not valid YAML{where}: {problem}", field="data.yaml") from None
        names = config.get("names") if isinstance(config, dict) else None
        if isinstance(names, dict):
            try:
                return [str(names[key]) for key in sorted(names, key=int)]
            except (TypeError, ValueError):
                raise Invalid("data.yaml: 'names' keys must be class numbers", field="data.yaml") from None
        if isinstance(names, list):
            return [str(name) for name in names]
        raise Invalid("data.yaml: 'names' must be a list or a mapping of class number to name", field="data.yaml")
    raise Invalid(f"{root}: no classes.txt or data.yaml naming the classes", field="classes.txt")


def _size(path: Path, relative: Path) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return img.size
    except (UnidentifiedImageError, OSError) as exc:
        raise Invalid(f"images/{relative.as_posix()}: not a readable image ({exc})", field="images") from None


def _parse_labels(path: Path, root: Path, classes: list[str], targets: dict[str, str], width: int, height: int) -> dict:
    where = path.relative_to(root).as_posix()
    result: dict[str, list] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"{where}: not UTF-8 text", field=where) from None
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        try:
            cls, values = int(parts[0]), [float(v) for v in parts[1:]]
        except ValueError:
            raise Invalid(f"{where} line {number}: expected a class number and coordinates, got {raw!r}",
                          field=where, line=number) from None
        if not 0 <= cls < len(classes):
            raise Invalid(f"{where} line {number}: class {cls} is not in the {len(classes)} classes",
                          field=where, line=number)
        region_id = f"{Path(where).stem}-{number}"
        if len(values) == 4 and "boxes" in targets:
            cx, cy, w, h = values
            x0, y0 = max(0.0, (cx - w / 2) * width), max(0.0, (cy - h / 2) * height)
            x1, y1 = min(width, (cx + w / 2) * width), min(height, (cy + h / 2) * height)
            region = {"id": region_id, "x": tidy(x0, 6), "y": tidy(y0, 6), "width": tidy(x1 - x0, 6),
                      "height": tidy(y1 - y0, 6), "rotation": 0, "label": classes[cls]}
            result.setdefault(targets["boxes"], []).append(region)
        elif len(values) >= 6 and len(values) % 2 == 0 and "polygons" in targets:
            points = [[tidy(min(max(values[i], 0.0), 1.0) * width, 6), tidy(min(max(values[i + 1], 0.0), 1.0) * height, 6)]
                      for i in range(0, len(values), 2)]
            result.setdefault(targets["polygons"], []).append({"id": region_id, "points": points, "label": classes[cls]})
        else:
            raise Invalid(f"{where} line {number}: {len(values)} coordinates; expected 4 (a box) or an even number "
                          "of at least 6 (a polygon) that this schema can hold", field=where, line=number)
    return result
