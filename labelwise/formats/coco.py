"""COCO instances JSON (cocodataset.org/#format-data): boxes, polygons, keypoints and RLE masks, out and in.

Export writes one image per task (id = task id, `file_name` = the name the file was uploaded under,
else the URL's base name; size from the task data) and one annotation per region. Boxes carry their corner polygon as `segmentation`, so
`annToMask` works on every annotation except key points (whose `segmentation` is `[]`); a rotated
box's `bbox` is the axis-aligned box around it. Each annotation also has a `labelwise` key
(`{"control", "region"}`, plus `box`/`rotation` for rotated boxes) that COCO readers ignore and our
reader uses to rebuild the exact region.

The writer streams: images and annotations go to two temporary files while the records are read
once, and the JSON is then assembled from the header and the two files. The reader parses with
ijson, so the raw text is never held, but it keeps the converted annotations until the end because
COCO groups nothing per image (pycocotools holds the whole file the same way).
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import ijson

from labelwise.errors import Invalid
from labelwise.formats._images import (
    REGION_KINDS,
    box_corners,
    controls_on,
    enclosing,
    image_file_name,
    image_info,
    image_object,
    label_names,
    polygon_area,
    tidy,
)
from labelwise.formats.labels import Source, final_results, import_row
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema, rle

__all__ = ["NAME", "EXTENSIONS", "write", "read"]

NAME = "coco"
EXTENSIONS = (".json",)
_DEFAULT_CONTROLS = {kind: kind for kind in REGION_KINDS}


def write(
    records: Iterable[Mapping[str, Any]],
    fp: IO[str],
    *,
    schema: LabelSchema,
    source: Source = "consensus",
    image: str | None = None,
    info: Mapping[str, Any] | None = None,
) -> None:
    """Write COCO instances JSON for the schema's image object (or `image`) to a text stream."""
    object_name, field = image_object(schema, image)
    controls = controls_on(schema, object_name, REGION_KINDS)
    categories = _categories(controls)
    category_ids = {category["name"]: category["id"] for category in categories}
    next_id = 1
    with tempfile.TemporaryFile("w+", encoding="utf-8") as images, tempfile.TemporaryFile("w+", encoding="utf-8") as anns:
        for count, record in enumerate(records):
            src, width, height = image_info(record, field)
            entry = {"id": record["id"], "file_name": image_file_name(record, src), "width": width, "height": height}
            if src.startswith(("http://", "https://")):
                entry["coco_url"] = src
            images.write(("," if count else "") + "\n" + json.dumps(entry, ensure_ascii=False))
            for result in final_results(record, source=source):
                for name, spec in controls.items():
                    for region in result.get(name) or ():
                        ann = _annotation(spec.type, name, region, category_ids, record["id"])
                        anns.write(("," if next_id > 1 else "") + "\n" + json.dumps({"id": next_id, **ann}, ensure_ascii=False))
                        next_id += 1
        header = {
            "info": dict(info or {"description": "exported by labelwise"}),
            "licenses": [],
            "categories": categories,
        }
        fp.write(json.dumps(header, ensure_ascii=False)[:-1])
        for key, part in (("images", images), ("annotations", anns)):
            fp.write(f', "{key}": [')
            part.seek(0)
            shutil.copyfileobj(part, fp)
            fp.write("\n]")
        fp.write("}\n")


