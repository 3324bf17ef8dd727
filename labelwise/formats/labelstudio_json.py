"""Label Studio JSON export format (labelstud.io/guide/export#JSON): a list of tasks with annotations and predictions.

Export writes every annotation of a task (skipped ones as `was_cancelled: true`, `lead_time` in
seconds) and its predictions, with results as Label Studio result items (see `_ls_results`:
percentages for image coordinates, code-point text offsets). Media objects given as
`{"src", "width", "height"}` become the plain URL Label Studio expects, and the full value goes to
`meta.labelwise.media` together with the external id, so our own import restores them. An auto-label
(exports with auto-labels) is one more prediction, its model version prefixed `auto:`, never an
annotation. The JSON array is streamed one task at a time.

Import reads a Label Studio JSON export (one task at a time, with ijson) into import rows:
`{"data", "external_id"?, "meta"?, "annotations": [{"result", "user", "lead_time_ms"?, "status"?}],
"predictions": [{"model_version", "score"?, "result"}]}`. Without `meta.labelwise.media`, an image
object's value becomes `{"src", "width", "height"}` when its regions carry `original_width` and
`original_height`. `NOT_EXPRESSIBLE` lists what Label Studio cannot hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import ijson

from labelwise.errors import Invalid
from labelwise.formats._ls_fit import AS_WRITTEN, as_written, fit_items, written_back
from labelwise.formats._ls_results import NOT_EXPRESSIBLE, to_items
from labelwise.formats.rows import Row
from labelwise.schema import LabelSchema

__all__ = ["NAME", "EXTENSIONS", "NOT_EXPRESSIBLE", "write", "read", "to_task", "from_task"]

NAME = "labelstudio"
EXTENSIONS = (".json",)
_MEDIA = ("image", "audio", "video")


def write(records: Iterable[Mapping[str, Any]], fp: IO[str], *, schema: LabelSchema) -> None:
    """Write a Label Studio JSON export (an array of tasks) to a text stream."""
    fp.write("[")
    for index, record in enumerate(records):
        fp.write(",\n" if index else "\n")
        fp.write(json.dumps(to_task(record, schema=schema), ensure_ascii=False, default=str))
    fp.write("\n]\n")


def read(fp: IO[bytes], *, schema: LabelSchema, name: str = "the Label Studio export") -> Iterator[Row]:
    """One row per task (`Row.line` = 1-based position in the array)."""
    position = 0
    try:
        for position, task in enumerate(ijson.items(fp, "item", use_float=True), start=1):
            yield Row(position, from_task(task, schema=schema, where=f"task {position}"))
    except ijson.JSONError as exc:
        raise Invalid(f"{name}: task {position + 1}: not valid JSON ({str(exc).splitlines()[0]})",
                      line=position + 1) from None
    except UnicodeDecodeError:
        raise Invalid(f"{name}: not valid UTF-8", line=position + 1) from None
    except Invalid as exc:
        raise Invalid(f"{name}: {exc.message}", field=exc.field, line=position) from None
    if position == 0:
        _check_array(fp, name)


def to_task(record: Mapping[str, Any], *, schema: LabelSchema) -> dict[str, Any]:
    """One Label Studio task from one export record."""
    data = dict(record.get("data") or {})
    media = {}
    for spec in schema.objects.values():
        value = data.get(spec.field)
        if spec.type in _MEDIA and isinstance(value, Mapping) and "src" in value:
            media[spec.field] = value
            data[spec.field] = value["src"]
        elif spec.type == "pdf" and isinstance(value, list) and any(isinstance(p, Mapping) for p in value):
            media[spec.field] = value  # an <Image valueList>: Label Studio wants the list of URLs
            data[spec.field] = [p.get("src") if isinstance(p, Mapping) else p for p in value]
    full_data = record.get("data") or {}
    meta = dict(record.get("meta") or {})
    kept = meta.pop(ITEMS_META, None) or {}
    unsized = meta.pop(UNSIZED_META, None) or {}
    for field in meta.pop(ONE_PAGE_META, None) or ():
        if isinstance(data.get(field), list) and len(data[field]) == 1:
            data[field] = data[field][0]
    ours = {key: value for key, value in (("id", record.get("id")), ("external_id", record.get("external_id")),
                                          ("media", media)) if value}
    if ours:
        meta["labelwise"] = ours
    task: dict[str, Any] = {"id": record.get("id"), "data": data, "meta": meta, "annotations": []}
    for annotation in record.get("annotations") or ():
        entry = {"id": annotation.get("id"), **_author(annotation.get("user")),
            "result": _restore(kept, f"a:{annotation.get('user')}",
                               to_items(schema, full_data, annotation.get("result") or {}))
                      + list(unsized.get(f"a:{annotation.get('user')}", ())),
            "was_cancelled": annotation.get("status") == "skipped",
            "ground_truth": record.get("gold") is not None and annotation.get("result") == record.get("gold"),
            "created_at": annotation.get("created_at"),
            "updated_at": annotation.get("updated_at"),
        }
        if annotation.get("lead_time_ms") is not None:
            entry["lead_time"] = annotation["lead_time_ms"] / 1000
        task["annotations"].append(entry)
    task["predictions"] = [
        {"model_version": p.get("model_version"), "score": p.get("score"),
         "result": _restore(kept, f"p:{p.get('model_version')}", to_items(schema, full_data, p.get("result") or {}))
                   + list(unsized.get(f"p:{p.get('model_version')}", ()))}
        for p in record.get("predictions") or ()
    ]
    auto = record.get("auto_label")
    if auto and auto.get("label") is not None:  # Label Studio's place for model labels, named as the auto source
        task["predictions"].append({"model_version": f"auto:{auto.get('model_version')}",
                                    "score": auto.get("confidence"),
                                    "result": to_items(schema, full_data, {auto["control"]: auto["label"]})})
    return task


# Task meta key holding, by author, result items kept as Label Studio wrote them: percentages with no size to
# become pixels (video rectangles without original_width/height on a video of unknown size; giving the
# video's width and height in the task data converts them), regions without a label, and items that do not
# fit our result (flagged, see _ls_fit). An export writes them back.
UNSIZED_META = "labelstudio_unsized"

# Task meta key listing what an import kept but flagged (values out of range, items kept as written).
FLAGS_META = "out_of_range"

# Task meta key listing the `<Image valueList>` fields Label Studio held as one URL, written back as one.
ONE_PAGE_META = "labelstudio_one_page"

# Task meta key holding what Label Studio's result items carry that our results have no place for (the ids of
# classification items, `origin`, `original_length`, ...), by author and item, so an export writes them back.
ITEMS_META = "labelstudio_items"
_ITEM_KEYS = {"id", "from_name", "to_name", "type", "value", "original_width", "original_height", "image_rotation",
              "score", "item_index", "from_id", "to_id", "direction", "labels", "labelwise"}


def _item_key(owner: str, item: Mapping[str, Any], *, regional: bool) -> str:
    if item.get("type") == "relation":
        return f"{owner}|{item.get('from_id')}>{item.get('to_id')}"
    if regional:
        return f"{owner}|{item.get('id')}|{item.get('from_name')}"
    return f"{owner}|{item.get('from_name')}|{item.get('type')}"


def _regional(item: Mapping[str, Any], region_ids: set) -> bool:
    return item.get("id") in region_ids


def _keep(kept: dict, owner: str, items: list, keypoint_ids: Mapping[str, Any], paged: set[str]) -> None:
    """Note the fields of `items` that our result does not hold. `keypoint_ids` maps the id a keypoint gets when
    written back to its own (see `from_items`): what is kept for it is found under the id it will get. `paged`
    names the `<Image valueList>` objects (their regions' page is Label Studio's `item_index`)."""
    regions = {i.get("id") for i in items if isinstance(i, Mapping) and str(i.get("type", "")).endswith("labels")
               or isinstance(i, Mapping) and i.get("type") in ("videorectangle",)}
    written_as = {own: written for written, own in keypoint_ids.items()}
    for item in items:
        if not isinstance(item, Mapping):
            continue
        regional = _regional(item, regions)
        extra = {k: v for k, v in item.items() if k not in _ITEM_KEYS}
        if not regional and item.get("type") != "relation" and item.get("id") is not None:
            extra["id"] = item["id"]
        point = written_as.get(item.get("id")) if item.get("type") == "keypointlabels" else None
        written = as_written(item, keypoint=point is not None,
                             paged=item.get("to_name") in paged)
        if written:
            extra[AS_WRITTEN] = written
        if extra:
            kept[_item_key(owner, {**item, "id": point} if point else item, regional=regional)] = extra


def _restore(kept: Mapping, owner: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not kept:
        return items
    regions = {i.get("id") for i in items if str(i.get("type", "")).endswith("labels") or i.get("type") == "videorectangle"}
    out = []
    for item in items:
        extra = dict(kept.get(_item_key(owner, item, regional=_regional(item, regions))) or {})
        if AS_WRITTEN in extra:
            item = written_back(item, extra.pop(AS_WRITTEN))
        out.append({**({"id": extra["id"]} if "id" in extra else {}), **item,
                    **{k: v for k, v in extra.items() if k != "id"}})
    return out


def from_task(task: Any, *, schema: LabelSchema, where: str = "task") -> dict[str, Any]:
    """The import row for one Label Studio task; raise `Invalid` naming `where` and the bad entry."""
    if not isinstance(task, Mapping) or not isinstance(task.get("data"), Mapping):
        raise Invalid(f"{where}: a Label Studio task is an object with a 'data' object", field="data")
    meta = dict(task.get("meta") or {}) if isinstance(task.get("meta"), Mapping) else {}
    ours = meta.pop("labelwise", None) or {}
    data = dict(task["data"])
    data.update(ours.get("media") or {})
    annotations = _list(task, "annotations", where)
    predictions = _list(task, "predictions", where)
    drafts = _list(task, "drafts", where)
    one_page = [] if ours.get("media") else _restore_sizes(
        schema, data, [item for entry in annotations + predictions + drafts for item in _items(entry)])
    row: dict[str, Any] = {"data": data}
    paged = {name for name, spec in schema.objects.items() if spec.type == "pdf"}
    kept: dict[str, Any] = {}
    unsized: dict[str, list] = {}
    flags: list[str] = []  # items kept as written, not as regions (see _ls_fit)
    meta.pop(FLAGS_META, None)  # our own export's flags: this read finds them again
    external_id = ours.get("external_id") if ours else task.get("id")
    if external_id is not None:
        row["external_id"] = str(external_id)
    if meta:
        row["meta"] = meta
    row["annotations"] = []
    for index, entry in enumerate(annotations):
        here = f"{where}.annotations[{index}]"
        left: list[dict] = []
        ids: dict[str, Any] = {}
        out: dict[str, Any] = {"result": fit_items(schema, data, _items(entry, here), where=here,
                                                   entry=f"annotations[{index}]", left=left, flags=flags,
                                                   keypoint_ids=ids)}
        user = _user(entry.get("completed_by")) or _user(entry.get("created_username"))
        if left:
            unsized[f"a:{user}"] = left
        if user is not None:
            out["user"] = user
        _keep(kept, f"a:{user}", _items(entry, here), ids, paged)
        if isinstance(entry.get("lead_time"), (int, float)):
            out["lead_time_ms"] = round(entry["lead_time"] * 1000)
        if entry.get("was_cancelled"):
            out["status"] = "skipped"
        for key in ("created_at", "updated_at"):
            if isinstance(entry.get(key), str):
                out[key] = entry[key]
        if entry.get("ground_truth") and not entry.get("was_cancelled") and "gold" not in row:
            row["gold"] = out["result"]  # Label Studio's ground truth is the task's gold answer here
        row["annotations"].append(out)
    row["predictions"] = []
    for index, entry in enumerate(predictions):
        here = f"{where}.predictions[{index}]"
        left, ids = [], {}
        out = {"model_version": str(entry.get("model_version") or "unknown"),
               "result": fit_items(schema, data, _items(entry, here), where=here, entry=f"predictions[{index}]",
                                   left=left, flags=flags, keypoint_ids=ids)}
        if left:
            unsized[f"p:{out['model_version']}"] = left
        _keep(kept, f"p:{out['model_version']}", _items(entry, here), ids, paged)
        if isinstance(entry.get("score"), (int, float)):
            out["score"] = entry["score"]
        row["predictions"].append(out)
    for index, entry in enumerate(drafts):  # no drafts here: a draft becomes a prediction named after its author
        here = f"{where}.drafts[{index}]"
        author = _user(entry.get("created_username") or entry.get("user") or entry.get("completed_by")) or "unknown"
        left, ids = [], {}
        row["predictions"].append({"model_version": f"draft:{author}"[:200],
                                   "result": fit_items(schema, data, _items(entry, here), where=here,
                                                       entry=f"drafts[{index}]", left=left, flags=flags,
                                                       keypoint_ids=ids)})
        if left:
            unsized[f"p:draft:{author}"[:202]] = left
        _keep(kept, f"p:draft:{author}"[:202], _items(entry, here), ids, paged)
    if kept:
        row["meta"] = {**row.get("meta", {}), ITEMS_META: kept}
    if unsized:
        row["meta"] = {**row.get("meta", {}), UNSIZED_META: unsized}
    if flags:
        row["meta"] = {**row.get("meta", {}), FLAGS_META: flags}
    if one_page:
        row["meta"] = {**row.get("meta", {}), ONE_PAGE_META: one_page}
    return row


def _list(task: Mapping, key: str, where: str) -> list:
    """The objects listed under `key`; bare ids (Label Studio's default export lists predictions by id) are
    references to objects not in the file, and are passed over."""
    value = task.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(e, (Mapping, int, str)) and not isinstance(e, bool)
                                              for e in value):
        raise Invalid(f"{where}: '{key}' must be a list of objects", field=key)
    return [entry for entry in value if isinstance(entry, Mapping)]


def _items(entry: Mapping, where: str = "") -> list:
    items = entry.get("result")
    if items is None:
        return []
    if not isinstance(items, list):
        raise Invalid(f"{where}: 'result' must be a list of result items", field=f"{where}.result")
    return items


def _author(name: Any) -> dict[str, Any]:
    """Who made an annotation, as Label Studio's import takes it: `completed_by` with an email (it refuses one
    without); a name that is not an email goes in `created_username` (Label Studio then credits the
    importing user; our import reads the name back)."""
    if isinstance(name, str) and "@" in name:
        return {"completed_by": {"email": name, "username": name}}
    return {"created_username": name}


def _user(completed_by: Any) -> str | None:
    """A user's name from `completed_by` (an object, an id) or `created_username` ("email, id" in Label Studio)."""
    if isinstance(completed_by, Mapping):
        value = completed_by.get("username") or completed_by.get("email") or completed_by.get("id")
        return None if value is None else str(value)
    if isinstance(completed_by, str):
        match = re.fullmatch(r"\s*(.*?\S),\s*\d+\s*", completed_by)
        return match.group(1) if match else completed_by.strip() or None
    return None if completed_by is None else str(completed_by)


