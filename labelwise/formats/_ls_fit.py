"""What of one Label Studio result fits our result, and what is kept as Label Studio wrote it.

Label Studio stores result items it never checks (a span ending before it starts, offsets as floats, a
paragraph index past the list, a per-region answer whose region is gone, its own chat messages), and its
exports carry them. A migrating user must not lose them, so such an item is not refused: it is left out
of our result, kept as written (the reader stores it in task meta and the export writes it back) and
noted in a flag that the import lists in the task's `meta.out_of_range`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from labelwise.errors import Invalid
from labelwise.formats._ls_results import control_name, from_items
from labelwise.schema import LabelSchema, validate_result

__all__ = ["AS_WRITTEN", "KEPT_NOTE", "as_written", "fit_items", "several_labels", "written_back"]

KEPT_NOTE = "kept as Label Studio wrote it"
_PATH = re.compile(r"result\.([^.\[]+)(?:\[(\d+)\]|\.([^.\[]+))?")


def fit_items(schema: LabelSchema, data: Mapping[str, Any], items: list[Any], *, where: str, entry: str,
              left: list[dict], flags: list[str], keypoint_ids: dict[str, Any] | None = None) -> dict[str, Any]:
    """Our result from `items`: each item that cannot be read, or that makes the result invalid, goes to `left`
    as written and is noted in `flags` under `entry` (e.g. `annotations[0]`). Items that are not objects
    with a `type` are refused (`Invalid` naming `where`). `keypoint_ids` is filled as `from_items` does."""
    usable: list[Mapping] = []
    for index, item in enumerate(items):
        try:
            from_items(schema, data, [item], where=where, unsized=[])
        except Invalid as exc:
            if not isinstance(item, Mapping) or not isinstance(item.get("type"), str):
                raise Invalid(exc.message.replace(".result[0]", f".result[{index}]"), field=exc.field) from None
            left.append(dict(item))
            flags.append(f"{entry}: result[{index}]: {_reason(exc.message)}; {KEPT_NOTE}")
            continue
        usable.append(item)
        for key, labels in several_labels(item).items():
            flags.append(f"{entry}: result[{index}]: region '{item.get('id')}' has {len(labels)} {key} "
                         f"({', '.join(map(str, labels))}); its label here is the first, all are written back to "
                         "Label Studio")
    while True:  # each pass leaves out at least one item, or stops
        unsized: list[dict] = []
        ids: dict[str, Any] = {}
        result = from_items(schema, data, usable, where=where, unsized=unsized, keypoint_ids=ids)
        try:
            validate_result(schema, dict(data), result, out_of_range=[])
        except Invalid as exc:
            blamed = _blamed(schema, usable, result, exc.field)
            if not blamed:
                raise
            left.extend(dict(item) for item in blamed)
            usable = [item for item in usable if not any(item is b for b in blamed)]
            flags.append(f"{entry}: {exc.field}: {exc.message}; {KEPT_NOTE}")
            continue
        left.extend(unsized)
        if keypoint_ids is not None:
            keypoint_ids.update(ids)
        return result


def several_labels(item: Any) -> dict[str, list]:
    """`{key: labels}` for a region item whose value lists more than one label (our regions have one)."""
    value = item.get("value") if isinstance(item, Mapping) else None
    if not isinstance(value, Mapping):
        return {}
    return {key: list(labels) for key, labels in value.items()
            if key.endswith("labels") and isinstance(labels, list) and len(labels) > 1}


# In what the Label Studio reader keeps per item: the parts of its value our result holds another way, so that
# the export writes them as they were (several labels, a textarea's list of texts, a keypoint's id and width).
AS_WRITTEN = "as_written"


def as_written(item: Mapping[str, Any], *, keypoint: bool = False, paged: bool = False) -> dict[str, Any]:
    """What `written_back` needs to give `item` back as Label Studio wrote it (empty when nothing)."""
    value = item.get("value") if isinstance(item.get("value"), Mapping) else {}
    out: dict[str, Any] = {}
    several = several_labels(item)
    if several:
        out["labels"] = several
    text = value.get("text")
    if item.get("type") == "textarea" and isinstance(text, list) and len(text) > 1 and all(
            isinstance(line, str) for line in text):
        out["text"] = list(text)
    if keypoint:  # our keypoints are instances: the point's own id, and its width (or none)
        out.update(id=item.get("id"), width=value.get("width"))
    if item.get("type") == "labels" and "start" in value and "text" not in value and "channel" not in value:
        out["channel"] = None  # an audio segment written without a channel (ours are on channel 0)
    if item.get("type") == "timeserieslabels" and value.get("instant") is True:
        out["instant"] = True
    if paged and "item_index" not in item:
        out["item_index"] = None  # a region on an <Image valueList> written without its page (the first)
    return out


def written_back(item: dict[str, Any], written: Mapping[str, Any]) -> dict[str, Any]:
    """`item` as written by `to_items`, with what `as_written` kept, where our value still says the same."""
    value = dict(item.get("value") or {})
    for key, labels in (written.get("labels") or {}).items():
        if value.get(key, [None])[:1] == labels[:1]:  # the region still has the first as its label
            value[key] = labels
    if written.get("text") and value.get("text") == ["\n".join(written["text"])]:
        value["text"] = written["text"]
    if "id" in written:
        item = {key: v for key, v in item.items() if key != "labelwise"}  # read back as Label Studio's own
        item["id"] = written["id"]
        if written.get("width") is None:
            value.pop("width", None)
        else:
            value["width"] = written["width"]
    if "channel" in written and value.get("channel") == 0:
        value.pop("channel")
    if written.get("instant"):
        value["instant"] = True
    if "item_index" in written and item.get("item_index") == 0:
        item = {key: v for key, v in item.items() if key != "item_index"}
    return {**item, "value": value}


def _reason(message: str) -> str:
    """The message of a one-item conversion without its `... .result[0]: ` prefix."""
    return message.split(".result[0]: ", 1)[-1]


def _blamed(schema: LabelSchema, items: list[Mapping], result: dict, field: str | None) -> list[Mapping]:
    """The items behind the invalid value at `field` (`result.<control>[i]...` or `result.<control>.<region id>`):
    the region's own items when the path names one, else every item of the control."""
    match = _PATH.match(field or "")
    if match is None or match.group(1) not in schema.controls:
        return []
    name, index, key = match.groups()
    spec = schema.controls[name]
    if spec.type == "relations":
        relations = [item for item in items if item.get("type") == "relation"]
        return relations[int(index): int(index) + 1] if index is not None else relations
    own = [item for item in items if item.get("type") != "relation" and _owner(schema, item) == name]
    region_id = key if getattr(spec, "per_region", False) else None
    if index is not None and spec.type != "keypoints":
        regions = result.get(name)
        if isinstance(regions, list) and int(index) < len(regions) and isinstance(regions[int(index)], Mapping):
            region_id = regions[int(index)].get("id")
    if region_id is None:
        return own
    if key is not None:  # a per-region answer: that answer alone
        return [item for item in own if str(item.get("id")) == key] or own
    # a region: its items and the per-region answers given for it (same id in Label Studio)
    return [item for item in items if item.get("type") != "relation" and str(item.get("id")) == str(region_id)] or own


def _owner(schema: LabelSchema, item: Mapping) -> str | None:
    try:
        return control_name(schema, item.get("from_name"), item.get("to_name"), "")
    except Invalid:
        return None
