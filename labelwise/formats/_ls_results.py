"""Convert one result between our shapes and Label Studio's result items (`from_name`, `to_name`, `type`, `value`).

Image and video coordinates become percentages of the image (or video frame) size, as Label Studio
stores them, with `original_width`/`original_height` on each item; text offsets stay code points
(Label Studio counts code points since frontend PR #308). A few values have no Label Studio form
and ride along in a `labelwise` key on the item, which Label Studio ignores: key-point instances
(Label Studio has one region per point) and their visibility.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from labelwise.errors import Invalid
from labelwise.formats._images import tidy
from labelwise.schema import LabelSchema, message_keyed
from labelwise.schema.html_text import html_text, locate, text_nodes

NOT_EXPRESSIBLE = {
    "masks": "Label Studio brushes use their own RGBA run-length format; masks are left out",
    "segments on video": "Label Studio's TimelineLabels count frames; video segments are left out",
    "boxes on video": "boxes on video frames are tracks in Label Studio; left out",
    "keypoints on pdf": "Label Studio's keypoints on an <Image valueList> page are not written; left out",
    "pairwise tie": "Label Studio's Pairwise has no tie; written as selected 'tie', which Label Studio ignores",
    "polylines": "written as polygonlabels with closed: false (an open polygon)",
    "chat answers": "per-message answers, edits, turn comparisons and spans in chat messages have no Label Studio "
                    "result form here; left out",
    "keypoint instances": "one Label Studio keypoint per labeled point; the instance, its label and visibility "
                          "ride in a 'labelwise' key, and points with visibility 0 are not written",
}


def ls_name(schema: LabelSchema, name: str) -> str:
    """The Label Studio `from_name` of a control: the converter splits a region control pointing at several
    objects into `<name>` and `<name>_<object>`, which answer to `<name>`."""
    spec = schema.controls[name]
    obj = getattr(spec, "object", None)
    if obj and name.endswith(f"_{obj}"):
        base = schema.controls.get(name[: -len(obj) - 1])
        if base is not None and base.type == spec.type and getattr(base, "object", None) != obj:
            return name[: -len(obj) - 1]
    return name


_VALUE_KEYS = {"choices": "choices", "taxonomy": "taxonomy", "text": "text", "rating": "rating", "number": "number",
               "datetime": "datetime"}
_ITEM_TYPES = {"choices": "choices", "taxonomy": "taxonomy", "text": "textarea", "rating": "rating", "number": "number",
               "datetime": "datetime"}


def _answer_value(kind: str, value: Any) -> dict[str, Any]:
    if kind == "choices":
        return {"choices": value if isinstance(value, list) else [value]}
    if kind == "text":
        return {"text": [value]}
    return {_VALUE_KEYS[kind]: value}


def to_items(schema: LabelSchema, data: Mapping[str, Any], result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Label Studio result items for our result; controls Label Studio cannot express are left out."""
    items: list[dict[str, Any]] = []
    for name, value in result.items():
        spec = schema.controls.get(name)
        if spec is None or value is None:
            continue
        kind = spec.type
        to_name = getattr(spec, "object", None)
        obj = schema.objects[to_name] if to_name else None
        if message_keyed(schema, spec) or (obj is not None and obj.type == "chat" and kind == "spans"):
            continue  # NOT_EXPRESSIBLE["chat answers"]
        base = {"from_name": ls_name(schema, name), "to_name": to_name}
        if getattr(spec, "per_region", False):  # one item per region, with the region's id
            for region_id, answer in value.items():
                items.append({"id": region_id, **base, "type": _ITEM_TYPES[kind], "value": _answer_value(kind, answer)})
        elif kind == "choices":
            items.append({**base, "type": "choices", "value": {"choices": value if isinstance(value, list) else [value]}})
        elif kind == "taxonomy":
            items.append({**base, "type": "taxonomy", "value": {"taxonomy": value}})
        elif kind == "text":
            items.append({**base, "type": "textarea", "value": {"text": [value]}})
        elif kind in ("rating", "number", "datetime"):
            items.append({**base, "type": kind, "value": {kind: value}})
        elif kind == "ranking":
            ranked = dict(value) if spec.buckets else {to_name: list(value)}
            items.append({**base, "type": "ranker", "value": {"ranker": ranked}})
        elif kind == "pairwise":
            selected = {"a": "left", "b": "right"}.get(value, value)
            items.append({"from_name": name, "to_name": ",".join(spec.objects), "type": "pairwise",
                          "value": {"selected": selected}})
        elif kind == "relations":
            for rel in value:
                items.append({"from_id": rel["from"], "to_id": rel["to"], "type": "relation",
                              "direction": rel.get("direction", "right"),
                              "labels": [rel["label"]] if rel.get("label") else []})
        else:
            for region in value:
                items.extend(_region_items(kind, base, obj, data.get(obj.field), region, spec))
    return _with_region_geometry(items)