def read(
    fp: IO[bytes],
    *,
    schema: LabelSchema | None = None,
    image: str | None = None,
    into: str = "predictions",
    image_root: str = "",
    model_version: str = "coco",
    name: str = "the COCO file",
) -> Iterator[Row]:
    """One row per COCO image, in file order (`Row.line` = 1-based position in `images`).

    Data is `{<image field>: {"src": image_root + file_name (or coco_url), "width", "height"}}`;
    each annotation becomes a region of every kind the target has a control for: a box from `bbox`,
    polygons from a polygon `segmentation` (parts under 3 points are dropped), a mask from an RLE
    `segmentation`, key points from `keypoints`. Coordinates are clipped to the image. With a
    schema the image object and one control per kind come from it; without, the field is `image`
    and the controls are named `boxes`, `polygons`, `keypoints` and `masks`.
    """
    field, targets, point_names = _targets(schema, image)
    top = _load(fp, name)
    categories = _read_categories(top, name)
    images = _read_images(top, name)
    regions: dict[Any, dict[str, list]] = {image_id: {} for image_id in images}
    annotations = top.get("annotations") or []
    if not isinstance(annotations, list):
        raise Invalid(f"{name}: 'annotations' must be a list", field="annotations")
    for index, ann in enumerate(annotations):
        where = f"annotations[{index}]"
        if not isinstance(ann, dict):
            raise Invalid(f"{name}: {where} must be an object", field=where)
        ann_id = ann.get("id", index)
        image_id = ann.get("image_id")
        if image_id not in images:
            raise Invalid(
                f"{name}: annotation {ann_id} points at image {image_id!r}, which is not in 'images'",
                field=f"{where}.image_id",
            )
        category = categories.get(ann.get("category_id"))
        if category is None:
            raise Invalid(
                f"{name}: annotation {ann_id} has category_id {ann.get('category_id')!r}, which is not in 'categories'",
                field=f"{where}.category_id",
            )
        _, width, height = images[image_id]
        try:
            made = _regions(ann, category, targets, point_names, width, height)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise Invalid(f"{name}: annotation {ann_id} is malformed ({exc})", field=where) from None
        for control, region in made:
            regions[image_id].setdefault(control, []).append(region)
    for line, (image_id, (src, width, height)) in enumerate(images.items(), start=1):
        data = {field: {"src": image_root + src if image_root else src, "width": width, "height": height}}
        result = regions[image_id] or None
        yield Row(line, import_row(data, result, into=into, external_id=str(image_id), model_version=model_version))


# --- export ------------------------------------------------------------------------------------------

def _categories(controls: Mapping[str, Any]) -> list[dict[str, Any]]:
    categories = []
    for number, label in enumerate(label_names(controls), start=1):
        category: dict[str, Any] = {"id": number, "name": label, "supercategory": label}
        keypoint_spec = next(
            (spec for spec in controls.values() if spec.type == "keypoints" and label in spec.labels), None
        )
        if keypoint_spec is not None:
            index = {point: i + 1 for i, point in enumerate(keypoint_spec.points)}
            category["keypoints"] = list(keypoint_spec.points)
            category["skeleton"] = [[index[a], index[b]] for a, b in keypoint_spec.skeleton]
        categories.append(category)
    return categories


def _annotation(kind: str, control: str, region: Mapping[str, Any], category_ids: dict, image_id: Any) -> dict:
    marker: dict[str, Any] = {"control": control, "region": str(region.get("id", ""))}
    ann: dict[str, Any] = {"image_id": image_id, "category_id": category_ids[region["label"]], "iscrowd": 0}
    if kind == "boxes":
        corners = box_corners(region)
        x, y, w, h = enclosing(corners)
        ann["bbox"] = [tidy(x), tidy(y), tidy(w), tidy(h)]
        ann["area"] = tidy(region["width"] * region["height"])
        ann["segmentation"] = [[tidy(c) for point in corners for c in point]]
        if region.get("rotation"):
            marker["box"] = [region["x"], region["y"], region["width"], region["height"]]
            marker["rotation"] = region["rotation"]
    elif kind == "polygons":
        points = [(p[0], p[1]) for p in region["points"]]
        x, y, w, h = enclosing(points)
        ann["bbox"] = [tidy(x), tidy(y), tidy(w), tidy(h)]
        ann["area"] = tidy(polygon_area(points))
        ann["segmentation"] = [[c for point in points for c in point]]
    elif kind == "keypoints":
        flat, labeled = [], []
        for point in region["points"]:
            v = point[2] if len(point) > 2 else 2
            flat.extend([point[0], point[1], v] if v else [0, 0, 0])
            if v:
                labeled.append((point[0], point[1]))
        x, y, w, h = enclosing(labeled) if labeled else (0, 0, 0, 0)
        ann.update(keypoints=flat, num_keypoints=len(labeled), bbox=[tidy(x), tidy(y), tidy(w), tidy(h)],
                   area=tidy(w * h), segmentation=[])
    else:  # masks
        mask = region["rle"]
        ann["segmentation"] = {"size": list(mask["size"]), "counts": mask["counts"]}
        ann["bbox"] = rle.bbox(mask)
        ann["area"] = rle.area(mask)
    if region.get("score") is not None:
        ann["score"] = region["score"]
    ann["labelwise"] = marker
    return ann