def _restore_sizes(schema: LabelSchema, data: dict, items: list) -> list[str]:
    """Give image data the sizes the items carry; returns the fields of `<Image valueList>` objects that Label
    Studio held as one URL (one image page, not a PDF: its regions carry an image size), now a list of one."""
    one_page = []
    for name, spec in schema.objects.items():
        if spec.type == "pdf" and isinstance(data.get(spec.field), str) and any(
                isinstance(i, Mapping) and i.get("to_name") == name and i.get("original_width") for i in items):
            data[spec.field] = [data[spec.field]]
            one_page.append(spec.field)
        if spec.type == "pdf" and isinstance(data.get(spec.field), list):
            _restore_page_sizes(name, spec.field, data, items)
            continue
        if spec.type not in ("image", "video") or not isinstance(data.get(spec.field), str):
            continue
        for item in items:
            if isinstance(item, Mapping) and item.get("to_name") == name and item.get("original_width"):
                data[spec.field] = {"src": data[spec.field], "width": item["original_width"],
                                    "height": item["original_height"]}
                break
    return one_page


def _restore_page_sizes(name: str, field: str, data: dict, items: list) -> None:
    """The pages of an <Image valueList> get the sizes their regions' items give (by item_index)."""
    pages = list(data[field])
    for item in items:
        if not isinstance(item, Mapping) or item.get("to_name") != name or not item.get("original_width"):
            continue
        index = item.get("item_index") or 0
        if isinstance(index, int) and 0 <= index < len(pages) and isinstance(pages[index], str):
            pages[index] = {"src": pages[index], "width": item["original_width"], "height": item["original_height"]}
    data[field] = pages


def _check_array(fp: IO[bytes], name: str) -> None:
    """An empty result is fine for `[]`, but a lone object is a mistake worth naming."""
    try:
        fp.seek(0)
        head = fp.read(64).lstrip()
    except (OSError, ValueError):
        return
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head and not head.startswith(b"["):
        raise Invalid(f"{name}: a Label Studio export is a JSON array of tasks, starting with '['", line=1)