_GEOMETRY_KEYS = ("original_width", "original_height", "image_rotation")


def _with_region_geometry(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio's per-region answers repeat their region's geometry (start/end/channel, x/y/...)."""
    regions = {item["id"]: item for item in items if item.get("id") is not None and item["type"].endswith("labels")}
    for item in items:
        region = regions.get(item.get("id"))
        if region is None or item is region or item["type"].endswith("labels"):
            continue
        shape = {k: v for k, v in region["value"].items() if not k.endswith("labels") and k != "text"}
        item["value"] = {**shape, **item["value"]}
        item.update({k: region[k] for k in _GEOMETRY_KEYS if k in region})
    return items


class _Unsized(ValueError):
    """Percentages without a size to turn them into pixels."""


class _Unlabeled(Exception):
    """A region without a label (Label Studio keeps regions whose labels were all removed)."""


def from_items(schema: LabelSchema, data: Mapping[str, Any], items: list[Any], *, where: str,
               unsized: list[dict] | None = None, keypoint_ids: dict[str, Any] | None = None) -> dict[str, Any]:
    """Our result from Label Studio result items; raise `Invalid` naming `where` and the item. With a list as
    `unsized`, items whose percentages have no image or frame size to scale by go there instead of failing.
    With a dict as `keypoint_ids`, a Label Studio keypoint's own id is noted under the id `to_items` will give
    it (`<instance>_<point>`)."""
    result: dict[str, Any] = {}
    relations = [name for name, spec in schema.controls.items() if spec.type == "relations"]
    keypoint_groups: dict[str, dict[str, dict]] = {}
    for index, item in enumerate(items):
        here = f"{where}.result[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
            raise Invalid(f"{here}: a result item needs a 'type'", field=here)
        if item["type"] == "relation":
            if not relations:
                raise Invalid(f"{here}: a relation, but the schema has no relations control", field=here)
            rel = {"from": str(item.get("from_id")), "to": str(item.get("to_id"))}
            if item.get("labels"):
                rel["label"] = item["labels"][0]
            if item.get("direction") in ("left", "bi"):
                rel["direction"] = item["direction"]
            result.setdefault(relations[0], []).append(rel)
            continue
        name = control_name(schema, item.get("from_name"), item.get("to_name"), here)
        spec = schema.controls[name]
        value = item.get("value")
        if not isinstance(value, Mapping):
            raise Invalid(f"{here}: 'value' must be an object", field=f"{here}.value")
        if getattr(spec, "per_region", False) and item.get("id") is None:
            raise Invalid(f"{here}: an answer of per-region control '{name}' without the region it belongs to",
                          field=here)
        try:
            _merge(result, name, spec, schema, data, item, value, keypoint_groups, keypoint_ids)
        except _Unlabeled:
            if unsized is None:
                raise Invalid(f"{here}: a {item['type']} region with no label, which control '{name}' cannot hold",
                              field=here) from None
            unsized.append(dict(item))  # a region Label Studio let stay unlabeled: kept as written
        except _Unsized:
            if unsized is None:
                raise Invalid(f"{here}: a {item['type']} item without original_width/original_height, and the "
                              "task data gives no size to turn its percentages into pixels", field=here) from None
            unsized.append(dict(item))
        except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
            raise Invalid(f"{here}: a {item['type']} item that does not fit control '{name}' ({exc!r})", field=here) from None
    for name, groups in keypoint_groups.items():
        result[name] = list(groups.values())
    return result


# --- export ------------------------------------------------------------------------------------------

def _region_items(kind: str, base: dict, obj: Any, value: Any, region: Mapping[str, Any], spec: Any) -> list[dict]:
    object_type = obj.type
    head = {"id": region["id"], **base}
    if region.get("score") is not None:
        head["score"] = region["score"]
    label = region["label"]
    if kind == "spans":
        if object_type == "paragraphs":
            p = region["paragraph"]
            item = value[p]
            text = item if isinstance(item, str) else str(item.get(obj.text_key, ""))
            return [{**head, "type": "paragraphlabels", "value": {
                "start": p, "end": p, "startOffset": region["start"], "endOffset": region["end"],
                "text": text[region["start"]:region["end"]], "paragraphlabels": [label]}}]
        if getattr(obj, "html", False):  # Label Studio's HyperText: XPaths, node offsets and global offsets
            nodes = text_nodes(value)
            start, start_offset = locate(nodes, region["start"], end=False)
            end, end_offset = locate(nodes, region["end"], end=True)
            return [{**head, "type": "hypertextlabels", "value": {
                "start": start, "end": end, "startOffset": start_offset, "endOffset": end_offset,
                "globalOffsets": {"start": region["start"], "end": region["end"]},
                "text": html_text(value)[region["start"]:region["end"]], "hypertextlabels": [label]}}]
        return [{**head, "type": "labels", "value": {"start": region["start"], "end": region["end"],
                                                      "text": value[region["start"]:region["end"]], "labels": [label]}}]
    if kind == "segments":
        if object_type == "timeseries":
            return [{**head, "type": "timeserieslabels", "value": {"start": region["start"], "end": region["end"],
                                                                    "instant": False, "timeserieslabels": [label]}}]
        if object_type == "audio":
            return [{**head, "type": "labels", "value": {"start": region["start"], "end": region["end"],
                                                          "channel": 0, "labels": [label]}}]
        return []
    if object_type not in ("image", "video", "pdf") or (kind == "boxes" and object_type == "video"):
        return []
    if object_type == "pdf":  # Label Studio's <Image valueList>: the page is the item_index
        page = region["page"]
        value = value[page] if isinstance(value, list) and page < len(value) else None
        head = {**head, "item_index": page}
    width, height = _size(value, head["id"])
    sized = {**head, "original_width": width, "original_height": height, "image_rotation": 0}
    px, py = 100 / width, 100 / height
    if kind == "boxes":
        return [{**sized, "type": "rectanglelabels", "value": {
            "x": region["x"] * px, "y": region["y"] * py, "width": region["width"] * px,
            "height": region["height"] * py, "rotation": region.get("rotation", 0), "rectanglelabels": [label]}}]
    if kind in ("polygons", "polylines"):
        return [{**sized, "type": "polygonlabels", "value": {
            "points": [[x * px, y * py] for x, y, *_ in region["points"]], "closed": kind == "polygons",
            "polygonlabels": [label]}}]
    if kind == "keypoints":
        out = []
        for index, point in enumerate(region["points"]):
            visibility = point[2] if len(point) > 2 else 2
            if not visibility:
                continue
            out.append({**sized, "id": f"{region['id']}_{index}", "type": "keypointlabels",
                        "value": {"x": point[0] * px, "y": point[1] * py, "width": 0.5,
                                  "keypointlabels": [spec.points[index]]},
                        "labelwise": {"region": region["id"], "label": label, "visibility": visibility}})
        return out
    if kind == "tracks":
        return [{**sized, "type": "videorectangle", "value": {"labels": [label], "sequence": [
            {"frame": f["frame"] + 1, "enabled": f.get("visible", True), "x": f["x"] * px, "y": f["y"] * py,
             "width": f["width"] * px, "height": f["height"] * py, "rotation": 0} for f in region["keyframes"]]}}]
    return []  # masks: see NOT_EXPRESSIBLE


def _size(value: Any, region_id: Any) -> tuple[float, float]:
    if isinstance(value, Mapping) and value.get("width") and value.get("height"):
        return value["width"], value["height"]
    raise Invalid(f"region {region_id}: Label Studio stores image coordinates as percentages, "
                  "so the task data needs the image's width and height", field="data")


# --- import ------------------------------------------------------------------------------------------

def control_name(schema: LabelSchema, from_name: Any, to_name: Any, here: str) -> str:
    if isinstance(from_name, str):
        cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", from_name)  # names the config converter had to rename
        if not re.match(r"[A-Za-z_]", cleaned):
            cleaned = f"_{cleaned}"
        for name in (from_name, cleaned):
            spec = schema.controls.get(name)
            if spec is None:
                continue
            obj = getattr(spec, "object", None)
            if isinstance(to_name, str) and obj and to_name != obj:  # a control split per object
                other = f"{name}_{re.sub(r'[^A-Za-z0-9_-]', '_', to_name)}"
                if getattr(schema.controls.get(other), "object", None) is not None:
                    return other
            return name
    raise Invalid(f"{here}: from_name {from_name!r} is not a control of this schema", field=f"{here}.from_name")


def _merge(result: dict, name: str, spec: Any, schema: LabelSchema, data: Mapping[str, Any], item: Mapping,
           value: Mapping, keypoint_groups: dict, keypoint_ids: dict | None = None) -> None:
    kind = spec.type
    if kind in _VALUE_KEYS:
        answer = _answer(kind, spec, value)
        if getattr(spec, "per_region", False):
            result.setdefault(name, {})[str(item["id"])] = answer
        else:
            result[name] = answer
    elif kind == "ranking":
        ranked = value["ranker"]
        if spec.buckets:
            result[name] = {bucket: list(ids) for bucket, ids in ranked.items()}
        else:
            result[name] = list(next(iter(ranked.values())) if isinstance(ranked, Mapping) else ranked)
    elif kind == "pairwise":
        result[name] = {"left": "a", "right": "b"}.get(value["selected"], value["selected"])
    elif kind == "keypoints":
        _merge_keypoint(name, spec, item, value, keypoint_groups, keypoint_ids)
    else:
        obj = schema.objects[spec.object]
        data_value = data.get(obj.field)
        if obj.type == "pdf":  # a page of Label Studio's <Image valueList>
            page = int(item.get("item_index") or 0)
            pages = data_value if isinstance(data_value, list) else []
            data_value = pages[page] if page < len(pages) else None
        region = _region(kind, obj.type, item, value, data_value)
        if obj.type == "pdf":
            region["page"] = page
        region = {"id": str(item.get("id") or f"{name}-{len(result.get(name, ())) + 1}"), **region}
        if item.get("score") is not None:
            region["score"] = item["score"]
        result.setdefault(name, []).append(region)


def _answer(kind: str, spec: Any, value: Mapping) -> Any:
    if kind == "choices":
        chosen = list(value["choices"])
        return chosen if spec.multiple else chosen[0]
    if kind == "taxonomy":
        return [list(path) for path in value["taxonomy"]]
    if kind == "text":
        return "\n".join(value["text"]) if isinstance(value["text"], list) else value["text"]
    return value[kind]


def _labels(value: Mapping) -> str:
    for key in ("labels", "rectanglelabels", "polygonlabels", "keypointlabels", "paragraphlabels", "timeserieslabels",
                "hypertextlabels"):
        if value.get(key):
            return value[key][0]
    raise _Unlabeled()


def _region(kind: str, object_type: str, item: Mapping, value: Mapping, data_value: Any) -> dict:
    label = _labels(value)
    if kind == "spans":
        if object_type == "paragraphs":
            span = {"paragraph": int(value["start"]), "start": _whole(value["startOffset"]),
                    "end": _whole(value["endOffset"])}
        elif isinstance(value.get("globalOffsets"), Mapping):  # HyperText: XPaths plus offsets in the whole text
            span = {"start": _whole(value["globalOffsets"]["start"]), "end": _whole(value["globalOffsets"]["end"])}
        else:
            span = {"start": _whole(value["start"]), "end": _whole(value["end"])}
        if value.get("text") is not None:
            span["text"] = value["text"]
        return {**span, "label": label}
    if kind == "segments":
        return {"start": value["start"], "end": value["end"], "label": label}
    width, height = _item_size(item, data_value)
    sx, sy = width / 100, height / 100
    if kind == "boxes":
        return {"x": tidy(value["x"] * sx), "y": tidy(value["y"] * sy), "width": tidy(value["width"] * sx),
                "height": tidy(value["height"] * sy), "rotation": value.get("rotation", 0), "label": label}
    if kind in ("polygons", "polylines"):
        return {"points": [[tidy(x * sx), tidy(y * sy)] for x, y in value["points"]], "label": label}
    if kind == "tracks":
        return {"label": label, "keyframes": [
            {"frame": f["frame"] - 1, "x": tidy(f["x"] * sx), "y": tidy(f["y"] * sy), "width": tidy(f["width"] * sx),
             "height": tidy(f["height"] * sy), "visible": f.get("enabled", True)} for f in value["sequence"]]}
    raise ValueError(f"{kind} cannot be read from Label Studio")


def _whole(offset: Any) -> Any:
    """A character offset Label Studio wrote as a float with nothing after the point (328.0) is 328."""
    return int(offset) if isinstance(offset, float) and offset.is_integer() else offset


def _item_size(item: Mapping, data_value: Any) -> tuple[float, float]:
    if item.get("original_width") and item.get("original_height"):
        return float(item["original_width"]), float(item["original_height"])
    if isinstance(data_value, Mapping) and data_value.get("width") and data_value.get("height"):
        return float(data_value["width"]), float(data_value["height"])
    raise _Unsized("no original_width/original_height to turn percentages into pixels")


def _merge_keypoint(name: str, spec: Any, item: Mapping, value: Mapping, groups: dict, ids: dict | None) -> None:
    """Label Studio has one region per point; gather them into instances of the schema's points."""
    extra = item.get("labelwise") if isinstance(item.get("labelwise"), Mapping) else {}
    point = value["keypointlabels"][0]
    index = list(spec.points).index(point)
    width, height = _item_size(item, None)
    own = groups.setdefault(name, {})
    key = extra.get("region")
    if key is None:  # a foreign export: a point already seen starts the next instance
        key = next((k for k, g in reversed(own.items()) if g["points"][index] == [0, 0, 0]), None)
        key = key or f"{name}-{len(own) + 1}"
    group = own.setdefault(str(key), {"id": str(key), "label": extra.get("label") or spec.labels[0],
                                      "points": [[0, 0, 0] for _ in spec.points]})
    group["points"][index] = [tidy(value["x"] * width / 100), tidy(value["y"] * height / 100),
                              int(extra.get("visibility", 2))]
    if ids is not None and item.get("id") is not None and not extra:
        ids[f"{group['id']}_{index}"] = item["id"]
    if item.get("score") is not None:
        group["score"] = item["score"]