# --- import ------------------------------------------------------------------------------------------

def _targets(schema: LabelSchema | None, image: str | None) -> tuple[str, dict[str, str], tuple[str, ...] | None]:
    if schema is None:
        return image or "image", dict(_DEFAULT_CONTROLS), None
    object_name, field = image_object(schema, image)
    targets: dict[str, str] = {}
    points = None
    for name, spec in controls_on(schema, object_name, REGION_KINDS).items():
        targets.setdefault(spec.type, name)
        if spec.type == "keypoints" and points is None:
            points = tuple(spec.points)
    if not targets:
        raise Invalid(f"the schema has no boxes, polygons, keypoints or masks control on '{object_name}'", field="schema")
    return field, targets, points


def _load(fp: IO[bytes], name: str) -> dict[str, Any]:
    """The top-level keys of a COCO JSON file, or of the one JSON file in a zip (Label Studio's COCO export
    is a zip of `result.json` and an `images/` folder)."""
    if fp.seekable() and fp.read(4) == b"PK\x03\x04":
        fp.seek(0)
        try:
            with zipfile.ZipFile(fp) as archive:
                found = [n for n in archive.namelist() if n.lower().endswith(".json") and not n.startswith("__MACOSX")]
                if len(found) != 1:
                    raise Invalid(f"{name}: a COCO zip holds one .json file (found {len(found)})", field="file")
                return _load(io.BytesIO(archive.read(found[0])), f"{name}: {found[0]}")
        except zipfile.BadZipFile:
            raise Invalid(f"{name}: not a readable zip", field="file") from None
    if fp.seekable():
        fp.seek(0)
    top: dict[str, Any] = {}
    try:
        for key, value in ijson.kvitems(fp, "", use_float=True):
            top[key] = value
    except ijson.JSONError as exc:
        raise Invalid(f"{name}: not valid JSON ({str(exc).splitlines()[0]})") from None
    except UnicodeDecodeError:
        raise Invalid(f"{name}: not valid UTF-8") from None
    if not top:
        raise Invalid(f"{name}: a COCO file is a JSON object with 'images', 'annotations' and 'categories'")
    return top


def _read_categories(top: dict, name: str) -> dict[Any, dict]:
    raw = top.get("categories")
    if not isinstance(raw, list):
        raise Invalid(f"{name}: 'categories' is missing or not a list", field="categories")
    out = {}
    for index, category in enumerate(raw):
        if not isinstance(category, dict) or "id" not in category or not isinstance(category.get("name"), str):
            raise Invalid(f"{name}: categories[{index}] needs an 'id' and a 'name'", field=f"categories[{index}]")
        out[category["id"]] = category
    return out


def _read_images(top: dict, name: str) -> dict[Any, tuple[str, Any, Any]]:
    raw = top.get("images")
    if not isinstance(raw, list):
        raise Invalid(f"{name}: 'images' is missing or not a list", field="images")
    out: dict[Any, tuple[str, Any, Any]] = {}
    for index, entry in enumerate(raw):
        where = f"images[{index}]"
        if not isinstance(entry, dict) or "id" not in entry:
            raise Invalid(f"{name}: {where} needs an 'id'", field=where)
        src = entry.get("file_name") or entry.get("coco_url") or entry.get("flickr_url")
        width, height = entry.get("width"), entry.get("height")
        if not isinstance(src, str) or not src:
            raise Invalid(f"{name}: image {entry['id']} has no file_name or coco_url", field=f"{where}.file_name")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in (width, height)):
            raise Invalid(f"{name}: image {entry['id']} needs a positive width and height", field=f"{where}.width")
        if entry["id"] in out:
            raise Invalid(f"{name}: image id {entry['id']} appears twice", field=f"{where}.id")
        out[entry["id"]] = (src, width, height)
    return out


def _regions(
    ann: dict, category: dict, targets: dict[str, str], point_names: tuple[str, ...] | None, width: float, height: float
) -> list[tuple[str, dict]]:
    label = category["name"]
    marker = ann.get("labelwise") if isinstance(ann.get("labelwise"), dict) else None
    base_id = str(ann.get("id"))
    extra = {"score": ann["score"]} if isinstance(ann.get("score"), (int, float)) else {}
    if marker and marker.get("control") in targets.values() and marker.get("region"):
        kind = next(k for k, c in targets.items() if c == marker["control"])
        made = _kind_regions(kind, ann, category, point_names, width, height, marker)
        return [(marker["control"], {"id": marker["region"], **region, "label": label, **extra}) for region in made[:1]]
    out = []
    for kind, control in targets.items():
        made = _kind_regions(kind, ann, category, point_names, width, height, None)
        for number, region in enumerate(made):
            suffix = {"boxes": "box", "polygons": "polygon", "keypoints": "keypoints", "masks": "mask"}[kind]
            region_id = f"{base_id}-{suffix}" + (f"-{number + 1}" if number else "")
            out.append((control, {"id": region_id, **region, "label": label, **extra}))
    return out


def _kind_regions(kind: str, ann: dict, category: dict, point_names, width, height, marker: dict | None) -> list[dict]:
    segmentation = ann.get("segmentation")
    if kind == "boxes":
        if marker and marker.get("box"):
            x, y, w, h = marker["box"]
            return [{"x": x, "y": y, "width": w, "height": h, "rotation": marker.get("rotation", 0)}]
        bbox = ann.get("bbox")
        if not bbox:
            return []
        x, y, w, h = (float(v) for v in bbox)
        x0, y0 = _clip(x, width), _clip(y, height)
        x1, y1 = _clip(x + w, width), _clip(y + h, height)
        if x1 <= x0 or y1 <= y0:
            return []
        return [{"x": tidy(x0), "y": tidy(y0), "width": tidy(x1 - x0), "height": tidy(y1 - y0), "rotation": 0}]
    if kind == "polygons":
        if not isinstance(segmentation, list):
            return []
        out = []
        for part in segmentation:
            points = [[tidy(_clip(part[i], width)), tidy(_clip(part[i + 1], height))] for i in range(0, len(part) - 1, 2)]
            if len(points) >= 3:
                out.append({"points": points})
        return out
    if kind == "masks":
        if not isinstance(segmentation, dict) or "counts" not in segmentation:
            return []
        size = [int(v) for v in segmentation["size"]]
        counts = segmentation["counts"]
        counts = [int(c) for c in counts] if isinstance(counts, list) else str(counts)
        return [{"rle": {"size": size, "counts": counts}}]
    flat = ann.get("keypoints")
    if not flat:
        return []
    names = category.get("keypoints") or []
    triples = [flat[i:i + 3] for i in range(0, len(flat) - 2, 3)]
    by_name = dict(zip(names, triples)) if names else {}
    order = point_names or tuple(names) or tuple(str(i) for i in range(len(triples)))
    points = []
    for index, point in enumerate(order):
        x, y, v = by_name.get(point, (0, 0, 0)) if by_name else (triples[index] if index < len(triples) else (0, 0, 0))
        v = int(v)
        points.append([tidy(_clip(x, width)), tidy(_clip(y, height)), v] if v else [0, 0, 0])
    return [{"points": points}]


def _clip(value: Any, limit: float) -> float:
    return min(max(float(value), 0.0), float(limit))
